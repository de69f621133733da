# SPDX-License-Identifier: MIT
"""`python main.py variations MODEL CLIP [--n N] [--amount A] ...`: clips near a given clip."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import common

NAME = "variations"
HELP = "clips near a given clip"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_generation_options(p)
    common.add_key_option(p)
    common.add_flat_option(p)
    p.add_argument("clip")
    p.add_argument("--n", type=int, default=8)
    p.add_argument("--amount", type=float, default=0.3)


@common.guarded
def run(args: argparse.Namespace) -> int:
    gen = common.load(args)
    clip = common.read(args.clip)
    result = gen.variations(clip, args.n, args.amount, args.seed, args.temperature, key=args.key)
    common.report(result, args)
    for i, out in enumerate(result.clips, 1):
        common.write(out, Path(args.out) / f"{Path(args.clip).stem}_var_{i:02d}.mid", args.bpm)
    return 0
