# SPDX-License-Identifier: MIT
"""`python main.py answer [--in PORT] [--mode variation|continuation|band]`: play a phrase into
"Bandmate In" (or any input); after a rest (or a pedal) Bandmate answers on the next bar, live."""

from __future__ import annotations

import argparse
import secrets
import sys

from cli import common, live_setup
from models.spec import LIVE_BAND, LIVE_DRUMS, LIVE_MELODY

NAME = "answer"
HELP = "answer phrases you play into 'Bandmate In' (variations, a continuation, or the band)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--in", dest="input", default=None, help="MIDI input port (default: a virtual 'Bandmate In')"
    )
    p.add_argument("--mode", default="variation", choices=("variation", "continuation", "band"))
    p.add_argument("--melody", default=LIVE_MELODY, help="melody model for pitched phrases")
    p.add_argument("--drums", default=LIVE_DRUMS, help="drum model for phrases on channel 10")
    p.add_argument("--band", default=LIVE_BAND, help="band model for --mode band (or trio_16bar)")
    p.add_argument("--amount", type=float, default=0.3, help="variation: 0 = the same, 1 = far")
    p.add_argument("--key", default=None, help="keep answers in this key, e.g. D:major")
    p.add_argument(
        "--rest", type=float, default=1.0, help="beats of rest before a bar line that end a phrase"
    )
    p.add_argument(
        "--end-cc", type=int, default=None, help="a controller (e.g. 64, sustain) that ends a phrase"
    )
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--minutes", type=float, default=None, help="stop after this long")
    p.add_argument("--record", default=None, help="write the answers to this .mid file at the end")
    p.add_argument("--device", default="cpu", choices=common.DEVICES)
    live_setup.add_output_options(p)
    live_setup.add_sync_options(p)


@common.guarded
def run(args: argparse.Namespace) -> int:
    import torch

    from engine.live.answer import LiveAnswer
    from engine.live.models import LiveModels

    torch.set_num_threads(1)
    band = args.band if args.mode == "band" else None
    models = LiveModels.load(args.drums, args.melody, band, device=args.device)
    seed = secrets.randbelow(2**31) if args.seed is None else args.seed
    try:
        output = live_setup.open_output(args)
    except live_setup.live_errors() as e:
        print(f"bandmate answer: {e}", file=sys.stderr)
        return 1
    release, port = None, None
    try:
        transport, release, how = live_setup.open_transport(args)
        live = LiveAnswer(
            models, output, transport, args.mode, seed=seed, amount=args.amount, key=args.key,
            rest=args.rest * 4, end_cc=args.end_cc, tempo=args.tempo, send_clock=args.clock,
        )  # fmt: skip
        from synth.midi_in import MidiInput

        port = MidiInput.open(live.feed, args.input)
        live.answerer.on_answer = lambda bar: print(f"answer from bar {bar + 1}", flush=True)
        live.answerer.on_error = lambda reason: print(f"note: no answer ({reason})", flush=True)
        where = getattr(output, "name", type(output).__name__)
        print(f"listening on {port.name!r}, answering ({args.mode}) to {where}, {how}; seed {seed}")
        print("play a phrase, rest a beat before a bar line: the answer starts on that bar; Ctrl-C stops")
        live.start()
        interrupted = live_setup.run_until_stopped(args.minutes, lambda: live.stream.playing)
        live.stop()
        if args.record and live.recorder.pattern().note_count:
            live.recorder.save(args.record)
            print(f"recorded the answers to {args.record}")
        print(f"stopped after {len(live.answerer.answers)} answers")
        return 130 if interrupted else 0
    except live_setup.live_errors() as e:
        print(f"bandmate answer: {e}", file=sys.stderr)
        return 1
    finally:
        if port is not None:
            port.close()
        if release is not None:
            release()
        output.panic()
        output.close()
