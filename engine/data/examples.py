# SPDX-License-Identifier: MIT
"""Result types of the data pipeline: per-file reports, the prepare report, stacked training examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.data.coverage import Coverage


@dataclass(frozen=True, slots=True)
class FileReport:
    """What one file gave: `used`, or the `reason` it was skipped; bars, tracks with roles, examples, the
    parts left out (other meters), what reading dropped or guessed (`notices`) and, per config, how many
    of the notes in its usable bars the examples keep (`coverage`, engine/data/coverage.py)."""

    path: str
    reason: str | None
    bars: int = 0
    tracks: tuple[dict[str, Any], ...] = ()
    examples: dict[str, int] = field(default_factory=dict)
    skipped_parts: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()
    coverage: dict[str, Coverage] = field(default_factory=dict)

    @property
    def used(self) -> bool:
        return self.reason is None

    @classmethod
    def skipped(cls, path: Path, reason: str) -> FileReport:
        return cls(str(path), reason)

    @classmethod
    def from_record(cls, path: Path, record: dict[str, Any], configs: list[str]) -> FileReport:
        """A report from a cache record, counting only `configs`; no examples at all is a skip reason."""
        if record.get("reason") is not None:
            return cls(str(path), record["reason"])
        examples = {c: int(record.get("examples", {}).get(c, 0)) for c in configs}
        parts = tuple(record.get("skipped_parts", ()))
        reason = None
        if not any(examples.values()):
            if not record.get("bars"):
                reason = f"no 4/4 bars: {'; '.join(parts)}" if parts else "no notes in 4/4 bars"
            else:
                reason = f"no usable {' or '.join(configs)} windows in its {record['bars']} bars of 4/4"
        tracks = tuple(record.get("tracks", ()))
        notices = tuple(record.get("notices", ()))
        kept = record.get("coverage", {})
        covered = {c: Coverage(int(kept[c][0]), int(kept[c][1])) for c in configs if c in kept}
        return cls(str(path), reason, int(record.get("bars", 0)), tracks, examples, parts, notices, covered)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "used": self.used, "reason": self.reason, "bars": self.bars,
            "tracks": list(self.tracks), "examples": self.examples, "skipped_parts": list(self.skipped_parts),
            "notices": list(self.notices),
            "coverage": {c: {"notes": v.notes, "kept": v.kept} for c, v in self.coverage.items()},
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class PrepareReport:
    """The outcome of `prepare`: one FileReport per MIDI path, examples per config, seconds taken, and
    per config the notes in the usable bars of all files and how many of them its examples keep."""

    folder: str
    files: list[FileReport]
    examples: dict[str, int]
    seconds: float
    coverage: dict[str, Coverage] = field(default_factory=dict)

    @property
    def files_used(self) -> int:
        return sum(f.used for f in self.files)

    @property
    def files_skipped(self) -> list[FileReport]:
        return [f for f in self.files if not f.used]

    def to_json(self) -> dict[str, Any]:
        """The `prepare --json` object."""
        return {
            "files_used": self.files_used,
            "files_skipped": [{"path": f.path, "reason": f.reason} for f in self.files_skipped],
            "examples": dict(self.examples),
            "coverage": {c: {"notes": v.notes, "kept": v.kept} for c, v in self.coverage.items()},
            "seconds": round(self.seconds, 3),
            "files": [f.to_json() for f in self.files],
        }


@dataclass(frozen=True, slots=True)
class Examples:
    """One config's examples: `arrays` stacked on axis 0 (N, ...), the source file of each, tempos.

    Attributes:
        file_ids: int64 (N,), index into `files` (split train/held-out by file, not by example).
        tempos: float32 (N,) BPM (also in arrays["tempo"]).
        weights: float32 (N,) sampling weight of each example's file (1.0 unless the folder's corpus.json
            says otherwise; see engine.data.dataset.file_weights).
    """

    config: str
    arrays: dict[str, np.ndarray]
    file_ids: np.ndarray
    files: list[str]
    tempos: np.ndarray
    weights: np.ndarray = None  # type: ignore[assignment]  # None: all 1.0, filled in below

    def __post_init__(self) -> None:
        if self.weights is None:
            object.__setattr__(self, "weights", np.ones(len(self.file_ids), dtype=np.float32))

    def __len__(self) -> int:
        return len(self.file_ids)

    def select(self, index: np.ndarray) -> Examples:
        """The examples at `index` (int indices or a bool mask of length N); `files` stays the same."""
        arrays = {k: v[index] for k, v in self.arrays.items()}
        return Examples(
            self.config, arrays, self.file_ids[index], self.files, self.tempos[index], self.weights[index]
        )

    def split_by_file(self, heldout_share: float = 0.1, seed: int = 0) -> tuple[Examples, Examples]:
        """(train, held-out), about `heldout_share` of the files held out (at least one of two or more)."""
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(self.files))
        count = (
            min(max(1, round(heldout_share * len(self.files))), len(self.files) - 1)
            if len(self.files) > 1
            else 0
        )
        held = np.isin(self.file_ids, order[:count])
        return self.select(~held), self.select(held)
