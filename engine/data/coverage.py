# SPDX-License-Identifier: MIT
"""What each model will see of a song: the share of the notes in its usable (4/4) bars that a config's
training examples keep.

A note is kept by a config when one of the config's training windows that holds it gives it back from
the model's arrays (encode, then decode): the same pitch, or for drums the same drum class (Magenta's 9
classes; a drum key outside them is lost), at the same onset step. What loses notes: the monophonic
reductions (the top line of a chord, the lowest of a bass), windows that are not training windows (a
whole bar of silence, a trio part missing), the 8 instrument slots of multitrack_1bar, pitches outside
21..108. Notes are counted once per (pitch, onset step, drum or not): a unison doubled in two tracks is
one note. This is the issue-13 "round trip" measure, applied to every window the examples come from.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.data.band import BandConverter
from engine.data.codec import (
    _BITS,
    _CLASS_OF,
    _FIRST_PITCH,
)
from engine.data.converter import Converter
from engine.data.converters import (
    DrumsConverter,
    MelodyConverter,
    MultitrackConverter,
    TrioConverter,
)
from engine.music.pattern import Note, Pattern
from models.vocab import (
    DRUM_CLASS_OF,
    DRUM_KIT,
    DRUM_VOCAB,
    FIRST_PITCH_TOKEN,
    GM_PROGRAMS,
    MAX_PITCH,
    MELODY_VOCAB,
    MIN_PITCH,
)

NoteKey = tuple[int, int, bool]  # (pitch, or drum class for drums; onset step; drum)


@dataclass(frozen=True, slots=True)
class Coverage:
    """`kept` of the `notes` in a song's usable bars (distinct by pitch/drum class, onset and drum)."""

    notes: int = 0
    kept: int = 0

    @property
    def share(self) -> float:
        """kept / notes, 0..1 (1.0 for a song without notes: nothing was lost)."""
        return self.kept / self.notes if self.notes else 1.0

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(self.notes + other.notes, self.kept + other.kept)


def _keys(notes: Iterable[Note], drum: bool, offset: int = 0) -> set[NoteKey]:
    if drum:
        return {(DRUM_CLASS_OF.get(n.pitch, -1), n.start + offset, True) for n in notes}
    return {(n.pitch, n.start + offset, False) for n in notes}


def segment_notes(segment: Pattern) -> set[NoteKey]:
    """The notes of a segment (drums by class; a drum key outside the classes is class -1)."""
    return _as_set(_segment_arrays(segment))


def kept_notes(segment: Pattern, converter: Converter) -> set[NoteKey]:
    """The segment's notes that some training window of `converter` gives back, at segment steps.

    The same set as `window_kept` (tests check each converter), computed without a round trip per window
    where the converter allows: windows overlap (a 16-bar window holds every bar 16 times)."""
    return _as_set(_kept_arrays(segment, converter))


def window_kept(segment: Pattern, converter: Converter) -> set[NoteKey]:
    """`kept_notes` window by window: each training window encoded and decoded."""
    kept: set[NoteKey] = set()
    for start, window in converter.placed_windows(segment):
        back = converter.from_tensors(converter.to_tensors(window), tempo=window.tempo)
        for track in back.tracks:
            kept |= _keys(track.notes, track.is_drum, start)
    return kept


def coverage(segments: Iterable[Pattern], converter: Converter) -> Coverage:
    """How many of the notes of `segments` (a song's usable 4/4 parts) `converter`'s examples keep."""
    return coverages(segments, [converter])[0]


def coverages(segments: Iterable[Pattern], converters: Sequence[Converter]) -> list[Coverage]:
    """`coverage` of each converter, the segments' notes collected once; notes compared as integer
    codes (`_codes`), not as sets of tuples."""
    totals = [Coverage() for _ in converters]
    for segment in segments:
        notes = _codes(_segment_arrays(segment))
        for i, converter in enumerate(converters):
            totals[i] += Coverage(len(notes), _common(notes, _codes(_kept_arrays(segment, converter))))
    return totals


def _common(a: np.ndarray, b: np.ndarray) -> int:
    """How many values two sorted arrays of distinct values share (len(np.intersect1d(a, b)), by
    binary search instead of sorting both again)."""
    if not len(a):
        return 0
    at = np.minimum(np.searchsorted(a, b), len(a) - 1)
    return int((a[at] == b).sum())


_Keys = tuple[np.ndarray, np.ndarray, np.ndarray]  # NoteKey's fields as arrays: key, onset step, drum


def _as_set(keys: _Keys) -> set[NoteKey]:
    return set(zip(keys[0].tolist(), keys[1].tolist(), keys[2].tolist(), strict=True))


def _codes(keys: _Keys) -> np.ndarray:
    """Distinct int64 codes of note keys (key -1..127, onset step >= 0, drum), sorted."""
    key, step, drum = keys
    return np.unique((drum.astype(np.int64) * 256 + key + 1) << 40 | step)


def _arrays(key: Iterable[int], step: Iterable[int], drum: bool) -> _Keys:
    k = np.fromiter(key, dtype=np.int64)
    return k, np.fromiter(step, dtype=np.int64, count=len(k)), np.full(len(k), drum)


def _joined(parts: list[_Keys]) -> _Keys:
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def _segment_arrays(segment: Pattern) -> _Keys:
    parts = []
    for t in segment.tracks:
        if t.notes:
            pitch, step, drum = _arrays(map(_pitch, t.notes), map(_onset, t.notes), t.is_drum)
            parts.append((_CLASS_OF[pitch] if t.is_drum else pitch, step, drum))
    return _joined(parts)


_pitch = operator.attrgetter("pitch")  # of a Note, at C speed
_onset = operator.attrgetter("start")


