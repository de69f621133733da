# SPDX-License-Identifier: MIT
"""Domain types: Meter, Note, Track and Pattern on a 16th-note grid.

Everything in Bandmate (data pipeline, models, generation, playback, the piano roll) talks in these
immutable values. Times are steps of a 16th note; micro-timing lives in `Note.offset`. A Pattern read
from a file also carries its tempo and meter maps and the file itself (`source`), so writing it back
changes only what an operation changed.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import itertools
import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from engine.music.source import MidiSource

STEPS_PER_QUARTER = 4
STEPS_PER_BAR = 16  # 4/4 only: the models read 4/4 bars; other meters are described by `Meter`
MIN_BPM, MAX_BPM = 1.0, 1000.0
# the tempo a musician sets (BPM): --bpm, the transport, the jam, a session file; a MIDI file may hold
# any tempo in MIN_BPM..MAX_BPM
PLAY_MIN_BPM, PLAY_MAX_BPM = 20.0, 300.0


class Role(StrEnum):
    """What a track does in the band; decides which model part it feeds."""

    DRUMS = "drums"
    BASS = "bass"
    LEAD = "lead"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Meter:
    """A time signature numerator/denominator (denominator a power of two, 1..64)."""

    numerator: int = 4
    denominator: int = 4

    def __post_init__(self) -> None:
        if not 1 <= self.numerator <= 255:
            raise ValueError(f"meter numerator {self.numerator} outside 1..255")
        if self.denominator not in (1, 2, 4, 8, 16, 32, 64):
            raise ValueError(f"meter denominator {self.denominator} is not a power of two 1..64")

    @property
    def bar_steps(self) -> float:
        """16th steps in one bar: 16 for 4/4, 12 for 3/4 and 6/8, 3.5 for 7/32."""
        steps = STEPS_PER_BAR * self.numerator / self.denominator
        return int(steps) if steps == int(steps) else steps

    @property
    def is_common_time(self) -> bool:
        """4/4 or its cut-time spelling 2/2: 16 sixteenths of four beats, what the models read."""
        return (self.numerator, self.denominator) in ((4, 4), (2, 2))

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


FOUR_FOUR = Meter(4, 4)


def parse_meter(text: str) -> Meter:
    """ "3/4" -> Meter(3, 4); ValueError with a one-line reason for anything else."""
    num, sep, den = text.strip().partition("/")
    try:
        if not sep:
            raise ValueError
        return Meter(int(num), int(den))
    except ValueError as e:
        why = f": {e}" if str(e) else ""
        raise ValueError(f"meter {text!r} is not a time signature like 3/4 or 7/8{why}") from None


@dataclass(frozen=True, slots=True)
class Note:
    """One note on the 16th grid.

    Attributes:
        pitch: MIDI pitch 0..127 (for drums the GM drum key).
        start: onset step.
        end: release step, exclusive, > start.
        velocity: 1..127.
        offset: micro-timing, the onset's shift from the grid in steps, in [-0.5, 0.5).
        ref: index of the source note (`MidiSource.notes`) it came from; -1 for a new note. Not compared.
    """

    pitch: int
    start: int
    end: int
    velocity: int = 100
    offset: float = 0.0
    ref: int = field(default=-1, compare=False)

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


_NOTE_ORDER = operator.attrgetter("start", "pitch", "end")  # a Track's note order (C speed, as a key)
_NOTE_FIELDS = ("pitch", "start", "end", "velocity", "offset", "ref")
_NOTE_SETTERS = tuple(getattr(Note, f).__set__ for f in _NOTE_FIELDS)  # the slots' own setters


def make_notes(
    pitch: Sequence[int],
    start: Sequence[int],
    end: Sequence[int],
    velocity: Sequence[int],
    offset: Sequence[float],
    ref: Sequence[int],
) -> tuple[Note, ...]:
    """`tuple(map(Note, pitch, start, end, velocity, offset, ref))` for columns of equal length (lists of
    Python ints and floats), made faster for a whole file's notes: the columns are checked as wholes
    (min, max, C-speed passes) and the notes' slots are then set directly, one field of all notes at a
    time, skipping the per-note `__init__`/`__post_init__` calls (a third of a file's reading time).
    Columns with a value out of range take the plain path, so the error is Note's own ValueError for the
    first bad note; columns of unequal length raise ValueError."""
    columns = (pitch, start, end, velocity, offset, ref)
    if len({len(c) for c in columns}) != 1:
        raise ValueError(f"note columns of unequal length: {[len(c) for c in columns]}")
    if not pitch:
        return ()
    if not (
        0 <= min(pitch)
        and max(pitch) <= 127
        and min(start) >= 0
        and all(map(operator.lt, start, end))
        and 1 <= min(velocity)
        and max(velocity) <= 127
        and all(map((-0.5).__le__, offset))
        and all(map((0.5).__gt__, offset))
    ):
        return tuple(map(Note, pitch, start, end, velocity, offset, ref))
    notes = list(map(object.__new__, itertools.repeat(Note, len(pitch))))
    for setter, column in zip(_NOTE_SETTERS, columns, strict=True):
        _consume(map(setter, notes, column))  # one field of every note, at C speed
    return tuple(notes)


_SINK: collections.deque[None] = collections.deque(maxlen=0)
_consume = _SINK.extend  # runs an iterator to its end, keeping nothing


@dataclass(frozen=True, slots=True)
class Track:
    """The notes of one instrument, sorted by (start, pitch).

    `channel` is the MIDI channel 0..15 it came from and plays on (None: the writer assigns one).
    """

    notes: tuple[Note, ...] = ()
    program: int = 0
    is_drum: bool = False
    role: Role = Role.OTHER
    name: str = ""
    channel: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.program <= 127:
            raise ValueError(f"program {self.program} outside 0..127")
        if self.channel is not None and not 0 <= self.channel <= 15:
            raise ValueError(f"channel {self.channel} outside 0..15")
        ordered = tuple(sorted(self.notes, key=_NOTE_ORDER))
        object.__setattr__(self, "notes", ordered)

    def with_notes(self, notes: Iterable[Note]) -> Track:
        return dataclasses.replace(self, notes=tuple(notes))


_SET_TRACK_NOTES = Track.__dict__["notes"].__set__  # the slot's own setter (Track is frozen)


def ordered_track(
    notes: tuple[Note, ...],
    program: int = 0,
    is_drum: bool = False,
    role: Role = Role.OTHER,
    name: str = "",
    channel: int | None = None,
) -> Track:
    """`Track(notes, ...)` for notes the caller already holds in a Track's order (by start, pitch, end;
    as the stable sort leaves them): the same Track without sorting them again (the reader's notes come
    out of one lexsort by those keys; re-sorting a file's notes was ~5% of reading it). The program and
    channel are checked as Track checks them."""
    track = Track((), program, is_drum, role, name, channel)
    _SET_TRACK_NOTES(track, notes)
    return track


@dataclass(frozen=True, slots=True)
class Pattern:
    """A clip: tracks over `steps` 16th steps, with its tempo and meter maps.

    Attributes:
        tempo: BPM at step 0 (1..1000).
        meter: the meter at step 0.
        tempo_map: later tempo changes as (step, BPM), steps in (0, steps), increasing.
        meter_map: later meter changes as (step, Meter), steps in (0, steps), increasing.
        source: the file the pattern was read from (lossless original; see engine.music.source), or
            None. Not compared or hashed: two patterns with the same notes and maps are equal.
    """

    tracks: tuple[Track, ...] = ()
    steps: int = STEPS_PER_BAR
    tempo: float = 120.0
    meter: Meter = FOUR_FOUR
    tempo_map: tuple[tuple[float, float], ...] = ()
    meter_map: tuple[tuple[float, Meter], ...] = ()
    source: MidiSource | None = field(default=None, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        if self.steps <= 0:
            raise ValueError(f"pattern length {self.steps} must be positive")
        if not MIN_BPM <= self.tempo <= MAX_BPM:
            raise ValueError(f"tempo {self.tempo} outside 1..1000 BPM")
        object.__setattr__(self, "tracks", tuple(self.tracks))
        object.__setattr__(self, "tempo_map", tuple((float(s), float(b)) for s, b in self.tempo_map))
        object.__setattr__(self, "meter_map", tuple((float(s), m) for s, m in self.meter_map))
        for name, changes in (("tempo", self.tempo_map), ("meter", self.meter_map)):
            steps = [s for s, _ in changes]
            if any(s <= 0 for s in steps) or steps != sorted(set(steps)):
                raise ValueError(f"{name} changes must lie after step 0, one per step, in order")
        if any(not MIN_BPM <= b <= MAX_BPM for _, b in self.tempo_map):
            raise ValueError("tempo change outside 1..1000 BPM")

    @property
    def bars(self) -> int:
        """Bars that start before the end (a last, partial bar counts)."""
        if not self.meter_map and self.meter == FOUR_FOUR:
            return -(-self.steps // STEPS_PER_BAR)
        return len(self.bar_starts())

    @property
    def note_count(self) -> int:
        return sum(len(t.notes) for t in self.tracks)

    def tempo_at(self, step: float) -> float:
        """BPM in effect at `step`."""
        i = bisect.bisect_right(self.tempo_map, step, key=_step)
        return self.tempo if i == 0 else self.tempo_map[i - 1][1]

    def meter_at(self, step: float) -> Meter:
        """The meter in effect at `step`."""
        i = bisect.bisect_right(self.meter_map, step, key=_step)
        return self.meter if i == 0 else self.meter_map[i - 1][1]

    def meter_regions(self) -> list[tuple[float, float, Meter]]:
        """(start, end, meter) runs covering [0, steps): a meter change ends the run before it."""
        changes = [(0.0, self.meter), *[c for c in self.meter_map if c[0] < self.steps]]
        ends = [s for s, _ in changes[1:]] + [float(self.steps)]
        return [(s, e, m) for (s, m), e in zip(changes, ends, strict=True) if e > s]

    def bar_starts(self) -> tuple[float, ...]:
        """The step at which each bar starts, from 0; a meter change mid-bar starts a new bar."""
        out: list[float] = []
        for start, end, meter in self.meter_regions():
            bar = meter.bar_steps  # a property: once per region, not once per bar
            count = math.ceil((end - start) / bar - 1e-9)
            out += [start + i * bar for i in range(count)]
        return tuple(out)

    def track_for(self, role: Role) -> Track | None:
        """The first track with `role`, or None."""
        return next((t for t in self.tracks if t.role == role), None)

    def at_tempo(self, bpm: float) -> Pattern:
        """The same clip at one constant tempo `bpm` (BPM, 1..1000): the tempo map is dropped, the notes
        and the source stay (the writer then writes this tempo instead of the file's own tempo events).

        Raises:
            ValueError: `bpm` outside 1..1000.
        """
        return dataclasses.replace(self, tempo=float(bpm), tempo_map=())

    def with_tracks(self, tracks: Iterable[Track]) -> Pattern:
        """The same clip (maps and source kept) with other tracks."""
        return dataclasses.replace(self, tracks=tuple(tracks))

    def slice(self, start: int, end: int) -> Pattern:
        """Steps [start, end) as a new pattern starting at 0; notes are clipped to the window.

        The tempo and meter in effect at `start` become the slice's own, later changes move with it.
        The slice has no source, unless it is the whole pattern.
        """
        if not 0 <= start < end:
            raise ValueError(f"bad slice {start}..{end}")
        if (start, end) == (0, self.steps):
            return self
        tracks = []
        for track in self.tracks:  # notes are sorted by start: cut by bisection, not by a full scan
            lo = bisect.bisect_left(track.notes, start, key=_start)
            hi = bisect.bisect_left(track.notes, end, lo, key=_start)
            # Note(...), not dataclasses.replace (the same note, ref kept): 2x cheaper per note
            notes = [
                Note(n.pitch, n.start - start, min(n.end, end) - start, n.velocity, n.offset, n.ref)
                for n in track.notes[lo:hi]
            ]
            tracks.append(track.with_notes(notes))
        return Pattern(
            tuple(tracks),
            end - start,
            self.tempo_at(start),
            self.meter_at(start),
            tuple((s - start, b) for s, b in _between(self.tempo_map, start, end)),
            tuple((s - start, m) for s, m in _between(self.meter_map, start, end)),
        )

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
        """This pattern followed by `other`; tracks are matched by (role, program, is_drum).

        `other`'s tempo and meter become changes where it starts (when they differ); no source is kept.
        """
        tracks = {(t.role, t.program, t.is_drum): t for t in self.tracks}
        for t in other.tracks:
            key = (t.role, t.program, t.is_drum)
            moved = [n.shifted(self.steps) for n in t.notes]
            base = tracks.get(key)
            tracks[key] = base.with_notes(base.notes + tuple(moved)) if base else t.with_notes(moved)
        at = float(self.steps)
        tempos = list(self.tempo_map)
        if other.tempo != self.tempo_at(at):
            tempos.append((at, other.tempo))
        meters = list(self.meter_map)
        if other.meter != self.meter_at(at):
            meters.append((at, other.meter))
        return Pattern(
            tuple(tracks.values()),
            self.steps + other.steps,
            self.tempo,
            self.meter,
            tuple(tempos) + tuple((s + at, b) for s, b in other.tempo_map),
            tuple(meters) + tuple((s + at, m) for s, m in other.meter_map),
        )


def _start(note: Note) -> int:
    return note.start


_V = TypeVar("_V")  # the value of a (step, value) change: BPM or Meter


def _step(change: tuple[float, object]) -> float:
    return change[0]


def _between(changes: tuple[tuple[float, _V], ...], start: float, end: float) -> tuple[tuple[float, _V], ...]:
    """The (step, value) changes with start < step < end (changes sorted by step)."""
    lo = bisect.bisect_right(changes, start, key=_step)
    hi = bisect.bisect_left(changes, end, lo, key=_step)
    return changes[lo:hi]
