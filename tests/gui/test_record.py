"""The roll's ● Rec bar over a real JACK server: a sender plays two bars of a folk tune into "Bandmate In";
the take becomes the clip (one undo step) and can be morph A."""

from __future__ import annotations

import threading
import time

import pytest

from gui.mainwindow import MainWindow
from tests.synth.test_record_jack import TEMPO, Sender, check_take, riff

pytestmark = pytest.mark.timeout(120)


def test_the_rec_button_records_into_the_clip_and_it_can_be_morph_a(
    jack: str, qtbot, monkeypatch, window: MainWindow
) -> None:  # noqa: ANN001
    monkeypatch.setenv("BANDMATE_MIDI_API", "jack")
    rec = window.pane.record
    window.transport.tempo.setValue(TEMPO)
    rec.bars.setValue(2)
    rec.count_in.setValue(1)
    sender = Sender()
    try:
        assert rec.start()
        t0 = rec.take.transport.time_of(0.0, time.monotonic())
        sender.connect()
        notes = riff()
        sender.play(notes, t0)
        qtbot.waitUntil(lambda: not rec.recording, timeout=15000)
    finally:
        sender.close()
        rec.close_input()
    clip = window.session.doc.pattern
    assert window.session.doc.name == "recorded take"
    check_take(clip, notes)
    assert "Recorded" in window.status_label.text()
    rec.use_as.emit("A")
    assert window.morph.clips[0] == clip
    window.session.doc.undo_stack.undo()
    assert window.session.doc.pattern != clip


def test_overdub_adds_the_take_to_a_beat_that_plays_along(
    jack: str, qtbot, monkeypatch, window: MainWindow
) -> None:  # noqa: ANN001
    from tests.gui.conftest import make_beat

    monkeypatch.setenv("BANDMATE_MIDI_API", "jack")
    beat = make_beat(1)
    window.session.show_clip(beat, "beat")
    rec = window.pane.record
    window.transport.tempo.setValue(TEMPO)
    rec.bars.setValue(2)
    rec.overdub.setChecked(True)
    sender = Sender()
    try:
        assert rec.start()
        t0 = rec.take.transport.time_of(0.0, time.monotonic())
        sender.connect()
        notes = riff()
        player = threading.Thread(target=sender.play, args=(notes[:8], t0))  # the event loop runs meanwhile
        player.start()
        qtbot.waitUntil(lambda: window.player.playing, timeout=5000)  # the beat plays along
        assert time.monotonic() >= t0 - 0.1, "the beat started before the first recorded bar"
        qtbot.waitUntil(lambda: not rec.recording, timeout=15000)
        player.join()
    finally:
        sender.close()
        rec.close_input()
        window.player.stop()
    clip = window.session.doc.pattern
    assert [t.name for t in clip.tracks] == ["drums", "take"] and clip.tracks[0] == beat.tracks[0]
    assert [n.pitch for n in clip.tracks[1].notes] == [n.pitch for n in notes[:8]]
    assert window.session.doc.name == "beat + take"
