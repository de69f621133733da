# SPDX-License-Identifier: MIT
"""Magenta's multi-instrument performance encoding, the baseline the band representation is measured
against (engine/evaluation/fidelity.py); not a model config.

As `hier-multiperf_vel_1bar` configures Magenta's `MultiInstrumentPerformanceConverter`
(music_vae/configs.py, data_hierarchical.py; note_seq's PerformanceOneHotEncoding): per instrument and
bar, NOTE_ON / NOTE_OFF of a pitch, TIME_SHIFT of 1..24 ticks at 24 ticks per quarter note (one quarter
at most per event), VELOCITY in 8 bins sent on a change, at most 64 events per instrument and bar. Notes
are cut at the bar line. Magenta skips a bar whose instrument needs more than 64 events; here the events
are cut at 64 instead, which only flatters the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.music.pattern import Note

TICKS_PER_STEP = 6  # 24 per quarter note, 4 steps per quarter
MAX_SHIFT = 24  # ticks: DEFAULT_MAX_SHIFT_QUARTERS = 1
VELOCITY_BINS = 8
MAX_EVENTS = 64
_ON, _OFF, _SHIFT, _VEL = range(4)


def _bin(velocity: int) -> int:
    return min(VELOCITY_BINS - 1, (velocity - 1) * VELOCITY_BINS // 127)


def _velocity(b: int) -> int:
    return min(127, max(1, round(1 + (b + 0.5) * 127 / VELOCITY_BINS)))


def perf_events(notes: Sequence[Note], bar_start: int, bar_steps: int) -> list[tuple[int, int]]:
    """Notes with onsets in one bar -> (kind, value) events, at most MAX_EVENTS; notes end at the bar line."""
    end_tick = bar_steps * TICKS_PER_STEP
    points = []  # (tick, order, kind, pitch, velocity): offs before ons at a tick
    for n in notes:
        on = max(0, round((n.start - bar_start + n.offset) * TICKS_PER_STEP))
        off = min(end_tick, round((n.end - bar_start) * TICKS_PER_STEP))
        if on >= end_tick:
            continue
        points.append((on, 1, _ON, n.pitch, n.velocity))
        points.append((max(off, on + 1), 0, _OFF, n.pitch, 0))
    points.sort()
    events: list[tuple[int, int]] = []
    now, vel = 0, -1
    for tick, _, kind, pitch, velocity in points:
        while tick > now:
            shift = min(MAX_SHIFT, tick - now)
            events.append((_SHIFT, shift))
            now += shift
        if kind == _ON and _bin(velocity) != vel:
            vel = _bin(velocity)
            events.append((_VEL, vel))
        events.append((kind, pitch))
    return events[:MAX_EVENTS]


def perf_notes(events: Sequence[tuple[int, int]], bar_start: int, bar_steps: int) -> list[Note]:
    """Events of one bar back to notes on the 16th grid (offsets from the ticks); open notes end at the
    bar line."""
    end_tick = bar_steps * TICKS_PER_STEP
    now, vel = 0, 100
    open_notes: dict[int, tuple[int, int]] = {}
    out: list[Note] = []

    def close(pitch: int, tick: int) -> None:
        on, v = open_notes.pop(pitch)
        step = round(on / TICKS_PER_STEP)
        offset = min(max(on / TICKS_PER_STEP - step, -0.5), 0.499)
        end = max(step + 1, round(tick / TICKS_PER_STEP))
        if step < bar_steps:
            out.append(Note(pitch, bar_start + step, bar_start + min(end, bar_steps), v, offset))

    for kind, value in events:
        if kind == _SHIFT:
            now += value
        elif kind == _VEL:
            vel = _velocity(value)
        elif kind == _ON:
            if value in open_notes:
                close(value, now)
            open_notes[value] = (now, vel)
        elif kind == _OFF and value in open_notes:
            close(value, now)
    for pitch in list(open_notes):
        close(pitch, end_tick)
    return out
