# SPDX-License-Identifier: MIT
"""Command-line handlers for `render`, `ports` and `play` (arguments are defined in main.py).

Every expected failure (bad MIDI, no soundfont, unknown port) prints one plain line and returns 1.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
from pathlib import Path

from engine.clock_follow import ClockFollower
from engine.pattern import STEPS_PER_BAR
from engine.player import MidiOutput, Player
from engine.schedule import Timeline, TimelineError, timeline_from_midi
from synth.ports import PortError, list_ports
from synth.soundfont import SoundError

EXPECTED = (SoundError, TimelineError, PortError, ValueError, OSError)


def _fail(command: str, error: BaseException) -> int:
    print(f"bandmate {command}: {error}", file=sys.stderr)
    return 1


def run_render(args: argparse.Namespace) -> int:
    """`render IN.mid OUT.wav [--soundfont SF2] [--rate HZ]`."""
    from synth.fluid_render import render_wav  # noqa: PLC0415 - loads FluidSynth only when rendering

    try:
        result = render_wav(args.midi, args.wav, soundfont=args.soundfont, rate=args.rate)
    except EXPECTED as e:
        return _fail("render", e)
    print(f"wrote {result.path} ({result.seconds:.1f} s, {result.rate} Hz)")
    return 0


def run_ports(args: argparse.Namespace) -> int:
    """`ports [--json]`: the MIDI outputs (and inputs, for clock following) of the MIDI system."""
    try:
        ports = list_ports()
    except PortError as e:
        if args.json:
            print(json.dumps({"api": None, "outputs": [], "inputs": [], "error": str(e)}))
        return _fail("ports", e)
    if args.json:
        print(json.dumps(ports.as_dict()))
        return 0
    print(f"MIDI system: {ports.api}")
    print("outputs (play --port NAME):")
    for name in ports.outputs or ("(none: use play --virtual for a 'Bandmate' port)",):
        print(f"  {name}")
    print("inputs (play --follow NAME):")
    for name in ports.inputs or ("(none)",):
        print(f"  {name}")
    return 0


def _open_output(args: argparse.Namespace) -> MidiOutput:
    if args.port or args.virtual:
        from synth.rtmidi_out import RtMidiOutput  # noqa: PLC0415

        return RtMidiOutput.open(args.port, virtual=args.virtual and not args.port)
    from synth.fluid_out import FluidOutput  # noqa: PLC0415

    return FluidOutput.open(args.soundfont)


def _loop_region(timeline: Timeline) -> tuple[float, float]:
    """The whole file, rounded up to whole bars so each pass starts on a bar."""
    return (0.0, float(math.ceil(timeline.steps / STEPS_PER_BAR) * STEPS_PER_BAR))


def run_play(args: argparse.Namespace) -> int:
    """`play IN.mid [--port NAME | --virtual] [--loop] [--clock] [--follow PORT]`; Ctrl-C stops cleanly."""
    try:
        timeline = timeline_from_midi(args.midi)
        output = _open_output(args)
    except EXPECTED as e:
        return _fail("play", e)
    clock_in = None
    try:
        follower = None
        if args.follow:
            from synth.clock import ClockInput  # noqa: PLC0415

            follower = ClockFollower()
            clock_in = ClockInput.open(follower, None if args.follow == "virtual" else args.follow)
        return _play(args, timeline, output, follower)
    except EXPECTED as e:
        return _fail("play", e)
    finally:
        if clock_in is not None:
            clock_in.close()
        output.panic()
        output.close()


def _play(
    args: argparse.Namespace, timeline: Timeline, output: MidiOutput, follower: ClockFollower | None
) -> int:
    player = Player(output, send_clock=args.clock, follow=follower)
    errors: list[str] = []
    player.on_error = errors.append
    player.load(timeline, loop=_loop_region(timeline) if args.loop else None)
    quit_ = threading.Event()
    previous = {s: signal.signal(s, lambda *_: quit_.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        where = getattr(output, "name", type(output).__name__)
        wait = "waiting for the DAW to start; " if follower else ""
        print(f"playing {Path(args.midi).name} ({timeline.duration:.1f} s) to {where}; {wait}Ctrl-C stops")
        player.play()
        while player.playing and not quit_.wait(0.05):
            pass
        player.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if errors:
        print(f"bandmate play: stopped: {errors[0]}", file=sys.stderr)
        return 1
    if quit_.is_set():
        print("stopped")
        return 130
    return 0
