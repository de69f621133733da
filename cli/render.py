# SPDX-License-Identifier: MIT
"""`python main.py render IN.mid OUT.wav [--soundfont SF2] [--rate HZ]`: FluidSynth to a WAV file."""

from __future__ import annotations

import argparse

from cli.sound import expected_errors, fail

NAME = "render"
HELP = "render MIDI to WAV with FluidSynth"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("midi")
    p.add_argument("wav")
    p.add_argument("--soundfont", default=None)
    p.add_argument("--rate", type=int, default=44100)


def run(args: argparse.Namespace) -> int:
    from synth.fluid_render import render_wav  # loads FluidSynth only when rendering

    try:
        result = render_wav(args.midi, args.wav, soundfont=args.soundfont, rate=args.rate)
    except expected_errors() as e:
        return fail("render", e)
    print(f"wrote {result.path} ({result.seconds:.1f} s, {result.rate} Hz)")
    return 0
