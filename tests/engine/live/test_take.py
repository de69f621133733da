"""A take of a real tune fed as timed MIDI messages: count-in, bars from bar 1, early notes kept on bar 1,
the feel (offsets, velocities) kept, notes after the last bar dropped, clicks on the GM drum channel."""

from __future__ import annotations

import time

import mido
import pytest

from engine.live.take import CLICK_BAR, CLICK_BEAT, Take
from engine.midi.files import read_clip
from engine.music.pattern import STEPS_PER_BAR
from engine.playback.transport import steps_to_seconds
from synth.null_out import RecordingOutput
from tests.conftest import MIDI_DIR

TUNE = MIDI_DIR / "folk/jukedeck-nottingham-dataset/reelsa-c35.mid"


def test_a_fed_tune_comes_back_as_the_take() -> None:
    melody = read_clip(TUNE).tracks[0]
    notes = [n for n in melody.notes if n.start < 2 * STEPS_PER_BAR + 8]  # runs past the 2 recorded bars
    take = Take(2, tempo=100.0, count_in=1)
    take.start()
    t0 = take.transport.time_of(0.0, time.monotonic())
    step = steps_to_seconds(100.0)
    early = 0.3  # the first note comes 0.3 of a step before bar 1: still bar 1, pushed early
    for i, n in enumerate(notes):
        on = n.start - (early if i == 0 else 0.0)
        take.feed(mido.Message("note_on", note=n.pitch, velocity=n.velocity), t0 + on * step)
        take.feed(mido.Message("note_off", note=n.pitch), t0 + (n.end - 0.1) * step)
    take.stop()
    clip = take.clip()
    assert clip is not None and clip.steps == 2 * STEPS_PER_BAR and clip.tempo == 100.0
    got = [(n.pitch, n.start, n.velocity) for n in clip.tracks[0].notes]
    want = [(n.pitch, n.start, n.velocity) for n in notes if n.start < 2 * STEPS_PER_BAR]
    assert got == want
    assert abs(clip.tracks[0].notes[0].offset + early) < 1e-6
    assert take.notes_in == len(notes)


def test_the_metronome_counts_in_and_clicks_every_beat() -> None:
    out = RecordingOutput()
    take = Take(1, tempo=480.0, count_in=1, click=out)
    take.start()
    assert take.wait(5.0)
    ons = [m for m in out.messages if m.type == "note_on"]
    assert len(ons) == 8 and {m.channel for m in ons} == {9}
    assert [m.note for m in ons] == [CLICK_BAR, CLICK_BEAT, CLICK_BEAT, CLICK_BEAT] * 2
    assert ons[0].velocity > ons[4].velocity  # the count-in is louder
    assert take.clip() is None  # nothing played


def test_bad_takes_say_why() -> None:
    with pytest.raises(ValueError, match="1 to 64"):
        Take(0)
    with pytest.raises(ValueError, match="count-in"):
        Take(4, count_in=9)
