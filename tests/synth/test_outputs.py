"""Choosing an output never fails the app: a missing port or soundfont gives silence and a reason."""

from __future__ import annotations

import mido

from engine.music.pattern import Note, Pattern, Role, Track
from engine.playback.player import Player
from engine.playback.timer import FakeTimer
from synth.fluid_out import FluidOutput
from synth.null_out import NullOutput, RecordingOutput
from synth.outputs import open_output
from tests.synth.jack_helpers import Receiver


def test_missing_port_or_soundfont_falls_back_to_silence(jack: str, tmp_path) -> None:
    rx = Receiver("somewhere")
    rx.open_virtual("in")
    try:
        opened = open_output(port="no-such-port")
        assert isinstance(opened.output, NullOutput) and "somewhere:in" in (opened.warning or "")
        opened = open_output(port="somewhere")
        assert opened.name == "somewhere:in" and opened.warning is None
        opened.output.close()
    finally:
        rx.close()
    opened = open_output(soundfont=tmp_path / "missing.sf2")
    assert isinstance(opened.output, NullOutput) and "missing.sf2" in (opened.warning or "")


def test_fluidsynth_output_on_jack_and_switching_outputs_mid_play(jack: str, soundfont) -> None:
    opened = open_output(soundfont=soundfont, driver="jack")
    assert isinstance(opened.output, FluidOutput) and opened.warning is None
    opened.output.close()

    def switch(now: float) -> None:
        if player.output is first and first.sent:  # right after the first note-on
            player.output = second

    timer = FakeTimer(on_wait=switch)
    first, second = RecordingOutput(timer.now), RecordingOutput(timer.now)
    track = Track((Note(60, 0, 8), Note(62, 8, 16)), 0, False, Role.LEAD)
    player = Player(first, timer)
    player.load(Pattern((track,), 16, 120.0))
    player.play()
    assert player.wait(10)
    assert mido.Message("note_off", note=60, velocity=0) in first.messages, "old output left sounding"
    assert [m.note for m in second.messages if m.type == "note_on"] == [62]
