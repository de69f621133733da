# SPDX-License-Identifier: MIT
"""`python main.py evaluate MODEL FOLDER [--json] [--training-folder] [--save]`: print a model's report
card against a MIDI folder (and with --save write it into the model folder, as training does)."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "evaluate"
HELP = "write a model's report card against a MIDI folder"


def add_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("model")
    e.add_argument("folder")
    e.add_argument("--json", action="store_true")
    e.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    e.add_argument("--seed", type=int, default=0)
    e.add_argument(
        "--training-folder",
        action="store_true",
        help="FOLDER is the model's training folder, moved or copied: test only its recorded held-out files",
    )
    e.add_argument("--save", action="store_true", help="also write report.json and report.md into the model")


def _progress(done: int, total: int) -> None:
    print(f"\revaluating {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Print the report (markdown, or one JSON object with --json); exit 2 on a bad model or folder."""
    from engine.device import DeviceError, pick_device, training_threads
    from engine.evaluation.evaluate import EvaluateError, evaluate, write_report
    from engine.evaluation.report import render_markdown

    try:
        device = pick_device(args.device)
        with training_threads(device):
            report = evaluate(
                args.model,
                args.folder,
                device=device,
                seed=args.seed,
                progress=_progress,
                as_training_folder=args.training_folder,
            )
        if args.save:
            from engine.registry import resolve_model

            saved = write_report(resolve_model(args.model), report)
            print(f"saved {saved[1]}", file=sys.stderr)
    except (EvaluateError, DeviceError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(render_markdown(report))
    return 0
