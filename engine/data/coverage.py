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

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from engine.data.codec import decode_line, drum_grid, drum_notes, drum_tokens, encode_line
from engine.data.converter import Converter
from engine.data.converters import TrioConverter, trio_parts
from engine.music.pattern import Note, Pattern
from models.vocab import DRUM_CLASS_OF

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
    """The segment's notes that some training window of `converter` gives back, at segment steps."""
    if isinstance(converter, TrioConverter):
        return _trio_kept(segment, converter)
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
    total = Coverage()
    for segment in segments:
        notes = segment_notes(segment)
        total += Coverage(len(notes), len(notes & kept_notes(segment, converter)))
    return total


def _trio_kept(segment: Pattern, converter: TrioConverter) -> set[NoteKey]:
    """`kept_notes` of the trio without a round trip per window (its 16-bar windows overlap 16 times):
    each melody/bass/drums combination's lines go through the codec once, and a note is kept where one
    of the combination's windows holds its onset; the same set as `window_kept` (a test checks)."""
    kept: set[NoteKey] = set()
    for parts in trio_parts(segment):
        starts = converter.complete_starts(parts, segment.bars)
        if not starts:
            continue
        inside = np.zeros(segment.steps, dtype=bool)
        for start in starts:
            inside[start : start + converter.steps] = True
        for track in parts:
            if track.is_drum:
                back = drum_notes(drum_tokens(drum_grid(track.notes, segment.steps)[0]))
            else:
                back = decode_line(encode_line(track.notes, segment.steps))
            kept |= _keys((n for n in back if inside[n.start]), track.is_drum)
    return kept
