# SPDX-License-Identifier: MIT
"""Playing live: Ableton Link grid error and tempo following (two peers in a private network namespace),
answer latency over a JACK dummy loopback, the jam's bars-ready margin and slider-to-sound latency in
real time with the bundled models, and offline jam rendering speed."""

from __future__ import annotations

import json
import random
import statistics
import time

import torch

from benchmarks.common import Figure
from engine.live.jam import JamPlanner, JamSettings
from engine.live.live_jam import LiveJam
from engine.live.models import LiveModels
from engine.midi.files import read_clip
from engine.playback.transport import InternalTransport
from synth.null_out import RecordingOutput
from tests.synth.jack_helpers import jack_server
from tests.synth.netns import run_isolated

CMD = "python -m benchmarks.run live"
LINK_RUNS, ANSWER_RUNS = 2, 3


def link_figures() -> list[Figure]:
    errors, follow = [], []
    for _ in range(LINK_RUNS):
        done = run_isolated("tests.synth.link_scenario", timeout=100)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
        errors += [abs(x) * 1e3 for x in result["grid_error_s"]]
        follow += [b for b in result["tempo_follow_beats"].values() if b is not None]
    note = (
        f"{len(errors)} 16ths over {LINK_RUNS} runs; Bandmate and a second Link peer (another process) "
        "in a network namespace of their own (loopback only); tempo 100 -> 130 -> 90, stop, start"
    )
    return [
        Figure("Link beat grid error (each note against the other peer's 16th)", tuple(errors), "ms",
               "p99 <= 1 ms", CMD, note, stat="p99", extra={"max_ms": max(errors)}),
        Figure("Link tempo change reaches Bandmate", tuple(follow), "beats", "< 1 beat", CMD,
               "from the other peer's commit to Bandmate's follower seeing the new tempo", stat="max"),
    ]  # fmt: skip


def answer_figures() -> list[Figure]:
    from tests.synth.test_answer_jack import play_phrase

    torch.set_num_threads(1)
    figures = []
    with jack_server(period=64) as name:
        for mode, model in (("variation", "mel_2bar"), ("band", "multitrack_1bar")):
            latencies = []
            for _ in range(ANSWER_RUNS):
                run = play_phrase(name, mode)
                if not run["answers"] or not run["answer_ons"]:
                    raise RuntimeError(f"no {mode} answer came")
                latencies.append(run["answer_ons"][0] - run["phrase_end"])
            figures.append(
                Figure(f"answer latency ({mode}): phrase end (a bar line after a rest) to the first note",
                       tuple(latencies), "s", "<= 2.0 s (one bar at 120 BPM)", CMD,
                       f"JACK dummy -p 64 loopback; a folk phrase sent into 'Bandmate In'; bundled {model}",
                       stat="max")
            )  # fmt: skip
    return figures


def jam_figures(bars: int = 24, tempo: float = 240.0) -> list[Figure]:
    """A real-time jam (bundled models, one torch thread) with the energy slider moved at random times."""
    torch.set_num_threads(1)
    from cli.jam import default_beats

    corners = [read_clip(p) for p in default_beats()]
    planner = JamPlanner(LiveModels.load(), corners, JamSettings(speed=0.6, tempo=tempo), seed=7)
    out = RecordingOutput(time.monotonic)
    transport = InternalTransport(tempo)
    jam = LiveJam(planner, out, transport)
    played: list[tuple[float, float, int]] = []  # (sent at, due at, velocity)
    jam.stream.on_note = lambda step, note, vel: played.append(
        (time.monotonic(), transport.time_of(step, 0.0), vel)
    )  # fmt: skip
    rng = random.Random(3)
    moves: list[tuple[float, float]] = []
    jam.start()
    end = time.monotonic() + bars * 4 * 60 / tempo
    while time.monotonic() < end:
        time.sleep(rng.uniform(0.4, 0.9))
        energy = rng.choice([0.2, 0.5, 0.9])
        moves.append((time.monotonic(), energy))
        planner.set_mix(energy=energy)
    jam.stop()
    lags = []
    for (t, _energy), nxt in zip(moves, [*moves[1:], (float("inf"), 0.0)], strict=True):
        heard = next(((s, due) for s, due, _ in played if s >= t), None)
        if heard is not None and heard[0] < nxt[0]:
            lags.append((heard[0] - max(t, heard[1])) * 1e3)
    margins = [m / 16 for k, m in planner.ready_margin.items() if k < bars]
    share = 100.0 * sum(m >= 1.0 for m in margins) / len(margins)
    return [
        Figure("jam bars ready at least one bar before they play (real time, bundled models)", (share,), "%",
               "100 %", CMD,
               f"{len(margins)} bars at {tempo:g} BPM (1 s a bar); earliest margin {min(margins):.2f} bars, "
               f"median {statistics.median(margins):.2f}; bars not ready when due: {jam.stream.misses}",
               stat="median", extra={"min_bars": min(margins), "misses": jam.stream.misses}),
        Figure("slider move to the next note carrying it", tuple(lags), "ms", "<= 50 ms", CMD,
               f"{len(lags)} energy moves; sent time minus the later of the move and the note's due time",
               stat="max"),
    ]  # fmt: skip


def render_figures(bars: int = 256) -> list[Figure]:
    torch.set_num_threads(1)
    from cli.jam import default_beats

    corners = [read_clip(p) for p in default_beats()]
    models = LiveModels.load()
    speeds = []
    for seed in range(3):
        planner = JamPlanner(models, corners, JamSettings(speed=0.5), seed=seed)
        t0 = time.perf_counter()
        planner.render(bars)
        speeds.append(bars * 2.0 / (time.perf_counter() - t0))
    return [
        Figure(f"offline jam render ({bars} bars, `jam --bars N --out FILE`)", tuple(speeds), "x real time",
               ">= 20x", "python main.py jam --bars 256 --out jam.mid",
               "120 BPM, bundled drums_2bar + mel_2bar, one thread"),
    ]  # fmt: skip


def run() -> list[Figure]:
    figures = link_figures() + answer_figures() + jam_figures() + render_figures()
    for f in figures:
        print(f"  {f.name}: {f.stat} {f.summary:.4g} {f.unit} (target {f.target})", flush=True)
    return figures


if __name__ == "__main__":
    run()
