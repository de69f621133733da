# SPDX-License-Identifier: MIT
"""Where fine-tuning the bundled model beats learning from scratch: both trained for the same steps on
band folders of several sizes, compared by held-out likelihood on songs of the band that neither saw.

The source of `engine/training/start.py`'s SMALL_FOLDER and its pilot. Each run trains `--steps` steps
(the same count for both starts, so the same CPU time) and measures the held-out negative ELBO in bits
per 16th step (engine/training/start.py: reconstruction + KL, each also given) after `--pilot` steps
(a resumed run repeats an uninterrupted one) and at the end, so the pilot's verdict can be checked
against the full run's. Prints one JSON object per run and a table; not part of `make bench` (about
5 minutes a run for drums_2bar on one core).

    C=~/.cache/bandmate/corpora
    python -m benchmarks.finetune_threshold --config drums_2bar --sizes 5 15 40 94 \\
        --steps 1000 --pilot 150 $C/band/freedoom $C/heldout-band
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from engine.data.dataset import load_examples, scan_folder
from engine.training import run as training_run
from engine.training.start import heldout_terms
from engine.training.train import train

ROOT = Path(__file__).resolve().parent.parent
TEST_FILES = 10


def one_run(
    config: str, files: list[Path], held: dict[str, np.ndarray], start: str, args: argparse.Namespace
) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "band"
        folder.mkdir()
        for f in files:
            (folder / f.name).symlink_to(f.resolve())
        out = Path(tmp) / "model"
        base = ROOT / "resources" / "models" / config if start == "fine-tune" else None
        t0 = time.monotonic()
        train(folder, config, out, steps=args.pilot, from_model=base, device="cpu", report=False, seed=0)
        pilot = heldout_terms(out, held)  # what the pilot decides on: the latest weights
        train(folder, config, out, steps=args.steps, device="cpu", report=False, seed=0)
        latest, best = heldout_terms(out, held), heldout_terms(out, held, "best")  # best: what `sample` loads
        return {
            "config": config, "files": len(files), "start": start, "pilot_steps": args.pilot,
            "fine_tune_lr": training_run.FINE_TUNE_LEARNING_RATE if start == "fine-tune" else None,
            "pilot_bits": round(sum(pilot), 3), "pilot_recon_kl": [round(x, 3) for x in pilot],
            "steps": args.steps, "bits": round(sum(latest), 3), "recon_kl": [round(x, 3) for x in latest],
            "best_bits": round(sum(best), 3), "best_recon_kl": [round(x, 3) for x in best],
            "seconds": round(time.monotonic() - t0, 1),
        }  # fmt: skip


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.finetune_threshold")
    p.add_argument("folders", nargs="+")
    p.add_argument("--config", default="drums_2bar")
    p.add_argument("--sizes", type=int, nargs="+", default=[5, 15, 40, 100])
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--pilot", type=int, default=150)
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--starts", nargs="+", default=["scratch", "fine-tune"], choices=["scratch", "fine-tune"])
    p.add_argument(
        "--fine-tune-lr",
        type=float,
        default=None,
        help=f"a fine-tune's learning rate (default: train's, {training_run.FINE_TUNE_LEARNING_RATE:g})",
    )
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.fine_tune_lr is not None:
        training_run.FINE_TUNE_LEARNING_RATE = args.fine_tune_lr
    files = sorted(f for folder in args.folders for f in scan_folder(folder))
    random.Random(args.seed).shuffle(files)
    test, pool = files[:TEST_FILES], files[TEST_FILES:]
    with tempfile.TemporaryDirectory() as tmp:
        for f in test:
            (Path(tmp) / f.name).symlink_to(f.resolve())
        held = load_examples(tmp, args.config, transpose=None).arrays
    rows = []
    for size in args.sizes:
        for start in args.starts:
            rows.append(one_run(args.config, pool[:size], held, start, args))
            print(json.dumps(rows[-1]), flush=True)
    if len(args.starts) < 2:
        return 0
    windows = len(held["tempo"])
    print(f"\n{args.config}: held-out bits per 16th step ({windows} windows of {TEST_FILES} unseen files)")
    a, b = args.pilot, args.steps
    head = f"scratch {a} | fine-tune {a} | scratch {b} | fine-tune {b} | scratch best | fine-tune best"
    print(f"| files | {head} |")
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        sc, ft = (
            next(r for r in rows if r["files"] == min(size, len(pool)) and r["start"] == k)
            for k in ("scratch", "fine-tune")
        )
        cells = [sc["pilot_bits"], ft["pilot_bits"], sc["bits"], ft["bits"], sc["best_bits"], ft["best_bits"]]
        print(f"| {sc['files']} | " + " | ".join(str(c) for c in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
