# SPDX-License-Identifier: MIT
"""Domain types: Note, Track and Pattern on a 16th-note grid.

Everything in Bandmate (data pipeline, models, generation, playback, the piano roll) talks in these
immutable values. Times are integer steps of a 16th note; micro-timing lives in `Note.offset`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

STEPS_PER_QUARTER = 4
STEPS_PER_BAR = 16  # 4/4 only: other meters are skipped by the data pipeline


class Role(StrEnum):
    """What a track does in the band; decides which model part it feeds."""

    DRUMS = "drums"
    BASS = "bass"
    LEAD = "lead"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Note:
    """One note on the 16th grid.

    Attributes:
        pitch: MIDI pitch 0..127 (for drums the GM drum key).
        start: onset step.
        end: release step, exclusive, > start.
        velocity: 1..127.
        offset: micro-timing, the onset's shift from the grid in steps, in [-0.5, 0.5).
    """

    pitch: int
    start: int
    end: int
    velocity: int = 100
    offset: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.pitch <= 127:
            raise ValueError(f"pitch {self.pitch} outside 0..127")
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"bad note span {self.start}..{self.end}")
        if not 1 <= self.velocity <= 127:
            raise ValueError(f"velocity {self.velocity} outside 1..127")
        if not -0.5 <= self.offset < 0.5:
            raise ValueError(f"offset {self.offset} outside [-0.5, 0.5)")

    @property
    def duration(self) -> int:
        return self.end - self.start

    def shifted(self, steps: int) -> Note:
        return dataclasses.replace(self, start=self.start + steps, end=self.end + steps)


@dataclass(frozen=True, slots=True)
class Track:
    """The notes of one instrument, sorted by (start, pitch)."""

    notes: tuple[Note, ...] = ()
    program: int = 0
    is_drum: bool = False
    role: Role = Role.OTHER
    name: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.program <= 127:
            raise ValueError(f"program {self.program} outside 0..127")
        ordered = tuple(sorted(self.notes, key=lambda n: (n.start, n.pitch, n.end)))
        object.__setattr__(self, "notes", ordered)

    def with_notes(self, notes: Iterable[Note]) -> Track:
        return dataclasses.replace(self, notes=tuple(notes))


@dataclass(frozen=True, slots=True)
class Pattern:
    """A clip: tracks over `steps` 16th steps at one tempo (beats per minute)."""

    tracks: tuple[Track, ...] = ()
    steps: int = STEPS_PER_BAR
    tempo: float = 120.0

    def __post_init__(self) -> None:
        if self.steps <= 0:
            raise ValueError(f"pattern length {self.steps} must be positive")
        if not 1.0 <= self.tempo <= 1000.0:
            raise ValueError(f"tempo {self.tempo} outside 1..1000 BPM")
        object.__setattr__(self, "tracks", tuple(self.tracks))

    @property
    def bars(self) -> int:
        return -(-self.steps // STEPS_PER_BAR)

    @property
    def note_count(self) -> int:
        return sum(len(t.notes) for t in self.tracks)

    def track_for(self, role: Role) -> Track | None:
        """The first track with `role`, or None."""
        return next((t for t in self.tracks if t.role == role), None)

    def with_tracks(self, tracks: Iterable[Track]) -> Pattern:
        return dataclasses.replace(self, tracks=tuple(tracks))

    def slice(self, start: int, end: int) -> Pattern:
        """Steps [start, end) as a new pattern starting at 0; notes are clipped to the window."""
        if not 0 <= start < end:
            raise ValueError(f"bad slice {start}..{end}")
        tracks = []
        for track in self.tracks:
            notes = [
                dataclasses.replace(n, start=n.start - start, end=min(n.end, end) - start)
                for n in track.notes
                if start <= n.start < end
            ]
            tracks.append(track.with_notes(notes))
        return Pattern(tuple(tracks), end - start, self.tempo)

    @staticmethod
    def join(patterns: Iterable[Pattern]) -> Pattern:
        """The patterns played one after another (see `concat`); ValueError for none."""
        items = list(patterns)
        if not items:
            raise ValueError("nothing to join")
        out = items[0]
        for p in items[1:]:
            out = out.concat(p)
        return out

    def concat(self, other: Pattern) -> Pattern:
        """This pattern followed by `other`; tracks are matched by (role, program, is_drum)."""
        tracks = {(t.role, t.program, t.is_drum): t for t in self.tracks}
        for t in other.tracks:
            key = (t.role, t.program, t.is_drum)
            moved = [n.shifted(self.steps) for n in t.notes]
            base = tracks.get(key)
            tracks[key] = base.with_notes(base.notes + tuple(moved)) if base else t.with_notes(moved)
        return Pattern(tuple(tracks.values()), self.steps + other.steps, self.tempo)
