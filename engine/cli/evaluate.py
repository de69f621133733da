# SPDX-License-Identifier: MIT
"""`python main.py evaluate MODEL FOLDER [--json] [--training-folder] [--save]`: print a model's report
card against a MIDI folder (and with --save write it into the model folder, as training does)."""

from __future__ import annotations

import argparse
import json
import sys


def _progress(done: int, total: int) -> None:
    print(f"\revaluating {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Print the report (markdown, or one JSON object with --json); exit 2 on a bad model or folder."""
    from engine.evaluate import EvaluateError, evaluate, write_report
    from engine.report import render_markdown
    from engine.train import TrainError, pick_device

    try:
        device = pick_device(args.device)
        report = evaluate(
            args.model,
            args.folder,
            device=device,
            seed=args.seed,
            progress=_progress,
            as_training_folder=args.training_folder,
        )
        if args.save:
            from engine.model_registry import resolve_model

            saved = write_report(resolve_model(args.model), report)
            print(f"saved {saved[1]}", file=sys.stderr)
    except (EvaluateError, TrainError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(render_markdown(report))
    return 0
