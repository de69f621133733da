"""The generation runner: one decode path for the facade, completion, humanize and the report card."""

from __future__ import annotations

import pytest
import torch

from engine.evaluation.style import _samples, caps
from engine.generation.fit import GenerationError
from engine.generation.generator import Generator
from engine.generation.runner import Generated, new_seed, parse_part_temperatures
from engine.music.pattern import Pattern
from models.latent import fit_latent
from models.musicvae import MusicVAE
from models.presets import tiny_config
from models.report import GrooveSpread

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_report_card_samples_what_the_musician_gets() -> None:
    """Same prior codes, sampling noise and groove spread as `sample` (a drum model writes its own
    loudness and timing, so the training music's feel adds nothing to its clips)."""
    torch.manual_seed(0)
    gen = Generator(MusicVAE(tiny_config("drums_2bar")))
    gen.runner._spread = GrooveSpread((50,) * 9, (9.0,) * 9, (0.05,) * 9)  # as report.json would have it
    n = caps(gen.steps)[3]
    assert _samples(gen.runner, 0.8, seed=3) == list(gen.sample(n, 0.8, seed=3, checked=False).clips)


def test_generated_carries_the_seed_and_one_clip() -> None:
    one = Generated((Pattern(),), 5, ("a note",))
    assert one.clip == Pattern() and one.seed == 5
    with pytest.raises(ValueError, match="2 clips"):
        Generated((Pattern(), Pattern()), 5).clip  # noqa: B018
    assert new_seed(7) == 7 and 0 <= new_seed(None) < 2**31


def test_new_clips_start_from_the_training_codes_gaussian() -> None:
    """With a LatentFit (model card) the runner draws codes from it, `sample` and chains included; a model
    without one draws from N(0, I) as before."""
    torch.manual_seed(0)
    model = MusicVAE(tiny_config("mel_2bar"))
    plain = Generator(model)
    assert torch.equal(
        plain.runner.prior(4, 1), torch.randn(4, 16, generator=torch.Generator().manual_seed(1))
    )
    g = torch.Generator().manual_seed(2)
    fit = fit_latent(5.0 + torch.randn(300, 16, generator=g), torch.full((300, 16), 0.1), rank=2)
    fitted = Generator(model, latent=fit)
    codes = fitted.runner.prior(2000, 3)
    assert torch.allclose(codes.mean(0), torch.tensor(fit.mean), atol=0.1)
    assert torch.allclose(codes.mean(0), torch.full((16,), 5.0), atol=0.3)
    assert fitted.runner.source_size == 18
    path = fitted.runner.to_code(torch.zeros(1, 18))
    assert torch.allclose(path, torch.tensor([fit.mean]))  # the path's sources map onto the fit
    assert fitted.sample(2, seed=4, bars=6, checked=False).clips[0].steps == 6 * 16
    assert fitted.sample(3, 0.5, seed=5).clips == Generator(model, latent=fit).sample(3, 0.5, seed=5).clips


def test_part_temperatures_resolve_over_the_models_own() -> None:
    torch.manual_seed(0)
    gen = Generator(MusicVAE(tiny_config("trio_16bar")))
    runner = gen.runner
    own = runner.default_temperatures
    assert set(own) == {"melody", "bass", "drums"} and gen.temperatures == own
    assert runner.temperatures(None) == own
    assert runner.temperatures(0.7) == {"melody": 0.7, "bass": 0.7, "drums": 0.7}
    assert runner.temperatures({"drums": 0.2}) == {**own, "drums": 0.2}
    with pytest.raises(GenerationError, match="no part 'guitar'"):
        runner.temperatures({"guitar": 0.5})
    with pytest.raises(GenerationError, match="outside 0..2"):
        runner.temperatures({"bass": 3.0})
    assert parse_part_temperatures("melody=0.9, Drums=0.6") == {"melody": 0.9, "drums": 0.6}
    for bad in ("melody", "melody=hot", "bass=2.5", ""):
        with pytest.raises(ValueError):
            parse_part_temperatures(bad)
