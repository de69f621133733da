"""Key names, Krumhansl-Schmuckler key detection and the decoder's scale masks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from engine.midi.files import read_clip
from engine.music.keys import (
    CLEAR_KEY_R,
    FIT_LOWEST,
    SCALES,
    Key,
    KeyNameError,
    clear_key,
    detect_key,
    into_pitch_classes,
    key_from_histogram,
    logit_masks,
    melody_mask,
    parse_key,
    pitch_class_histogram,
)
from engine.music.pattern import Note, Pattern, Role, Track
from models.spec import SPECS


@pytest.mark.parametrize(
    ("text", "tonic", "mode"),
    [
        ("C:minor", 0, "minor"),
        ("F#:major", 6, "major"),
        ("Bb minor", 10, "minor"),
        ("Am", 9, "minor"),
        ("eb:min", 3, "minor"),
        ("G", 7, "major"),
        ("D♭:major", 1, "major"),
        ("Cb:major", 11, "major"),
    ],
)
def test_parse_key(text: str, tonic: int, mode: str) -> None:
    assert parse_key(text) == Key(tonic, mode)


@pytest.mark.parametrize("text", ["H:major", "C:lydian", "", "C#x", "12"])
def test_parse_key_rejects_with_a_readable_reason(text: str) -> None:
    with pytest.raises(KeyNameError, match="key|mode"):
        parse_key(text)


def test_key_prints_as_it_parses() -> None:
    for text in ("C:minor", "F#:major", "A:minor"):
        assert str(parse_key(text)) == text


def _scale_melody(key: Key, drums: bool = False) -> Pattern:
    """Tonic-heavy melody walking the scale (tonic and fifth held longest, as in real tunes)."""
    degrees = [0, 2, 4, 0, 4, 5, 4, 2, 0, 6, 4, 1, 0, 3, 4, 0]
    scale = sorted(key.pitch_classes, key=lambda pc: (pc - key.tonic) % 12)
    notes, t = [], 0
    for d in degrees:
        length = 4 if d in (0, 4) else 2
        notes.append(Note(60 + (scale[d] - 0) % 12, t, t + length))
        t += length
    tracks = [Track(tuple(notes), program=0, role=Role.LEAD)]
    if drums:
        # Drums must not count: a loud kick on pitch 37 (C#) would pull a pitched-only detector off.
        kicks = tuple(Note(37, s, s + 1) for s in range(0, t, 2))
        tracks.append(Track(kicks, is_drum=True, role=Role.DRUMS))
    return Pattern(tuple(tracks), steps=t)


@pytest.mark.parametrize("name", ["C:major", "A:minor", "F#:major", "E:minor", "Bb:major", "G:minor"])
def test_detect_key_on_scale_melodies(name: str) -> None:
    key = parse_key(name)
    assert detect_key(_scale_melody(key)) == key
    assert detect_key(_scale_melody(key, drums=True)) == key


def test_detect_key_without_pitched_notes_is_none() -> None:
    drums = Pattern((Track((Note(36, 0, 1),), is_drum=True, role=Role.DRUMS),))
    assert detect_key(drums) is None
    assert key_from_histogram(np.zeros(12)) is None


def test_melody_mask_allows_rest_hold_and_scale_note_ons_only() -> None:
    key = parse_key("C:minor")
    mask = melody_mask(key)
    assert mask.shape == (90,) and mask.dtype == bool
    assert mask[0] and mask[1]
    for cls in range(2, 90):
        pitch = cls - 2 + 21
        assert mask[cls] == (pitch % 12 in {0, 2, 3, 5, 7, 8, 10}), pitch
    assert mask[2:].sum() == sum(1 for p in range(21, 109) if p % 12 in key.pitch_classes)


def test_logit_masks_per_config_never_mask_drums() -> None:
    key = parse_key("D:major")
    assert logit_masks(SPECS["mel_2bar"], None) is None
    assert logit_masks(SPECS["drums_2bar"], key) is None
    trio = logit_masks(SPECS["trio_16bar"], key)
    assert trio is not None and set(trio) == {"melody", "bass"}
    multi = logit_masks(SPECS["multitrack_1bar"], key)
    assert multi is not None and multi["tokens"].shape == (602,)
    assert multi["tokens"][90:].all()  # drum classes of the multitrack vocabulary stay allowed
    np.testing.assert_array_equal(multi["tokens"][:90], melody_mask(key))


def test_keys_are_spelled_as_musicians_write_them() -> None:
    from engine.music.keys import Key, key_choices

    assert str(Key(10, "major")) == "Bb:major" and Key(10, "major").label == "Bb major"
    assert str(Key(3, "minor")) == "Eb:minor" and Key(3, "minor").label == "Eb minor"
    assert str(Key(1, "major")) == "Db:major" and str(Key(8, "major")) == "Ab:major"
    assert str(Key(1, "minor")) == "C#:minor" and str(Key(6, "major")) == "F#:major"
    labels = [label for label, _ in key_choices()]
    assert not any(sharp in labels for sharp in ("A# major", "D# minor", "D# major", "A# minor"))
    for _, value in key_choices():
        assert str(parse_key(value)) == value  # every spelling reads back to itself


def test_clear_key_on_real_music_keeps_chorales_and_lets_a_chromatic_rock_song_go(midi_dir: Path) -> None:
    """complete/infill keep new notes to the song's key only when the song is clearly in one: a Bach
    chorale is (in its own key), Freedoom's chromatic d_dm22 is not (its best match is under CLEAR_KEY_R)."""
    chorale = read_clip(midi_dir / "bach_chorales/craigsapp-bach-370-chorales/chor146.mid")
    key, r = clear_key(chorale)
    assert key == detect_key(chorale) and r >= CLEAR_KEY_R
    rock = read_clip(midi_dir / "multitrack/freedoom-freedoom/d_dm22.mid")
    key, r = clear_key(rock)
    assert key is None and 0 < r < CLEAR_KEY_R
    assert clear_key(Pattern((Track((Note(36, 0, 1),), is_drum=True, role=Role.DRUMS),))) == (None, 0.0)


