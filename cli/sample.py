# SPDX-License-Identifier: MIT
"""`python main.py sample MODEL [--n N] [--bars B] [--key K] [--meter 3/4] ...`: new clips from the model's
prior."""

from __future__ import annotations

import argparse

from cli import common

NAME = "sample"
HELP = "write new clips"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_generation_options(p)
    common.add_key_option(p, new_clips=True)
    common.add_flat_option(p)
    common.add_meter_option(p)
    common.add_check_options(p)
    p.add_argument(
        "--n", type=common.whole_number(1, common.MAX_CLIPS, " (each clip is a file)"), default=32,
        help=f"how many clips, 1 to {common.MAX_CLIPS} (default: 32)",
    )  # fmt: skip
    common.bars_option(p, "chain each clip into this many bars (default: the model's length)")


@common.guarded
def run(args: argparse.Namespace) -> int:
    folder = common.output_folder(args.out)  # before the model loads: a bad --out costs nothing
    gen = common.load(args)
    result = gen.sample(
        args.n, args.temperature, args.seed, bars=args.bars, key=args.key, checked=not args.unchecked,
        novel=args.novel, meter=args.meter,
    )  # fmt: skip
    common.report(result, args)
    paths = [folder / f"sample_{i:02d}.mid" for i in range(1, len(result.clips) + 1)]
    return common.write_checked(result, paths, args.bpm)
