# SPDX-License-Identifier: MIT
"""`python main.py jam [A B C D] [--bars N --out FILE | live options]`: the endless jam.

Drums wander the blend square of four beats, bass and lead wander a latent loop, changing on phrase
boundaries; live to FluidSynth, a port or the virtual port (under Bandmate's tempo, MIDI clock or Link),
recorded to a MIDI file as it plays; or N bars rendered offline as fast as the CPU allows.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from cli import common, live_setup
from models.spec import LIVE_DRUMS, LIVE_MELODY

NAME = "jam"
HELP = "an endless, always-changing jam (live, or --bars N --out FILE offline)"
EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples" / "groove"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("beats", nargs="*", metavar="BEAT", help="four .mid beats for the corners A B C D")
    p.add_argument("--drums", default=LIVE_DRUMS, help="drum model (folder or name)")
    p.add_argument("--melody", default=LIVE_MELODY, help="melody model for bass and lead")
    common.bars_option(p, "render N bars offline (with --out)")
    p.add_argument("--out", default=None, help="offline: the .mid file to write")
    p.add_argument("--record", default=None, help="live: record to this .mid file as it plays")
    p.add_argument("--minutes", type=float, default=None, help="live: stop after this long")
    p.add_argument("--at", default="0.5,0.5", help="X,Y: where on the square the drums wander round")
    p.add_argument("--speed", type=float, default=0.3, help="0..1: how fast it wanders")
    p.add_argument("--energy", type=float, default=0.5, help="0..1: loudness (0.5 = as written)")
    p.add_argument("--density", type=float, default=1.0, help="0..1: 1 plays every note, 0 only downbeats")
    p.add_argument("--parts", default="drums,bass,lead", help="which parts play")
    p.add_argument("--phrase", type=int, default=4, choices=(4, 8), help="bars between changes")
    p.add_argument("--key", default=None, help="keep bass and lead in this key, e.g. A:minor")
    p.add_argument("--temperature", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--device", default="cpu", choices=common.DEVICES)
    live_setup.add_output_options(p)
    live_setup.add_sync_options(p)


def default_beats() -> list[Path]:
    """Four of the bundled example grooves (resources/examples/groove), in name order."""
    return sorted(EXAMPLES.glob("*.mid"))[:4]


def planner_from_args(args: argparse.Namespace):  # noqa: ANN201 - engine.live.jam.JamPlanner
    """Load the models and the four beats, and build the planner the options describe."""
    import torch

    from cli.blend import parse_point
    from engine.live.jam import JamPlanner, JamSettings
    from engine.live.mixer import Mix
    from engine.live.models import LiveModels

    if len(args.beats) not in (0, 4):
        raise ValueError(f"give four beats (A B C D) or none for the bundled ones; got {len(args.beats)}")
    torch.set_num_threads(1)  # one clip at a time: one thread is fastest and leaves a core for the music
    beats = [Path(b) for b in args.beats] or default_beats()
    corners = [common.read(str(b)) for b in beats]
    x, y = parse_point(args.at)
    settings = JamSettings(x, y, args.speed, args.phrase, args.key, args.temperature, args.tempo)
    mix = Mix(args.energy, args.density, frozenset(p.strip() for p in args.parts.split(",") if p.strip()))
    models = LiveModels.load(args.drums, args.melody, device=args.device)
    args.seed = secrets.randbelow(2**31) if args.seed is None else args.seed
    print(f"beats: {', '.join(b.name for b in beats)}; seed {args.seed}")
    return JamPlanner(models, corners, settings, mix, seed=args.seed)


@common.guarded
def run(args: argparse.Namespace) -> int:
    if args.bars is not None:  # offline: a bad --out fails before the models load
        if not args.out:
            print("error: --bars N needs --out FILE.mid", file=sys.stderr)
            return 2
        common.check_writable(Path(args.out).parent, args.out)
    try:
        planner = planner_from_args(args)
    except ValueError as e:
        if type(e).__name__ != "ValueError":
            raise
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.bars is not None:
        return _offline(planner, args)
    return _live(planner, args)


def _offline(planner, args: argparse.Namespace) -> int:  # noqa: ANN001
    import time

    t0 = time.perf_counter()
    pattern = planner.render(args.bars)
    seconds = time.perf_counter() - t0
    common.write(pattern, Path(args.out))
    music = args.bars * 4 * 60 / args.tempo
    speed = music / max(seconds, 1e-9)
    print(f"{args.bars} bars ({music:.0f} s of music) in {seconds:.2f} s, {speed:.0f}x real time")
    return 0


def _live(planner, args: argparse.Namespace) -> int:  # noqa: ANN001
    from engine.live.live_jam import LiveJam

    try:
        output = live_setup.open_output(args)
    except live_setup.live_errors() as e:
        print(f"bandmate jam: {e}", file=sys.stderr)
        return 1
    release = None
    try:
        transport, release, how = live_setup.open_transport(args)
        jam = LiveJam(planner, output, transport, record_to=args.record, send_clock=args.clock)
        errors: list[str] = []
        jam.stream.on_error = errors.append
        planner.on_error = lambda reason: print(f"note: a phrase failed ({reason}); playing on", flush=True)
        where = getattr(output, "name", type(output).__name__)
        print(f"jamming to {where}, {how}; Ctrl-C stops", flush=True)
        jam.start()
        interrupted = live_setup.run_until_stopped(args.minutes, lambda: jam.stream.playing)
        jam.stop()
        if args.record:
            print(f"recorded {jam.recorder.pattern().bars} bars to {args.record}")
        if errors:
            print(f"bandmate jam: stopped: {errors[0]}", file=sys.stderr)
            return 1
        print("stopped")
        return 130 if interrupted else 0
    except live_setup.live_errors() as e:
        print(f"bandmate jam: {e}", file=sys.stderr)
        return 1
    finally:
        if release is not None:
            release()
        output.panic()
        output.close()
