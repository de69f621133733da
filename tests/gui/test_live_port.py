"""From the app to a DAW: choosing the virtual "Bandmate" port sends the playing clip there, live.

Runs over a real JACK server (dummy driver) started by the test session; a second JACK client stands in
for the DAW's MIDI input.
"""

from __future__ import annotations

import time

import pytest
from pytestqt.qtbot import QtBot

from gui.mainwindow import MainWindow
from synth.rtmidi_out import RtMidiOutput
from tests.gui.conftest import make_clip
from tests.synth.jack_helpers import Receiver, unmatched

pytestmark = pytest.mark.timeout(60)


def test_virtual_port_plays_the_clip_into_a_daw_and_stop_leaves_nothing_sounding(
    qtbot: QtBot, window: MainWindow, jack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANDMATE_MIDI_API", "jack")
    window.files.switch_output("virtual")
    port = window.output.output
    assert isinstance(port, RtMidiOutput) and port.virtual and port.api == "jack", window.statusBar()
    daw = Receiver("daw")
    try:
        daw.connect("Bandmate:Bandmate")
        time.sleep(0.05)  # JACK applies the connection on its next cycle
        clip = make_clip(2, tempo=240.0)
        window.session.show_clip(clip, "live")
        window.toggle_play()
        qtbot.waitUntil(lambda: len(daw.messages()) >= 10, timeout=5000)
        window.toggle_play()
        qtbot.waitUntil(lambda: not window.player.playing, timeout=3000)
        daw.wait_quiet()
        got = [m for _, m in daw.messages()]
        assert sum(m.type == "note_on" and m.velocity > 0 for m in got) >= 5
        assert not unmatched(got), "a note was left sounding after stop"
        channels = {m.channel for m in got}
        assert 9 in channels, "the drum track did not arrive on MIDI channel 10"
    finally:
        daw.close()
