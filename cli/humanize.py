# SPDX-License-Identifier: MIT
"""`python main.py humanize MODEL CLIP [--amount A] [--out FILE|FOLDER]`: learned loudness and timing."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import common

NAME = "humanize"
HELP = "add learned velocity and micro-timing"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_generation_options(p, one_clip=True)
    p.add_argument("clip")
    p.add_argument(
        "--amount", type=common.number_in(0.0, 1.0, " (0 = as played, 1 = all the way)"), default=1.0,
        help="0 keeps your clip's feel, 0.5 goes half way, 1 all the way to the learned feel (default: 1)",
    )  # fmt: skip


@common.guarded
def run(args: argparse.Namespace) -> int:
    path = common.output_file(args.out, f"{Path(args.clip).stem}_humanized.mid")
    gen = common.load(args)
    clip = common.read(args.clip)
    result = gen.humanize(clip, args.amount, args.seed)
    common.report(result, args)
    common.write(result.clip, path, args.bpm)
    return 0
