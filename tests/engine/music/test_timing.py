"""engine.music.timing: tick/step/second helpers."""

from __future__ import annotations

import pytest

from engine.music import timing


def test_bpm_tempo_round_trip() -> None:
    assert timing.bpm2tempo(120) == 500_000
    assert timing.tempo2bpm(500_000) == 120
    assert timing.tempo2bpm(timing.bpm2tempo(93.5)) == pytest.approx(93.5, abs=1e-3)


def test_ticks_and_steps() -> None:
    assert timing.ticks_per_step(480) == 120
    assert timing.ticks_to_steps(960, 480) == 8
    assert timing.steps_to_ticks(1.5, 480) == 180
    assert timing.bar_ticks(480) == 1920
    assert timing.bar_ticks(480, 6, 8) == 1440


@pytest.mark.parametrize(
    ("steps", "expected"), [(3.0, (3, 0.0)), (3.25, (3, 0.25)), (3.5, (4, -0.5)), (2.75, (3, -0.25))]
)
def test_snap_offsets_stay_in_half_open_range(steps: float, expected: tuple[int, float]) -> None:
    step, offset = timing.snap(steps)
    assert (step, offset) == (expected[0], pytest.approx(expected[1]))
    assert -0.5 <= offset < 0.5


def test_seconds_follow_the_tempo_map() -> None:
    tempos = [(0, 500_000), (960, 1_000_000)]  # 120 BPM for two beats, then 60 BPM
    assert timing.ticks_to_seconds(960, 480, tempos) == pytest.approx(1.0)
    assert timing.ticks_to_seconds(1440, 480, tempos) == pytest.approx(2.0)
    assert timing.steps_to_seconds(4, 120) == pytest.approx(0.5)


def test_common_time() -> None:
    assert timing.is_common_time(4, 4) and timing.is_common_time(2, 2)
    assert not timing.is_common_time(3, 4) and not timing.is_common_time(6, 8)
    assert timing.bars_of(17) == 2
