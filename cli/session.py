# SPDX-License-Identifier: MIT
"""`python main.py session FILE [--midi OUT.mid] [--wav OUT.wav] [--stems] [--tail S] [--bpm BPM]
[--bars A-B]`: what a saved session (.bandmate) holds, and its arrangement (or bars A..B of it) exported at
the session's tempo, as the app's Export does (the lanes that sound: soloed, else unmuted; trimmed clips
as trimmed; MIDI with that tempo event; a WAV of exactly its bars plus --tail; one WAV per track with
--stems). Open it in the app with `python main.py --session FILE`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli import common

NAME = "session"
HELP = "show a saved session and export its arrangement"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a .bandmate session file")
    p.add_argument("--midi", default=None, help="write the arrangement as this MIDI file")
    p.add_argument("--wav", default=None, help="render the arrangement to this WAV file")
    p.add_argument("--stems", action="store_true", help="with --wav: one WAV per track beside it")
    p.add_argument(
        "--tail", type=common.number_in(0.0), default=0.0,
        help="seconds of ring-out after the last bar (WAV), 0 or more",
    )  # fmt: skip
    p.add_argument("--bpm", type=common.bpm, default=None, help="another tempo than the session's (20..300)")
    p.add_argument("--bars", default=None, metavar="A-B", help="export only bars A..B (1-based, inclusive)")
    p.add_argument("--soundfont", default=None)


def _bar_range(text: str) -> tuple[int, int]:
    """ "3-6" -> bars [2, 6) (0-based, end exclusive); ValueError with a one-line message otherwise."""
    a, sep, b = text.partition("-")
    try:
        first, last = int(a), int(b if sep else a)
    except ValueError:
        raise ValueError(f"--bars {text!r}: give bars as A-B, e.g. 3-6") from None
    if not 1 <= first <= last:
        raise ValueError(f"--bars {text!r}: bars count from 1 and A must not exceed B")
    return first - 1, last


def run(args: argparse.Namespace) -> int:
    from engine.midi.files import write_midi
    from engine.music.arrangement import ArrangementError
    from engine.music.pattern import Pattern
    from engine.music.sessionfile import SessionError, arrangement_pattern, load_session

    try:
        data = load_session(args.file)
    except SessionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    arr = data.arrangement
    lanes = ", ".join(
        f"{lane.name or 'lane'} ({len(lane.placements)}{', muted' if lane.muted else ''}"
        f"{', solo' if lane.solo else ''})"
        for lane in arr.lanes
    )
    print(f"{Path(args.file).name}: model {data.model or '-'}, {data.tempo:g} BPM")
    print(
        f"  arrangement: {data.kept_clips} clips in {len(arr.lanes)} lane(s), {arr.bars} bars: {lanes or '-'}"
    )
    print(f"  candidates: {len(data.candidates)}; clip on the roll: {data.clip.name if data.clip else '-'}")
    if not (args.midi or args.wav):
        return 0
    song: Pattern | None
    if args.bars:
        try:
            song = data.arrangement.render(*_bar_range(args.bars), tempo=data.tempo)
        except (ValueError, ArrangementError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    else:
        song = arrangement_pattern(data)
    if song is None:
        print("error: the arrangement is empty (or every lane is muted): nothing to export", file=sys.stderr)
        return 2
    # in PLAY_MIN_BPM..PLAY_MAX_BPM either way: --bpm is parsed by common.bpm, a session's tempo on load
    bpm = args.bpm if args.bpm is not None else data.tempo
    song = song.at_tempo(bpm)
    from synth.soundfont import SoundError

    try:
        if args.midi:
            write_midi(song, args.midi)
            print(f"wrote {args.midi} ({song.bars} bars at {bpm:g} BPM)")
        if args.wav:
            from synth.fluid_render import render_stems, render_wav

            out = Path(args.wav)
            if args.stems:
                results = render_stems(song, out.parent, out.stem, args.soundfont, tail=args.tail)
            else:
                results = [render_wav(song, out, args.soundfont, whole_bars=True, tail=args.tail)]
            for r in results:
                print(f"wrote {r.path} ({r.seconds:.3f} s)")
    except (OSError, ValueError, SoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
