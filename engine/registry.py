# SPDX-License-Identifier: MIT
"""Where models live and how a MODEL argument is found: bundled models, user models, or any folder.

Bundled models: `resources/models/<config>/` (named after their config). User models: `$BANDMATE_HOME/models/`
(default `~/.local/share/bandmate/models/`). A model is any folder holding a `model.json`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DIR = ROOT / "resources" / "models"


class ModelNotFoundError(LookupError):
    """No model folder or bundled/user model of that name; str(e) lists what exists."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model a musician can use: name, folder, config, where it lives and what it learned from."""

    name: str
    path: Path
    config: str
    where: str  # "bundled", "user" or "folder"
    trained_on: str = ""
    steps: int = 0
    size: str = ""


def bandmate_home() -> Path:
    env = os.environ.get("BANDMATE_HOME")
    return Path(env).expanduser() if env else Path.home() / ".local" / "share" / "bandmate"


def user_models_dir() -> Path:
    return bandmate_home() / "models"


def read_meta(folder: Path) -> dict:
    """model.json of a model folder as a dict ({} when it cannot be read)."""
    try:
        data = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def config_name(meta: dict) -> str:
    """The config name recorded in a model's meta ("" when absent)."""
    cfg = meta.get("config", "")
    if isinstance(cfg, dict):
        cfg = cfg.get("name") or cfg.get("config") or ""
    return str(cfg or meta.get("config_name", ""))


def trained_on(meta: dict) -> str:
    """A short human description of the training music recorded in meta."""
    data = meta.get("data") or meta.get("data_summary") or {}
    if isinstance(data, dict):
        folder = data.get("folder") or data.get("path") or ""
        files = data.get("files") or data.get("n_files")
        if isinstance(files, list):
            files = len(files)
        examples = data.get("examples") or data.get("n_examples")
        parts = [str(Path(str(folder)).name)] if folder else []
        if files:
            parts.append(f"{files} files")
        if examples:
            parts.append(f"{examples} examples")
        if parts:
            return ", ".join(parts)
    return str(meta.get("trained_on", "") or "")


def _steps(meta: dict) -> int:
    checkpoints = meta.get("checkpoints")
    if isinstance(checkpoints, list) and checkpoints and isinstance(checkpoints[-1], dict):
        return int(checkpoints[-1].get("step", 0) or 0)
    training = meta.get("training")
    if isinstance(training, dict) and training.get("step"):
        return int(training["step"])
    return int(meta.get("step", 0) or 0)


def model_info(folder: Path, where: str, name: str | None = None) -> ModelInfo:
    meta = read_meta(folder)
    cfg = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    return ModelInfo(
        name=name or folder.name,
        path=folder,
        config=config_name(meta) or folder.name,
        where=where,
        trained_on=trained_on(meta),
        steps=_steps(meta),
        size=str(meta.get("size", cfg.get("size", "")) or ""),
    )


def _model_folders(base: Path) -> list[Path]:
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if (p / "model.json").is_file())


def list_models(bundled_dir: Path | None = None, user_dir: Path | None = None) -> list[ModelInfo]:
    """Bundled models first, then the user's, each sorted by name."""
    bundled = [model_info(p, "bundled") for p in _model_folders(bundled_dir or BUNDLED_DIR)]
    user = [model_info(p, "user") for p in _model_folders(user_dir or user_models_dir())]
    return bundled + user


def resolve_model(model: str | Path, bundled_dir: Path | None = None, user_dir: Path | None = None) -> Path:
    """The folder of MODEL: a folder (or its model.json) holding model.json, else a bundled or user name."""
    path = Path(model).expanduser()
    if path.name == "model.json" and path.is_file():
        return path.parent
    if (path / "model.json").is_file():
        return path
    known = list_models(bundled_dir, user_dir)
    for info in known:
        if info.name == str(model):
            return info.path
    if path.is_dir():
        raise ModelNotFoundError(f"{path} is a folder but holds no model.json, so it is not a trained model")
    names = ", ".join(i.name for i in known) or "none yet (train one with `python main.py train FOLDER`)"
    raise ModelNotFoundError(f"no model called {str(model)!r}; available: {names}")
