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

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.data.band import BandConverter
from engine.data.codec import (
    _BITS,
    _CLASS_OF,
    _FIRST_PITCH,
    fit_pitch,
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
    return {k for t in segment.tracks for k in _keys(t.notes, t.is_drum)}


def kept_notes(segment: Pattern, converter: Converter) -> set[NoteKey]:
    """The segment's notes that some training window of `converter` gives back, at segment steps.

    The same set as `window_kept` (tests check each converter), computed without a round trip per window
    where the converter allows: windows overlap (a 16-bar window holds every bar 16 times)."""
    if isinstance(converter, TrioConverter):
        return _trio_kept(segment, converter)
    if isinstance(converter, BandConverter):
        keys, steps, drums = converter.kept_notes(segment)
        return set(zip(keys.tolist(), steps.tolist(), drums.tolist(), strict=True))
    if isinstance(converter, MelodyConverter):
        return _melody_kept(segment, converter)
    if isinstance(converter, DrumsConverter):
        return _drums_kept(segment, converter)
    if isinstance(converter, MultitrackConverter):
        return _multitrack_kept(segment, converter)
    return window_kept(segment, converter)


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
    """`coverage` of each converter, the segments' notes collected once."""
    totals = [Coverage() for _ in converters]
    for segment in segments:
        notes = segment_notes(segment)
        for i, converter in enumerate(converters):
            totals[i] += Coverage(len(notes), len(notes & kept_notes(segment, converter)))
    return totals


def _trio_kept(segment: Pattern, converter: TrioConverter) -> set[NoteKey]:
    """`kept_notes` of the trio without a round trip per window (its 16-bar windows overlap 16 times):
    each melody/bass/drums combination's tokens (made once for the segment, as `examples` slices them)
    are read back as `_decode` reads them (onset tokens; drum classes), and a note is kept where one of
    the combination's windows holds its onset; the same set as `window_kept` (a test checks)."""
    kept: set[NoteKey] = set()
    for starts, lead, bass, drums in converter.encoded_combinations(segment):
        inside = _inside(np.asarray(starts, dtype=np.int64), converter.steps, np.arange(segment.steps))
        for tokens in (lead, bass):
            at = np.flatnonzero(inside & (tokens >= FIRST_PITCH_TOKEN) & (tokens < MELODY_VOCAB))
            pitch = tokens[at] - FIRST_PITCH_TOKEN + MIN_PITCH
            kept.update(zip(pitch.tolist(), at.tolist(), itertools.repeat(False)))
        at, klass = np.nonzero((np.minimum(np.maximum(drums, 0), DRUM_VOCAB - 1)[:, None] & _BITS) > 0)
        hit = inside[at]
        kept.update(
            zip(_CLASS_OF[_FIRST_PITCH[klass[hit]]].tolist(), at[hit].tolist(), itertools.repeat(True))
        )
    return kept


def _melody_kept(segment: Pattern, converter: MelodyConverter) -> set[NoteKey]:
    """`kept_notes` of mel_2bar: each line's onsets inside its kept windows (`MelodyConverter.line_windows`,
    what `examples` cuts), at the pitch the tokens hold (`fit_pitch`)."""
    kept: set[NoteKey] = set()
    for line, starts in converter.line_windows(segment):
        onsets = np.array([n.start for n in line], dtype=np.int64)
        inside = _inside(starts, converter.steps, onsets)
        kept |= {
            (fit_pitch(n.pitch), n.start, False) for n, ok in zip(line, inside.tolist(), strict=True) if ok
        }
    return kept


def _drums_kept(segment: Pattern, converter: DrumsConverter) -> set[NoteKey]:
    """`kept_notes` of drums_2bar: the hits of the drum grid inside kept windows, by class."""
    starts, hits = converter.grid_windows(segment)
    steps, classes = np.nonzero(hits > 0.5)
    inside = _inside(starts, converter.steps, steps)
    keys = _CLASS_OF[_FIRST_PITCH[classes[inside]]]
    return set(zip(keys.tolist(), steps[inside].tolist(), [True] * int(inside.sum()), strict=True))


def _multitrack_kept(segment: Pattern, converter: MultitrackConverter) -> set[NoteKey]:
    """`kept_notes` of multitrack_1bar: each window's arrays read back as `_decode` reads them (onset
    tokens of the pitched slots, drum classes of the kit), all windows at once."""
    start, arrays = converter.placed_examples(segment)
    if not len(start):
        return set()
    program, tokens = arrays["program"], arrays["tokens"]  # (W, slots), (W, slots, steps)
    step = np.broadcast_to(start[:, None, None] + np.arange(tokens.shape[2]), tokens.shape)
    pitched = ((program >= 0) & (program < GM_PROGRAMS))[:, :, None]
    onset = pitched & (tokens >= FIRST_PITCH_TOKEN) & (tokens < MELODY_VOCAB)
    kept = set(
        zip(
            (tokens[onset] - FIRST_PITCH_TOKEN + MIN_PITCH).tolist(),
            step[onset].tolist(),
            itertools.repeat(False),
        )
    )
    kit = np.broadcast_to((program == DRUM_KIT)[:, :, None], tokens.shape)
    drum = np.where(kit & (tokens >= MELODY_VOCAB), tokens - MELODY_VOCAB, 0)
    drum = np.minimum(np.maximum(drum, 0), DRUM_VOCAB - 1)
    w, slot, at, klass = np.nonzero(drum[..., None] & _BITS)
    keys = _CLASS_OF[_FIRST_PITCH[klass]]
    kept |= set(zip(keys.tolist(), (start[w] + at).tolist(), itertools.repeat(True)))
    return kept


def _inside(starts: np.ndarray, steps: int, at: np.ndarray) -> np.ndarray:
    """bool (len(at),): whether each step of `at` lies in one of the windows [start, start + steps)."""
    if not len(starts) or not len(at):
        return np.zeros(len(at), dtype=bool)
    i = np.searchsorted(starts, at, side="right") - 1  # the last window starting at or before
    return (i >= 0) & (at < starts[np.maximum(i, 0)] + steps)
