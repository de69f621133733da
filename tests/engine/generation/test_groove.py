"""The groove spread: measured per drum class on held-out music, added back to the drum head's mean so
that humanized and sampled beats vary as much as real playing (the bundled model on unseen Groove beats)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine.generation.generator import Generator
from engine.generation.groove import MIN_HITS, SpreadSums, add_spread
from models.card import DataSummary, MusicStats
from models.report import GrooveSpread
from tests.cards import flat_timing
from tests.realmusic import humanize_ratios, validation_beats

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_spread_sums_give_the_std_per_class_and_pool_rare_classes() -> None:
    rng = np.random.default_rng(0)
    hits = np.zeros((400, 9), dtype=bool)
    hits[:, 0] = True  # 400 kicks
    hits[:200, 1] = True  # 200 snares
    hits[:5, 2] = True  # 5 hats: too few for their own figure
    vel = rng.normal(3.0, 10.0, (400, 9)) * np.array([1, 2, 1, 1, 1, 1, 1, 1, 1])
    off = rng.normal(0.0, 0.1, (400, 9))
    sums = SpreadSums()
    sums.add(hits[:150], {"velocity": vel[:150], "offset": off[:150]})
    sums.add(hits[150:], {"velocity": vel[150:], "offset": off[150:]})
    out = sums.result()
    assert out is not None and out.hits[:3] == (400, 200, 5) and out.offset is not None
    assert out.velocity[0] == pytest.approx(np.std(vel[:, 0]), rel=1e-3)  # the mean error is taken out
    assert out.velocity[1] == pytest.approx(np.std(vel[:200, 1]), rel=1e-3)
    pooled = np.concatenate([vel[:, 0], vel[:200, 1], vel[:5, 2]])
    assert out.velocity[2] == pytest.approx(np.std(pooled), rel=1e-3) == out.velocity[8]
    assert out.offset[0] == pytest.approx(np.std(off[:, 0]), rel=1e-3)
    empty = SpreadSums()
    few = MIN_HITS // 2
    empty.add(hits[:few] & (np.arange(9) == 0), {"velocity": vel[:few], "offset": off[:few]})
    assert empty.result() is None


def test_add_spread_moves_only_hits_by_the_spread_times_sqrt_temperature() -> None:
    hits = np.zeros((2000, 32, 9), dtype=np.float32)
    hits[:, ::4, 0] = 1.0
    hits[:, 2::4, 1] = 1.0
    arrays = {
        "drums": np.zeros((2000, 32), np.int64),
        "hits": hits,
        "velocity": hits * 0.6,
        "offset": hits * 0.0,
    }
    spread = GrooveSpread((), (12.7, 25.4) + (5.0,) * 7, (0.05, 0.1) + (0.01,) * 7)
    assert add_spread(arrays, spread, 0.0, np.random.default_rng(0)) is arrays
    for temperature in (1.0, 0.25):
        out = add_spread(arrays, spread, temperature, np.random.default_rng(1))
        scale = np.sqrt(temperature)
        kick, snare = hits[..., 0] > 0, hits[..., 1] > 0
        assert np.std(out["velocity"][..., 0][kick]) * 127 == pytest.approx(12.7 * scale, rel=0.03)
        assert np.std(out["velocity"][..., 1][snare]) * 127 == pytest.approx(25.4 * scale, rel=0.03)
        assert np.std(out["offset"][..., 1][snare]) == pytest.approx(0.1 * scale, rel=0.03)
        assert np.all(out["velocity"][hits == 0] == 0) and np.all(out["offset"][hits == 0] == 0)
        assert out["velocity"][hits > 0].min() >= 1 / 127 and out["velocity"].max() <= 1.0
        assert out["offset"].min() >= -0.5 and out["offset"].max() < 0.5
        assert out["drums"] is arrays["drums"] and out["hits"] is hits


def test_bundled_drums_humanize_like_the_drummer_on_beats_it_never_saw() -> None:
    gen = Generator.load("drums_2bar")
    spread = gen.groove_spread()
    assert spread is not None and len(spread.hits) == 9  # measured on held-out music by the report card
    vel, off = humanize_ratios(gen, validation_beats(8))
    # the head alone gives about 0.7x the velocity spread and 0.4x the timing spread of the drummer
    assert 0.8 <= float(np.median(vel)) <= 1.3, vel
    assert 0.8 <= float(np.median(off)) <= 1.3, off


def test_sampled_beats_vary_more_when_hotter_and_repeat_with_the_seed() -> None:
    gen = Generator.load("drums_2bar")

    def velocity_spread(temperature: float) -> float:
        clips = gen.sample(6, temperature, seed=5).clips
        return float(np.std([n.velocity for c in clips for t in c.tracks for n in t.notes]))

    assert gen.sample(2, 0.5, seed=9) == gen.sample(2, 0.5, seed=9)
    assert velocity_spread(0.0) < velocity_spread(1.0)


def test_without_a_report_the_training_music_jitter_is_used() -> None:
    from models.musicvae import MusicVAE
    from models.presets import tiny_config

    drums = dataclasses.replace(flat_timing(80.0, 20.0, 0.1), velocity_jitter=11.0, offset_jitter=0.07)
    gen = Generator(MusicVAE(tiny_config("drums_2bar")), DataSummary(music=MusicStats(drums=drums)))
    assert gen.groove_spread() == GrooveSpread((), (11.0,) * 9, (0.07,) * 9)
    assert Generator(MusicVAE(tiny_config("drums_2bar"))).groove_spread() is None


def test_multitrack_velocities_get_one_spread_on_their_notes_only() -> None:
    velocity = np.zeros((500, 8, 16), dtype=np.float32)
    velocity[:, :3, ::2] = 0.7  # notes in three slots
    arrays = {"program": np.zeros((500, 8), np.int64), "tokens": np.zeros((500, 8, 16), np.int64)}
    arrays["velocity"] = velocity
    out = add_spread(arrays, GrooveSpread((100,), (12.7,)), 1.0, np.random.default_rng(0))
    notes = velocity > 0
    assert np.std(out["velocity"][notes]) * 127 == pytest.approx(12.7, rel=0.03)
    assert np.all(out["velocity"][~notes] == 0) and "offset" not in out


def test_multitrack_report_measures_its_velocity_spread() -> None:
    import torch

    from engine.data.converters import CONVERTERS
    from engine.data.dataset import load_examples
    from engine.evaluation.recon import reconstruction
    from engine.generation.runner import Runner
    from models.musicvae import MusicVAE
    from models.presets import tiny_config
    from tests.conftest import MIDI_DIR

    torch.manual_seed(0)
    model = MusicVAE(tiny_config("multitrack_1bar")).eval()
    examples = load_examples(MIDI_DIR / "multitrack" / "freedoom-freedoom", "multitrack_1bar", transpose=None)
    arrays = {k: v[:64] for k, v in examples.arrays.items()}
    recon = reconstruction(Runner(model, CONVERTERS["multitrack_1bar"], torch.device("cpu")), arrays)
    assert (
        recon is not None and recon.velocity_error and recon.velocity_error > 0 and recon.offset_error is None
    )
    spread = recon.groove_spread
    assert (
        spread is not None and len(spread.velocity) == 1 and spread.velocity[0] > 0 and spread.offset is None
    )
    assert spread.hits[0] > 100
