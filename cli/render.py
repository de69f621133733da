# SPDX-License-Identifier: MIT
"""`python main.py render IN.mid OUT.wav [--bpm BPM] [--whole-bars] [--tail S] [--stems] [--soundfont SF2]
[--rate HZ]`: FluidSynth to a WAV file (or one WAV per track with --stems)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import common
from cli.sound import expected_errors, fail

NAME = "render"
HELP = "render MIDI to WAV with FluidSynth"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("midi")
    p.add_argument("wav", help="the WAV to write (with --stems: OUT-01-TRACK.wav, ... beside it)")
    p.add_argument("--soundfont", default=None)
    p.add_argument("--rate", type=int, default=44100)
    p.add_argument(
        "--bpm", type=common.bpm, default=None, help="play at this tempo, 20..300 (default: the file's own)"
    )
    p.add_argument(
        "--whole-bars",
        action="store_true",
        help="exactly the clip's bars from bar 1 (+ --tail), for a DAW; implied by --bpm and --stems",
    )
    p.add_argument(
        "--tail", type=common.number_in(0.0), default=0.0,
        help="seconds of ring-out after the last bar, 0 or more",
    )  # fmt: skip
    p.add_argument("--stems", action="store_true", help="one WAV per track, all the same length")


def run(args: argparse.Namespace) -> int:
    from engine.midi.files import MidiError, read_midi
    from synth.fluid_render import render_stems, render_wav  # loads FluidSynth only when rendering

    errors: tuple[type[BaseException], ...] = (*expected_errors(), MidiError)
    try:
        common.check_writable(Path(args.wav).parent, args.wav, option="")  # before rendering
        whole = args.whole_bars or args.stems or args.bpm is not None or args.tail > 0
        source = read_midi(args.midi).pattern if (args.bpm is not None or args.stems) else args.midi
        if args.bpm is not None:
            source = source.at_tempo(args.bpm)
        if args.stems:
            out = Path(args.wav)
            results = render_stems(source, out.parent, out.stem, args.soundfont, args.rate, args.tail)
        else:
            results = [render_wav(source, args.wav, args.soundfont, args.rate, whole, args.tail)]
    except errors as e:
        return fail("render", e)
    for result in results:
        print(f"wrote {result.path} ({result.seconds:.3f} s, {result.rate} Hz)")
    return 0
