"""Held-out likelihood and per-part scores (engine/evaluation/likelihood.py) on hand-built tokens and a
tiny model."""

from __future__ import annotations

import math

import numpy as np
import torch

from engine.evaluation.likelihood import (
    PartPositions,
    active_dims,
    f1,
    likelihood,
    onset_counts,
    part_positions,
    unigram_bits,
)
from models.musicvae import MusicVAE
from models.presets import tiny_config
from tests.models.helpers import fake_batch


def _all(t: torch.Tensor, drums: bool = False, offset: int = 0) -> PartPositions:
    return PartPositions("x", torch.ones_like(t, dtype=torch.bool), drums, offset)


def test_onsets_count_pitch_and_step_or_drum_class_and_step() -> None:
    true = torch.tensor([2 + 39, 0, 1, 2 + 43, 0, 0])  # C4 at 0, G4 at 3
    pred = torch.tensor([2 + 39, 0, 0, 2 + 44, 2 + 40, 0])  # C4 right, G#4 instead of G4, an extra note
    assert onset_counts(pred, true, _all(true)) == (1, 3, 2)
    assert f1(1, 3, 2) == 0.4 and f1(0, 0, 0) is None
    silent = torch.zeros_like(true)  # always "no event": no onset caught
    assert f1(*onset_counts(silent, true, _all(true))) == 0.0
    kit_true, kit_pred = torch.tensor([0b101, 0, 0b10]), torch.tensor([0b001, 0b1, 0b10])  # kick+hat, snare
    assert onset_counts(kit_pred, kit_true, _all(kit_true, drums=True)) == (2, 3, 3)
    multi = torch.tensor([90 + 0b11, 90, 5])  # a multitrack drum slot: 90 + bits; 5 is no drum token
    assert onset_counts(multi, multi, _all(multi, True, 90)) == (2, 2, 2)


def test_multitrack_parts_are_the_slots_their_program_plays() -> None:
    model = MusicVAE(tiny_config("multitrack_1bar"))
    batch = fake_batch(model.cfg, b=1)
    batch["program"] = torch.tensor([[0, 33, 128, 129, 129, 129, 129, 129]])
    where = part_positions(model, batch)
    assert [where[p].mask[0, :, 0].nonzero().ravel().tolist() for p in ("melody", "bass", "drums")] == [
        [0],
        [1],
        [2],
    ]
    assert where["drums"].drums and where["drums"].offset == 90 and not where["bass"].drums


def test_likelihood_is_the_negative_elbo_per_step() -> None:
    """Bits per step x steps x ln 2 = -log p(x | z) + KL with z drawn as the seed draws it."""
    torch.manual_seed(0)
    model = MusicVAE(tiny_config("trio_16bar")).eval()
    batch = fake_batch(model.cfg, b=3)
    arrays = {k: v.numpy() for k, v in batch.items()}
    got = likelihood(model, arrays, seed=5)
    assert got is not None
    with torch.no_grad():
        mu, sigma = model.encoder(batch)
        z = mu + sigma * torch.randn(mu.shape, generator=torch.Generator().manual_seed(5))
        nll = -model.recon_log_prob(z, batch).sum()
        kl = 0.5 * (mu.pow(2) + sigma.pow(2) - 1 - 2 * sigma.log()).sum()
    steps = 3 * 3 * 256
    assert math.isclose(got.bits_per_step * steps * math.log(2), float(nll + kl), rel_tol=1e-4)
    assert math.isclose(got.kl_bits_per_step * steps * math.log(2), float(kl), rel_tol=1e-4)
    assert set(got.part_bits) == {"melody", "bass", "drums"} and got.kl_per_dim.shape == (model.cfg.z_size,)
    assert likelihood(model, {}) is None


def test_unigram_and_active_dimensions() -> None:
    train = np.array([0] * 6 + [1] * 2)  # 7/10 and 3/10 with add-one smoothing over 2 classes
    assert math.isclose(unigram_bits(train, np.array([0, 1]), 2), -(math.log2(0.7) + math.log2(0.3)) / 2)
    assert active_dims(np.array([0.0, 0.005, 0.02, 3.0])) == 2
