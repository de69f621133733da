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
    common.add_check_options(p)
    p.add_argument("clip")
    p.add_argument(
        "--n", type=common.whole_number(1, common.MAX_CLIPS, " (each clip is a file)"), default=8,
        help=f"how many variations, 1 to {common.MAX_CLIPS} (default: 8)",
    )  # fmt: skip
    p.add_argument(
        "--amount", type=common.number_in(0.0, 1.0, " (0 = the clip itself, 1 = far from it)"),
        default=0.3, help="how far from the clip, 0 (the clip itself) to 1 (far) (default: 0.3)",
    )  # fmt: skip


@common.guarded
def run(args: argparse.Namespace) -> int:
    folder = common.output_folder(args.out)  # before the model loads: a bad --out costs nothing
    gen = common.load(args)
    clip = common.read(args.clip)
    result = gen.variations(
        clip, args.n, args.amount, args.seed, args.temperature, key=args.key, checked=not args.unchecked,
        novel=args.novel,
    )  # fmt: skip
    common.report(result, args)
    stem = Path(args.clip).stem
    paths = [folder / f"{stem}_var_{i:02d}.mid" for i in range(1, len(result.clips) + 1)]
    return common.write_checked(result, paths, args.bpm)
