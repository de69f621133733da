"""Note edits on real played drums (their notes carry micro-timing): quantize with strength, length,
and mute/solo."""

from __future__ import annotations

import pytest

from engine.midi.files import read_clip
from engine.music.edit import audible, quantize_note, with_length
from engine.music.pattern import Note
from tests.conftest import MIDI_DIR

PLAYED = MIDI_DIR / "drums/zharry29-drums-with-llm/drummer7/session3/65_funk_112_beat_4-4.mid"
BAND = MIDI_DIR / "multitrack/freedoom-freedoom/d_dm01.mid"


def test_quantize_pulls_played_onsets_to_the_grid_by_the_strength() -> None:
    clip = read_clip(PLAYED).slice(0, 64)
    notes = clip.tracks[0].notes
    assert sum(1 for n in notes if n.offset) > len(notes) // 2, "the played file should be off the grid"
    for n in notes:
        hard = quantize_note(n, 1, 1.0, clip.steps)
        assert hard.offset == 0.0 and hard.start == round(n.start + n.offset) and hard.duration == n.duration
        half = quantize_note(n, 1, 0.5, clip.steps)
        assert abs((half.start + half.offset) - (n.start + n.offset * 0.5)) < 1e-9
        eighth = quantize_note(n, 2, 1.0, clip.steps)
        assert eighth.start % 2 == 0 and eighth.offset == 0.0
        assert quantize_note(n, 1, 0.0, clip.steps) == n
    with pytest.raises(ValueError, match="strength"):
        quantize_note(notes[0], 1, 1.5)


def test_quantize_keeps_the_last_note_inside_the_clip() -> None:
    late = Note(60, 15, 16, 90, 0.4)  # nearest 1/4 would be step 16, past a one-bar clip
    q = quantize_note(late, 4, 1.0, 16)
    assert q.start == 12 and q.end == 13


def test_length_and_mute_solo_on_a_band_file() -> None:
    band = read_clip(BAND).slice(0, 64)
    assert len(band.tracks) >= 3
    n = band.tracks[1].notes[0]
    assert with_length(n, 5).end == n.start + 5 and with_length(n, 0).duration == 1
    assert with_length(n, 999, 64).end == 64
    assert audible(band) is band
    assert [t.name for t in audible(band, muted={0}).tracks] == [t.name for t in band.tracks[1:]]
    assert audible(band, muted={0}, solo={2}).tracks == (band.tracks[2],)
