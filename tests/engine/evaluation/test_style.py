"""The report card's recommended temperatures weigh each pitched part's chord share against the music's
(issue 13): a cold temperature that drops the chords of a band's keys is not recommended for them."""

from __future__ import annotations

from engine.data.converters import CONVERTERS
from engine.evaluation.style import part_chords, recommend
from engine.midi.files import read_song
from models.report import SetScores
from tests.conftest import MIDI_DIR

SONGS = sorted((MIDI_DIR / "multitrack" / "freedoom-freedoom").glob("*.mid"))[:4]


def test_part_chords_of_real_band_music() -> None:
    conv = CONVERTERS["band_4bar"]
    windows = [w for f in SONGS for seg in read_song(f).meter_segments for w in conv.windows(seg)]
    chords = part_chords(windows, ("drums", "bass", "melody"))
    assert "drums" not in chords  # a kit's hits are not chords
    assert chords["melody"] > 0.2 and chords["melody"] > chords["bass"]  # keys and guitars play chords


def _scores(melody: float) -> SetScores:
    return SetScores(melody, {}, {"drums": 0.8, "bass": 0.8, "melody": melody})


def test_recommend_weighs_chord_share() -> None:
    temps = {"0.3": _scores(0.80), "0.8": _scores(0.74)}  # the cold samples overlap the music a bit more
    presence = {t: {"drums": 1.0, "bass": 1.0, "melody": 1.0} for t in temps}
    music = {"drums": 1.0, "bass": 1.0, "melody": 1.0}
    assert recommend(temps, presence, music)["melody"] == 0.3  # on overlap alone
    chords = {"0.3": {"bass": 0.0, "melody": 0.12}, "0.8": {"bass": 0.05, "melody": 0.40}}
    music_chords = {"bass": 0.02, "melody": 0.5}
    picked = recommend(temps, presence, music, chords, music_chords)
    assert picked["melody"] == 0.8  # its chords come close to the music's 0.5; 0.3's do not
    assert picked["bass"] == 0.3 and picked["drums"] == 0.3  # ties keep the first (coldest) temperature
