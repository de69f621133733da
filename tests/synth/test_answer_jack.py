"""Answers over a real JACK server: a folk phrase sent into "Bandmate In" is answered by the bundled
melody model on the bar where it ended, through the "Bandmate" port, with nothing left sounding."""

from __future__ import annotations

import statistics
import subprocess
import time

import mido
import pytest
import rtmidi

from engine.live.answer import LiveAnswer
from engine.live.models import LiveModels
from engine.midi.files import read_clip
from engine.playback.transport import InternalTransport
from synth.midi_in import MidiInput
from synth.rtmidi_out import RtMidiOutput
from tests.conftest import MIDI_DIR
from tests.synth.jack_helpers import Receiver, unmatched

TUNE = MIDI_DIR / "folk/jukedeck-nottingham-dataset/reelsa-c35.mid"
STEP = 60 / 120 / 4
pytestmark = [pytest.mark.timeout(90), pytest.mark.usefixtures("one_torch_thread")]


def connect(source: str, sink: str) -> None:
    subprocess.run(["jack_connect", source, sink], check=True, capture_output=True)


def play_phrase(jack: str, mode: str = "variation") -> dict:
    """Send the tune's first bar and a half from bar 1 (the last note ends 10 steps before bar 3: clearly
    more than the beat's rest, however late a busy machine sends it) and listen; times on one JACK clock."""
    band = "multitrack_1bar" if mode == "band" else None
    models = LiveModels.load(drums=None, melody="mel_2bar", band=band)
    transport = InternalTransport(120.0)
    out = RtMidiOutput.open(virtual=True, api="jack")
    live = LiveAnswer(models, out, transport, mode, seed=1)
    live.answerer.warm_up()  # before the clock starts (the worker would do it in its first moments)
    port = MidiInput.open(live.feed, api="jack")
    player = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "player")
    player.open_virtual_port("out")
    rx = Receiver("rx")
    try:
        rx.connect("Bandmate:Bandmate")
        connect("player:out", "Bandmate-in:Bandmate In")
        connect("player:out", "rx:in")
        time.sleep(0.1)
        live.start()
        t0 = transport.time_of(0.0, time.monotonic())
        notes = [n for n in read_clip(TUNE).tracks[0].notes if n.start < 22]
        events = sorted([(16 + n.start, 1, n) for n in notes] + [(16 + n.end - 0.2, 0, n) for n in notes])
        sent: list[float] = []
        for step, on, n in events:
            time.sleep(max(0.0, t0 + step * STEP - time.monotonic()))
            msg = mido.Message("note_on" if on else "note_off", note=n.pitch, velocity=90 if on else 0)
            player.send_message(msg.bytes())
            if on:
                sent.append(time.monotonic())
        time.sleep(max(0.0, t0 + 80 * STEP - time.monotonic()))  # bars 3-4 (the answer) and a beat
        live.stop()
        rx.wait_quiet()
        got = rx.messages(("note_on", "note_off", "control_change"))
    finally:
        rx.close()
        player.close_port()
        player.delete()  # the JACK client goes too, so the next run's "player" gets the same name
        port.close()
        out.close()
    ons = [(t, m) for t, m in got if m.type == "note_on" and m.velocity]
    phrase = [t for t, m in ons if m.channel == 0]
    anchor = statistics.median(a - s for a, s in zip(phrase, sent, strict=False))  # JACK time - monotonic
    answer = [t - anchor for t, m in ons if m.channel != 0]
    return {
        "answers": live.answerer.answers,
        "phrase_end": t0 + 48 * STEP,
        "answer_ons": answer,
        "notes": [m for _, m in got if m.type != "control_change" and m.channel != 0],
        "cc123": {m.channel for _, m in got if m.type == "control_change" and m.control == 123},
        "phrase_notes": len(phrase),
        "sent": len(sent),
    }


def test_a_played_phrase_is_answered_on_the_next_bar(jack: str) -> None:
    run = play_phrase(jack)
    assert run["phrase_notes"] == run["sent"], "the phrase did not arrive whole"
    assert [a[:2] for a in run["answers"]] == [(3, 2)], (
        "the phrase should end at bar 3 and be answered for 2 bars"
    )
    first = run["answer_ons"][0] - run["phrase_end"]
    assert -0.01 < first <= 2.0 + 0.1, f"the answer's first note came {first:.3f} s after the phrase end"
    assert all(t >= run["phrase_end"] - 0.01 for t in run["answer_ons"])
    assert len(run["answer_ons"]) >= 4
    assert not unmatched(run["notes"]), "an answer note was left sounding"
    assert 2 in run["cc123"]


def test_the_band_answers_on_the_bar_where_the_phrase_ended(jack: str) -> None:
    run = play_phrase(jack, mode="band")
    assert [a[0] for a in run["answers"]] == [3], "the band came late or not at all"
    first = run["answer_ons"][0] - run["phrase_end"]
    assert -0.01 < first <= 2.0 + 0.1, f"the band's first note came {first:.3f} s after the phrase end"
    assert not unmatched(run["notes"])
