"""The band model's velocity temperature (models.band.VELOCITY_TEMPERATURE): its own temperature for the
VEL event classes, set by "velocity" in a temperature mapping, refused for models without one."""

from __future__ import annotations

import pytest
import torch

from engine.generation.fit import GenerationError
from engine.generation.generator import Generator
from models import band
from models.vocab import BAND_VEL, BAND_VOCAB, VELOCITY_BINS

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_class_temperatures_set_only_the_velocity_classes() -> None:
    t = band.class_temperatures(torch.tensor([0.3, 0.8]), 2, BAND_VOCAB, 1.1, torch.device("cpu"))
    assert t.shape == (2, BAND_VOCAB)
    vel = slice(BAND_VEL, BAND_VEL + VELOCITY_BINS)
    assert torch.all(t[:, vel] == 1.1)
    assert torch.all(t[0, :BAND_VEL] == 0.3) and torch.all(t[1, BAND_VEL + VELOCITY_BINS :] == 0.8)
    one = band.class_temperatures(0.5, 3, BAND_VOCAB, 0.0, torch.device("cpu"))
    assert one.shape == (3, BAND_VOCAB) and float(one[:, vel].max()) == 0.0
    assert band.velocity_temperature(0.9) == band.VELOCITY_TEMPERATURE  # a number sets the notes only
    assert band.velocity_temperature({"drums": 0.3, "velocity": 0.7}) == 0.7
    assert band.program_temperature({"drums": 0.2, "bass": 0.4, "velocity": 2.0}) == pytest.approx(0.3)


def _velocities(gen: Generator, velocity: float) -> list[int]:
    z = gen.runner.prior(16, 5)
    temps = {"drums": 0.3, "bass": 0.3, "melody": 0.3, "velocity": velocity}
    clips = gen.decode(z, temps, seed=9).clips
    return [len({n.velocity for n in t.notes}) for c in clips for t in c.tracks if len(t.notes) >= 2]


def test_a_warmer_velocity_temperature_gives_more_distinct_velocities() -> None:
    gen = Generator.load("band_4bar")
    cold, warm = _velocities(gen, 0.0), _velocities(gen, 1.0)
    assert sum(warm) / len(warm) > 1.5 * sum(cold) / len(cold)


def test_velocity_is_a_temperature_of_band_models_only() -> None:
    with pytest.raises(GenerationError, match="has no part 'velocity'"):
        Generator.load("trio_16bar").runner.temperatures({"velocity": 0.5})
    runner = Generator.load("band_4bar").runner
    temps, defaults = runner.temperatures({"velocity": 0.5}), runner.temperatures(None)
    own = defaults.get("velocity", band.VELOCITY_TEMPERATURE)  # the report card's choice, else the default
    assert temps["velocity"] == 0.5 != own
    assert {p: t for p, t in temps.items() if p != "velocity"} == {
        p: t for p, t in defaults.items() if p != "velocity"
    }  # the other parts keep the report card's recommendation
