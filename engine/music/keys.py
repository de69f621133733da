# SPDX-License-Identifier: MIT
"""Musical keys: parse "C:minor", detect a key (Krumhansl-Schmuckler), and build decoder logit masks.

A mask is a bool array over a vocabulary: True = the decoder may pick that class. `--key` keeps pitched
parts in a scale by masking the decoder's choices; drums are never masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from engine.music.pattern import Pattern
from models.spec import ModelSpec
from models.vocab import BAND_PITCH, BAND_VOCAB, FIRST_PITCH_TOKEN, MELODY_VOCAB, MIN_PITCH

_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
_MODE_ALIASES = {
    "major": "major",
    "maj": "major",
    "ionian": "major",
    "minor": "minor",
    "min": "minor",
    "m": "minor",
    "aeolian": "minor",
}
# Krumhansl & Kessler (1982) key profiles, tonic first.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


class KeyNameError(ValueError):
    """A key name that cannot be read; str(e) says what is accepted."""


# Tonic names as key signatures spell them (the circle of fifths, fewest accidentals; the six-accidental
# keys as F# major and Eb minor): musicians write Bb major and Eb minor, never A# major or D# minor.
MAJOR_TONICS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")


def key_name(tonic: int, mode: str) -> str:
    """The tonic as the key signature spells it: key_name(10, "major") == "Bb", (3, "minor") == "Eb"."""
    return (MAJOR_TONICS if mode == "major" else MINOR_TONICS)[tonic % 12]


def key_choices(modes: Iterable[str] = ("major", "minor")) -> list[tuple[str, str]]:
    """(label, value) for a key picker: ("Bb major", "Bb:major"), ... C to B for each mode in turn."""
    return [(f"{key_name(t, m)} {m}", f"{key_name(t, m)}:{m}") for m in modes for t in range(12)]


@dataclass(frozen=True, slots=True)
class Key:
    """A major or (natural) minor key: tonic pitch class 0..11 (C = 0) and mode."""

    tonic: int
    mode: str = "major"

    def __post_init__(self) -> None:
        if not 0 <= self.tonic <= 11:
            raise ValueError(f"tonic {self.tonic} outside 0..11")
        if self.mode not in SCALES:
            raise ValueError(f"mode {self.mode!r} is not one of {', '.join(SCALES)}")

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset((self.tonic + i) % 12 for i in SCALES[self.mode])

    def contains(self, pitch: int) -> bool:
        return pitch % 12 in self.pitch_classes

    def __str__(self) -> str:
        return f"{key_name(self.tonic, self.mode)}:{self.mode}"

    @property
    def label(self) -> str:
        """The key for people: "Bb major", "Eb minor"."""
        return f"{key_name(self.tonic, self.mode)} {self.mode}"


# A key option's words besides key names (Runner.resolve_key): any notes; the clip's or the training
# music's key; the song's key when it has a clear one
NO_KEY_WORDS = ("none", "any")
KEY_WORDS = (*NO_KEY_WORDS, "auto", "song")

_KEY_RE = re.compile(r"^\s*([A-Ga-g])([#b]*)\s*[:_\- ]?\s*([A-Za-z]*)\s*$")


def parse_key(text: str) -> Key:
    """Read "C:minor", "F#:major", "Bb minor", "Am", "eb:min" (case-insensitive, ♯/♭ allowed)."""
    m = _KEY_RE.match(text.replace("♯", "#").replace("♭", "b"))
    if m is None:
        raise KeyNameError(f"cannot read the key {text!r}: write it like C:major, F#:minor or Bb:minor")
    letter, accidentals, mode = m.groups()
    mode_name = _MODE_ALIASES.get(mode.lower() or "major")
    if mode_name is None:
        raise KeyNameError(f"unknown mode {mode!r} in {text!r}: use major or minor")
    tonic = _LETTERS[letter.upper()] + accidentals.count("#") - accidentals.count("b")
    return Key(tonic % 12, mode_name)


def pitch_class_histogram(pattern: Pattern) -> np.ndarray:
    """Duration-weighted pitch-class histogram (12,) of the pitched (non-drum) tracks."""
    hist = np.zeros(12, dtype=np.float64)
    for track in pattern.tracks:
        if track.is_drum:
            continue
        for note in track.notes:
            hist[note.pitch % 12] += note.duration
    return hist


# the pitch bounds of `into_pitch_classes`, as training's transposed copies keep them (engine/data/
# dataset.py `load_examples`: copies that would leave 21..108 are dropped)
FIT_LOWEST, FIT_HIGHEST = 21, 108


def into_pitch_classes(pattern: Pattern, weights: Iterable[float], most: int = 5) -> tuple[Pattern, int]:
    """(`pattern` with its pitched tracks moved by the shift that best fits `weights`, the shift in
    semitones): of the shifts -most..+most (the copies training adds: ModelSpec.transpose, 5; the band
    configs 3), the one whose moved pitch-class histogram (`pitch_class_histogram`, 12) has the largest
    dot product with `weights` (12, e.g. the training music's pitch-class weights), among those that keep
    every pitched note within FIT_LOWEST..FIT_HIGHEST; ties go to the smaller move, then upward. Drums
    stay. Undoes the transposition training adds: a model trained on its music moved up to `most`
    semitones each way writes in any of those keys. A clip without pitched notes comes back as it is,
    with 0. ValueError for weights of another shape or a negative `most`."""
    w = np.asarray(list(weights), dtype=np.float64)
    if w.shape != (12,):
        raise ValueError(f"pitch-class weights have 12 values, got {w.shape}")
    if most < 0:
        raise ValueError(f"the largest move must be 0 or more, not {most}")
    pitches = [n.pitch for t in pattern.tracks if not t.is_drum for n in t.notes]
    if not pitches or w.sum() <= 0:
        return pattern, 0
    hist = pitch_class_histogram(pattern)
    lo, hi = min(pitches), max(pitches)
    fits = [s for s in range(-most, most + 1) if lo + s >= FIT_LOWEST and hi + s <= FIT_HIGHEST] or [0]
    # the histogram moved by s puts class i's weight on class i + s: score it against w
    shift = max(fits, key=lambda s: (float(hist @ np.roll(w, -s)), -abs(s), s))
    if shift == 0:
        return pattern, 0
    moved = [
        t if t.is_drum else t.with_notes(replace(n, pitch=n.pitch + shift) for n in t.notes)
        for t in pattern.tracks
    ]
    return pattern.with_tracks(moved), shift


CLEAR_KEY_R = 0.75
"""Krumhansl-Schmuckler correlation (Krumhansl 1990, "Cognitive Foundations of Musical Pitch") at or
above which a song counts as clearly in its key, so `complete` and `infill` keep new notes to that key
by default. Chosen on ../shared/data/midi: every Bach chorale and folk tune there scores 0.75-0.98, the
chromatic Freedoom rock songs 0.54-0.94 (7 of 22 below 0.75 and left unmasked)."""


def key_from_histogram(hist: Iterable[float]) -> Key | None:
    """The key whose Krumhansl-Kessler profile correlates best with `hist` (12,); None if it is empty."""
    return key_strength_of_histogram(hist)[0]


def key_strength_of_histogram(hist: Iterable[float]) -> tuple[Key | None, float]:
    """(the best key, its Pearson correlation -1..1) for a pitch-class histogram (12,); (None, 0.0) when
    it is empty or flat. ValueError for a histogram of another shape."""
    h = np.asarray(list(hist), dtype=np.float64)
    if h.shape != (12,):
        raise ValueError(f"a pitch-class histogram has 12 values, got {h.shape}")
    if h.sum() <= 0 or np.ptp(h) == 0:
        return None, 0.0
    best: tuple[float, Key] | None = None
    for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        prof = np.asarray(profile)
        for tonic in range(12):
            r = float(np.corrcoef(h, np.roll(prof, tonic))[0, 1])
            if best is None or r > best[0]:
                best = (r, Key(tonic, mode))
    return (best[1], best[0]) if best else (None, 0.0)


def detect_key(pattern: Pattern) -> Key | None:
    """The most likely key of the pattern's pitched notes, or None when it has none."""
    return key_from_histogram(pitch_class_histogram(pattern))


def clear_key(pattern: Pattern) -> tuple[Key | None, float]:
    """(the pattern's key, its correlation) when the correlation is at least CLEAR_KEY_R, else (None,
    correlation): the key `complete` and `infill` keep to by default."""
    key, r = key_strength_of_histogram(pitch_class_histogram(pattern))
    return (key if r >= CLEAR_KEY_R else None), r


def melody_mask(key: Key, vocab: int = MELODY_VOCAB) -> np.ndarray:
    """Bool (vocab,): 0 and 1 always allowed, note-ons only for pitches in the key's scale.

    Classes from MELODY_VOCAB on (the drum part of the multitrack vocabulary) stay allowed.
    """
    mask = np.ones(vocab, dtype=bool)
    for cls in range(FIRST_PITCH_TOKEN, min(vocab, MELODY_VOCAB)):
        mask[cls] = key.contains(cls - FIRST_PITCH_TOKEN + MIN_PITCH)
    return mask


def logit_masks(spec: ModelSpec, key: Key | None) -> dict[str, np.ndarray] | None:
    """The `logit_mask` argument for MusicVAE.decode: a mask per maskable array of `spec` (the arrays
    holding melody-vocabulary pitches), or None (no key, or a model that writes drums only)."""
    if key is None:
        return None
    if spec.bar_events:  # band events: PITCH k only for k in the key (the model applies it to pitched slots)
        mask = np.ones(BAND_VOCAB, dtype=bool)
        mask[BAND_PITCH : BAND_PITCH + 128] = [key.contains(p) for p in range(128)]
        return {"events": mask}
    masks = {name: melody_mask(key, vocab) for name, vocab in spec.mask_vocab.items()}
    return masks or None
