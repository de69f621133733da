"""Presets (frozen, validated, round-trip through dicts) and the latent helpers."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from models.latent import LatentFit, bilinear, lerp, slerp
from models.presets import CONFIG_NAMES, ModelConfig, get_config


@pytest.mark.parametrize("name", CONFIG_NAMES)
@pytest.mark.parametrize("size", ["small", "big"])
def test_every_preset_builds_and_round_trips_through_json(name: str, size: str) -> None:
    cfg = get_config(name, size)
    assert cfg.name == name and cfg.size == size
    again = ModelConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg


def test_big_sizes_follow_the_paper() -> None:
    mel = get_config("mel_2bar", "big")
    assert (mel.enc_size, mel.dec_size, mel.dec_layers, mel.z_size) == (2048, 2048, 3, 512)
    trio = get_config("trio_16bar", "big")
    assert (trio.z_size, trio.cond_size, trio.cond_layers, trio.dec_size, trio.dec_layers) == (
        512,
        1024,
        2,
        1024,
        2,
    )


def test_configs_are_frozen_and_validated() -> None:
    cfg = get_config("mel_2bar")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.z_size = 3  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):  # slots: no new attributes
        cfg.no_such_field = 1  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="size"):
        get_config("mel_2bar", "huge")
    with pytest.raises(ValueError, match="unknown config"):
        get_config("mel_4bar")
    with pytest.raises(ValueError):
        dataclasses.replace(cfg, z_size=0)
    with pytest.raises(ValueError, match="unknown config fields"):
        ModelConfig.from_dict({**cfg.to_dict(), "bogus": 1})


def test_beta_and_learning_rate_schedules() -> None:
    cfg = get_config("drums_2bar")
    assert cfg.beta(0) == 0.0 and cfg.beta(10**7) == pytest.approx(cfg.max_beta)
    assert cfg.beta(100) < cfg.beta(1000)
    assert cfg.learning_rate_at(0) == pytest.approx(cfg.learning_rate)
    assert cfg.learning_rate_at(10**7) == pytest.approx(cfg.min_learning_rate)


def test_slerp_endpoints_and_norm() -> None:
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert torch.allclose(slerp(a, b, 0.0), a) and torch.allclose(slerp(a, b, 1.0), b, atol=1e-6)
    mid = slerp(a, b, 0.5)
    assert torch.allclose(mid.norm(), torch.tensor(1.0)) and torch.allclose(mid[0], mid[1])
    assert torch.allclose(lerp(a, b, 0.5), torch.tensor([0.5, 0.5]))
    assert torch.allclose(slerp(a, 2 * a, 0.5), 1.5 * a)  # parallel vectors fall back to lerp


def test_slerp_batched() -> None:
    a, b = torch.randn(5, 8), torch.randn(5, 8)
    out = slerp(a, b, 0.3)
    assert out.shape == (5, 8) and torch.isfinite(out).all()
    assert torch.allclose(out[2], slerp(a[2], b[2], 0.3), atol=1e-6)


def test_bilinear_corners_and_center() -> None:
    corners = torch.eye(4)
    assert torch.equal(bilinear(corners, 0, 0), corners[0]) and torch.equal(
        bilinear(corners, 1, 0), corners[1]
    )
    assert torch.equal(bilinear(corners, 0, 1), corners[2]) and torch.equal(
        bilinear(corners, 1, 1), corners[3]
    )
    assert torch.allclose(bilinear(corners, 0.5, 0.5), torch.full((4,), 0.25))
    with pytest.raises(ValueError):
        bilinear(corners[:3], 0.5, 0.5)


def test_latent_fit_keeps_the_codes_mean_and_covariance() -> None:
    """Codes that move together along a few directions: the fit's mean, covariance and its draws follow
    them (cov(mu) plus the mean posterior variance, the aggregate posterior's covariance)."""
    from models.latent import fit_latent

    g = torch.Generator().manual_seed(0)
    basis = torch.randn(3, 12, generator=g) * 2.0  # 3 directions carry most of the spread
    mu = 1.5 + torch.randn(4000, 3, generator=g) @ basis + 0.1 * torch.randn(4000, 12, generator=g)
    sigma = torch.full((4000, 12), 0.3)
    fit = fit_latent(mu, sigma, rank=3)
    assert fit.codes == 4000 and len(fit.components) == 3 and fit.source_size == 15
    target = torch.cov(mu.T) + 0.09 * torch.eye(12)
    w, noise = torch.tensor(fit.components), torch.tensor(fit.noise)
    model = w.T @ w + torch.diag(noise)
    assert torch.allclose(torch.diag(model), torch.diag(target), rtol=1e-3)  # the diagonal exactly
    assert (model - target).abs().max() < 0.05 * target.abs().max()
    draws = fit.sample(20000, torch.Generator().manual_seed(1))
    assert torch.allclose(draws.mean(0), torch.tensor(fit.mean), atol=0.1)
    assert (torch.cov(draws.T) - target).abs().max() < 0.1 * target.abs().max()
    with pytest.raises(ValueError):
        dataclasses.replace(fit, noise=(0.0,) * 12)


def test_a_fresh_model_is_sized_to_its_music() -> None:
    """The latent follows the data: at most log2(bars) free bits, z the power of two nearest
    2 sqrt(bars) (at least 32, at most the preset's); unknown data leaves the preset alone."""
    from models.presets import sized_for

    trio = get_config("trio_16bar")
    small = sized_for(trio, 1078)  # 15 band songs
    assert (small.z_size, small.free_bits) == (64, 10.1) and small.dec_size == trio.dec_size
    assert sized_for(trio, 0) == trio
    assert sized_for(get_config("drums_2bar"), 235).z_size == 32
    assert sized_for(get_config("mel_2bar"), 10**6).z_size == 128  # the preset's at most
    assert sized_for(get_config("mel_2bar", "big"), 10**6).z_size == 512
    assert sized_for(get_config("mel_2bar"), 864).free_bits == 0.0  # never more than the preset's
    assert trio.dropout > 0 and trio.weight_decay > 0 and trio.bar_link


def test_a_fits_tensors_are_made_once_and_follow_the_fit() -> None:
    """`to_z` makes a fit's tensors once (they are cached by the fit, not rebuilt each draw) and two fits
    with different numbers never share them."""
    a = LatentFit(10, (0.0, 1.0), ((0.5, -0.5),), (1.0, 4.0))
    b = LatentFit(10, (2.0, 3.0), ((1.0, 1.0),), (1.0, 1.0))
    source = torch.tensor([[1.0, 2.0, -1.0]])  # (1, K + Z)
    want_a = torch.tensor([[0.0 + 0.5 + 2.0, 1.0 - 0.5 - 2.0]])  # mean + a * component + sqrt(noise) e
    for _ in range(2):
        assert torch.allclose(a.to_z(source), want_a)
        assert torch.allclose(b.to_z(source), torch.tensor([[2.0 + 1.0 + 2.0, 3.0 + 1.0 - 1.0]]))
    assert (
        a._as_tensors(torch.float32, torch.device("cpu"))[0]
        is a._as_tensors(torch.float32, torch.device("cpu"))[0]
    )
    assert a.to_z(source.double()).dtype == torch.float64
