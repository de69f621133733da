# SPDX-License-Identifier: MIT
"""The one MIDI reader: `read_midi(path | bytes) -> ReadResult(pattern, notices)`.

The Pattern holds every note of the file on the 16th grid (exact ticks stay in its `source`), one track
per (SMF track, channel) with the program in effect at its first note (channel state follows the file in
time order, across tracks), drums recognised by channel 10 or by name, GM drum keys and short notes, and
the tempo and meter maps. Used by prepare and training (through read_song), every generation command,
render, play and the app.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from engine.midi.roles import TrackStats, assign_roles
from engine.midi.smf import MAX_SECONDS, MidiError, load_bytes, parse_smf
from engine.music import timing
from engine.music.pattern import FOUR_FOUR, MAX_BPM, MIN_BPM, Meter, Note, Pattern, make_notes, ordered_track
from engine.music.source import MidiSource, NotePair, NotePairs, SourceTrack
from models.vocab import DRUM_CHANNEL

MAX_BARS = 5000
DRUM_NAME_HINTS = ("drum", "kit", "perc", "batter", "schlag", "beat")
GM_DRUM_KEYS = range(35, 82)


@dataclass(frozen=True, slots=True)
class ReadResult:
    """A file's Pattern (with its source) and what the musician should know (dropped events, drums
    recognised by name, a type 2 file's other songs left out)."""

    pattern: Pattern
    notices: tuple[str, ...]


def read_midi(source: str | Path | bytes) -> ReadResult:
    """Read a MIDI file (a path, or the file's bytes); MidiError with a one-line reason when unusable."""
    data = source if isinstance(source, bytes) else load_bytes(source)
    smf = parse_smf(data)
    notices = list(smf.notices)
    tracks = smf.tracks
    if smf.format == 2 and len(tracks) > 1:
        notices.append(f"a type 2 file holds {len(tracks)} separate songs; only the first was read")
        tracks = tracks[:1]
    tables = [_EventTable.of(t) for t in tracks]
    columns = _pair_columns(tables, tracks, smf.tpq)
    if not len(columns[0]):
        raise MidiError("has no notes" + (f" that could be read ({notices[0]})" if notices else ""))
    src = MidiSource(smf.tpq, smf.format, tuple(tracks), NotePairs(columns), hashlib.sha256(data).hexdigest())
    last = int(columns[4].max())
    controls = [t.controls for t in tables]
    tempos = _tempo_changes(controls)
    _check_length(last, smf.tpq, tempos)
    return ReadResult(_pattern(src, columns, tempos, controls, notices), tuple(notices))


_Controls = list[list[tuple[int, int, bytes]]]  # per track: (tick, event index, raw) of metas and programs
_Columns = tuple[np.ndarray, ...]  # NotePair's fields as int64 arrays, in NotePair's order


@dataclass(frozen=True, slots=True)
class _EventTable:
    """One track's events as arrays, made in C-speed passes (zip, map, join): the note events' event
    index, tick, status and two data bytes; and the meta events and program changes as `_Controls`."""

    at: np.ndarray
    tick: np.ndarray
    status: np.ndarray
    data1: np.ndarray
    data2: np.ndarray
    controls: list[tuple[int, int, bytes]]

    @classmethod
    def of(cls, track: SourceTrack) -> _EventTable:
        empty = np.zeros(0, dtype=np.int64)
        if not track.events:
            return cls(empty, empty, empty, empty, empty, [])
        ticks, raws = zip(*track.events, strict=True)
        lengths = np.fromiter(map(len, raws), dtype=np.int64, count=len(raws))
        first = np.cumsum(lengths) - lengths
        buf = np.frombuffer(b"".join(raws), dtype=np.uint8)
        status = buf[first].astype(np.int64)
        at = np.flatnonzero((status >= 0x80) & (status < 0xA0))  # note-on and note-off: 3 bytes each
        tick = np.fromiter(ticks, dtype=np.int64, count=len(ticks))
        control = np.flatnonzero((status == 0xFF) | ((status >= 0xC0) & (status < 0xD0))).tolist()
        return cls(
            at, tick[at], status[at],
            buf[first[at] + 1].astype(np.int64), buf[first[at] + 2].astype(np.int64),
            [(ticks[i], i, raws[i]) for i in control],
        )  # fmt: skip


