# SPDX-License-Identifier: MIT
"""`python main.py blend MODEL A B C D [--grid N | --at X,Y] ...`: blend four corner beats."""

from __future__ import annotations

import argparse

from cli import common

NAME = "blend"
HELP = "blend four corner beats on a grid"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_generation_options(p)
    common.add_flat_option(p)
    p.add_argument("corners", nargs=4, metavar="CLIP")
    p.add_argument(
        "--grid", default=5, type=common.latent_steps,
        help=f"clips along each side of the square, 2 to {common.MAX_STEPS} (N x N files; finer "
        "steps than that sound the same) (default: 5)",
    )  # fmt: skip
    p.add_argument("--at", default=None, help="one point X,Y in 0..1")


def parse_point(text: str) -> tuple[float, float]:
    """ "0.25,0.5" -> (0.25, 0.5); GenerationError for anything else."""
    from engine.generation.fit import GenerationError

    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise GenerationError(f"--at wants X,Y with numbers in 0..1, like 0.25,0.5; got {text!r}") from None
    return x, y


@common.guarded
def run(args: argparse.Namespace) -> int:
    out = common.output_folder(args.out)  # before the model loads: a bad --out costs nothing
    if args.at is not None:
        parse_point(args.at)
    gen = common.load(args)
    corners = [common.read(c) for c in args.corners]
    if args.at is not None:
        x, y = parse_point(args.at)
        result = gen.blend(corners, x, y, args.temperature, args.seed)
        common.report(result, args)
        common.write(result.clip, out / f"blend_at_{x:.2f}_{y:.2f}.mid", args.bpm)
        return 0
    result = gen.blend_grid(corners, args.grid, args.temperature, args.seed)
    common.report(result, args)
    for k, clip in enumerate(result.clips):
        i, j = divmod(k, args.grid)  # clips[i * grid + j] is at x = i, y = j
        common.write(clip, out / f"blend_x{i}_y{j}.mid", args.bpm)
    return 0
