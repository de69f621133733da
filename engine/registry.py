# SPDX-License-Identifier: MIT
"""Where models live and how a MODEL argument is found: bundled models, user models, or any folder.

Bundled models: `resources/models/<config>/` (named after their config). User models: `$BANDMATE_HOME/models/`
(default `~/.local/share/bandmate/models/`). A model is any folder holding a `model.json`.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from models.card import CardError, DataSummary, read_card

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


def trained_on(data: DataSummary) -> str:
    """A short human description of the training music: its folder's name and how many files, and of
    those how many it learned from and how many it held out to check itself (the report card's "Learned
    from N files" counts the first), e.g. "groove, 12 files (10 learned from, 2 held out)"."""
    parts = [Path(data.folder).name] if data.folder else []
    if data.files:
        split = ""
        if data.train_files and data.train_files + len(data.heldout_files) <= data.files:
            split = f" ({data.train_files} learned from, {len(data.heldout_files)} held out)"
        parts.append(f"{data.files} files{split}")
    return ", ".join(parts)


def model_info(folder: Path, where: str, name: str | None = None) -> ModelInfo:
    """What the model card of `folder` says; a folder whose model.json cannot be read is still listed
    (by its name), so that one damaged model never hides the others."""
    try:
        card = read_card(folder)
    except CardError:
        return ModelInfo(name=name or folder.name, path=folder, config=folder.name, where=where)
    return ModelInfo(
        name=name or folder.name,
        path=folder,
        config=card.config.name,
        where=where,
        trained_on=trained_on(card.data),
        steps=card.checkpoints[-1].step,
        size=card.config.size,
    )


def _model_folders(base: Path) -> list[Path]:
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if (p / "model.json").is_file())


_BAD_NAME = re.compile(r"[/\\:*?\"<>|\x00-\x1f]")


def new_model_name(music: str, config: str, when: float | None = None) -> str:
    """A readable name for a new model: "<music folder> (<config>) <day month hour.minute>", e.g.
    "funk-beats (drums_2bar) 30 Nov 14.05"; characters that folder names cannot hold become "-"."""
    stamp = time.strftime("%d %b %H.%M", time.localtime(when))
    return _BAD_NAME.sub("-", f"{music} ({config}) {stamp}").strip(" .-") or config


def rename_model(model: str | Path, new_name: str, user_dir: Path | None = None) -> Path:
    """Rename a trained (user) model: its folder in the user models folder gets `new_name`.

    Returns the new folder. Raises ModelNotFoundError for an unknown model, ValueError for a bundled
    model, an empty name, a name with characters a folder cannot hold (/ \\ : * ? " < > |) or one that is
    already taken.
    """
    base = user_dir or user_models_dir()
    name = new_name.strip()
    if not name or name in (".", "..") or _BAD_NAME.search(name):
        raise ValueError(f"{new_name!r} cannot be a model name: use letters, digits, spaces, - _ ( ) .")
    folder = resolve_model(model, user_dir=base)
    if folder.parent.resolve() != base.resolve():
        raise ValueError(
            f"{folder.name} is a bundled model (or outside your models folder): it keeps its name"
        )
    target = base / name
    if target.exists() and target.resolve() != folder.resolve():
        raise ValueError(f"there is already a model called {name!r}")
    folder.rename(target)
    return target


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
