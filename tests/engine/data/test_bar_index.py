"""The index of training bars: a real bar found with its file and bar number, moved to another key when
training transposes, a changed note or a one-note riff never a copy, and the file kept in the model
folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from engine.data.bar_index import (
    INDEX_FILE,
    BarIndexError,
    bar_keys,
    build_index,
    model_views,
    read_index,
    whole_keys,
    write_index,
)
from engine.midi.files import read_song
from engine.music.pattern import Note, Pattern, Role, Track
from tests.conftest import MIDI_DIR

FREEDOOM = MIDI_DIR / "multitrack" / "freedoom-freedoom"
SONGS = [FREEDOOM / n for n in ("d_dm01.mid", "d_dm05.mid", "d_e1m2.mid")]


def moved(clip: Pattern, semitones: int) -> Pattern:
    return clip.with_tracks(
        t if t.is_drum else t.with_notes(dataclasses.replace(n, pitch=n.pitch + semitones) for n in t.notes)
        for t in clip.tracks
    )


@pytest.fixture(scope="module")
def trio_bars() -> tuple[Pattern, Pattern]:
    """Bars 9-12 of d_dm05.mid as trio_16bar sees them (lead, bass, drums), and the song's view."""
    segment = read_song(SONGS[1]).segments[0]
    (view,) = model_views(segment, "trio_16bar")
    return view.slice(8 * 16, 12 * 16), view


def test_a_copied_passage_names_the_file_and_its_bars(trio_bars: tuple[Pattern, Pattern]) -> None:
    passage, view = trio_bars
    index = build_index(SONGS, "trio_16bar", transposed=True)
    assert index.files == tuple(str(s) for s in SONGS)
    found = index.find(passage)
    assert found and all(c.file == str(SONGS[1]) for c in found)
    assert found[0].source_bar == found[0].bar + 9  # bar 1 of the passage is bar 9 of the song
    song = bar_keys(view, True)
    passage_keys = bar_keys(passage, True)
    for c in found:  # a bar the song plays twice is named where it first plays
        assert song[c.source_bar - 1].whole == passage_keys[c.bar].whole and c.source_bar <= c.bar + 9
    assert index.find(moved(passage, 1))  # the same bars in another key
    assert not build_index(SONGS, "trio_16bar", transposed=False).find(moved(passage, 1))


def test_a_bar_with_one_note_changed_is_not_a_copy(trio_bars: tuple[Pattern, Pattern]) -> None:
    passage, _ = trio_bars
    index = build_index(SONGS, "trio_16bar", transposed=True)
    first = index.find(passage)[0].bar
    track = next(t for t in passage.tracks if any(n.start // 16 == first for n in t.notes))
    note = next(n for n in track.notes if n.start // 16 == first)
    later = dataclasses.replace(note, start=note.start + 1, end=note.end + 1)  # one note a 16th late
    edited = passage.with_tracks(
        t.with_notes(later if n == note else n for n in t.notes) if t is track else t for t in passage.tracks
    )
    assert first not in [c.bar for c in index.find(edited)]


def test_plain_bars_count_as_nobodys() -> None:
    riff = Track(tuple(Note(40, s, s + 2) for s in range(0, 16, 2)), 33, False, Role.BASS)  # 8 x one pitch
    keys = bar_keys(Pattern((riff,), 16), transposed=True)
    assert keys[0].whole is None and keys[0].single == ()
    three = Track(tuple(Note(36 + s, s, s + 1) for s in (0, 4, 8)), 0, True, Role.DRUMS)
    assert bar_keys(Pattern((three,), 16), True)[0].whole is None  # fewer than 4 notes
    tune = Track(tuple(Note(60 + s % 3, s, s + 1) for s in range(0, 16, 4)), 0, False, Role.LEAD)
    keys = bar_keys(Pattern((tune,), 16), True)
    assert keys[0].whole is not None and len(keys[0].single) == 1
    assert bar_keys(moved(Pattern((tune,), 16), 5), True) == keys  # transposition-aware
    assert bar_keys(moved(Pattern((tune,), 16), 5), False) != bar_keys(Pattern((tune,), 16), False)


def test_velocity_and_micro_timing_do_not_matter(trio_bars: tuple[Pattern, Pattern]) -> None:
    passage, _ = trio_bars
    rng = np.random.default_rng(0)
    played = passage.with_tracks(
        t.with_notes(
            dataclasses.replace(n, velocity=int(rng.integers(1, 128)), offset=float(rng.uniform(-0.4, 0.4)))
            for n in t.notes
        )
        for t in passage.tracks
    )
    assert bar_keys(played, True) == bar_keys(passage, True)


@pytest.mark.parametrize("config", ["mel_2bar", "drums_2bar", "multitrack_1bar"])
def test_every_config_finds_its_own_training_bars(config: str, midi_dir: Path) -> None:
    songs = SONGS if config != "drums_2bar" else sorted((midi_dir / "drums").rglob("*beat_4-4.mid"))[:4]
    index = build_index(songs, config, transposed=config != "drums_2bar")
    assert index.whole and len(index.single) >= len(index.whole) // 2
    segment = read_song(songs[0]).segments[0]
    views = model_views(segment, config)
    assert views and any(index.find(v) for v in views)
    whole, single = index.shares(views)
    assert whole is not None and whole > 0.5 and single is not None and single > 0.5


@pytest.mark.parametrize("config", ["trio_16bar", "mel_2bar", "drums_2bar", "multitrack_1bar"])
def test_whole_keys_are_the_bar_keys_wholes(config: str, midi_dir: Path) -> None:
    """`whole_keys` (NumPy, what the copy check of every clip runs) gives `bar_keys`' whole keys, with and
    without transposition, for the model views of real songs and for odd clips: notes past the clip's
    bars, unknown drum pitches, pitched tracks with the drum role, an empty clip."""
    songs = SONGS if config != "drums_2bar" else sorted((midi_dir / "drums").rglob("*beat_4-4.mid"))[:4]
    views = [v for song in songs for seg in read_song(song).segments for v in model_views(seg, config)]
    rng = np.random.default_rng(0)
    odd = Pattern(
        (
            Track(
                tuple(Note(int(p), int(s), int(s) + 2) for p, s in rng.integers(0, 128, (200, 2)) * [1, 3])
            ),
            Track(tuple(Note(int(p), int(s), int(s) + 1) for p, s in rng.integers(30, 60, (200, 2)))),
            Track(
                tuple(Note(int(p), int(s), int(s) + 1) for p, s in rng.integers(30, 60, (200, 2))),
                is_drum=True,
            ),
            Track((Note(60, 3, 4),), role=Role.DRUMS),
            Track(),
        ),
        steps=64,
    )
    clips = [*views, odd, Pattern((), 32)]
    assert len(views) > 0 and any(k is not None for v in views for k in whole_keys(v, True))
    for clip in clips:
        for transposed in (False, True):
            assert whole_keys(clip, transposed) == [k.whole for k in bar_keys(clip, transposed)]


def test_the_index_file_round_trips_and_refuses_another_model(tmp_path: Path) -> None:
    index = build_index(SONGS[:2], "trio_16bar", transposed=True)
    assert read_index(tmp_path, "trio_16bar") is None
    path = write_index(tmp_path, index)
    assert path == tmp_path / INDEX_FILE and path.stat().st_size < 50_000
    assert read_index(tmp_path, "trio_16bar") == index
    with pytest.raises(BarIndexError, match="another model"):
        read_index(tmp_path, "mel_2bar")
    path.write_bytes(b"not an index")
    with pytest.raises(BarIndexError, match="cannot be read"):
        read_index(tmp_path, "trio_16bar")
