# SPDX-License-Identifier: MIT
"""`python main.py models`: the bundled and trained models, with config, place and training music."""

from __future__ import annotations

import argparse
import sys

NAME = "models"
HELP = "list bundled and trained models"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rename", nargs=2, metavar=("MODEL", "NEW_NAME"), help="give a trained model a new name")


def run(args: argparse.Namespace) -> int:
    from engine.registry import ModelNotFoundError, list_models, rename_model, user_models_dir

    if getattr(args, "rename", None):
        try:
            path = rename_model(*args.rename)
        except (ValueError, ModelNotFoundError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"renamed {args.rename[0]} to {path.name}")
        return 0

    infos = list_models()
    if not infos:
        print(
            f"no models yet: train one with `python main.py train FOLDER` (user models: {user_models_dir()})"
        )
        return 0
    print(f"{'name':24} {'config':16} {'where':8} {'steps':>7}  trained on / folder")
    for i in infos:
        print(f"{i.name:24} {i.config:16} {i.where:8} {i.steps:>7}  {i.trained_on or '-'}  ({i.path})")
    return 0
