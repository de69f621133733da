# SPDX-License-Identifier: MIT
"""The prepare cache: per-file records and example arrays, keyed by file content, config and version.

Lives under $BANDMATE_CACHE_DIR (default ~/.cache/bandmate)/prepare/; every write is atomic
(models.store.atomic_write, without fsync: a lost entry only costs time), so concurrent runs and crashes
never leave half-written entries.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from engine.data.converters import CONVERTER_VERSION
from models.store import atomic_write

READER_VERSION = 3  # bump when reading changes what a file gives (3: the one salvaging reader, every note)


def cache_root() -> Path:
    """$BANDMATE_CACHE_DIR or ~/.cache/bandmate."""
    env = os.environ.get("BANDMATE_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "bandmate"


def content_key(data: bytes) -> str:
    """The cache key of a file's bytes."""
    return hashlib.sha256(data).hexdigest()


class PrepareCache:
    """Records (JSON) and arrays (.npz) of prepared files under one versioned folder."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or cache_root()) / "prepare" / f"r{READER_VERSION}-c{CONVERTER_VERSION}"

    @classmethod
    def at(cls, root: Path) -> PrepareCache:
        """The cache whose versioned folder is `root` (another process's `PrepareCache().root`)."""
        cache = cls.__new__(cls)
        cache.root = root
        return cache

    def _path(self, key: str, suffix: str) -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def load_record(self, key: str) -> dict[str, Any] | None:
        try:
            record = json.loads(self._path(key, ".json").read_text())
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def save_record(self, key: str, record: dict[str, Any]) -> None:
        self._write(self._path(key, ".json"), json.dumps(record).encode())

    def load_arrays(self, key: str, config: str) -> dict[str, np.ndarray] | None:
        try:
            with np.load(self._path(key, f".{config}.npz"), allow_pickle=False) as npz:
                return {name: npz[name] for name in npz.files}
        except (OSError, ValueError, KeyError, EOFError):
            return None

    def has_arrays(self, key: str, config: str) -> bool:
        return self._path(key, f".{config}.npz").exists()

    def save_arrays(self, key: str, config: str, arrays: dict[str, np.ndarray]) -> None:
        buf = io.BytesIO()
        np.savez(buf, allow_pickle=False, **arrays)  # load_arrays reads without pickles too
        self._write(self._path(key, f".{config}.npz"), buf.getvalue())

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data, durable=False)
