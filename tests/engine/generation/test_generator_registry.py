"""Finding models: bundled names, user models, plain folders, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.registry import ModelNotFoundError, list_models, resolve_model, trained_on
from models.card import DataSummary
from models.checkpoint import save_checkpoint
from models.musicvae import MusicVAE
from models.presets import tiny_config


def _fake_model(folder: Path, config: str, data: DataSummary | None = None) -> Path:
    """A real (untrained, tiny) model folder saved at step 120."""
    save_checkpoint(folder, MusicVAE(tiny_config(config)), step=120, data=data, best=True)
    return folder


def test_list_and_resolve_bundled_user_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = tmp_path / "resources"
    _fake_model(bundled / "drums_2bar", "drums_2bar", DataSummary(folder="/x/groove", files=12))
    monkeypatch.setenv("BANDMATE_HOME", str(tmp_path / "home"))
    mine = _fake_model(tmp_path / "home" / "models" / "my-folk", "mel_2bar")
    (tmp_path / "home" / "models" / "not-a-model").mkdir()

    infos = list_models(bundled_dir=bundled)
    assert [(i.name, i.where, i.config) for i in infos] == [
        ("drums_2bar", "bundled", "drums_2bar"),
        ("my-folk", "user", "mel_2bar"),
    ]
    assert infos[0].trained_on == "groove, 12 files"
    assert infos[0].steps == 120 and infos[0].size == "tiny"

    assert resolve_model("drums_2bar", bundled_dir=bundled) == bundled / "drums_2bar"
    assert resolve_model("my-folk", bundled_dir=bundled) == mine
    assert resolve_model(str(mine)) == mine
    assert resolve_model(mine / "model.json") == mine


def test_resolve_unknown_names_what_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANDMATE_HOME", str(tmp_path / "home"))
    bundled = tmp_path / "resources"
    _fake_model(bundled / "mel_2bar", "mel_2bar")
    with pytest.raises(ModelNotFoundError, match="no model called 'nope'; available: mel_2bar"):
        resolve_model("nope", bundled_dir=bundled)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="holds no model.json"):
        resolve_model(tmp_path / "empty", bundled_dir=bundled)


def test_trained_on_tolerates_missing_summary() -> None:
    assert trained_on(DataSummary()) == ""
    assert trained_on(DataSummary(files=2)) == "2 files"
    split = DataSummary(folder="/x/train", files=12, train_files=10, heldout_files=("a.mid", "b.mid"))
    assert trained_on(split) == "train, 12 files (10 learned from, 2 held out)"  # as the report card counts


def test_a_damaged_model_is_listed_by_its_folder(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "model.json").write_text("{not json")
    _fake_model(tmp_path / "good", "mel_2bar")
    infos = list_models(bundled_dir=tmp_path, user_dir=tmp_path / "none")
    assert [(i.name, i.config, i.steps) for i in infos] == [
        ("broken", "broken", 0),
        ("good", "mel_2bar", 120),
    ]
