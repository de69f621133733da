# SPDX-License-Identifier: MIT
"""Pure tick / second / step helpers (the 16th grid: 4 steps per quarter), in the spirit of mido's units."""

from __future__ import annotations

import math

from engine.music.pattern import STEPS_PER_BAR, STEPS_PER_QUARTER

DEFAULT_TEMPO_US = 500_000  # microseconds per quarter = 120 BPM, the MIDI default
WRITE_TPQ = 480  # ticks per quarter in the files we write (120 ticks per 16th step)


def bpm2tempo(bpm: float) -> int:
    """Beats per minute -> microseconds per quarter note."""
    return int(round(60_000_000 / bpm))


def tempo2bpm(tempo: float) -> float:
    """Microseconds per quarter note -> beats per minute."""
    return 60_000_000 / tempo


def ticks_per_step(tpq: int) -> float:
    """MIDI ticks in one 16th step for a file with `tpq` ticks per quarter."""
    return tpq / STEPS_PER_QUARTER


def ticks_to_steps(ticks: float, tpq: int) -> float:
    """Ticks -> (fractional) 16th steps."""
    return ticks / ticks_per_step(tpq)


def steps_to_ticks(steps: float, tpq: int = WRITE_TPQ) -> int:
    """(Fractional) 16th steps -> the nearest tick."""
    return int(round(steps * ticks_per_step(tpq)))


def snap(steps: float) -> tuple[int, float]:
    """Nearest grid step and the offset from it in [-0.5, 0.5) steps (ties go to the later step)."""
    step = math.floor(steps + 0.5)
    offset = steps - step
    return step, min(max(offset, -0.5), math.nextafter(0.5, 0.0))


def step_seconds(bpm: float) -> float:
    """Seconds of one 16th step at `bpm`."""
    return 60.0 / bpm / STEPS_PER_QUARTER


def steps_to_seconds(steps: float, bpm: float) -> float:
    return steps * step_seconds(bpm)


def bar_ticks(tpq: int, numerator: int = 4, denominator: int = 4) -> float:
    """Ticks in one bar of numerator/denominator."""
    return tpq * 4 * numerator / denominator


def is_common_time(numerator: int, denominator: int) -> bool:
    """True for meters whose bar is 16 sixteenths of four beats (4/4 and its cut-time spelling 2/2)."""
    return (numerator, denominator) in ((4, 4), (2, 2))


def ticks_to_seconds(ticks: int, tpq: int, tempos: list[tuple[int, int]]) -> float:
    """Seconds at `ticks` under a tempo map [(tick, microseconds per quarter)], sorted by tick."""
    seconds, last_tick, tempo = 0.0, 0, DEFAULT_TEMPO_US
    for tick, new_tempo in tempos:
        if tick >= ticks:
            break
        seconds += (tick - last_tick) * tempo / tpq / 1e6
        last_tick, tempo = tick, new_tempo
    return seconds + (ticks - last_tick) * tempo / tpq / 1e6


def bars_of(steps: int) -> int:
    """Whole bars needed to hold `steps` (rounded up)."""
    return -(-steps // STEPS_PER_BAR)
