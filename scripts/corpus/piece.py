# SPDX-License-Identifier: MIT
"""A piece of music in beats (quarter notes), as the corpus builders pass it around: read, hash, write.

Every source (WAD lumps, POP909, music21 scores, mma renderings) becomes a `Piece`; one writer turns it
into a Standard MIDI File with its real meters and tempos, and one note hash finds the same music however
it came in (different file bytes, tempo, resolution or instrument numbers give the same hash).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import mido

TPQ = 480
DRUM_CHANNEL = 9
GRID = 24  # note hash and similarity read onsets on a 1/24-beat grid (16ths and triplets both exact)


@dataclass(frozen=True, slots=True)
class Part:
    """One instrument: GM program, drum flag, notes as (start, duration) in beats, pitch, velocity."""

    name: str
    program: int
    is_drum: bool
    notes: tuple[tuple[float, float, int, int], ...]


@dataclass(frozen=True, slots=True)
class Piece:
    """Parts plus the tempo map [(beat, BPM)] and meters [(beat, numerator, denominator)]."""

    parts: tuple[Part, ...]
    tempos: tuple[tuple[float, float], ...] = ((0.0, 120.0),)
    meters: tuple[tuple[float, int, int], ...] = field(default=((0.0, 4, 4),))

    @property
    def note_count(self) -> int:
        return sum(len(p.notes) for p in self.parts)

    @property
    def end(self) -> float:
        """The last note's end, in beats."""
        return max((s + d for p in self.parts for s, d, _, _ in p.notes), default=0.0)

    def with_parts(self, parts: Iterable[Part]) -> Piece:
        return replace(self, parts=tuple(p for p in parts if p.notes))

    def shifted(self, beats: float) -> Piece:
        """Everything moved `beats` later (earlier if negative; notes before 0 are dropped), so that bar
        lines fall where the meter says."""
        parts = [
            replace(p, notes=tuple((s + beats, d, n, v) for s, d, n, v in p.notes if s + beats >= 0))
            for p in self.parts
        ]
        return Piece(tuple(parts), _moved(self.tempos, beats), _moved(self.meters, beats))


def _moved(events: tuple, beats: float) -> tuple:
    """Timed events moved by `beats`; the one in force at the new beat 0 is put there."""
    moved = [(max(0.0, e[0] + beats) if e[0] > 0 else 0.0, *e[1:]) for e in events]
    at_zero = [e for e in moved if e[0] == 0.0][-1]
    return (at_zero, *(e for e in moved if e[0] > 0))


def read_midi(data: bytes) -> Piece:
    """A Standard MIDI File's notes per (track, channel, program), its tempo map and meters (via mido)."""
    mid = mido.MidiFile(file=io.BytesIO(data))
    tpq = mid.ticks_per_beat
    parts: dict[tuple[int, int, int], list[tuple[float, float, int, int]]] = {}
    names: dict[int, str] = {}
    tempos: list[tuple[float, float]] = []  # (beat, BPM)
    meters: list[tuple[float, int, int]] = []  # (beat, numerator, denominator)
    for index, track in enumerate(mid.tracks):
        tick, programs = 0, [0] * 16
        sounding: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (channel, key) -> [(tick, velocity)]
        for msg in track:
            tick += msg.time
            if msg.type == "track_name":
                names[index] = msg.name
            elif msg.type == "set_tempo":
                tempos.append((tick / tpq, round(mido.tempo2bpm(msg.tempo), 3)))
            elif msg.type == "time_signature":
                meters.append((tick / tpq, msg.numerator, msg.denominator))
            elif msg.type == "program_change":
                programs[msg.channel] = msg.program
            elif msg.type == "note_on" and msg.velocity > 0:
                sounding.setdefault((msg.channel, msg.note), []).append((tick, msg.velocity))
            elif msg.type in ("note_on", "note_off") and sounding.get((msg.channel, msg.note)):
                start, velocity = sounding[(msg.channel, msg.note)].pop(0)
                key = (index, msg.channel, programs[msg.channel])
                parts.setdefault(key, []).append(
                    (start / tpq, max(tick - start, 1) / tpq, msg.note, velocity)
                )
    out = [
        Part(names.get(i, ""), 0 if ch == DRUM_CHANNEL else prog, ch == DRUM_CHANNEL, tuple(sorted(notes)))
        for (i, ch, prog), notes in sorted(parts.items())
    ]
    return Piece(tuple(out), _first_at_zero(tempos, 120.0), _first_at_zero(meters, (4, 4)))


