# SPDX-License-Identifier: MIT
"""`python main.py interpolate MODEL A B [--steps N] ...`: morph clip A into clip B."""

from __future__ import annotations

import argparse

from cli import common

NAME = "interpolate"
HELP = "morph clip A into clip B"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_generation_options(p)
    common.add_key_option(p)
    common.add_flat_option(p)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument(
        "--steps", default=8, type=common.latent_steps,
        help=f"clips from A to B, both included, 2 to {common.MAX_STEPS}: finer steps than that "
        "sound the same (default: 8)",
    )  # fmt: skip


@common.guarded
def run(args: argparse.Namespace) -> int:
    from engine.music.pattern import Pattern

    folder = common.output_folder(args.out)  # before the model loads: a bad --out costs nothing
    gen = common.load(args)
    a, b = common.read(args.a), common.read(args.b)
    result = gen.interpolate(a, b, args.steps, args.temperature, args.seed, key=args.key)
    common.report(result, args)
    for i, clip in enumerate(result.clips, 1):
        common.write(clip, folder / f"interp_{i:02d}.mid", args.bpm)
    common.write(Pattern.join(result.clips), folder / "interp_all.mid", args.bpm)
    return 0
