# SPDX-License-Identifier: MIT
"""Report card benchmarks: seconds for `evaluate` of each small config on ../shared/data/midi (CPU).

The weights are freshly initialised (seeded): evaluation cost does not depend on training, and an
untrained model's busy, noisy samples are the slow case for the metrics. The data is prepared first
(cached), as it is after training. Also recorded: the mean overlap of the random baseline and of real
held-out music with the training music, the two ends a trained model's samples sit between.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
MIDI = ROOT.parent / "shared" / "data" / "midi"
CONFIGS = ("mel_2bar", "drums_2bar", "trio_16bar", "multitrack_1bar")
CMD = "python -m benchmarks.run evaluate"


def _model(config: str, folder: Path) -> Path:
    import torch

    from engine.training.trainset import load_train_data
    from models.checkpoint import save_checkpoint
    from models.musicvae import MusicVAE
    from models.presets import get_config

    torch.manual_seed(0)
    data = load_train_data(MIDI, config)  # warms the cache and records the held-out split
    save_checkpoint(folder, MusicVAE(get_config(config)), step=0, data=data.summary, best=True)
    return folder


def _one(config: str) -> list[Figure]:
    from engine.device import training_threads
    from engine.evaluation.evaluate import evaluate

    with tempfile.TemporaryDirectory() as tmp, training_threads("cpu"):  # as `main.py evaluate` runs it
        model = _model(config, Path(tmp) / config)
        t0 = time.perf_counter()
        report = evaluate(model, MIDI, device="cpu")
        seconds = time.perf_counter() - t0
    style = report.style
    held, trained = (side.examples if side else 0 for side in (report.held_out, report.train))
    note = f"{held} held-out + {trained} training examples"
    figures = [
        Figure(f"{config} small: `evaluate` report card on the sample folder", (seconds,), "s", "< 30 s", CMD,
               note=note),
    ]  # fmt: skip
    for who, scores in (("random baseline", style.baseline), ("real held-out music", style.held_out_music)):
        if scores is not None and scores.mean_overlap is not None:  # a figure only where there is one
            name = f"{config}: {who}'s mean overlap with the training music"
            figures.append(Figure(name, (scores.mean_overlap,), "overlap", "reported", CMD))
    return figures


def run() -> list[Figure]:
    return [figure for config in CONFIGS for figure in _one(config)]
