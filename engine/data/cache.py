# SPDX-License-Identifier: MIT
"""The prepare cache: per-file records and example arrays, keyed by file content and version.

Lives under $BANDMATE_CACHE_DIR (default ~/.cache/bandmate)/prepare/; per file one safetensors file
holding its record (JSON, in the header) and every prepared config's arrays (tensors `config.array`):
one file to create per MIDI file instead of a JSON record and an .npz per config, written ~10x faster
than .npz (creating and writing those 8 files was a fifth of a cold prepare); read without pickles, the
record and the list of configs from the header alone. Every write is atomic (models.store.atomic_write,
without fsync: a lost entry only costs time), so concurrent runs and crashes never leave half-written
entries.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save as st_save

from engine.data.converters import CONVERTER_VERSION
from models.store import atomic_write

READER_VERSION = 3  # bump when reading changes what a file gives (3: the one salvaging reader, every note)
LAYOUT_VERSION = 2  # bump when the files change (2: one safetensors file per MIDI file, record included)


def cache_root() -> Path:
    """$BANDMATE_CACHE_DIR or ~/.cache/bandmate."""
    env = os.environ.get("BANDMATE_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "bandmate"


def content_key(data: bytes) -> str:
    """The cache key of a file's bytes."""
    return hashlib.sha256(data).hexdigest()


class PrepareCache:
    """Per prepared file, one safetensors file under one versioned folder: the file's record (JSON, in
    the header's metadata) and every prepared config's arrays (tensors named `config.array`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (
            (root or cache_root()) / "prepare" / f"r{READER_VERSION}-c{CONVERTER_VERSION}-l{LAYOUT_VERSION}"
        )

    @classmethod
    def at(cls, root: Path) -> PrepareCache:
        """The cache whose versioned folder is `root` (another process's `PrepareCache().root`)."""
        cache = cls.__new__(cls)
        cache.root = root
        return cache

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.safetensors"

    def load_record(self, key: str) -> dict[str, Any] | None:
        """A file's record (read from the header only), or None when it is not cached or unreadable."""
        return self.load_entry(key)[0]

    def load_entry(self, key: str) -> tuple[dict[str, Any] | None, set[str]]:
        """A file's record (None when it is not cached or unreadable) and the configs whose arrays are
        cached, from one read of the header."""
        try:
            with safe_open(self._path(key), framework="np") as f:
                record = json.loads((f.metadata() or {})["record"])
                configs = {n.partition(".")[0] for n in f.keys()}
        except (OSError, ValueError, KeyError, SafetensorError):
            return None, set()
        return (record, configs) if isinstance(record, dict) else (None, set())

    def load_arrays(self, key: str, config: str) -> dict[str, np.ndarray] | None:
        """One config's arrays of a file, or None when they are not cached (or cannot be read)."""
        prefix = f"{config}."
        try:
            with safe_open(self._path(key), framework="np") as f:
                arrays = {n[len(prefix) :]: f.get_tensor(n) for n in f.keys() if n.startswith(prefix)}
        except (OSError, ValueError, SafetensorError):
            return None
        return arrays or None

    def array_configs(self, key: str) -> set[str]:
        """The configs whose arrays are cached for a file (read from the header only)."""
        try:
            with safe_open(self._path(key), framework="np") as f:
                return {n.partition(".")[0] for n in f.keys()}
        except (OSError, ValueError, SafetensorError):
            return set()

    def has_arrays(self, key: str, config: str) -> bool:
        return config in self.array_configs(key)

    def save(self, key: str, record: dict[str, Any], by_config: dict[str, dict[str, np.ndarray]]) -> None:
        """Cache a file's record and the arrays of the configs in `by_config`, keeping the cached arrays
        of other configs: one file, written atomically (record and arrays never disagree)."""
        members = {f"{c}.{name}": a for c, arrays in by_config.items() for name, a in arrays.items()}
        for config in self.array_configs(key) - set(by_config):
            kept = self.load_arrays(key, config)
            members.update({f"{config}.{name}": a for name, a in (kept or {}).items()})
        tensors = {name: np.ascontiguousarray(a) for name, a in members.items()}
        metadata = {"record": json.dumps(record)}
        parts = safetensors_parts(tensors, metadata)
        self._write(self._path(key), st_save(tensors, metadata=metadata) if parts is None else parts)

    def _write(self, path: Path, data: bytes | list[bytes | memoryview]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data, durable=False)


# the dtypes safetensors names, in the order it lays tensors out (its Dtype enum, descending; then by name)
_ST_DTYPES = {
    np.dtype(t): name
    for t, name in (
        (np.uint64, "U64"), (np.int64, "I64"), (np.float64, "F64"), (np.float32, "F32"), (np.uint32, "U32"),
        (np.int32, "I32"), (np.float16, "F16"), (np.uint16, "U16"), (np.int16, "I16"), (np.int8, "I8"),
        (np.uint8, "U8"), (np.bool_, "BOOL"),
    )
}  # fmt: skip
_ST_RANK = {dtype: rank for rank, dtype in enumerate(_ST_DTYPES)}


def safetensors_parts(
    tensors: dict[str, np.ndarray], metadata: dict[str, str]
) -> list[bytes | memoryview] | None:
    """The bytes `safetensors.numpy.save(tensors, metadata=metadata)` gives (safetensors 0.8's layout:
    8-byte little-endian header length, compact JSON header padded with spaces to 8 bytes, the tensors'
    data by dtype then name), as the header and one view per tensor to be written one after another:
    no copy of the arrays (`save` copied each into bytes, then all into one buffer: 2/3 of writing a
    cache entry). None when a tensor is not a C-contiguous array of a little-endian dtype listed in
    _ST_DTYPES (the caller then uses `save`). A test checks the bytes against `save`'s."""
    if not all(
        a.dtype in _ST_RANK and a.dtype == a.dtype.newbyteorder("<") and a.flags.c_contiguous
        for a in tensors.values()
    ):
        return None
    names = sorted(tensors, key=lambda n: (_ST_RANK[tensors[n].dtype], n))
    header: dict[str, object] = {"__metadata__": metadata}
    at = 0
    for name in names:
        a = tensors[name]
        header[name] = {
            "dtype": _ST_DTYPES[a.dtype],
            "shape": list(a.shape),
            "data_offsets": [at, at + a.nbytes],
        }
        at += a.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    views = [tensors[n].reshape(-1).view(np.uint8).data for n in names]
    return [struct.pack("<Q", len(text)) + text, *views]
