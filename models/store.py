# SPDX-License-Identifier: MIT
"""Low-level checkpoint storage: atomic file writes and optimizer state as safetensors (never pickle)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

FORMAT = "bandmate-musicvae"


class CheckpointError(Exception):
    """A model file is missing, damaged, foreign, mismatched, or could not be written."""


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash or a full disk leaves either the old or the new file.

    Temporary file in the same folder, fsync, os.replace, then fsync of the folder.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        reason = e.strerror or str(e)
        raise CheckpointError(
            f"could not write {path.name} ({reason}; is the disk full?); kept the previous one"
        ) from e
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms (Windows) cannot open folders; the rename is still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def optimizer_to_bytes(state: dict[str, Any]) -> bytes:
    """An optimizer `state_dict()` as safetensors: tensors per parameter, the rest as JSON metadata."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, Any] = {}
    for pid, entries in state["state"].items():
        for key, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{pid}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{key}"] = value
    meta = {
        "format": FORMAT,
        "kind": "optimizer",
        "param_groups": json.dumps(state["param_groups"]),
        "scalars": json.dumps(scalars),
    }
    return st_save(tensors, metadata=meta)


def optimizer_from_bytes(data: bytes) -> dict[str, Any]:
    """Inverse of `optimizer_to_bytes`; CheckpointError if damaged or foreign."""
    try:
        tensors = st_load(data)
        header_len = int.from_bytes(data[:8], "little")
        meta = json.loads(data[8 : 8 + header_len]).get("__metadata__") or {}
        if meta.get("format") != FORMAT or meta.get("kind") != "optimizer":
            raise CheckpointError("the optimizer file is not a Bandmate optimizer state")
        groups = json.loads(meta["param_groups"])
        scalars = json.loads(meta["scalars"])
    except (SafetensorError, ValueError, KeyError, UnicodeDecodeError) as e:
        raise CheckpointError(f"the optimizer state is damaged ({e})") from e
    state: dict[int, dict[str, Any]] = {}
    for name, value in [*tensors.items(), *scalars.items()]:
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    return {"state": dict(sorted(state.items())), "param_groups": groups}
