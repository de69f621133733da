# SPDX-License-Identifier: MIT
"""`python main.py humanize MODEL CLIP [--amount A] [--out FILE|FOLDER]`: learned loudness and timing."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import common

NAME = "humanize"
HELP = "add learned velocity and micro-timing"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_generation_options(p)
    p.add_argument("clip")
    p.add_argument("--amount", type=float, default=1.0)


@common.guarded
def run(args: argparse.Namespace) -> int:
    gen = common.load(args)
    clip = common.read(args.clip)
    result = gen.humanize(clip, args.amount, args.seed)
    common.report(result, args)
    common.write(result.clip, common.one_output(args.out, f"{Path(args.clip).stem}_humanized.mid"), args.bpm)
    return 0