def _kept_arrays(segment: Pattern, converter: Converter) -> _Keys:
    if isinstance(converter, TrioConverter):
        return _trio_kept(segment, converter)
    if isinstance(converter, BandConverter):
        return converter.kept_notes(segment)
    if isinstance(converter, MelodyConverter):
        return _melody_kept(segment, converter)
    if isinstance(converter, DrumsConverter):
        return _drums_kept(segment, converter)
    if isinstance(converter, MultitrackConverter):
        return _multitrack_kept(segment, converter)
    kept = sorted(window_kept(segment, converter))
    return _arrays((k[0] for k in kept), (k[1] for k in kept), False)[:2] + (
        np.array([k[2] for k in kept], dtype=bool),
    )


def _token_keys(tokens: np.ndarray, at: np.ndarray) -> _Keys:
    """Melody tokens (steps,) read back at the steps `at` (bool (steps,)): their onsets' pitches."""
    step = np.flatnonzero(at & (tokens >= FIRST_PITCH_TOKEN) & (tokens < MELODY_VOCAB))
    return tokens[step] - FIRST_PITCH_TOKEN + MIN_PITCH, step, np.zeros(len(step), dtype=bool)


def _drum_keys(tokens: np.ndarray, at: np.ndarray, offset: np.ndarray | int = 0) -> _Keys:
    """Drum tokens (..., steps) read back as `drum_notes` reads them, at the places `at` (bool, same
    shape): each hit's class and step (the last axis, plus `offset` per row of the leading axes)."""
    *rows, step, klass = np.nonzero(
        (np.minimum(np.maximum(tokens, 0), DRUM_VOCAB - 1)[..., None] & _BITS) > 0
    )
    hit = at[(*rows, step)]
    where = step + (offset[rows[0]] if rows and not isinstance(offset, int) else offset)
    return _CLASS_OF[_FIRST_PITCH[klass[hit]]], where[hit], np.ones(int(hit.sum()), dtype=bool)


def _trio_kept(segment: Pattern, converter: TrioConverter) -> _Keys:
    """`kept_notes` of the trio without a round trip per window (its 16-bar windows overlap 16 times):
    each melody/bass/drums combination's tokens (made once for the segment, as `examples` slices them)
    are read back as `_decode` reads them (onset tokens; drum classes), and a note is kept where one of
    the combination's windows holds its onset; the same set as `window_kept` (a test checks)."""
    parts = []
    for starts, lead, bass, drums in converter.encoded_combinations(segment):
        inside = _inside(np.asarray(starts, dtype=np.int64), converter.steps, np.arange(segment.steps))
        parts += [_token_keys(lead, inside), _token_keys(bass, inside), _drum_keys(drums, inside)]
    return _joined(parts)


def _melody_kept(segment: Pattern, converter: MelodyConverter) -> _Keys:
    """`kept_notes` of mel_2bar: each line's onsets inside its kept windows (`MelodyConverter.line_windows`,
    what `examples` cuts), at the pitch the tokens hold (`fit_pitch`)."""
    parts = []
    for line, starts in converter.line_windows(segment):
        pitch, onset, drum = _arrays(map(_pitch, line), map(_onset, line), False)
        inside = _inside(starts, converter.steps, onset)
        fitted = pitch - 12 * np.floor_divide(pitch - MIN_PITCH, 12).clip(max=0)  # fit_pitch: up by octaves
        fitted = fitted - 12 * np.ceil((fitted - MAX_PITCH) / 12).clip(min=0).astype(np.int64)  # and down
        parts.append((fitted[inside], onset[inside], drum[inside]))
    return _joined(parts)


def _drums_kept(segment: Pattern, converter: DrumsConverter) -> _Keys:
    """`kept_notes` of drums_2bar: the hits of the drum grid inside kept windows, by class."""
    starts, hits = converter.grid_windows(segment)
    steps, classes = np.nonzero(hits > 0.5)
    inside = _inside(starts, converter.steps, steps)
    return _CLASS_OF[_FIRST_PITCH[classes[inside]]], steps[inside], np.ones(int(inside.sum()), dtype=bool)


def _multitrack_kept(segment: Pattern, converter: MultitrackConverter) -> _Keys:
    """`kept_notes` of multitrack_1bar: each window's arrays read back as `_decode` reads them (onset
    tokens of the pitched slots, drum classes of the kit), all windows at once."""
    start, arrays = converter.placed_examples(segment)
    if not len(start):
        return _joined([])
    program, tokens = arrays["program"], arrays["tokens"]  # (W, slots), (W, slots, steps)
    step = np.broadcast_to(start[:, None, None] + np.arange(tokens.shape[2]), tokens.shape)
    pitched = ((program >= 0) & (program < GM_PROGRAMS))[:, :, None]
    onset = pitched & (tokens >= FIRST_PITCH_TOKEN) & (tokens < MELODY_VOCAB)
    melodic = (
        tokens[onset] - FIRST_PITCH_TOKEN + MIN_PITCH,
        step[onset],
        np.zeros(int(onset.sum()), dtype=bool),
    )
    kit = np.broadcast_to((program == DRUM_KIT)[:, :, None], tokens.shape)
    drum = np.where(kit & (tokens >= MELODY_VOCAB), tokens - MELODY_VOCAB, 0)
    return _joined([melodic, _drum_keys(drum, np.ones(drum.shape, dtype=bool), start)])


def _inside(starts: np.ndarray, steps: int, at: np.ndarray) -> np.ndarray:
    """bool (len(at),): whether each step of `at` lies in one of the windows [start, start + steps)."""
    if not len(starts) or not len(at):
        return np.zeros(len(at), dtype=bool)
    i = np.searchsorted(starts, at, side="right") - 1  # the last window starting at or before
    return (i >= 0) & (at < starts[np.maximum(i, 0)] + steps)
