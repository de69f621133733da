# SPDX-License-Identifier: MIT
"""Measures a model's training music for the sample-quality gate and the copy check, for a model trained
before training measured it (the bundled models), and writes it into the model folder.

The gate statistics (each part's presence, density, longest note and range; the longest silence) go into
model.json's data summary, atomically; with `--index` the bars of the files also go into
training_bars.npz (file names only, no local paths); with `--report` the report card gains its sample
checks (report.json and report.md as version 3; the held-out files are the real unseen music). Files
named as held out in model.json are left out of the statistics and the index.
Usage: python -m scripts.measure_training_music MODEL_FOLDER MIDI_FOLDER [...] [--index] [--report]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from engine.data.bar_index import build_index, write_index
from engine.data.dataset import load_examples
from engine.data.examples import Examples
from engine.data.gate_stats import examples_gate_stats
from models.card import CARD, read_card
from models.store import atomic_write


def training_examples(folders: list[Path], config: str, heldout: set[str], held: bool = False) -> Examples:
    """The untransposed examples of every folder, without the files named in `heldout` (by name), or
    with `held` only those."""
    parts = []
    for folder in folders:
        ex = load_examples(folder, config, transpose=None)
        keep = [i for i, f in enumerate(ex.files) if (Path(f).name in heldout) == held]
        parts.append(ex.select(np.isin(ex.file_ids, keep)))
    files = [f for p in parts for f in p.files]
    offsets = np.cumsum([0] + [len(p.files) for p in parts[:-1]])
    arrays = {k: np.concatenate([p.arrays[k] for p in parts]) for k in parts[0].arrays}
    ids = np.concatenate([p.file_ids + o for p, o in zip(parts, offsets, strict=True)])
    return Examples(config, arrays, ids, files, np.concatenate([p.tempos for p in parts]))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.measure_training_music")
    p.add_argument("model")
    p.add_argument("folders", nargs="+")
    p.add_argument("--index", action="store_true", help="also write training_bars.npz")
    p.add_argument("--report", action="store_true", help="also add the sample checks to the report card")
    args = p.parse_args(argv)
    model, folders = Path(args.model), [Path(f) for f in args.folders]
    card = read_card(model)
    config = card.config.name
    heldout = {Path(h).name for h in card.data.heldout_files}
    examples = training_examples(folders, config, heldout)
    stats = examples_gate_stats(examples)
    music = dataclasses.replace(card.data.music, gate=stats)
    card = dataclasses.replace(card, data=dataclasses.replace(card.data, music=music))
    atomic_write(model / CARD, json.dumps(card.to_json(), indent=1).encode())
    files = sorted(f for f in set(examples.files) if Path(f).name not in heldout)
    print(f"{model}: gate statistics of {stats.windows if stats else 0} windows of {len(files)} files")
    if args.index:
        index = build_index(files, config, card.data.transposed)
        index = dataclasses.replace(index, files=tuple(Path(f).name for f in index.files))
        path = write_index(model, index)
        print(f"{path}: {len(index.whole)} bars, {path.stat().st_size / 1024:.0f} KiB")
    if args.report:
        add_checks(model, training_examples(folders, config, heldout, held=True))
    return 0


def add_checks(model: Path, heldout: Examples) -> None:
    """The model's report card with its sample checks measured now (the rest as it was)."""
    from engine.evaluation.evaluate import report_checks, write_report
    from engine.evaluation.report import with_verdict
    from engine.generation.generator import Generator
    from models.card import read_card
    from models.report import REPORT, read_report

    gen = Generator.load(model)
    report = read_report(model / REPORT)
    index = gen.checker.index()
    real = {**heldout.arrays, "tempo": heldout.tempos}
    checks = report_checks(gen.runner, gen.summary, None, real, index, report.seed)
    fine_tuned_from = read_card(model).fine_tuned_from
    write_report(model, with_verdict(dataclasses.replace(report, checks=checks), None, fine_tuned_from))
    print(f"{model / REPORT}: sample checks added")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
