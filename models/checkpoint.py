# SPDX-License-Identifier: MIT
"""Model folders: safetensors weights + `model.json`, written atomically; loading refuses anything else.

Layout of a model folder:
    model.json                      format tag, config (asdict), vocabulary, data, training state, the
                                    checkpoint list with each file's sha256 (written last: the commit point)
    step-00001234.safetensors       weights of the last `keep` checkpoints
    step-00001234.optim.safetensors optimizer state (newest checkpoint only; tensors + JSON metadata)
    best.safetensors                weights with the best held-out accuracy
Pickles are never loaded (no torch.load).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from models.musicvae import MusicVAE
from models.presets import ModelConfig
from models.spec import DecoderKind
from models.store import (
    FORMAT,
    CheckpointError,
    WriteError,
    atomic_write,
    optimizer_from_bytes,
    optimizer_to_bytes,
)
from models.vocab import PROGRAM_CLASSES

__all__ = ["CheckpointError", "FORMAT", "load_model", "load_training_state", "save_checkpoint", "read_index"]

VERSION = 1
INDEX = "model.json"
BEST = "best.safetensors"
RESERVED = {"format", "version", "config", "checkpoints", "best"}
_OWN_FILE = re.compile(r"^(step-\d+(\.optim)?\.safetensors|\..+\.tmp-[\w-]+)$")  # tmp: atomic_write's


def vocabulary(cfg: ModelConfig) -> dict[str, Any]:
    """Token classes per array, as saved in model.json (a fine-tune must match them)."""
    vocab: dict[str, Any] = dict(zip(cfg.tracks, cfg.vocab, strict=True))
    if cfg.decoder is DecoderKind.MULTITRACK:
        vocab["program"] = PROGRAM_CLASSES
    return vocab


def save_checkpoint(
    model_dir: str | Path,
    model: MusicVAE,
    *,
    step: int,
    optimizer_state: dict[str, Any] | None = None,
    meta: dict[str, Any],
    keep: int = 2,
    best: bool,
) -> Path:
    """Write one checkpoint atomically and return its weights file.

    `meta` (JSON-able: vocabulary, data summary, training state...) is stored in model.json beside the
    config. Only the last `keep` checkpoints and the best survive. On an OSError (full disk) the previous
    checkpoint stays intact and CheckpointError is raised.
    """
    if RESERVED & set(meta):
        raise ValueError(f"meta may not set {sorted(RESERVED & set(meta))}")
    folder = Path(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    index = read_index(folder) if (folder / INDEX).exists() else {}
    cfg = model.cfg
    name = f"step-{step:08d}.safetensors"
    data = _weights_bytes(model, step)
    _write(folder / name, data)
    entry: dict[str, Any] = {"step": step, "weights": name, "sha256": _sha(data)}
    if optimizer_state is not None:
        opt = optimizer_to_bytes(optimizer_state)
        entry["optimizer"] = name.replace(".safetensors", ".optim.safetensors")
        entry["optimizer_sha256"] = _sha(opt)
        _write(folder / entry["optimizer"], opt)
    if best:
        _write(folder / BEST, data)
    old = [e for e in index.get("checkpoints", []) if e["step"] != step]
    kept = sorted(old, key=lambda e: e["step"])[-max(keep, 1) + 1 :] if keep > 1 else []
    for e in kept:  # optimizer state only for the newest checkpoint
        e.pop("optimizer", None)
        e.pop("optimizer_sha256", None)
    best_entry = {"step": step, "weights": BEST, "sha256": entry["sha256"]} if best else index.get("best")
    new_index = {
        "format": FORMAT,
        "version": VERSION,
        "config": cfg.to_dict(),
        **{"vocabulary": vocabulary(cfg), **meta},
        "checkpoints": kept + [entry],
        "best": best_entry,
    }
    _write(folder / INDEX, json.dumps(new_index, indent=1).encode())
    _remove_unreferenced(folder, new_index)
    return folder / name


def read_index(model_dir: str | Path) -> dict[str, Any]:
    """The parsed, checked model.json of a model folder."""
    path = Path(model_dir) / INDEX
    if not path.is_file():
        raise CheckpointError(f"{Path(model_dir)} is not a Bandmate model folder (no {INDEX})")
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path} is damaged and cannot be read ({e})") from e
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a Bandmate model file (foreign format)")
    if int(index.get("version", 0)) > VERSION:
        raise CheckpointError(f"{path} was written by a newer Bandmate (version {index['version']})")
    if not index.get("checkpoints"):
        raise CheckpointError(f"{path} lists no checkpoints")
    return index


def config_of(index: dict[str, Any]) -> ModelConfig:
    """The ModelConfig stored in a model.json."""
    try:
        return ModelConfig.from_dict(index["config"])
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"the model's config is invalid: {e}") from e


def load_model(
    model_dir_or_file: str | Path, device: str | torch.device = "cpu", which: str = "best"
) -> tuple[MusicVAE, dict[str, Any]]:
    """Load a model folder (or its model.json, or one of its .safetensors) -> (model in eval mode, meta).

    `which` is "best" (the default; falls back to the newest) or "latest". Raises CheckpointError for
    anything that is not an intact Bandmate checkpoint matching its config.
    """
    folder, weights = _locate(Path(model_dir_or_file))
    index = read_index(folder)
    cfg = config_of(index)
    if weights is None:
        entry = index["best"] if which == "best" and index.get("best") else index["checkpoints"][-1]
    else:
        known = [e for e in [index.get("best"), *index["checkpoints"]] if e and e["weights"] == weights]
        entry = known[0] if known else {"weights": weights, "sha256": None}
    model = MusicVAE(cfg)
    _load_weights(model, folder / entry["weights"], entry["sha256"], cfg)
    return model.to(device).eval(), index


def load_training_state(
    model_dir: str | Path, device: str | torch.device = "cpu"
) -> tuple[MusicVAE, dict[str, Any], dict[str, Any] | None]:
    """The newest checkpoint for resuming: (model in train mode, meta, optimizer state or None)."""
    model, index = load_model(model_dir, device, which="latest")
    entry = index["checkpoints"][-1]
    opt = None
    if entry.get("optimizer"):
        opt = optimizer_from_bytes(
            _read_verified(Path(model_dir) / entry["optimizer"], entry["optimizer_sha256"])
        )
    return model.train(), index, opt


def _locate(path: Path) -> tuple[Path, str | None]:
    if path.is_dir():
        return path, None
    if not path.exists():
        raise CheckpointError(f"no model at {path}")
    if path.name == INDEX:
        return path.parent, None
    if path.suffix == ".safetensors":
        return path.parent, path.name
    raise CheckpointError(f"{path} is not a Bandmate model (only model folders with safetensors are loaded)")


def _weights_bytes(model: MusicVAE, step: int) -> bytes:
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    return st_save(tensors, metadata={"format": FORMAT, "config": model.cfg.name, "step": str(step)})


def _read_verified(path: Path, sha256: str | None) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CheckpointError(f"cannot read {path.name}: {e.strerror or e}") from e
    if sha256 is not None and _sha(data) != sha256:
        raise CheckpointError(f"{path.name} is damaged (its checksum does not match model.json)")
    return data


def _load_weights(model: MusicVAE, path: Path, sha256: str | None, cfg: ModelConfig) -> None:
    data = _read_verified(path, sha256)
    try:
        tensors = st_load(data)
        header_len = int.from_bytes(data[:8], "little")
        meta = json.loads(data[8 : 8 + header_len]).get("__metadata__") or {}
    except (SafetensorError, ValueError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path.name} is damaged or truncated ({e})") from e
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not a Bandmate weights file (foreign safetensors)")
    if meta.get("config") != cfg.name:
        raise CheckpointError(
            f"{path.name} holds {meta.get('config')} weights, but model.json says {cfg.name}"
        )
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[1:2] or [str(e)]
        raise CheckpointError(
            f"{path.name} does not match config {cfg.name}/{cfg.size}: {first[0].strip()}"
        ) from e


def _remove_unreferenced(folder: Path, index: dict[str, Any]) -> None:
    used = {BEST, INDEX}
    for e in index["checkpoints"]:
        used.update(v for k, v in e.items() if k in ("weights", "optimizer"))
    for path in folder.iterdir():
        if path.name not in used and _OWN_FILE.match(path.name):
            path.unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    """atomic_write, its failure reported as a CheckpointError (the previous checkpoint stays intact)."""
    try:
        atomic_write(path, data)
    except WriteError as e:
        raise CheckpointError(str(e)) from e


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
