# SPDX-License-Identifier: MIT
"""`python main.py infill MODEL SONG --bars 9-12 --tracks bass,drums [--out out.mid] ...`: rewrite just
those bars of those parts (or tracks) so that they join the bars around them; the rest of the file is
written back as it was."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import common

NAME = "infill"
HELP = "rewrite chosen bars of chosen parts or tracks so they join their neighbours"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_generation_options(p, one_clip=True)
    common.add_key_option(p, default="song")
    common.add_flat_option(p)
    p.add_argument(
        "song", help="a MIDI file (--out: the .mid file to write, or a folder for SONG_infilled.mid)"
    )
    p.add_argument(
        "--bars", default=None, metavar="FIRST-LAST",
        help="the bars to rewrite, counted from 1, both included, e.g. 9-12 (default: every bar)",
    )  # fmt: skip
    p.add_argument(
        "--tracks", required=True, metavar="NAMES",
        help="parts (melody, bass, drums) or track names of the song, comma-separated",
    )  # fmt: skip


@common.guarded
def run(args: argparse.Namespace) -> int:
    from engine.generation.fit import GenerationError
    from engine.generation.infill import parse_bars

    try:
        bars = parse_bars(args.bars) if args.bars is not None else None
    except ValueError as e:
        raise GenerationError(str(e)) from None
    path = common.output_file(args.out, f"{Path(args.song).stem}_infilled.mid")  # before the long work
    gen = common.load(args)
    song = common.read(args.song)
    result = gen.infill(song, bars, args.tracks, args.seed, args.temperature, key=args.key)
    common.report(result, args)
    common.write(result.clip, path)
    return 0
