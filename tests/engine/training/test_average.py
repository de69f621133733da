"""Averaged weights (Polyak averaging, models/presets.py `weight_average`): the moving average's arithmetic
and warm-up, that evaluating with it leaves the trained weights untouched, that it travels with the
optimizer state, and that a run on real folk tunes saves it as the best weights and fine-tunes with it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from engine.training.average import WeightAverage
from engine.training.run import fine_tune_config
from engine.training.train import train
from models.card import read_card
from models.checkpoint import CheckpointError, load_model
from models.musicvae import MusicVAE
from models.presets import CONFIG_NAMES, get_config, tiny_config
from models.store import optimizer_from_bytes, optimizer_to_bytes
from tests.engine.training.train_helpers import copy_files

TUNES = tuple(
    f"folk/jukedeck-nottingham-dataset/{n}.mid" for n in ("jigs238", "reelsa-c35", "reelsr-t85", "reelsm-q4")
)


def _model(average: float = 0.9) -> MusicVAE:
    torch.manual_seed(0)
    return MusicVAE(tiny_config("mel_2bar", weight_average=average))


def _nudge(model: MusicVAE, by: float) -> None:
    with torch.no_grad():
        for p in model.parameters():
            p.add_(by)


def test_decay_warms_up_then_holds_its_cap_and_is_checked() -> None:
    cfg = tiny_config("mel_2bar", weight_average=0.995)
    assert cfg.average_decay(1) == pytest.approx(2 / 11)
    assert cfg.average_decay(100) == pytest.approx(101 / 110)
    assert cfg.average_decay(5000) == 0.995
    assert tiny_config("mel_2bar", weight_average=0.0).average_decay(5000) == 0.0
    with pytest.raises(ValueError, match="weight_average"):
        tiny_config("mel_2bar", weight_average=1.0)
    assert all(get_config(n).weight_average == 0.995 for n in CONFIG_NAMES)  # every small preset averages


def test_the_average_follows_the_ema_rule() -> None:
    model = _model(0.9)
    start = [p.detach().clone() for p in model.parameters()]
    avg = WeightAverage(model)
    expected = [t.clone() for t in start]
    for n in range(1, 40):
        _nudge(model, 0.01)
        avg.update()
        d = model.cfg.average_decay(n)
        expected = [d * e + (1 - d) * p.detach() for e, p in zip(expected, model.parameters(), strict=True)]
    assert avg.updates == 39
    assert all(torch.allclose(a, e, atol=1e-6) for a, e in zip(avg.tensors, expected, strict=True))
    # it lags the trained weights (each moved by 0.39 in steps of 0.01) by a few recent steps
    lag = float((next(model.parameters()).detach() - avg.tensors[0]).mean())
    assert 0.02 < lag < 0.39 / 4


def test_applied_holds_the_average_and_restores_the_trained_weights_bit_for_bit() -> None:
    model = _model()
    avg = WeightAverage(model)
    _nudge(model, 0.5)
    trained = {k: v.clone() for k, v in model.state_dict().items()}
    with avg.applied():
        assert all(torch.equal(p, a) for p, a in zip(model.parameters(), avg.tensors, strict=True))
    assert all(torch.equal(trained[k], v) for k, v in model.state_dict().items())


def test_the_average_travels_in_the_optimizer_state() -> None:
    model = _model()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss = sum(p.sum() for p in model.parameters())
    loss.backward()  # type: ignore[union-attr]
    opt.step()
    avg = WeightAverage(model)
    _nudge(model, 0.25)
    avg.update()
    saved = optimizer_from_bytes(optimizer_to_bytes(avg.into_state(opt.state_dict())))
    again = WeightAverage(model)
    own = again.from_state(saved)
    assert again.updates == 1
    assert all(torch.equal(a, b) for a, b in zip(avg.tensors, again.tensors, strict=True))
    opt2 = torch.optim.AdamW(model.parameters(), lr=1e-3)
    opt2.load_state_dict(own)  # the optimizer's own state, without the average
    assert set(opt2.state_dict()["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    # a state saved before averaging leaves the average at the weights; one that does not fit is refused
    fresh = WeightAverage(model)
    fresh.from_state(opt.state_dict())
    assert fresh.updates == 0
    other = WeightAverage(MusicVAE(replace(model.cfg, dec_size=48)))
    with pytest.raises(CheckpointError, match="does not fit"):
        other.from_state(saved)


@pytest.fixture(scope="module")
def tunes(midi_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_files(midi_dir, TUNES, tmp_path_factory.mktemp("tunes"))


def test_a_run_saves_its_average_as_the_best_weights(tunes: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    train(tunes, "mel_2bar", out, size="tiny", steps=30, device="cpu", report=False)
    card = read_card(out)
    assert card.best is not None and card.best.step == card.training.step == 30
    trained = load_model(out, which="latest", bfloat16=False)[0].state_dict()
    best = load_model(out, bfloat16=False)[0]
    # the best weights are the average the optimizer state carries, not the last trained ones
    avg = WeightAverage(MusicVAE(card.config))
    opt_file = out / card.checkpoints[-1].optimizer  # type: ignore[operator]
    avg.from_state(optimizer_from_bytes(opt_file.read_bytes()))
    assert avg.updates == 30
    assert all(torch.equal(p, a) for p, a in zip(best.parameters(), avg.tensors, strict=True))
    assert not all(torch.equal(trained[k], v) for k, v in best.state_dict().items())
    # a fine-tune of a model trained without averaging averages as its preset does
    base = replace(card.config, weight_average=0.0)
    assert fine_tune_config(base).weight_average == get_config("mel_2bar", "tiny").weight_average > 0
