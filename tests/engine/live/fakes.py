"""Fakes for the live wing's tests: models that answer at once with known notes, and a stream on
simulated time."""

from __future__ import annotations

from collections.abc import Callable

import mido
import numpy as np

from engine.live.stream import BarSource, StreamPlayer
from engine.music.pattern import Note, Pattern, Role, Track
from engine.playback.timer import FakeTimer
from engine.playback.transport import InternalTransport
from synth.null_out import RecordingOutput


class FakeModels:
    """LiveModels' interface without a network: the beat's kick pitch encodes where on the square it
    was blended (so tests can see when material changes); melodies are one note per beat."""

    drums = melody = True  # the planner asks only whether each model is there
    band = None
    melody_size = 4

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def blend_drums(self, corners, x: float, y: float, temperature: float, seed: int) -> Pattern:
        self.calls.append(("blend", x, y))
        marker = 35 + round(x * 10) + 20 * round(y * 4)
        hits = [Note(marker, s, s + 1, 100) for s in range(0, 32, 4)] + [
            Note(42, s, s + 1, 60) for s in range(2, 32, 4)
        ]
        return Pattern((Track(tuple(hits), 0, True, Role.DRUMS),), 32, 120.0)

    def decode_melody(self, z: np.ndarray, temperature: float, key, seed: int, tempo: float) -> Pattern:
        self.calls.append(("melody", seed))
        base = 60 + int(abs(z[0]) * 3) % 12
        notes = tuple(Note(base + (s // 4) % 3, s, s + 3, 90) for s in range(0, 32, 4))
        return Pattern((Track(notes, 81, False, Role.LEAD),), 32, tempo)

    def window_steps(self, clip: Pattern, mode: str) -> int:
        return 32  # two bars, as mel_2bar and drums_2bar

    def vary(self, clip: Pattern, amount: float, seed: int, key) -> Pattern:
        """The clip a whole tone up (so the test can tell the answer from the phrase)."""
        self.calls.append(("vary", clip))
        moved = [
            t.with_notes(n.__class__(n.pitch + 2, n.start, n.end, n.velocity, n.offset) for n in t.notes)
            for t in clip.tracks
        ]
        return clip.with_tracks(moved)

    def continue_(self, clip: Pattern, seed: int, key) -> Pattern:
        self.calls.append(("continue", clip))
        return self.vary(clip, 0.0, seed, key)

    def band_around(self, clip: Pattern, seed: int) -> Pattern:
        self.calls.append(("band", clip))
        kit = Track(tuple(Note(36, s, s + 1, 100) for s in range(0, clip.steps, 4)), 0, True, Role.DRUMS)
        return clip.with_tracks((*clip.tracks, kit))

    def take_notices(self) -> list[str]:
        return []


def stream_on_fake_time(
    source: BarSource,
    tempo: float = 120.0,
    until: float = 10.0,
    on_wait: Callable[[float], None] | None = None,
    send_clock: bool = False,
    setup: Callable[[StreamPlayer, InternalTransport], None] | None = None,
) -> tuple[StreamPlayer, RecordingOutput, InternalTransport]:
    """Play `source` from song step 0 on simulated time until `until` seconds, then stop; `setup` sees
    the stream and transport before the start."""
    stream: StreamPlayer | None = None

    def hook(now: float) -> None:
        if on_wait is not None:
            on_wait(now)
        if now >= until and stream is not None:
            stream.stop()

    timer = FakeTimer(on_wait=hook)
    out = RecordingOutput(timer.now)
    transport = InternalTransport(tempo, clock=timer.now)
    if hasattr(source, "prepare"):
        source.prepare()  # as the jam does before it starts: the opening bars are ready
    stream = StreamPlayer(out, transport, source, timer, send_clock=send_clock)
    if hasattr(source, "position"):
        source.position = stream.position  # readiness is timed against the song
    if setup is not None:
        setup(stream, transport)
    transport.start()
    stream.play()
    assert stream.wait(120), "the stream did not stop"
    return stream, out, transport


def balance(messages: list[mido.Message]) -> dict[tuple[int, int], int]:
    """Note-ons minus note-offs per (channel, note): a stuck note is positive."""
    count: dict[tuple[int, int], int] = {}
    for m in messages:
        if m.type in ("note_on", "note_off"):
            key = (m.channel, m.note)
            count[key] = count.get(key, 0) + (1 if m.type == "note_on" and m.velocity else -1)
    return {k: v for k, v in count.items() if v}
