"""Finding models: bundled names, user models, plain folders, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.registry import ModelNotFoundError, list_models, resolve_model, trained_on


def _fake_model(folder: Path, config: str, data: dict | None = None) -> Path:
    folder.mkdir(parents=True)
    meta = {"config": {"name": config, "size": "small"}, "step": 120, "data": data or {}}
    (folder / "model.json").write_text(json.dumps(meta))
    return folder


def test_list_and_resolve_bundled_user_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = tmp_path / "resources"
    _fake_model(bundled / "drums_2bar", "drums_2bar", {"folder": "/x/groove", "files": 12, "examples": 300})
    monkeypatch.setenv("BANDMATE_HOME", str(tmp_path / "home"))
    mine = _fake_model(tmp_path / "home" / "models" / "my-folk", "mel_2bar")
    (tmp_path / "home" / "models" / "not-a-model").mkdir()

    infos = list_models(bundled_dir=bundled)
    assert [(i.name, i.where, i.config) for i in infos] == [
        ("drums_2bar", "bundled", "drums_2bar"),
        ("my-folk", "user", "mel_2bar"),
    ]
    assert infos[0].trained_on == "groove, 12 files, 300 examples"
    assert infos[0].steps == 120 and infos[0].size == "small"

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
    assert trained_on({}) == ""
    assert trained_on({"data": {"files": ["a.mid", "b.mid"]}}) == "2 files"
