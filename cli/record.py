# SPDX-License-Identifier: MIT
"""`python main.py record OUT.mid [--in PORT] [--bars 4] [--count-in 1] [--tempo 120]`: record what you
play into "Bandmate In" (or any input) for N bars after a count-in, with a metronome click, into a .mid
file quantised to the 16th grid with the feel kept (engine.live.take)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli import common

NAME = "record"
HELP = "record N bars you play into 'Bandmate In' (or any input) to a .mid file, with count-in and click"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", help="the .mid file to write")
    p.add_argument(
        "--in", dest="input", default=None, help="MIDI input port (default: a virtual 'Bandmate In')"
    )
    p.add_argument("--bars", type=common.whole_number(1, 64), default=4, help="bars to record (1-64)")
    p.add_argument(
        "--count-in", type=common.whole_number(0, 4), default=1, help="bars of clicks before the take (0-4)"
    )
    p.add_argument("--tempo", type=float, default=120.0, help="BPM of the click and the clip")
    p.add_argument("--no-click", action="store_true", help="no metronome (the count-in is silent too)")
    p.add_argument("--port", default=None, help="MIDI output port for the click (default: FluidSynth)")
    p.add_argument("--virtual", action="store_true", help="click on a virtual 'Bandmate' port")
    p.add_argument("--soundfont", default=None, help="FluidSynth soundfont for the click")


def run(args: argparse.Namespace) -> int:
    from cli import live_setup
    from engine.live.take import Take
    from engine.midi.files import write_midi

    out = Path(args.out)
    if out.suffix.lower() not in (".mid", ".midi"):
        print(f"bandmate record: {out} is not a .mid file name", file=sys.stderr)
        return 2
    click = None
    port = None
    errors: tuple[type[BaseException], ...] = (ValueError, *live_setup.live_errors())
    try:
        take = Take(args.bars, args.tempo, args.count_in)
        if not args.no_click:
            click = live_setup.open_output(args)
            take.click = click
        from synth.midi_in import MidiInput

        port = MidiInput.open(take.feed, args.input)
    except errors as e:
        print(f"bandmate record: {e}", file=sys.stderr)
        if click is not None:
            click.close()
        return 1
    interrupted = False
    try:
        print(f"listening on {port.name!r}: {args.bars} bars at {args.tempo:g} BPM", flush=True)
        print(f"count-in: {args.count_in} bar(s)", flush=True)
        take.start()
        try:
            while not take.wait(0.1):
                pass
        except KeyboardInterrupt:
            interrupted = True
            take.stop()
    finally:
        port.close()
        if click is not None:
            click.close()
    clip = take.clip()
    if clip is None:
        print("bandmate record: nothing was played (no notes arrived); no file written", file=sys.stderr)
        return 130 if interrupted else 1
    out.parent.mkdir(parents=True, exist_ok=True)
    write_midi(clip, out)
    print(f"recorded {clip.note_count} notes in {clip.bars} bars to {out}")
    return 130 if interrupted else 0
