"""The play/ports commands, clock following and FluidSynth's live audio, on a private JACK server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import mido
import pytest

from engine.music.pattern import Note, Pattern, Role, Track
from engine.playback.clock_follow import ClockFollower
from engine.playback.player import Player
from synth.clock import ClockInput
from synth.fluid_out import FluidOutput
from synth.null_out import RecordingOutput
from tests.conftest import ROOT
from tests.synth.jack_helpers import Receiver, unmatched

MULTI = "multitrack/freedoom-freedoom/d_dm14.mid"
pytestmark = pytest.mark.timeout(90)
# A note on a clock pulse goes out when that pulse arrives: typically within a few ms, but on a loaded
# 2-core machine a late one can take 100+ ms. The median must be tight, the worst within a beat (300 ms
# at 200 BPM); the note order shows exactly where the loop landed.
LATE, WORST = 0.03, 0.25


@pytest.fixture
def listener(jack: str) -> Receiver:
    rx = Receiver("listener")
    rx.open_virtual("in")
    yield rx
    rx.close()


def _main(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "BANDMATE_MIDI_API": "jack"}
    cmd = [sys.executable, "main.py", *args]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ports_json_lists_jack_ports(listener: Receiver) -> None:
    out, err = _main("ports", "--json").communicate(timeout=60)
    ports = json.loads(out)
    assert ports["api"] == "jack" and "listener:in" in ports["outputs"], err


def test_play_unknown_port_is_a_clear_error(listener: Receiver, midi_dir) -> None:
    proc = _main("play", str(midi_dir / MULTI), "--port", "no-such-synth")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "no-such-synth" in err and "listener:in" in err and "Traceback" not in err


def test_ctrl_c_in_play_ends_every_note(listener: Receiver, midi_dir) -> None:
    proc = _main("play", str(midi_dir / MULTI), "--port", "listener", "--loop")
    deadline = time.monotonic() + 30
    while len(listener.messages(("note_on",))) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.messages(("note_on",)), proc.communicate(timeout=5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "stopped" in out and "Traceback" not in err, err
    listener.wait_quiet()
    got = [m for _, m in listener.messages(("note_on", "note_off", "control_change"))]
    assert not unmatched([m for m in got if m.type != "control_change"]), "stuck notes after Ctrl-C"
    assert any(m.type == "control_change" and m.control == 123 for m in got)


_DAW = """
import sys, time, rtmidi
port = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "daw")
port.open_virtual_port("clock")
bpm, pulses = float(sys.argv[1]), int(sys.argv[2])
for line in sys.stdin:
    first = [[int(b) for b in m.split()] for m in line.split(",") if m.strip()]
    for raw in first:
        port.send_message(raw)
    t0, pulse = time.monotonic() + 0.01, 60 / bpm / 24
    for k in range(pulses):
        while (left := t0 + k * pulse - time.monotonic()) > 0:
            time.sleep(min(left, 0.002))
        port.send_message([0xF8])
        print(time.monotonic(), flush=True)
    time.sleep(pulse)
    port.send_message([0xFC])
    print("done", flush=True)
"""


class Daw:
    """A fake DAW in its own process (its own GIL): sends start/continue, clock pulses, stop."""

    def __init__(self, bpm: float, pulses: int) -> None:
        cmd = [sys.executable, "-c", _DAW, str(bpm), str(pulses)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while "daw:clock" not in subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout:
            assert time.monotonic() < deadline, "the fake DAW did not start"
            time.sleep(0.05)

    def run(self, *first: list[int]) -> list[float]:
        """Send `first`, then the pulses and a stop; the pulse send times (time.monotonic)."""
        self.proc.stdin.write(",".join(" ".join(map(str, m)) for m in first) + "\n")
        self.proc.stdin.flush()
        times = []
        while (line := self.proc.stdout.readline().strip()) != "done":
            times.append(float(line))
        return times

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(10)


def test_player_follows_external_clock_start_stop_and_song_position(jack: str) -> None:
    daw = Daw(200.0, 192)  # two bars at 200 BPM per run
    follower = ClockFollower()
    clock_in = ClockInput.open(follower, "daw:clock", api="jack")
    out = RecordingOutput(time.monotonic)
    beat = Track((Note(36, 0, 1), Note(38, 4, 5), Note(38, 8, 9), Note(38, 12, 13)), 0, True, Role.DRUMS)
    player = Player(out, follow=follower)
    player.load(Pattern((beat,), 16, 120.0), loop=(0, 16))
    try:
        player.play()
        time.sleep(0.2)
        assert not out.sent, "played before the DAW started"
        log = daw.run([0xFA])
        time.sleep(0.1)
        assert follower.tempo == pytest.approx(200, rel=0.05) and player.tempo == pytest.approx(200, rel=0.05)
        ons = [(t, m.note) for t, m in out.sent if m.type == "note_on"]
        assert [n for _, n in ons] == [36, 38, 38, 38] * 2, "the loop did not land on the DAW's bars"
        late = sorted(abs(t - log[6 * step]) for (t, _), step in zip(ons, range(0, 32, 4), strict=True))
        assert late[len(late) // 2] < LATE and late[-1] < WORST, f"notes late by {late} s"
        assert not unmatched([m for _, m in out.sent if m.type.startswith("note")]), "stuck after stop"
        assert player.playing, "still armed for the next start"
        out.sent.clear()
        log = daw.run([0xF2, 8, 0], [0xFB])  # continue from step 8 (song position), two more bars
        time.sleep(0.1)
        ons = [(t, m.note) for t, m in out.sent if m.type == "note_on"]
        assert [n for _, n in ons][:3] == [38, 38, 36] and abs(ons[0][0] - log[0]) < WORST
    finally:
        player.stop()
        clock_in.close()
        daw.close()


def test_fluidsynth_plays_live_through_jack(jack: str, soundfont) -> None:
    out = FluidOutput.open(soundfont, driver="jack", **{"audio.jack.id": "bandmate-fluid"})
    try:
        assert out.driver == "jack"
        ports = subprocess.run(["jack_lsp"], capture_output=True, text=True).stdout
        assert "bandmate-fluid" in ports
        chord = Track(tuple(Note(p, 0, 16) for p in (60, 64, 67)), 0, False, Role.OTHER)
        player = Player(out)
        player.load(Pattern((chord,), 16, 120.0))
        player.play()
        time.sleep(0.3)
        assert out.active_voices() >= 3, "FluidSynth is not sounding"
        player.stop()
        out.panic()
        time.sleep(0.2)
        assert out.active_voices() == 0
    finally:
        out.close()
    with pytest.raises(Exception, match="closed"):
        out.send(mido.Message("note_on", note=60))
    threading.Event().wait(0)
