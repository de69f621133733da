# SPDX-License-Identifier: MIT
"""Cut a parsed MIDI file into runs of whole 4/4 bars and quantise its notes onto the 16th grid."""

from __future__ import annotations

from dataclasses import dataclass

from engine.midi.smf import RawMidi, RawNote
from engine.music import timing
from engine.music.pattern import STEPS_PER_BAR, Note, Pattern, Role, Track
from models.vocab import DRUM_CHANNEL

MIN_BPM, MAX_BPM = 1.0, 1000.0


@dataclass(frozen=True, slots=True)
class Instrument:
    """The notes one (track, channel, program) plays over the whole file, with its role."""

    name: str
    program: int
    is_drum: bool
    notes: tuple[RawNote, ...]
    role: Role = Role.OTHER


@dataclass(frozen=True, slots=True)
class Region:
    """Ticks [start, end) in one meter; `first_bar` counts bars from the file start (1-based)."""

    start: int
    end: int
    numerator: int
    denominator: int
    first_bar: int
    bars: int


def instruments_of(raw: RawMidi) -> list[Instrument]:
    """Group notes by (track, channel, program); channel 10 (index 9) is the drum kit."""
    groups: dict[tuple[int, int, int], list[RawNote]] = {}
    names: dict[tuple[int, int, int], str] = {}
    for index, track in enumerate(raw.tracks):
        for note in track.notes:
            drum = note.channel == DRUM_CHANNEL
            key = (index, note.channel, 0 if drum else note.program)
            groups.setdefault(key, []).append(note)
            names[key] = track.name
    return [
        Instrument(
            names[key], key[2], key[1] == DRUM_CHANNEL, tuple(sorted(notes, key=lambda n: (n.start, n.pitch)))
        )
        for key, notes in sorted(groups.items())
    ]


def regions_of(raw: RawMidi, end_tick: int) -> list[Region]:
    """Meter regions covering [0, end_tick); before the first time signature the meter is 4/4."""
    meters = [(0, 4, 4)] + [m for m in raw.meters if m[1] > 0]
    collapsed: list[tuple[int, int, int]] = []
    for tick, num, den in meters:
        if collapsed and collapsed[-1][0] == tick:
            collapsed[-1] = (tick, num, den)
        elif not collapsed or collapsed[-1][1:] != (num, den):
            collapsed.append((tick, num, den))
    regions, bar = [], 1
    for i, (tick, num, den) in enumerate(collapsed):
        if tick >= end_tick:
            break
        last = i + 1 == len(collapsed) or collapsed[i + 1][0] >= end_tick
        stop = end_tick if last else collapsed[i + 1][0]
        length = (stop - tick) / timing.bar_ticks(raw.tpq, num, den)
        bars = -int(-length // 1) if last else int(length + 1e-6)
        regions.append(Region(tick, stop, num, den, bar, bars))
        bar += max(bars, 1 if length > 0 else 0)
    return regions


def tempo_at(raw: RawMidi, tick: int) -> float:
    """BPM in effect at `tick`, clamped to the range a Pattern accepts."""
    tempo = timing.DEFAULT_TEMPO_US
    for t, value in raw.tempos:
        if t > tick:
            break
        tempo = value
    return min(max(timing.tempo2bpm(tempo), MIN_BPM), MAX_BPM)


def quantize_region(raw: RawMidi, region: Region, instruments: list[Instrument]) -> Pattern | None:
    """The region's whole bars as a Pattern on the 16th grid, or None when no note falls in it."""
    steps = region.bars * STEPS_PER_BAR
    if steps <= 0:
        return None
    tps = timing.ticks_per_step(raw.tpq)
    tracks = []
    for inst in instruments:
        notes = _quantize_notes(inst.notes, region.start, steps, tps, inst.is_drum)
        if notes:
            tracks.append(Track(tuple(notes), inst.program, inst.is_drum, inst.role, inst.name))
    if not tracks:
        return None
    return Pattern(tuple(tracks), steps, tempo_at(raw, region.start))


def _quantize_notes(
    notes: tuple[RawNote, ...], origin: int, steps: int, tps: float, drum: bool
) -> list[Note]:
    kept: dict[tuple[int, int], Note] = {}
    low, high = origin - tps / 2, origin + steps * tps - tps / 2
    for n in notes:
        if not low <= n.start < high:
            continue
        step, offset = timing.snap((n.start - origin) / tps)
        if not 0 <= step < steps:
            continue
        end = step + 1 if drum else min(max(step + 1, round((n.end - origin) / tps)), steps)
        note = Note(n.pitch, step, end, max(1, min(n.velocity, 127)), offset)
        old = kept.get((n.pitch, step))
        if old is None or note.velocity > old.velocity:  # two onsets on one step and pitch: keep the louder
            kept[(n.pitch, step)] = note
    return list(kept.values())


def count_onsets(instruments: list[Instrument], region: Region, tps: float) -> int:
    """Notes of all instruments whose onsets fall in the region's whole bars (before quantising)."""
    low = region.start - tps / 2
    high = region.start + region.bars * STEPS_PER_BAR * tps - tps / 2
    return sum(1 for inst in instruments for n in inst.notes if low <= n.start < high)
