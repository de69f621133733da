# SPDX-License-Identifier: MIT
"""What the live subcommands (jam, answer, play --link) share: where the sound goes, what the tempo
follows (Bandmate's own, a DAW's MIDI clock, an Ableton Link session), and playing until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.playback.output import MidiOutput
    from engine.playback.transport import Transport


def add_output_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", default=None, help="existing MIDI output port (name or part of it)")
    p.add_argument("--virtual", action="store_true", help="open a virtual 'Bandmate' port for your DAW")
    p.add_argument("--soundfont", default=None, help="FluidSynth soundfont (the default output)")


def add_sync_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tempo", type=float, default=120.0, help="BPM (with --link: only if you lead)")
    p.add_argument("--clock", action="store_true", help="send MIDI clock and start/stop to the output")
    sync = p.add_mutually_exclusive_group()
    sync.add_argument("--follow", default=None, metavar="PORT", help="follow a DAW's MIDI clock on PORT")
    sync.add_argument("--link", action="store_true", help="join the Ableton Link session (needs [link])")
    p.add_argument("--lead", action="store_true", help="with --link: set the session's tempo to --tempo")


def open_output(args: argparse.Namespace) -> MidiOutput:
    """A port by name, the virtual "Bandmate" port, else FluidSynth (PortError, SoundError)."""
    if args.port or args.virtual:
        from synth.rtmidi_out import RtMidiOutput

        return RtMidiOutput.open(args.port, virtual=args.virtual and not args.port)
    from synth.fluid_out import FluidOutput

    return FluidOutput.open(args.soundfont)


def open_transport(args: argparse.Namespace) -> tuple[Transport, Callable[[], None], str]:
    """What the music follows, a function that lets go of it, and a line saying what it is."""
    from engine.playback.transport import InternalTransport

    if args.link:
        from engine.live.link_clock import LinkFollower
        from synth.link import open_link

        peer = open_link(args.tempo)
        follower = LinkFollower(peer)
        if args.lead:
            follower.request_tempo(args.tempo)  # proposed once joined and settled (synth/link.py)
        return follower, peer.close, "following the Ableton Link session (start it from any Link app)"
    if args.follow:
        from engine.playback.clock_follow import ClockFollower
        from synth.clock import ClockInput

        clock_follower = ClockFollower()
        port = ClockInput.open(clock_follower, None if args.follow == "virtual" else args.follow)
        return clock_follower, port.close, f"following MIDI clock on {port.name} (start your DAW)"
    return InternalTransport(args.tempo), lambda: None, f"at {args.tempo:g} BPM"


def live_errors() -> tuple[type[BaseException], ...]:
    """Failures a musician can cause live (no port, no soundfont, no Link): one line, exit 1."""
    from cli.sound import expected_errors
    from synth.link import LinkUnavailable

    return (*expected_errors(), LinkUnavailable)


def run_until_stopped(minutes: float | None, alive: Callable[[], bool]) -> bool:
    """Block until Ctrl-C/SIGTERM (True), `minutes` pass or `alive()` turns False (False)."""
    quit_ = threading.Event()
    previous = {s: signal.signal(s, lambda *_: quit_.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    end = time.monotonic() + minutes * 60 if minutes else None
    try:
        while not quit_.wait(0.05) and alive():
            if end is not None and time.monotonic() >= end:
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return quit_.is_set()
