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
import dataclasses
import hashlib
import statistics
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from engine.midi.roles import TrackStats, assign_roles
from engine.midi.smf import MAX_SECONDS, MidiError, load_bytes, parse_smf
from engine.music import timing
from engine.music.pattern import FOUR_FOUR, MAX_BPM, MIN_BPM, Meter, Note, Pattern, Track
from engine.music.source import MidiSource, NotePair, SourceTrack
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
    pairs = pair_notes(tracks, smf.tpq)
    if not pairs:
        raise MidiError("has no notes" + (f" that could be read ({notices[0]})" if notices else ""))
    src = MidiSource(smf.tpq, smf.format, tuple(tracks), tuple(pairs), hashlib.sha256(data).hexdigest())
    last = max(p.off for p in pairs)
    tempos = _tempo_changes(tracks)
    _check_length(last, smf.tpq, tempos)
    return ReadResult(_pattern(src, tempos, notices), tuple(notices))


def pair_notes(tracks: tuple[SourceTrack, ...] | list[SourceTrack], tpq: int) -> list[NotePair]:
    """Each note-on with the note-off that closes it (first on, first off, per channel and pitch); a note
    the track never ends lasts to the track's end (at least a 16th)."""
    pairs: list[NotePair] = []
    for index, track in enumerate(tracks):
        sounding: dict[tuple[int, int], deque[tuple[int, int, int]]] = {}
        for i, (tick, raw) in enumerate(track.events):
            kind = raw[0] & 0xF0
            if kind not in (0x80, 0x90):
                continue
            key = (raw[0] & 0x0F, raw[1])
            if kind == 0x90 and raw[2] > 0:
                sounding.setdefault(key, deque()).append((tick, raw[2], i))
            elif sounding.get(key):
                on, velocity, at = sounding[key].popleft()
                off_velocity = raw[2] if kind == 0x80 else 0
                pairs.append(NotePair(index, key[0], key[1], on, tick, velocity, off_velocity, at, i))
        for (channel, pitch), waiting in sounding.items():
            for on, velocity, at in waiting:
                end = max(track.end, on + max(1, tpq // 4))
                pairs.append(NotePair(index, channel, pitch, on, end, velocity, 0, at, -1))
    pairs.sort(key=lambda p: (p.track, p.on_index))
    return pairs


def grid_note(pair: NotePair, tpq: int, ref: int = -1) -> Note:
    """A source note on the 16th grid: nearest step, offset from it, end rounded (at least one step)."""
    tps = timing.ticks_per_step(tpq)
    step, offset = timing.snap(pair.on / tps)
    end = max(step + 1, round(pair.off / tps))
    return Note(pair.pitch, step, end, pair.velocity, offset, ref)


def _tempo_changes(tracks: tuple[SourceTrack, ...] | list[SourceTrack]) -> list[tuple[int, int]]:
    """(tick, microseconds per quarter) of every valid tempo event, in time order (ties: later track)."""
    found = []
    for index, track in enumerate(tracks):
        for i, (tick, raw) in enumerate(track.events):
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
    bpm = [
        (tick, min(max(timing.tempo2bpm(us), MIN_BPM), MAX_BPM)) for tick, us in _tempo_changes(src.tracks)
    ]
    tempo, tempo_map = _maps(bpm, tps, 120.0, steps)
    return float(tempo), tuple((float(s), float(b)) for s, b in tempo_map)


def _meter_changes(tracks: tuple[SourceTrack, ...], notices: list[str]) -> list[tuple[int, Meter]]:
    found, bad = [], 0
    for index, track in enumerate(tracks):
        for i, (tick, raw) in enumerate(track.events):
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


def _programs(tracks: tuple[SourceTrack, ...]) -> list[tuple[list[int], list[int]]]:
    """Per channel: the ticks of its program changes (any track, in time order) and the programs."""
    changes: list[list[tuple[int, int, int, int]]] = [[] for _ in range(16)]
    for index, track in enumerate(tracks):
        for i, (tick, raw) in enumerate(track.events):
            if raw[0] & 0xF0 == 0xC0:
                changes[raw[0] & 0x0F].append((tick, index, i, raw[1]))
    out = []
    for found in changes:
        found.sort()
        out.append(([c[0] for c in found], [c[3] for c in found]))
    return out


def _pattern(src: MidiSource, tempos: list[tuple[int, int]], notices: list[str]) -> Pattern:
    tps = timing.ticks_per_step(src.tpq)
    groups: dict[tuple[int, int], list[int]] = {}
    for ref, pair in enumerate(src.notes):
        groups.setdefault((pair.track, pair.channel), []).append(ref)
    programs = _programs(src.tracks)
    tracks = []
    for (index, channel), refs in sorted(groups.items()):
        first = src.notes[refs[0]]
        ticks, values = programs[channel]
        at = bisect.bisect_right(ticks, first.on) - 1  # a change at the note's own tick applies to it
        program = values[at] if at >= 0 else 0
        notes = tuple(grid_note(src.notes[r], src.tpq, r) for r in refs)
        name = src.tracks[index].name
        drum = channel == DRUM_CHANNEL or _looks_like_drums(name, [src.notes[r] for r in refs], src.tpq)
        if drum and channel != DRUM_CHANNEL:
            notices.append(f"track '{name}' on channel {channel + 1} read as drums")
        program = 0 if drum else program  # on channel 10 a program picks a kit; the source keeps it
        tracks.append(Track(notes, program, drum, name=name, channel=channel))
    end = max(n.end for t in tracks for n in t.notes)
    meter, meters = _maps(_meter_changes(src.tracks, notices), tps, FOUR_FOUR, end)
    steps = _whole_bars(end, meter, meters)
    bpm = [(tick, min(max(timing.tempo2bpm(us), MIN_BPM), MAX_BPM)) for tick, us in tempos]
    tempo, tempo_map = _maps(bpm, tps, 120.0, steps)
    pattern = Pattern(tuple(tracks), steps, tempo, meter, tuple(tempo_map), tuple(meters), src)
    roles = assign_roles([_stats(t) for t in tracks], tolerance=0.5)
    return pattern.with_tracks(dataclasses.replace(t, role=r) for t, r in zip(tracks, roles, strict=True))


def _stats(track: Track) -> TrackStats:
    notes = tuple((n.pitch, n.start + n.offset, float(n.end)) for n in track.notes)
    return TrackStats(track.program, track.is_drum, track.name, notes)


def _whole_bars(end: int, meter: Meter, meters: list[tuple[float, Meter]]) -> int:
    """`end` steps rounded up to the end of the bar it falls in."""
    probe = Pattern((), max(end, 1), 120.0, meter, (), tuple(meters))
    last = probe.bar_starts()[-1]
    return max(end, int(-(-(last + probe.meter_at(last).bar_steps) // 1)))


def _looks_like_drums(name: str, pairs: list[NotePair], tpq: int) -> bool:
    """A kit outside channel 10: a drum-like name, notes on the GM drum map, short notes."""
    if not any(h in name.lower() for h in DRUM_NAME_HINTS):
        return False
    on_map = sum(p.pitch in GM_DRUM_KEYS for p in pairs) / len(pairs)
    return on_map >= 0.9 and statistics.median(p.off - p.on for p in pairs) <= tpq / 2
