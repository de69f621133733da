"""Sound outputs: channels follow the settings per role; a missing port falls back to silence."""

from __future__ import annotations

import mido

from engine.playback.timeline import timeline_from_pattern
from gui.outputs import ChannelMap, open_output
from gui.settings import AppSettings
from synth.null_out import NullOutput, RecordingOutput
from tests.gui.conftest import make_clip


def test_channel_map_moves_each_role_to_its_channel() -> None:
    clip = make_clip()  # drums, bass, lead
    rec = RecordingOutput()
    out = ChannelMap(rec, AppSettings(lead_channel=5, bass_channel=3, drum_channel=11))
    out.set_pattern(clip)
    for _, msg in timeline_from_pattern(clip).events:
        out.send(msg)
    notes = [m for m in rec.messages if m.type == "note_on"]
    by_channel = {c: sum(m.channel == c for m in notes) for c in {m.channel for m in notes}}
    assert by_channel == {
        10: len(clip.tracks[0].notes),
        2: len(clip.tracks[1].notes),
        4: len(clip.tracks[2].notes),
    }
    out.send(mido.Message("note_on", channel=15, note=60))  # channels not in the clip pass unchanged
    assert rec.messages[-1].channel == 15


def test_unavailable_port_falls_back_to_silence_with_a_reason() -> None:
    opened = open_output(AppSettings(output="port", midi_port="no such port anywhere"))
    assert isinstance(opened.output, NullOutput) and len(opened.problem) > 10, opened.description


def test_no_sound_setting_is_silent_without_a_problem() -> None:
    opened = open_output(AppSettings(output="none"))
    assert isinstance(opened.output, NullOutput) and opened.problem == ""
