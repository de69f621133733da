"""Bandmate and another Link app on one machine, inside a private network namespace (run by
tests/synth/test_link.py and benchmarks/bench_live.py through netns.run_isolated).

Prints one JSON object: the grid error of every 16th Bandmate played (seconds off the other app's
grid), how long each tempo change took to reach Bandmate, what happened at the other app's stop and
start, whether joining kept the session's tempo, and whether Bandmate's own tempo, stop and start (as
leader) reached the other app.
"""

from __future__ import annotations

import bisect
import json
import subprocess
import sys
import threading
import time

from engine.live.link_clock import LinkFollower
from engine.live.stream import Bar, LiveNote, StreamPlayer
from synth.link import LinkPeer
from synth.null_out import RecordingOutput
from tests.synth.netns import enter_loopback_only

SESSION_BPM, OUR_BPM = 100.0, 120.0


def raw() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC_RAW)


class Metronome:
    """A note on every 16th: 36 on the downbeat, 37 on the other beats, 42 between."""

    def bar(self, index: int) -> Bar:
        pitches = [36 if s == 0 else 37 if s % 4 == 0 else 42 for s in range(16)]
        return Bar(tuple(LiveNote(s, s + 0.5, p, 100, 9, "drums") for s, p in enumerate(pitches)))

    def admit(self, note: LiveNote) -> int:
        return note.velocity


class Peer:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.synth.link_peer", str(SESSION_BPM)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def say(self, command: str) -> dict | str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self._line()
        return json.loads(line) if line.startswith("{") else line

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
            self.proc.wait(10)


def main() -> None:
    enter_loopback_only()
    peer = Peer()
    ours = LinkPeer(OUR_BPM)
    follower = LinkFollower(ours)
    joined = ours.joined.wait(10)
    time.sleep(0.5)
    join = {"joined": joined, "our_tempo": follower.tempo, "session_tempo": peer.say("state")["tempo"]}
    out = RecordingOutput(raw)
    stream = StreamPlayer(out, follower, Metronome())
    tempos: list[tuple[float, float]] = []
    quit_ = threading.Event()

    def poll() -> None:
        while not quit_.wait(0.005):  # often enough for a beat, rarely enough not to crowd the player
            bpm = follower.tempo
            if not tempos or abs(tempos[-1][1] - bpm) > 1e-6:
                tempos.append((raw(), bpm))

    threading.Thread(target=poll, daemon=True).start()
    stream.play()
    # Link passes on a start made after we joined (one made before is not sent to a newcomer)
    script = [
        (0.0, "start"),
        (3.0, "tempo 130"),
        (3.0, "tempo 90"),
        (3.0, "stop"),
        (1.5, "start"),
        (3.0, None),
    ]
    for wait, command in script:
        time.sleep(wait)
        if command:
            peer.say(command)
    lead = {}
    follower.request_tempo(140.0)
    time.sleep(1.0)
    lead["tempo"] = peer.say("state")["tempo"]
    follower.request_playing(False)
    time.sleep(1.0)
    lead["stopped"] = not peer.say("state")["playing"]
    lead["notes_after_our_stop"] = sum(1 for t, m in out.sent if m.type == "note_on" and t > raw() - 0.6)
    follower.request_playing(True)
    time.sleep(1.5)
    lead["started"] = peer.say("state")["playing"]
    stream.stop()
    report = peer.say("report")  # the big one, once nothing plays any more
    quit_.set()
    ours.close()
    peer.close()
    print(json.dumps({"join": join, "lead": lead, **measure(out, report, tempos)}))


def measure(out: RecordingOutput, report: dict, tempos: list[tuple[float, float]]) -> dict:
    samples = report["samples"]
    times = [s[0] / 1e6 for s in samples]

    def beat_at(t: float) -> float:
        i = min(max(bisect.bisect_left(times, t), 1), len(times) - 1)
        (t0, b0), (t1, b1) = (times[i - 1], samples[i - 1][1]), (times[i], samples[i][1])
        return b0 + (b1 - b0) * (t - t0) / (t1 - t0)

    def tempo_at(t: float) -> float:
        i = min(max(bisect.bisect_left(times, t), 1), len(times) - 1)
        return (samples[i][1] - samples[i - 1][1]) * 60 / (times[i] - times[i - 1])

    ons = [(t, m) for t, m in out.sent if m.type == "note_on"]
    sixteenths = [(beat_at(t) * 4, t) for t, _ in ons if times[0] < t < times[-1]]
    grid = [(q - round(q)) * 15 / tempo_at(t) for q, t in sixteenths]  # seconds off the session's 16th
    downbeats_off_bar = [
        round(beat_at(t)) % 4 for t, m in ons if m.note == 36 and times[0] < t < times[-1]
    ]  # fmt: skip
    events = {name: micros / 1e6 for name, micros in report["events"]}  # the second start wins
    follow = {}
    for name, at in events.items():
        if name.startswith("tempo"):
            bpm = float(name.split()[1])
            seen = next((t for t, b in tempos if t >= at and abs(b - bpm) < 0.01), None)
            follow[name] = None if seen is None else (seen - at) * bpm / 60  # beats
    stop, start = events["stop"], events["start"]
    late = [t - stop for t, _ in ons if stop + 0.05 < t < start]
    after_stop = [m for t, m in out.sent if stop <= t < start]
    first = next(t for t, _ in ons if t > start)
    return {
        "grid_error_s": grid,
        "downbeats_not_on_bar": sum(1 for d in downbeats_off_bar if d != 0),
        "tempo_follow_beats": follow,
        "notes_after_stop": len(late),
        "cc123_at_stop": any(m.type == "control_change" and m.control == 123 for m in after_stop),
        "sounding_after_stop": balance(m for t, m in out.sent if t < start),
        "start_to_first_note_s": first - start,
        "first_note_phase_beats": beat_at(first) % 4 if beat_at(first) % 4 < 2 else beat_at(first) % 4 - 4,
        "tempo_at_start": tempo_at(first),
    }


def balance(messages) -> int:  # noqa: ANN001
    count: dict[tuple[int, int], int] = {}
    for m in messages:
        if m.type in ("note_on", "note_off"):
            key = (m.channel, m.note)
            count[key] = count.get(key, 0) + (1 if m.type == "note_on" and m.velocity else -1)
    return sum(v for v in count.values() if v > 0)


if __name__ == "__main__":
    main()
