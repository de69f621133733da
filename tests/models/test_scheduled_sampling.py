"""Scheduled sampling (Bengio et al. 2015): the decoder's own draws replace a share of its true inputs in
training only, on a schedule; every decoder kind takes it, and a training run with it resumes exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from engine.training.train import train
from models.card import read_card
from models.checkpoint import load_model
from models.decoders import scheduled_inputs
from models.musicvae import MusicVAE
from models.presets import CONFIG_NAMES, get_config, tiny_config
from tests.engine.training.train_helpers import copy_files
from tests.models.helpers import fake_batch

TUNES = tuple(
    f"folk/jukedeck-nottingham-dataset/{n}.mid" for n in ("jigs238", "reelsa-c35", "reelsr-t85", "reelsm-q4")
)


def test_inputs_take_the_draw_of_the_step_before_and_keep_the_start() -> None:
    prev = torch.randint(0, 10, (64, 12))
    logits = torch.full((64, 12, 10), -50.0)
    logits[..., 7] = 50.0  # every prediction is surely 7
    torch.manual_seed(0)
    assert torch.equal(scheduled_inputs(prev, logits, 0.0), prev)
    every = scheduled_inputs(prev, logits, 1.0)
    assert torch.equal(every[:, 0], prev[:, 0]) and (every[:, 1:] == 7).all()
    half = scheduled_inputs(prev, logits, 0.5)
    swapped = (half != prev) & (prev != 7)
    assert ((half == prev) | (half == 7)).all() and torch.equal(half[:, 0], prev[:, 0])
    assert 0.35 < swapped[:, 1:].float().mean() / (prev[:, 1:] != 7).float().mean() < 0.65


def test_the_share_ramps_to_its_cap_and_is_checked() -> None:
    cfg = tiny_config("mel_2bar", scheduled_sampling=0.4, sampling_ramp=100)
    assert [cfg.sampling_probability(s) for s in (0, 50, 100, 5000)] == [0.0, 0.2, 0.4, 0.4]
    assert get_config("drums_2bar", "small").sampling_probability(10**6) == 0.0  # off unless a preset sets it
    assert get_config("mel_2bar", "small").sampling_probability(10**6) == 0.25
    for bad in (dict(scheduled_sampling=1.5), dict(scheduled_sampling=-0.1), dict(sampling_ramp=0)):
        with pytest.raises(ValueError, match="scheduled_sampling"):
            tiny_config("mel_2bar", **bad)


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_it_changes_training_passes_only(name: str) -> None:
    torch.manual_seed(0)
    model = MusicVAE(tiny_config(name, dropout=0.0))
    batch = fake_batch(model.cfg, b=6)

    def loss(sampling: float) -> torch.Tensor:
        torch.manual_seed(1)
        return model(batch, beta=0.5, generator=torch.Generator().manual_seed(2), sampling=sampling).loss

    model.eval()
    assert torch.equal(loss(1.0), loss(0.0))  # evaluation and likelihoods always teacher-force
    model.train()
    plain, sampled = loss(0.0), loss(1.0)
    assert torch.equal(plain, loss(0.0)) and torch.equal(sampled, loss(1.0))  # seeded: repeatable
    assert not torch.equal(plain, sampled) and torch.isfinite(sampled)
    sampled.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_a_melody_run_with_it_resumes_exactly(midi_dir: Path, tmp_path: Path) -> None:
    tunes = copy_files(midi_dir, TUNES, tmp_path / "tunes")

    def run(out: Path, steps: int) -> None:
        train(tunes, "mel_2bar", out, size="tiny", steps=steps, device="cpu", report=False)

    run(tmp_path / "straight", 14)
    run(tmp_path / "resumed", 9)
    run(tmp_path / "resumed", 14)
    cfg = read_card(tmp_path / "straight").config
    assert cfg.scheduled_sampling == 0.25 and cfg.sampling_probability(9) > 0.0  # on before the stop
    a, b = (load_model(tmp_path / d, which="latest", bfloat16=False)[0] for d in ("straight", "resumed"))
    a, b = a.state_dict(), b.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)  # the same draws and choices after the resume