def _moved(p: Pattern, by: int) -> Pattern:
    return p.with_tracks(
        t if t.is_drum else replace(t, notes=tuple(replace(n, pitch=n.pitch + by) for n in t.notes))
        for t in p.tracks
    )


@pytest.mark.parametrize("by", [-5, -2, 3, 5])
def test_a_moved_tune_is_moved_back_into_its_own_pitch_classes(midi_dir: Path, by: int) -> None:
    tune = read_clip(midi_dir / "folk/jukedeck-nottingham-dataset/reelsa-c35.mid")
    weights = pitch_class_histogram(tune)
    fitted, shift = into_pitch_classes(_moved(tune, by), weights)
    assert shift == -by and fitted == tune
    assert into_pitch_classes(tune, weights) == (tune, 0)  # already there: unchanged
    assert into_pitch_classes(_moved(tune, 3), weights, most=2)[1] != -3  # no further than `most`


def test_the_band_moves_together_and_its_drums_stay(midi_dir: Path) -> None:
    song = read_clip(midi_dir / "multitrack/freedoom-freedoom/d_dm15.mid").slice(0, 64)
    fitted, shift = into_pitch_classes(_moved(song, 4), pitch_class_histogram(song))
    assert shift == -4 and fitted == song
    drums = [t for t in song.tracks if t.is_drum]
    assert drums and [t for t in fitted.tracks if t.is_drum] == drums


def test_a_fit_keeps_the_pitch_bounds_and_leaves_drum_clips_alone() -> None:
    low = Pattern((Track((Note(22, 0, 4, 90), Note(29, 4, 8, 90))),), steps=16)
    c_major = [1.0 if pc in SCALES["major"] else 0.0 for pc in range(12)]
    fitted, shift = into_pitch_classes(low, c_major)
    assert shift >= -1 and min(n.pitch for t in fitted.tracks for n in t.notes) >= FIT_LOWEST
    kit = Pattern((Track((Note(36, 0, 1, 100),), is_drum=True),), steps=16)
    assert into_pitch_classes(kit, c_major) == (kit, 0)
    with pytest.raises(ValueError, match="12 values"):
        into_pitch_classes(low, [1.0] * 7)
    with pytest.raises(ValueError, match="0 or more"):
        into_pitch_classes(low, c_major, most=-1)
