# SPDX-License-Identifier: MIT
"""Low-level storage: the one atomic file write (checkpoints, reports, MIDI files, the prepare cache) and
optimizer state as safetensors (never pickle)."""

from __future__ import annotations

import errno
import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

FORMAT = "bandmate-musicvae"


class CheckpointError(Exception):
    """A model file is missing, damaged, foreign, mismatched, or could not be written."""


class WriteError(OSError):
    """A file could not be written; str(e) is one line with the reason. The previous file is intact."""


def atomic_write(
    path: str | Path, data: bytes | Sequence[bytes | memoryview], *, durable: bool = True
) -> None:
    """Write `data` (bytes, or buffers written one after another: no joined copy) to `path` so that a
    crash or a full disk leaves either the old or the new file.

    A temporary file in the same folder (a unique name per call, so threads and processes never share
    one; created with the usual permissions, 0o666 less the umask), then os.replace. `durable` also fsyncs
    the file before the rename and the folder after it, so that a power cut cannot lose a file that was
    reported written (model files, reports, exports); caches pass False, as losing an entry only costs
    time. Raises WriteError naming the file and the reason.
    """
    path = Path(path)
    tmp: Path | None = None
    try:
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, bytes):
                f.write(data)
            else:
                f.writelines(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        full = e.errno in (errno.ENOSPC, errno.EDQUOT)
        reason = (e.strerror or str(e)) + ("; is the disk full?" if full else "")
        kept = "; kept the previous one" if path.is_file() else ""  # nothing to keep where none was
        raise WriteError(f"could not write {path.name} ({reason}){kept}") from e
    if durable:
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
