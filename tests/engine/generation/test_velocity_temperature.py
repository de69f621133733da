"""The "velocity" temperature of models with dynamics of their own (ModelSpec.velocity_temperature): the
band models' velocity events, multitrack_1bar's per-note velocities around each instrument's mean
(engine/generation/groove.py `scale_velocity_spread`), and the report card's choice of it
(engine/evaluation/style.py `recommend_velocity`) on real band music."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.data.converters import CONVERTERS
from engine.evaluation.style import recommend_velocity
from engine.generation.fit import GenerationError
from engine.generation.generator import Generator
from engine.generation.groove import scale_velocity_spread
from engine.generation.runner import Runner
from engine.midi.files import read_song
from tests.conftest import MIDI_DIR

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SONGS = sorted((MIDI_DIR / "multitrack" / "freedoom-freedoom").glob("*.mid"))[:4]
PARTS = {"drums": 0.5, "bass": 0.5, "melody": 0.5}


def test_scale_velocity_spread_moves_notes_toward_their_instruments_mean() -> None:
    v = np.zeros((1, 2, 16), dtype=np.float32)
    v[0, 0, [0, 4, 8]] = [0.2, 0.4, 0.9]
    v[0, 1, 2] = 0.7
    flat = scale_velocity_spread({"velocity": v}, 0.0)["velocity"]
    assert np.allclose(flat[0, 0, [0, 4, 8]], 0.5) and flat[0, 1, 2] == pytest.approx(0.7)
    assert np.count_nonzero(flat) == 4  # rests stay rests
    half = scale_velocity_spread({"velocity": v}, 0.5)["velocity"]
    assert np.allclose(half[0, 0, [0, 4, 8]], [0.35, 0.45, 0.7])
    wide = scale_velocity_spread({"velocity": v}, 2.0)["velocity"]
    assert wide[0, 0, 0] == pytest.approx(1 / 127) and wide[0, 0, 8] == 1.0  # kept in MIDI's range
    same = {"velocity": v}
    assert scale_velocity_spread(same, 1.0) is same


def _velocities(gen: Generator, temperature: float | dict[str, float]) -> list[set[int]]:
    clips = gen.decode(gen.runner.prior(12, 3), temperature, seed=4).clips
    return [{n.velocity for n in t.notes} for c in clips for t in c.tracks if len(t.notes) >= 2]


def test_multitrack_velocity_zero_gives_each_instrument_one_loudness_per_clip() -> None:
    gen = Generator.load("multitrack_1bar")
    lively = _velocities(gen, PARTS)
    assert sum(len(v) > 1 for v in lively) > len(lively) // 2  # the model's own dynamics
    flat = _velocities(gen, {**PARTS, "velocity": 0.0})
    assert all(len(v) == 1 for v in flat)
    a = gen.decode(gen.runner.prior(4, 1), PARTS, seed=2).clips
    b = gen.decode(gen.runner.prior(4, 1), {**PARTS, "velocity": 1.0}, seed=2).clips
    assert a == b  # 1 leaves the velocities as the model and its spread write them
    with pytest.raises(GenerationError, match="has no part 'velocity'"):
        Generator.load("drums_2bar").runner.temperatures({"velocity": 0.5})


def test_a_number_keeps_the_recommended_velocity() -> None:
    gen = Generator.load("multitrack_1bar")
    runner = Runner(gen.model, gen.converter, torch.device("cpu"), temperatures={**PARTS, "velocity": 0.0})
    assert runner.temperatures(0.8) == {"drums": 0.8, "bass": 0.8, "melody": 0.8, "velocity": 0.0}
    assert runner.temperatures({"bass": 0.3})["velocity"] == 0.0


def test_the_report_card_picks_one_loudness_per_instrument_for_music_that_keeps_one() -> None:
    conv = CONVERTERS["multitrack_1bar"]
    windows = [w for f in SONGS for seg in read_song(f).meter_segments for w in conv.windows(seg)][:96]
    spreads = [np.std([n.velocity for n in t.notes]) for w in windows for t in w.tracks if len(t.notes) > 1]
    assert np.mean(spreads) < 2.0  # Freedoom's tracks each keep one velocity, about
    gen = Generator.load("multitrack_1bar")
    assert recommend_velocity(gen.runner, windows, PARTS, seed=0) == 0.0
    assert recommend_velocity(Generator.load("drums_2bar").runner, windows, {"drums": 0.5}, 0) is None


def test_the_report_card_says_the_loudness_apart_from_the_parts() -> None:
    from types import SimpleNamespace

    from engine.evaluation.report import _temperature_line

    no_top_k = {"top_k": 0, "top_k_overlaps": {}}  # not tried (not a model of pitched lines)
    style = SimpleNamespace(part_temperatures={"drums": 0.5, "bass": 1.0, "velocity": 0.0}, **no_top_k)
    line = _temperature_line(SimpleNamespace(style=style))  # type: ignore[arg-type]
    assert line is not None
    assert line.startswith("Temperatures that suit it: drums 0.5, bass 1 (")
    assert "Loudness: velocity 0, how much each instrument's loudness varies" in line
    plain = _temperature_line(
        SimpleNamespace(style=SimpleNamespace(part_temperatures={"drums": 0.3}, **no_top_k))
    )  # type: ignore[arg-type]
    assert plain is not None and "velocity" not in plain
