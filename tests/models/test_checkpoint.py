"""Checkpoints: round trip, atomic writes on a full disk, keep-K, refusing damaged or foreign files."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from safetensors.torch import save as st_bytes

from models import store
from models.card import DataSummary, TrainState, read_card
from models.checkpoint import CheckpointError, load_model, load_training_state, save_checkpoint
from models.musicvae import MusicVAE
from models.presets import tiny_config
from tests.models.helpers import fake_batch

META = {"data": DataSummary(files=3), "training": TrainState(epoch=1, best_accuracy=0.5, seed=0)}


def _trained(name: str = "drums_2bar") -> tuple[MusicVAE, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = MusicVAE(tiny_config(name))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(fake_batch(model.cfg)).loss.backward()
    opt.step()
    return model, opt


def _same_weights(a: MusicVAE, b: MusicVAE) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_round_trip_with_optimizer_state(tmp_path: Path) -> None:
    model, opt = _trained()
    path = save_checkpoint(tmp_path, model, step=7, optimizer_state=opt.state_dict(), **META, best=True)
    assert path.name == "step-00000007.safetensors" and path.stat().st_size < 25 * 2**20
    loaded, card = load_model(tmp_path, bfloat16=False)
    assert _same_weights(model, loaded) and not loaded.training
    rounded, _ = load_model(tmp_path)  # for generation: each weight the nearest bfloat16 value
    for saved, near in zip(model.parameters(), rounded.parameters(), strict=True):
        assert torch.equal(near, saved.to(torch.bfloat16).float())
    assert not _same_weights(model, rounded)
    assert card.training.epoch == 1 and card.vocabulary == {"drums": 512} and card.data.files == 3
    assert card.checkpoints[-1].step == 7
    resumed, _, opt_state = load_training_state(tmp_path)
    assert opt_state is not None and resumed.training
    opt2 = torch.optim.Adam(resumed.parameters(), lr=1e-3)
    opt2.load_state_dict(opt_state)
    want, got = opt.state_dict()["state"], opt2.state_dict()["state"]
    assert want.keys() == got.keys()
    for pid, s1 in want.items():
        assert all(torch.equal(s1[k], got[pid][k]) for k in ("step", "exp_avg", "exp_avg_sq"))
    loaded.eval()
    z = torch.randn(2, model.cfg.z_size)
    model.eval()
    assert torch.equal(model.decode(z, 0.0)["drums"], loaded.decode(z, 0.0)["drums"])


def test_keeps_last_k_and_the_best(tmp_path: Path) -> None:
    model, opt = _trained("mel_2bar")
    for step in (10, 20, 30, 40):
        save_checkpoint(tmp_path, model, step=step, optimizer_state=opt.state_dict(), **META, best=step == 20)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "best.safetensors",
        "model.json",
        "step-00000030.safetensors",
        "step-00000040.optim.safetensors",
        "step-00000040.safetensors",
    ]
    card = read_card(tmp_path)
    assert card.best is not None and card.best.step == 20 and [e.step for e in card.checkpoints] == [30, 40]
    assert card.checkpoints[0].optimizer is None and card.checkpoints[1].optimizer  # newest only
    _, card = load_model(tmp_path / "step-00000030.safetensors")
    assert card.best is not None and card.best.step == 20


def test_full_disk_never_destroys_the_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, opt = _trained("mel_2bar")
    save_checkpoint(tmp_path, model, step=1, optimizer_state=opt.state_dict(), **META, best=True)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", no_space)
    with torch.no_grad():
        next(model.parameters()).add_(1.0)
    with pytest.raises(CheckpointError, match="No space left"):
        save_checkpoint(tmp_path, model, step=2, optimizer_state=opt.state_dict(), **META, best=True)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp files left either
    loaded, card = load_model(tmp_path, which="latest")
    assert card.checkpoints[-1].step == 1


def test_truncated_weights_are_refused(tmp_path: Path) -> None:
    model, _ = _trained("mel_2bar")
    path = save_checkpoint(tmp_path, model, step=1, **META, best=False)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="damaged"):
        load_model(tmp_path)
    copy = tmp_path / "copy.safetensors"  # not listed in model.json: no checksum, the parser refuses it
    copy.write_bytes(path.read_bytes())
    with pytest.raises(CheckpointError, match="damaged or truncated"):
        load_model(copy)


def test_flipped_byte_fails_the_checksum(tmp_path: Path) -> None:
    model, _ = _trained("mel_2bar")
    path = save_checkpoint(tmp_path, model, step=1, **META, best=False)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="checksum"):
        load_model(tmp_path)


def test_bad_json_and_foreign_files_are_refused(tmp_path: Path) -> None:
    model, _ = _trained("mel_2bar")
    save_checkpoint(tmp_path, model, step=1, **META, best=False)
    index = tmp_path / "model.json"
    index.write_text("{not json")
    with pytest.raises(CheckpointError, match="damaged"):
        load_model(tmp_path)
    index.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(CheckpointError, match="foreign"):
        load_model(tmp_path)
    pickle = tmp_path / "model.pt"
    torch.save(model.state_dict(), pickle)
    with pytest.raises(CheckpointError, match="not a Bandmate model"):
        load_model(pickle)
    with pytest.raises(CheckpointError, match="no model"):
        load_model(tmp_path / "missing")


def test_foreign_safetensors_is_refused(tmp_path: Path) -> None:
    model, _ = _trained("mel_2bar")
    save_checkpoint(tmp_path, model, step=1, **META, best=False)
    foreign = tmp_path / "other.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, foreign)
    with pytest.raises(CheckpointError, match="foreign"):
        load_model(foreign)


def test_mismatched_config_is_refused(tmp_path: Path) -> None:
    model, _ = _trained("mel_2bar")
    save_checkpoint(tmp_path, model, step=1, **META, best=False)
    index = json.loads((tmp_path / "model.json").read_text())
    index["config"]["z_size"] = 24  # the weights were trained with z_size 16
    (tmp_path / "model.json").write_text(json.dumps(index))
    with pytest.raises(CheckpointError, match="does not match config mel_2bar"):
        load_model(tmp_path)
    index["config"]["name"] = "drums_2bar"
    index["config"]["z_size"] = 16
    (tmp_path / "model.json").write_text(json.dumps(index))
    with pytest.raises(CheckpointError):
        load_model(tmp_path)


def test_leftover_temp_files_are_cleaned(tmp_path: Path) -> None:
    model, _ = _trained("mel_2bar")
    (tmp_path).mkdir(exist_ok=True)
    stale = tmp_path / f".step-00000002.safetensors.tmp-{os.getpid() + 1}"
    stale.write_bytes(b"partial write from a killed run")
    save_checkpoint(tmp_path, model, step=1, **META, best=False)
    assert not stale.exists()


def test_a_band_model_of_an_older_layout_is_refused_in_one_line(tmp_path: Path) -> None:
    model = MusicVAE(tiny_config("band_1bar"))
    save_checkpoint(tmp_path, model, step=1, **META, best=False)
    weights = next(tmp_path.glob("step-*.safetensors"))
    tensors = {k: v for k, v in load_file(weights).items() if not k.startswith("band.cond_proj")}
    old = st_bytes(tensors, metadata={"format": store.FORMAT, "config": "band_1bar", "step": "1"})
    weights.write_bytes(old)
    index = json.loads((tmp_path / "model.json").read_text())
    for entry in index["checkpoints"]:
        entry["sha256"] = hashlib.sha256(old).hexdigest()
    (tmp_path / "model.json").write_text(json.dumps(index))
    with pytest.raises(CheckpointError, match="older band_1bar format .* train it again") as info:
        load_model(tmp_path)
    assert "\n" not in str(info.value)
