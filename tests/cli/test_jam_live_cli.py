"""`main.py jam` and `main.py answer` live, as a musician runs them, on a private JACK server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import mido
import pytest

from engine.midi.files import read_clip
from tests.conftest import MIDI_DIR, ROOT
from tests.synth.jack_helpers import Receiver, unmatched

pytestmark = pytest.mark.timeout(120)


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


def _wait_for_notes(rx: Receiver, n: int, proc: subprocess.Popen[str], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while len(rx.messages(("note_on",))) < n and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)


def test_jam_plays_to_a_port_records_and_stops_clean_on_ctrl_c(listener: Receiver, tmp_path) -> None:
    record = tmp_path / "jam.mid"
    proc = _main("jam", "--port", "listener", "--tempo", "200", "--record", str(record), "--seed", "2")
    _wait_for_notes(listener, 60, proc)
    assert len(listener.messages(("note_on",))) >= 60, proc.communicate(timeout=5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "recorded" in out and "Traceback" not in err, err
    listener.wait_quiet()
    got = [m for _, m in listener.messages(("note_on", "note_off", "control_change"))]
    assert not unmatched([m for m in got if m.type != "control_change"]), "stuck notes after Ctrl-C"
    assert {m.channel for m in got if m.type == "note_on"} == {0, 1, 9}  # lead, bass, drums
    clip = read_clip(record)
    played = [m for m in got if m.type == "note_on" and m.velocity]
    assert clip.note_count == len(played), "the recording is not what was played"


def test_answer_answers_a_phrase_played_into_bandmate_in(listener: Receiver) -> None:
    import rtmidi

    proc = _main("answer", "--port", "listener", "--tempo", "150", "--seed", "1")
    keys = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "keys")
    try:
        deadline = time.monotonic() + 60
        while not any("Bandmate In" in p for p in keys.get_ports()):
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate(timeout=5)
            time.sleep(0.1)
        keys.open_port(next(i for i, p in enumerate(keys.get_ports()) if "Bandmate In" in p))
        time.sleep(0.2)
        for n in read_clip(MIDI_DIR / "folk/jukedeck-nottingham-dataset/reelsd-g8.mid").tracks[0].notes[:8]:
            keys.send_message(mido.Message("note_on", note=n.pitch, velocity=80).bytes())
            time.sleep(0.09)
            keys.send_message(mido.Message("note_off", note=n.pitch).bytes())
        _wait_for_notes(listener, 1, proc, limit=20)
        time.sleep(1.0)  # the rest of the answer's bar
    finally:
        keys.delete()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert "answer from bar" in out and "Traceback" not in err, out + err
    listener.wait_quiet()
    got = [m for _, m in listener.messages(("note_on", "note_off"))]
    ons = [m for m in got if m.type == "note_on"]
    assert ons and {m.channel for m in ons} == {2} and not unmatched(got)  # the answer's own channel
