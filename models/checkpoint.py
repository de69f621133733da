# SPDX-License-Identifier: MIT
"""Model folders: safetensors weights + `model.json` (the model card, models/card.py), written atomically;
loading refuses anything else.

Layout of a model folder:
    model.json                      the model card: format tag and version, config, vocabulary, data
                                    summary, training state, the checkpoint list with each file's sha256
                                    (written last: the commit point)
    step-00001234.safetensors       weights of the last `keep` checkpoints
    step-00001234.optim.safetensors optimizer state (newest checkpoint only; tensors + JSON metadata)
    best.safetensors                weights with the fewest held-out bits per step (with weight averaging:
                                    the averaged weights of that step)
Pickles are never loaded (no torch.load).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from models.card import CARD, CardError, Checkpoint, DataSummary, ModelCard, TrainState, read_card, vocabulary
from models.latent import LatentFit
from models.musicvae import MusicVAE
from models.presets import ModelConfig
from models.store import (
    FORMAT,
    CheckpointError,
    WriteError,
    atomic_write,
    optimizer_from_bytes,
    optimizer_to_bytes,
)

__all__ = [
    "CardError",
    "CheckpointError",
    "FORMAT",
    "load_model",
    "load_training_state",
    "save_checkpoint",
    "write_latent",
]

BEST = "best.safetensors"
_OWN_FILE = re.compile(r"^(step-\d+(\.optim)?\.safetensors|\..+\.tmp-[\w-]+)$")  # tmp: atomic_write's


def save_checkpoint(
    model_dir: str | Path,
    model: MusicVAE,
    *,
    step: int,
    optimizer_state: dict[str, Any] | None = None,
    name: str = "",
    data: DataSummary | None = None,
    training: TrainState | None = None,
    fine_tuned_from: str | None = None,
    keep: int = 2,
    best: bool,
    best_model: MusicVAE | None = None,
    latent: LatentFit | None = None,
) -> Path:
    """Write one checkpoint atomically and return its weights file.

    The model card gets the config and vocabulary from the model and `name`, the training music's `data`
    summary, the `training` state and `fine_tuned_from` from the caller, and with `best` this step's
    weights as best.safetensors (`best_model`'s when given: a run's averaged weights, models/presets.py
    `weight_average`; `model`'s otherwise) and its `latent` fit (the card's fit belongs to the best
    weights; otherwise it keeps the one it had). Only the last `keep` checkpoints and the best survive.
    On an OSError (full disk) the previous checkpoint stays intact and CheckpointError is raised.
    """
    folder = Path(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    old = read_card(folder) if (folder / CARD).exists() else None
    weights = f"step-{step:08d}.safetensors"
    blob = _weights_bytes(model, step)
    _write(folder / weights, blob)
    entry = Checkpoint(step, weights, _sha(blob))
    if optimizer_state is not None:
        opt = optimizer_to_bytes(optimizer_state)
        optim_name = weights.replace(".safetensors", ".optim.safetensors")
        entry = dataclasses.replace(entry, optimizer=optim_name, optimizer_sha256=_sha(opt))
        _write(folder / optim_name, opt)
    best_sha = entry.sha256
    if best:
        best_blob = blob if best_model is None else _weights_bytes(best_model, step)
        best_sha = _sha(best_blob)
        _write(folder / BEST, best_blob)
    earlier = sorted((e for e in (old.checkpoints if old else ()) if e.step != step), key=lambda e: e.step)
    kept = [  # optimizer state only for the newest checkpoint
        dataclasses.replace(e, optimizer=None, optimizer_sha256=None)
        for e in (earlier[-max(keep, 1) + 1 :] if keep > 1 else [])
    ]
    card = ModelCard(
        name=name,
        config=model.cfg,
        vocabulary=vocabulary(model.cfg),
        data=data or DataSummary(),
        training=training or TrainState(),
        fine_tuned_from=fine_tuned_from,
        checkpoints=(*kept, entry),
        best=Checkpoint(step, BEST, best_sha) if best else (old.best if old else None),
        latent=latent if best else (old.latent if old else None),
    )
    _write(folder / CARD, json.dumps(card.to_json(), indent=1).encode())
    _remove_unreferenced(folder, card)
    return folder / weights


def write_latent(model_dir: str | Path, latent: LatentFit | None) -> None:
    """Record the Gaussian of the training codes under the best weights in the model card (atomically;
    CheckpointError if it cannot be written)."""
    folder = Path(model_dir)
    card = dataclasses.replace(read_card(folder), latent=latent)
    _write(folder / CARD, json.dumps(card.to_json(), indent=1).encode())


def load_model(
    model_dir_or_file: str | Path,
    device: str | torch.device = "cpu",
    which: str = "best",
    *,
    bfloat16: bool = True,
) -> tuple[MusicVAE, ModelCard]:
    """Load a model folder (or its model.json, or one of its .safetensors) -> (model in eval mode, card).

    `which` is "best" (the default; falls back to the newest) or "latest". With `bfloat16` (for generating
    and evaluating) the weights are rounded to bfloat16 values (`MusicVAE.to_bfloat16_`: the CPU decoder
    reads half the bytes a step); training and fine-tuning load them as saved (`bfloat16=False`). Raises
    CheckpointError for anything that is not an intact Bandmate checkpoint matching its config.
    """
    folder, weights = _locate(Path(model_dir_or_file))
    card = read_card(folder)
    cfg = card.config
    if weights is None:
        entry = card.best if which == "best" and card.best else card.checkpoints[-1]
        sha: str | None = entry.sha256
        weights = entry.weights
    else:
        known = [e for e in [card.best, *card.checkpoints] if e and e.weights == weights]
        sha = known[0].sha256 if known else None
    model = MusicVAE(cfg)
    _load_weights(model, folder / weights, sha, cfg)
    if bfloat16:
        model.to_bfloat16_()
    return model.to(device).eval(), card


def load_training_state(
    model_dir: str | Path, device: str | torch.device = "cpu"
) -> tuple[MusicVAE, ModelCard, dict[str, Any] | None]:
    """The newest checkpoint for resuming: (model in train mode, card, optimizer state or None)."""
    model, card = load_model(model_dir, device, which="latest", bfloat16=False)
    entry = card.checkpoints[-1]
    opt = None
    if entry.optimizer:
        opt = optimizer_from_bytes(_read_verified(Path(model_dir) / entry.optimizer, entry.optimizer_sha256))
    return model.train(), card, opt


def _locate(path: Path) -> tuple[Path, str | None]:
    if path.is_dir():
        return path, None
    if not path.exists():
        raise CheckpointError(f"no model at {path}")
    if path.name == CARD:
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
        first = (str(e).splitlines()[1:2] or [str(e)])[0].strip()
        if "Missing key" in str(e) or "Unexpected key" in str(e):  # other layers: an older network layout
            raise CheckpointError(
                f"{path.name} was saved in an older {cfg.name} format that this Bandmate cannot read; "
                f"train it again: python main.py train FOLDER --config {cfg.name}"
            ) from e
        raise CheckpointError(f"{path.name} does not match config {cfg.name}/{cfg.size}: {first}") from e


def _remove_unreferenced(folder: Path, card: ModelCard) -> None:
    used = {BEST, CARD}
    for e in card.checkpoints:
        used.update(v for v in (e.weights, e.optimizer) if v)
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
