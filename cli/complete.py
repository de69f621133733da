# SPDX-License-Identifier: MIT
"""`python main.py complete MODEL CLIP [--parts melody,bass,drums] ...`: write the missing parts."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import common

NAME = "complete"
HELP = "write the missing parts of a clip"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_generation_options(p, one_clip=True)
    common.add_key_option(p, default="song")
    common.add_flat_option(p)
    p.add_argument("clip")
    p.add_argument("--parts", default=None, help="parts to write: melody,bass,drums")


@common.guarded
def run(args: argparse.Namespace) -> int:
    path = common.output_file(args.out, f"{Path(args.clip).stem}_completed.mid")  # before the long work
    gen = common.load(args)
    clip = common.read(args.clip)
    result = gen.complete(clip, args.parts, args.seed, args.temperature, key=args.key)
    common.report(result, args)
    common.write(result.clip, path, args.bpm)
    return 0
