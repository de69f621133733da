"""The Jam tab in the whole window: start a jam on the bundled models, steer it, stop it, drag the
recording out; answers listen on 'Bandmate In' over a real JACK server."""

from __future__ import annotations

import time
from pathlib import Path

import mido
import pytest

from engine.midi.files import read_clip
from tests.conftest import MIDI_DIR

pytestmark = [pytest.mark.timeout(120), pytest.mark.usefixtures("one_torch_thread")]
BEATS = [
    MIDI_DIR / "drums/zharry29-drums-with-llm" / p
    for p in (
        "drummer3/session2/31_hiphop_92_beat_4-4.mid",
        "drummer4/session1/4_latin-brazilian_92_beat_4-4.mid",
        "drummer7/session3/65_funk_112_beat_4-4.mid",
        "drummer5/session1/18_afrocuban_128_beat_4-4.mid",
    )
]


def test_a_jam_starts_steers_stops_and_leaves_a_recording(window, qtbot) -> None:
    jam = window.jam
    for i, path in enumerate(BEATS):
        jam.pad.corner_dropped.emit(i, str(path))
    assert jam.pad.labels[0] == "1: 31_hiphop_92" and jam.corners[0] == read_clip(BEATS[0])
    jam.tempo.setValue(300.0)
    jam.start_button.click()
    qtbot.waitUntil(lambda: jam.running, timeout=30000)
    assert jam.start_button.text() == "Stop"
    planner = jam.live.planner
    jam.pad.set_position(0.9, 0.1)
    assert (planner.settings.x, planner.settings.y) == pytest.approx((0.9, 0.1))
    jam.energy.setValue(100)
    jam.parts["lead"].setChecked(False)
    assert planner.mix.energy == 1.0 and "lead" not in planner.mix.parts
    qtbot.waitUntil(lambda: jam.live.recorder.pattern().bars >= 3, timeout=30000)
    qtbot.wait(150)
    assert "Bar" in jam.state.text()
    jam.start_button.click()
    assert not jam.running and "recorded" in jam.state.text()
    clips = jam.drag.clips()
    assert clips and clips[0].note_count > 10
    files = sorted(Path(window.session.settings.output_folder).glob("jam-*.mid"))
    assert files and read_clip(files[-1]).note_count == clips[0].note_count


def test_the_jam_needs_four_beats(window) -> None:
    window.jam.corners[2] = None
    window.jam.start()
    assert not window.jam.running


def test_answer_mode_listens_on_bandmate_in(window, qtbot, jack: str, monkeypatch) -> None:
    import rtmidi

    monkeypatch.setenv("BANDMATE_MIDI_API", "jack")
    jam = window.jam
    jam.mode.setCurrentIndex(1)
    jam.tempo.setValue(240.0)
    jam.start_button.click()
    qtbot.waitUntil(lambda: jam.running, timeout=30000)
    sender = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "keys")
    ports = sender.get_ports()
    sender.open_port(next(i for i, p in enumerate(ports) if "Bandmate In" in p))
    time.sleep(0.1)
    tune = read_clip(MIDI_DIR / "folk/jukedeck-nottingham-dataset/reelsa-c35.mid").tracks[0].notes[:6]
    for n in tune:
        sender.send_message(mido.Message("note_on", note=n.pitch, velocity=90).bytes())
        time.sleep(0.06)
        sender.send_message(mido.Message("note_off", note=n.pitch).bytes())
    qtbot.waitUntil(lambda: bool(jam.live.answerer.answers), timeout=20000)
    sender.close_port()
    sender.delete()  # no idle JACK client left behind for the tests after this one
    jam.stop()
    assert not jam.running