def _first_at_zero(events: list, default: object) -> tuple:
    """Sorted events, with one at beat 0 (the default, or the first event's value moved to 0)."""
    events = sorted(set(events))
    if not events:
        return ((0.0, *default) if isinstance(default, tuple) else (0.0, default),)
    first = (0.0, *events[0][1:])
    return (first, *(e for e in events if e[0] > 0))


def write_midi(piece: Piece) -> bytes:
    """Type-1 SMF at 480 ticks per quarter: a conductor track (tempos, meters), then one track per part."""
    mid = mido.MidiFile(type=1, ticks_per_beat=TPQ)
    head = [(_tick(b), 0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(t))) for b, t in piece.tempos]
    head += [
        (_tick(b), 0, mido.MetaMessage("time_signature", numerator=n, denominator=d))
        for b, n, d in piece.meters
    ]
    mid.tracks.append(_track(head))
    channels = iter([c for c in range(16) if c != DRUM_CHANNEL] * 16)
    for part in piece.parts:
        channel = DRUM_CHANNEL if part.is_drum else next(channels)
        events = [(0, 0, mido.MetaMessage("track_name", name=part.name))] if part.name else []
        if not part.is_drum:
            events.append((0, 0, mido.Message("program_change", channel=channel, program=part.program)))
        for start, dur, pitch, vel in part.notes:
            on, off = _tick(start), max(_tick(start + dur), _tick(start) + 1)
            velocity = min(max(vel, 1), 127)
            events.append((on, 2, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)))
            events.append((off, 1, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        mid.tracks.append(_track(events))
    buf = io.BytesIO()
    mid.save(file=buf)
    return buf.getvalue()


def _tick(beats: float) -> int:
    return max(0, round(beats * TPQ))


def _track(events: list[tuple[int, int, mido.Message | mido.MetaMessage]]) -> mido.MidiTrack:
    track, now = mido.MidiTrack(), 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):  # offs before ons on one tick
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def note_set(piece: Piece) -> frozenset[tuple[int, int, bool]]:
    """The distinct (onset on the 1/24-beat grid, pitch, drum) of a piece: what its music is."""
    return frozenset(
        (round(s * GRID), pitch, part.is_drum) for part in piece.parts for s, _, pitch, _ in part.notes
    )


def note_hash(piece: Piece) -> str:
    """sha256 of the sorted note set, first 16 hex digits: equal for the same notes from any file."""
    text = ";".join(f"{t},{p},{int(d)}" for t, p, d in sorted(note_set(piece)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def similarity(a: frozenset, b: frozenset) -> float:
    """Shared share of two note sets (Jaccard), after moving `b` by the shift that lines up most notes.

    A revised version of a song (a bar added at the start, a part changed) still scores high; two
    different songs score low.
    """
    if not a or not b:
        return 0.0
    first_a, first_b = min(t for t, _, _ in a), min(t for t, _, _ in b)
    best = 0
    for shift in {first_a - first_b, 0}:
        moved = {(t + shift, p, d) for t, p, d in b}
        best = max(best, len(a & moved))
    return best / len(a | b)


def seconds(piece: Piece) -> float:
    """The duration up to the last note's end, through the tempo map."""
    end, total = piece.end, 0.0
    marks = [*piece.tempos, (float("inf"), 0.0)]
    for (beat, bpm), (next_beat, _) in zip(marks, marks[1:], strict=False):
        if beat >= end:
            break
        total += (min(next_beat, end) - beat) * 60.0 / bpm
    return total


def meters_of(piece: Piece) -> list[str]:
    """The distinct meters a piece uses, in order of appearance ("3/4", "7/8")."""
    seen: list[str] = []
    for beat, num, den in piece.meters:
        if beat < piece.end and f"{num}/{den}" not in seen:
            seen.append(f"{num}/{den}")
    return seen


def bars(piece: Piece) -> int:
    """Whole bars up to the last note's end, through the meters."""
    end, count = piece.end, 0
    marks = [*piece.meters, (float("inf"), 4, 4)]
    for (beat, num, den), (next_beat, _, _) in zip(marks, marks[1:], strict=False):
        if beat >= end:
            break
        length = num * 4 / den
        count += int(-(-(min(next_beat, end) - beat) // length))
    return count
