# SPDX-License-Identifier: MIT
"""`python main.py play IN.mid [--port NAME | --virtual] [--loop] [--clock] [--follow PORT | --link]`:
live MIDI to a port or FluidSynth, on Bandmate's tempo, a DAW's MIDI clock or an Ableton Link session;
Ctrl-C stops cleanly (every sounding note released)."""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from cli.sound import expected_errors, fail

if TYPE_CHECKING:
    from engine.playback.output import MidiOutput
    from engine.playback.timeline import Timeline
    from engine.playback.transport import Transport
    from synth.clock import ClockInput
    from synth.link import LinkPeer

NAME = "play"
HELP = "play MIDI live to a port or FluidSynth"


def add_arguments(pl: argparse.ArgumentParser) -> None:
    pl.add_argument("midi")
    pl.add_argument("--port", default=None, help="existing MIDI output port (name or part of it)")
    pl.add_argument("--virtual", action="store_true", help="open a virtual 'Bandmate' port")
    pl.add_argument("--loop", action="store_true")
    pl.add_argument("--soundfont", default=None)
    pl.add_argument("--clock", action="store_true", help="send MIDI clock and start/stop")
    sync = pl.add_mutually_exclusive_group()
    sync.add_argument("--follow", default=None, metavar="PORT", help="follow a DAW's MIDI clock on PORT")
    sync.add_argument("--link", action="store_true", help="follow the Ableton Link session (needs [link])")


def _open_output(args: argparse.Namespace) -> MidiOutput:
    if args.port or args.virtual:
        from synth.rtmidi_out import RtMidiOutput

        return RtMidiOutput.open(args.port, virtual=args.virtual and not args.port)
    from synth.fluid_out import FluidOutput

    return FluidOutput.open(args.soundfont)


def _loop_region(timeline: Timeline) -> tuple[float, float]:
    """The whole file: a file's timeline lasts whole bars of its own meters, so each pass starts on a bar."""
    return (0.0, float(math.ceil(timeline.steps)))


def run(args: argparse.Namespace) -> int:
    """Play until the end (or Ctrl-C); exit 0, 130 on Ctrl-C, 1 with one line on a problem."""
    from engine.playback.clock_follow import ClockFollower
    from engine.playback.timeline import timeline_from_midi

    try:
        timeline = timeline_from_midi(args.midi)
        output = _open_output(args)
    except expected_errors() as e:
        return fail("play", e)
    clock_in: ClockInput | LinkPeer | None = None
    try:
        follower: Transport | None = None
        if args.follow:
            from synth.clock import ClockInput

            follower = ClockFollower()
            clock_in = ClockInput.open(follower, None if args.follow == "virtual" else args.follow)
        elif args.link:
            from engine.live.link_clock import LinkFollower
            from synth.link import open_link

            peer = open_link(timeline.tempo_at(0))
            clock_in, follower = peer, LinkFollower(peer)
        return _play(args, timeline, output, follower)
    except (*expected_errors(), _link_unavailable()) as e:
        return fail("play", e)
    finally:
        if clock_in is not None:
            clock_in.close()
        output.panic()
        output.close()


def _link_unavailable() -> type[Exception]:
    from synth.link import LinkUnavailable

    return LinkUnavailable


def _play(
    args: argparse.Namespace, timeline: Timeline, output: MidiOutput, follower: Transport | None
) -> int:
    from engine.playback.player import Player

    player = Player(output, send_clock=args.clock, follow=follower)
    errors: list[str] = []
    player.on_error = errors.append
    player.load(timeline, loop=_loop_region(timeline) if args.loop else None)
    quit_ = threading.Event()
    previous = {s: signal.signal(s, lambda *_: quit_.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        where = getattr(output, "name", type(output).__name__)
        wait = "waiting for the Link session to start; " if args.link else "waiting for the DAW to start; "
        wait = wait if follower else ""
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
