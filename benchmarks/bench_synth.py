# SPDX-License-Identifier: MIT
"""Sound benchmarks: live MIDI scheduling jitter over a JACK dummy loopback (-p 64) and offline
FluidSynth render speed (times real time), on real clips from ../shared/data/midi."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from benchmarks.common import Figure
from engine.playback.player import Player
from engine.playback.timeline import timeline_from_midi
from synth.fluid_render import render_audio
from synth.rtmidi_out import RtMidiOutput
from synth.soundfont import find_soundfont
from tests.synth.jack_helpers import Receiver, jack_server, note_key

MIDI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "midi"
DRUMS = MIDI / "drums/zharry29-drums-with-llm/drummer3/session2/31_hiphop_92_beat_4-4.mid"
MULTI = MIDI / "multitrack/freedoom-freedoom/d_dm14.mid"
CHORALE = MIDI / "bach_chorales/craigsapp-bach-370-chorales/chor001.mid"
RUNS = 3


def _jitter_run(path: Path, steps: int) -> dict[str, float]:
    """Play the first `steps` steps into a JACK receiver; |arrival - intended - median| stats in ms."""
    timeline = timeline_from_midi(path).head(steps)
    out = RtMidiOutput.open(virtual=True, api="jack")
    rx = Receiver("bench-rx")
    try:
        rx.connect("Bandmate:Bandmate")
        time.sleep(0.1)
        player = Player(out)
        player.load(timeline)
        player.play()
        player.wait()
        rx.wait_quiet()
        got = rx.messages()
    finally:
        rx.close()
        out.close()
    sent = [(p, m) for p, m in timeline.events if m.type in ("note_on", "note_off")]
    assert [note_key(m) for _, m in got] == [note_key(m) for _, m in sent], "messages lost"
    lag = [t - timeline.seconds(p) for (t, _), (p, _) in zip(got, sent, strict=True)]
    med = statistics.median(lag)
    dev = sorted(abs(x - med) * 1e3 for x in lag)
    return {"p99": dev[min(len(dev) - 1, int(0.99 * len(dev)))], "median": dev[len(dev) // 2],
            "max": dev[-1], "n": float(len(dev))}  # fmt: skip


def jitter_figures() -> list[Figure]:
    try:
        return _jitter_figures(realtime=True)  # as a studio runs JACK (root or an rtprio limit)
    except RuntimeError:
        return _jitter_figures(realtime=False)


def _jitter_figures(realtime: bool) -> list[Figure]:
    figures = []
    mode = "real-time" if realtime else "no real-time"
    with jack_server(period=64, rate=48000, realtime=realtime):
        for label, path, steps in (("drums clip", DRUMS, 128), ("11-track clip", MULTI, 64)):
            runs = [_jitter_run(path, steps) for _ in range(RUNS)]
            figures.append(
                Figure(
                    name=f"live MIDI jitter p99, {label} (JACK dummy -p 64, {mode})",
                    values=tuple(r["p99"] for r in runs),
                    unit="ms",
                    target="< 2 ms",
                    command="python -m benchmarks.run synth",
                    note=f"{int(runs[0]['n'])} notes/run; p99 of abs(arrival - intended - median)",
                    stat="median",
                    extra={
                        "median_abs_ms": statistics.median(r["median"] for r in runs),
                        "worst_ms": max(r["max"] for r in runs),
                    },  # fmt: skip
                )
            )
    return figures


def render_figures() -> list[Figure]:
    soundfont = find_soundfont()
    render_audio(timeline_from_midi(DRUMS).head(16), soundfont)  # warm the page cache for the samples
    figures = []
    clips = (
        ("drums clip", DRUMS, 10_000),
        ("4-part chorale", CHORALE, 10_000),
        ("11-track clip, 16 bars (70 voices)", MULTI, 256),
    )
    for label, path, steps in clips:
        timeline = timeline_from_midi(path).head(steps)
        speeds, cpu_speeds = [], []
        for _ in range(RUNS):
            t0, c0 = time.perf_counter(), time.process_time()
            audio, _ = render_audio(timeline, soundfont, 44100)
            speeds.append(len(audio) / 44100 / (time.perf_counter() - t0))
            cpu_speeds.append(len(audio) / 44100 / (time.process_time() - c0))
        figures.append(
            Figure(
                name=f"offline render speed, {label}",
                values=tuple(speeds),
                unit="x real time",
                target=">= 20x",
                command="python -m benchmarks.run synth",
                note=f"{soundfont.name}, 44.1 kHz, {timeline.duration:.0f} s of music, incl. soundfont load",
                # seconds of audio per CPU-second of this process: what an unshared machine would see
                extra={"x_per_cpu_second": statistics.median(cpu_speeds)},
            )
        )
    return figures


def run() -> list[Figure]:
    return jitter_figures() + render_figures()
