# SPDX-License-Identifier: MIT
"""Training data for `engine.training.train`: the split by file (never one song on both sides) and batching.

Held-out examples are the untransposed windows of the held-out files; training examples are the
(transposed) windows of the other files. Batches come from a DistributedSampler so that N processes
each see their own share of every epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DistributedSampler

from engine.data.bar_index import INDEX_FILE, MAX_INDEX_FILES, build_index, write_index
from engine.data.dataset import load_examples
from engine.data.examples import Examples
from engine.data.gate_stats import examples_gate_stats
from engine.data.stats import folder_stats
from models.card import DataSummary
from models.spec import spec_of

HELDOUT_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class TrainData:
    """The split: `train` (augmented) and `heldout` (original) examples, and the model card's summary."""

    train: Examples
    heldout: Examples
    summary: DataSummary


def load_train_data(
    folder: str | Path, config: str, seed: int = 0, progress: Callable[[int, int], None] | None = None
) -> TrainData:
    """Load `config`'s examples from `folder` and split them by file (about 10% of the files held out,
    at least one when there are two or more)."""
    original = load_examples(folder, config, transpose=None, progress=progress)
    train_orig, heldout = original.split_by_file(HELDOUT_SHARE, seed)
    held_files = sorted({original.files[i] for i in np.unique(heldout.file_ids)})
    augmented = load_examples(folder, config)
    keep = ~np.isin(np.asarray(augmented.files, dtype=object)[augmented.file_ids], held_files)
    train = augmented.select(keep)
    summary = DataSummary(
        folder=str(Path(folder).resolve()),
        files=len(original.files),
        train_files=len(original.files) - len(held_files),
        heldout_files=tuple(held_files),
        train_examples=len(train),
        train_windows=len(train_orig),
        train_bars=_bars(train_orig, config),
        heldout_examples=len(heldout),
        transposed=len(train) != len(train_orig),
        # loudness/timing per beat position, key, tempo of the training files: humanize and --key auto;
        # each part's presence, density, note lengths and range: the sample-quality gate
        music=replace(
            folder_stats(folder, [f for f in original.files if f not in held_files]),
            gate=examples_gate_stats(train_orig, seed),
        ),
    )
    return TrainData(train, heldout, summary)


def index_training_bars(data: TrainData, out_dir: Path) -> Path | None:
    """Write the index of the training files' bars (the copy check) into the model folder, unless it is
    there already (a resumed run) or there are more than MAX_INDEX_FILES files (about 40 ms a file)."""
    path = out_dir / INDEX_FILE
    held = set(data.summary.heldout_files)
    files = [f for f in data.train.files if f not in held]
    if path.exists() or len(files) > MAX_INDEX_FILES:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    return write_index(out_dir, build_index(files, data.train.config, data.summary.transposed))


def _bars(examples: Examples, config: str) -> int:
    """Bars of music behind the windows: windows start on every bar, so count each file's starts plus the
    rest of its last window."""
    window_bars = spec_of(config).window_bars
    files = len(np.unique(examples.file_ids))
    return int(len(examples) + files * (window_bars - 1))


def to_batch(
    arrays: dict[str, np.ndarray], index: np.ndarray, device: torch.device
) -> dict[str, torch.Tensor]:
    """The examples at `index` as tensors on `device` (no tempo: models ignore it)."""
    return {
        k: torch.from_numpy(np.ascontiguousarray(v[index])).to(device)
        for k, v in arrays.items()
        if k != "tempo"
    }


class Batches:
    """Endless shuffled batches of training indices; `position(step)` makes resuming exact.

    Each epoch is a fresh permutation seeded by (seed, epoch); with `world` > 1 each rank gets its share.
    """

    def __init__(self, n: int, batch_size: int, seed: int, world: int = 1, rank: int = 0) -> None:
        self.sampler: DistributedSampler[int] = DistributedSampler(
            range(n),  # type: ignore[arg-type]  # torch's stub wants a Dataset; it only reads len()
            num_replicas=world,
            rank=rank,
            shuffle=True,
            seed=seed,
            drop_last=True,
        )
        self.batch_size = max(1, min(batch_size, len(self.sampler)))
        self.per_epoch = max(1, len(self.sampler) // self.batch_size)

    def from_step(self, step: int) -> Iterator[tuple[int, np.ndarray]]:
        """(epoch, indices) for steps `step`, `step` + 1, ... forever."""
        epoch, skip = divmod(step, self.per_epoch)
        while True:
            self.sampler.set_epoch(epoch)
            order = np.fromiter(iter(self.sampler), dtype=np.int64)
            for b in range(skip, self.per_epoch):
                yield epoch, order[b * self.batch_size : (b + 1) * self.batch_size]
            epoch, skip = epoch + 1, 0