def pair_notes(tracks: tuple[SourceTrack, ...] | list[SourceTrack], tpq: int) -> list[NotePair]:
    """Each note-on with the note-off that closes it (first on, first off, per channel and pitch); a note
    the track never ends lasts to the track's end (at least a 16th). In the order of (track, note-on)."""
    columns = _pair_columns([_EventTable.of(t) for t in tracks], tracks, tpq)
    return list(map(NotePair, *(c.tolist() for c in columns)))


def _pair_columns(
    tables: list[_EventTable], tracks: tuple[SourceTrack, ...] | list[SourceTrack], tpq: int
) -> _Columns:
    """`pair_notes` as arrays, one per NotePair field.

    Vectorised per track (NumPy): a note-off closes the oldest sounding note of its key, or nothing when
    none sounds; so, per key in event order, the k-th note-off that closes something closes the k-th
    note-on, and a note-off closes nothing exactly when it takes the key's running count of (ons - offs)
    below every earlier value and below 0.
    """
    parts: list[_Columns] = []
    for index, (table, track) in enumerate(zip(tables, tracks, strict=True)):
        if not len(table.at):
            continue
        index_of, tick, value = table.at, table.tick, table.data2
        channel, pitch = table.status & 0x0F, table.data1
        on = (table.status & 0xF0 == 0x90) & (value > 0)
        order = np.argsort(channel * 128 + pitch, kind="stable")  # by key, then in event order
        key = (channel * 128 + pitch)[order]
        is_on = on[order]
        first = np.concatenate(([True], key[1:] != key[:-1]))  # the first event of each key
        starts = np.flatnonzero(first)
        group = np.cumsum(first) - 1
        step = np.where(is_on, 1, -1)
        count = np.cumsum(step)
        count -= np.repeat(count[first] - step[first], np.diff(np.concatenate((starts, [len(key)]))))
        # the lowest count so far within each key, at most 0: later keys are shifted below earlier ones
        shift = group * (2 * len(key) + 2)
        low = np.minimum(np.minimum.accumulate(count - shift) + shift, 0)
        before = np.where(first, 0, np.concatenate(([0], low[:-1])))
        closes = ~is_on & ~(low < before)  # a note-off with something sounding
        ons_at = np.flatnonzero(is_on)
        ons_before = np.concatenate(([0], np.cumsum(is_on)))[starts]  # note-ons of earlier keys
        closed_rank = np.cumsum(closes) - 1
        closed_before = np.concatenate(([0], np.cumsum(closes)))[starts]
        off_at = np.flatnonzero(closes)
        opener = ons_at[ons_before[group[off_at]] + closed_rank[off_at] - closed_before[group[off_at]]]
        end = np.full(len(key), -1, dtype=np.int64)  # for each sorted note-on: the sorted note-off
        end[opener] = off_at
        closer = end[ons_at]
        src_on, src_off = order[ons_at], order[np.maximum(closer, 0)]
        done = closer >= 0
        off_tick = np.where(done, tick[src_off], np.maximum(track.end, tick[src_on] + max(1, tpq // 4)))
        off_velocity = np.where(done & (table.status[src_off] & 0xF0 == 0x80), value[src_off], 0)
        off_index = np.where(done, index_of[src_off], -1)
        by_on = np.argsort(src_on, kind="stable")
        src_on = src_on[by_on]
        parts.append((
            np.full(len(src_on), index, dtype=np.int64), channel[src_on], pitch[src_on], tick[src_on],
            off_tick[by_on], value[src_on], off_velocity[by_on], index_of[src_on], off_index[by_on],
        ))  # fmt: skip
    if not parts:
        return tuple(np.zeros(0, dtype=np.int64) for _ in range(9))
    return tuple(np.concatenate(c) for c in zip(*parts, strict=True))


def grid_note(pair: NotePair, tpq: int, ref: int = -1) -> Note:
    """A source note on the 16th grid: nearest step, offset from it, end rounded (at least one step)."""
    tps = timing.ticks_per_step(tpq)
    step, offset = timing.snap(pair.on / tps)
    end = max(step + 1, round(pair.off / tps))
    return Note(pair.pitch, step, end, pair.velocity, offset, ref)


def _grid(on: np.ndarray, off: np.ndarray, tpq: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(step, end, offset) of `grid_note` for arrays of on and off ticks: the same numbers (float64
    division, floor, rint = round half to even)."""
    tps = timing.ticks_per_step(tpq)
    at = on.astype(np.float64) / tps
    step = np.floor(at + 0.5)
    offset = np.minimum(np.maximum(at - step, -0.5), math.nextafter(0.5, 0.0))
    end = np.maximum(step + 1, np.rint(off.astype(np.float64) / tps))
    return step.astype(np.int64), end.astype(np.int64), offset


def grid_notes(pairs: Sequence[NotePair], tpq: int) -> list[Note]:
    """`grid_note` of every pair (ref: its index), vectorised."""
    if not pairs:
        return []
    on = np.array([p.on for p in pairs], dtype=np.int64)
    step, end, offset = _grid(on, np.array([p.off for p in pairs], dtype=np.int64), tpq)
    return list(
        map(
            Note, [p.pitch for p in pairs], step.tolist(), end.tolist(), [p.velocity for p in pairs],
            offset.tolist(), range(len(pairs)),
        )
    )  # fmt: skip


def _tempo_changes(controls: _Controls) -> list[tuple[int, int]]:
    """(tick, microseconds per quarter) of every valid tempo event, in time order (ties: later track)."""
    found = []
    for index, events in enumerate(controls):
        for tick, i, raw in events:
            if raw[:3] == b"\xff\x51\x03" and len(raw) == 6:
                value = int.from_bytes(raw[3:6], "big")
                if value > 0:
                    found.append((tick, index, i, value))
    found.sort()
    return [(tick, value) for tick, _, _, value in found]


def source_tempo_map(src: MidiSource, steps: int) -> tuple[float, tuple[tuple[float, float], ...]]:
    """The tempo at step 0 and the later (step, BPM) changes before `steps` that the file's own tempo
    events give, exactly as a Pattern read from it holds them (the writer compares them with the clip's)."""
    tps = timing.ticks_per_step(src.tpq)
    metas: _Controls = [
        [(tick, i, raw) for i, (tick, raw) in enumerate(track.events) if raw[:1] == b"\xff"]
        for track in src.tracks
    ]
    bpm = [(tick, min(max(timing.tempo2bpm(us), MIN_BPM), MAX_BPM)) for tick, us in _tempo_changes(metas)]
    tempo, tempo_map = _maps(bpm, tps, 120.0, steps)
    return float(tempo), tuple((float(s), float(b)) for s, b in tempo_map)


def _meter_changes(controls: _Controls, notices: list[str]) -> list[tuple[int, Meter]]:
    found, bad = [], 0
    for index, events in enumerate(controls):
        for tick, i, raw in events:
            if raw[:2] == b"\xff\x58" and len(raw) >= 5:
                num, exp = raw[3], raw[4]
                if 1 <= num and exp <= 6:
                    found.append((tick, index, i, Meter(num, 2**exp)))
                else:
                    bad += 1
    if bad:
        notices.append(f"ignored {bad} time signature{'s' if bad > 1 else ''} with impossible values")
    found.sort(key=lambda f: f[:3])
    return [(tick, meter) for tick, _, _, meter in found]


_V = TypeVar("_V")  # the value of a (tick, value) change: BPM or Meter


def _maps(
    changes: list[tuple[int, _V]], tps: float, first: _V, steps: int
) -> tuple[_V, list[tuple[float, _V]]]:
    """The value at tick 0 and the later changes as (step, value) before `steps`, repeats dropped."""
    at_zero = first
    later: list[tuple[float, _V]] = []
    for tick, value in changes:
        if tick == 0:
            at_zero = value
            continue
        step = tick / tps
        current = later[-1][1] if later else at_zero
        if step >= steps or value == current:
            continue
        if later and later[-1][0] == step:
            later[-1] = (step, value)
        else:
            later.append((step, value))
    return at_zero, later


def _check_length(last_tick: int, tpq: int, tempos: list[tuple[int, int]]) -> None:
    seconds = timing.ticks_to_seconds(last_tick, tpq, tempos)
    if seconds > MAX_SECONDS:
        raise MidiError(f"lasts {seconds / 3600:.1f} hours; the limit is {MAX_SECONDS / 3600:.0f} hours")
    bars = timing.ticks_to_steps(last_tick, tpq) / 16
    if bars > MAX_BARS:
        raise MidiError(f"is {bars:,.0f} bars long; the limit is {MAX_BARS:,} bars")


def _programs(controls: _Controls) -> list[tuple[list[int], list[int]]]:
    """Per channel: the ticks of its program changes (any track, in time order) and the programs."""
    changes: list[list[tuple[int, int, int, int]]] = [[] for _ in range(16)]
    for index, events in enumerate(controls):
        for tick, i, raw in events:
            if raw[0] & 0xF0 == 0xC0:
                changes[raw[0] & 0x0F].append((tick, index, i, raw[1]))
    out = []
    for found in changes:
        found.sort()
        out.append(([c[0] for c in found], [c[3] for c in found]))
    return out


def _pattern(
    src: MidiSource, columns: _Columns, tempos: list[tuple[int, int]], controls: _Controls, notices: list[str]
) -> Pattern:
    """One Track per (SMF track, channel), in that order, notes on the grid, roles assigned."""
    tps = timing.ticks_per_step(src.tpq)
    track_of, channel_of, pitch, on, off, velocity = columns[:6]
    step, end, offset = _grid(on, off, src.tpq)
    key = track_of * 16 + channel_of
    order = np.lexsort((end, pitch, step, key))  # by (track, channel), then as Track sorts (stable)
    bounds = np.flatnonzero(np.concatenate(([True], key[order][1:] != key[order][:-1], [True])))
    programs = _programs(controls)
    refs_all, pitch_all, step_all, end_all = (
        order.tolist(),
        pitch[order].tolist(),
        step[order].tolist(),
        end[order].tolist(),
    )
    velocity_all, offset_all = velocity[order].tolist(), offset[order].tolist()
    start_all = (step + offset)[order].tolist()  # onsets with their offsets, for role finding
    end_float = end[order].astype(np.float64).tolist()  # and the ends as floats
    parts, stats = [], []
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        refs = refs_all[lo:hi]
        index, channel = int(track_of[refs[0]]), int(channel_of[refs[0]])
        ticks, values = programs[channel]
        first_on = int(on[order[lo:hi]].min())  # the group's first note-on (refs are in grid order)
        at = bisect.bisect_right(ticks, first_on) - 1  # a change at the note's own tick applies to it
        program = values[at] if at >= 0 else 0
        name = src.tracks[index].name
        drum = channel == DRUM_CHANNEL or (
            _drum_name(name) and _looks_like_drums(name, pitch[refs], (off - on)[refs], src.tpq)
        )
        if drum and channel != DRUM_CHANNEL:
            notices.append(f"track '{name}' on channel {channel + 1} read as drums")
        program = 0 if drum else program  # on channel 10 a program picks a kit; the source keeps it
        notes = make_notes(
            pitch_all[lo:hi], step_all[lo:hi], end_all[lo:hi], velocity_all[lo:hi], offset_all[lo:hi], refs
        )
        parts.append((notes, program, drum, name, channel))
        ends = end_float[lo:hi]
        stats.append(
            TrackStats(program, drum, name, tuple(zip(pitch_all[lo:hi], start_all[lo:hi], ends, strict=True)))
        )
    roles = assign_roles(stats, tolerance=0.5)
    tracks = [
        ordered_track(notes, program, drum, role, name, channel)  # notes in Track order: see `order`
        for (notes, program, drum, name, channel), role in zip(parts, roles, strict=True)
    ]
    last = int(end.max())
    meter, meters = _maps(_meter_changes(controls, notices), tps, FOUR_FOUR, last)
    steps = _whole_bars(last, meter, meters)
    bpm = [(tick, min(max(timing.tempo2bpm(us), MIN_BPM), MAX_BPM)) for tick, us in tempos]
    tempo, tempo_map = _maps(bpm, tps, 120.0, steps)
    return Pattern(tuple(tracks), steps, tempo, meter, tuple(tempo_map), tuple(meters), src)


def _drum_name(name: str) -> bool:
    return any(h in name.lower() for h in DRUM_NAME_HINTS)


def _whole_bars(end: int, meter: Meter, meters: list[tuple[float, Meter]]) -> int:
    """`end` steps rounded up to the end of the bar it falls in."""
    probe = Pattern((), max(end, 1), 120.0, meter, (), tuple(meters))
    last = probe.bar_starts()[-1]
    return max(end, int(-(-(last + probe.meter_at(last).bar_steps) // 1)))


def _looks_like_drums(name: str, pitches: np.ndarray, lengths: np.ndarray, tpq: int) -> bool:
    """A kit outside channel 10: a drum-like name, notes on the GM drum map, short notes (`pitches` and
    `lengths` in ticks of the track's notes)."""
    if not _drum_name(name):
        return False
    on_map = sum(p in GM_DRUM_KEYS for p in pitches.tolist()) / len(pitches)
    return on_map >= 0.9 and statistics.median(lengths.tolist()) <= tpq / 2
