"""Recording over a real JACK server: a sender port plays the first two bars of a folk tune into
"Bandmate In" and `main.py record` writes them to a .mid file (tests/gui/test_record.py does the same
through the roll's ● Rec bar). The take must hold the notes sent, each on its step (one step of slack
for a busy box)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import mido
import pytest
import rtmidi

from engine.midi.files import read_clip
from engine.music.pattern import Note, Pattern
from tests.conftest import MIDI_DIR, ROOT

TUNE = MIDI_DIR / "folk/jukedeck-nottingham-dataset/reelsa-c35.mid"
TEMPO = 120.0
STEP = 60 / TEMPO / 4
pytestmark = pytest.mark.timeout(120)


def riff() -> list[Note]:
    return [n for n in read_clip(TUNE).tracks[0].notes if n.start < 30]  # two bars, the last note ends inside


class Sender:
    """A JACK MIDI output ("sender:out") that plays notes against a start time."""

    def __init__(self) -> None:
        self.out = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "sender")
        self.out.open_virtual_port("out")

    def connect(self, sink: str = "Bandmate-in:Bandmate In", limit: float = 10.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if subprocess.run(["jack_connect", "sender:out", sink], capture_output=True).returncode == 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"could not connect sender:out to {sink}")

    def play(self, notes: list[Note], t0: float) -> None:
        events = sorted(
            [(n.start, 1, n) for n in notes] + [(n.end - 0.2, 0, n) for n in notes],
            key=lambda e: (e[0], e[1]),
        )
        for step, on, n in events:
            time.sleep(max(0.0, t0 + step * STEP - time.monotonic()))
            msg = (
                mido.Message("note_on", note=n.pitch, velocity=n.velocity)
                if on
                else mido.Message("note_off", note=n.pitch)
            )
            self.out.send_message(msg.bytes())

    def close(self) -> None:
        self.out.close_port()
        self.out.delete()


def check_take(clip: Pattern, sent: list[Note]) -> None:
    assert clip.steps == 32 and len(clip.tracks) == 1
    got = clip.tracks[0].notes
    assert [n.pitch for n in got] == [n.pitch for n in sent], "the take does not hold the notes sent"
    assert [n.velocity for n in got] == [n.velocity for n in sent]
    assert all(abs(g.start + g.offset - s.start) <= 1.0 for g, s in zip(got, sent, strict=True))


def test_record_command_writes_the_notes_played_into_bandmate_in(jack: str, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "take.mid"
    env = {**os.environ, "BANDMATE_MIDI_API": "jack"}
    cmd = [
        sys.executable,
        "main.py",
        "record",
        str(out),
        "--bars",
        "2",
        "--count-in",
        "1",
        "--tempo",
        str(TEMPO),
        "--no-click",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sender = Sender()
    try:
        assert "listening" in (proc.stdout.readline() if proc.stdout else ""), (
            proc.stderr.read() if proc.stderr else ""
        )
        sender.connect()
        line = proc.stdout.readline() if proc.stdout else ""
        t0 = time.monotonic() + 16 * STEP  # after one bar of count-in
        assert line.startswith("count-in"), line
        notes = riff()
        sender.play(notes, t0)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        sender.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert f"recorded {len(notes)} notes in 2 bars" in stdout
    check_take(read_clip(out), notes)
