# SPDX-License-Identifier: MIT
"""MidiSource: the lossless original of a Pattern read from a file (every event that read cleanly).

A Pattern holds the musical view (notes on the 16th grid); its `source` holds the file as it was: per SMF
track the events as raw bytes with their ticks, and the note pairs that link each grid note (`Note.ref`)
to its exact on/off events. The writer (engine.midi.writer) writes the source back, changing only notes
whose grid view changed, so that nothing an operation does not touch is lost.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload


@dataclass(frozen=True, slots=True)
class SourceTrack:
    """One SMF track: its decoded name, its events and the tick of its end-of-track.

    Attributes:
        events: (tick, raw bytes) in file order. Channel messages have running status expanded
            (status + data bytes); meta events are FF type varlen body; sysex F0/F7 varlen body.
            The end-of-track meta is not among them (see `end`).
        end: the tick of the track's end-of-track event (or of its last event when it had none).
    """

    name: str
    events: tuple[tuple[int, bytes], ...]
    end: int


@dataclass(frozen=True, slots=True)
class NotePair:
    """One note of the file: its note-on and the note-off that closes it.

    Attributes:
        track: SMF track index; channel 0..15; pitch 0..127.
        on, off: ticks (off >= on; equal for a zero-length note).
        velocity: the note-on velocity 1..127; off_velocity the note-off's (0 for note-on velocity 0).
        on_index, off_index: indices into the track's `events`; off_index is -1 for a note the file
            never ends (it ends with its track, at `off`).
    """

    track: int
    channel: int
    pitch: int
    on: int
    off: int
    velocity: int
    off_velocity: int
    on_index: int
    off_index: int


class NotePairs(Sequence[NotePair]):
    """A file's note pairs, held as columns (one sequence of ints per NotePair field, e.g. int64 arrays)
    and made into NotePair objects when first read: preparing a folder reads a file's notes on the grid
    only, and making a NotePair per note was a tenth of reading a file."""

    __slots__ = ("_columns", "_pairs")

    def __init__(self, columns: Sequence[Any]) -> None:
        if len(columns) != len(NotePair.__dataclass_fields__):
            raise ValueError(f"note pair columns: {len(columns)}, not {len(NotePair.__dataclass_fields__)}")
        self._columns = tuple(columns)
        self._pairs: tuple[NotePair, ...] | None = None

    def _all(self) -> tuple[NotePair, ...]:
        if self._pairs is None:
            self._pairs = tuple(map(NotePair, *(_ints(c) for c in self._columns)))
        return self._pairs

    def __len__(self) -> int:
        return len(self._columns[0])

    @overload
    def __getitem__(self, i: int) -> NotePair: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[NotePair, ...]: ...

    def __getitem__(self, i: int | slice) -> NotePair | tuple[NotePair, ...]:
        return self._all()[i]

    def __iter__(self) -> Iterator[NotePair]:
        return iter(self._all())


def _ints(column: Any) -> list[int]:
    """A column as Python ints (NumPy arrays through tolist, at C speed)."""
    return column.tolist() if hasattr(column, "tolist") else [int(v) for v in column]


@dataclass(frozen=True, slots=True, eq=False)
class MidiSource:
    """A MIDI file as it was read: ticks per quarter, SMF format, tracks, note pairs.

    Equality and hashing go by `digest` (a hash of the file's bytes), so a Pattern holding a source stays
    cheap to compare and hash.
    """

    tpq: int
    format: int
    tracks: tuple[SourceTrack, ...]
    notes: Sequence[NotePair]  # a tuple, or NotePairs (made when first read)
    digest: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MidiSource) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    @property
    def event_count(self) -> int:
        return sum(len(t.events) for t in self.tracks)
