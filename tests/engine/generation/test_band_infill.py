"""Whole-song complete and infill with a band model (engine/generation/infill.py, `_BandWriter`) on real
band songs with the bundled band_4bar: a removed bass written back for every bar, infill that changes only
the bars and tracks asked for, in 3/4 and across a change between 7/8 and 4/4 bars."""

from __future__ import annotations

import functools

import pytest

from engine.generation.fit import GenerationError
from engine.generation.generator import Generator
from engine.midi.files import read_clip
from engine.music.keys import detect_key
from engine.music.pattern import Meter, Pattern, Role
from models.vocab import GM_BASSES
from tests.conftest import MIDI_DIR

FREEDOOM = MIDI_DIR / "multitrack" / "freedoom-freedoom"
ROCK = FREEDOOM / "d_dm15.mid"  # drums, bass, leads, 4/4, 37 bars
WALTZ = FREEDOOM / "d_dm27.mid"  # drums, bass, guitars, piano, all in 3/4 (12 steps a bar)
SEVENS = FREEDOOM / "d_dm06.mid"  # 7/8 for 64 bars (14 steps), then 17 bars of 4/4, then 7/8 again

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def band() -> Generator:
    return Generator.load("band_4bar")


@pytest.fixture
def quick_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fewer latent-fit steps where the test is about which notes change, not how good the new ones are."""
    monkeypatch.setattr("engine.generation.infill.FIT_STEPS", 6)


@functools.cache
def clip(path: str, bars: int | None = None) -> Pattern:
    song = read_clip(path)
    return song if bars is None else song.slice(0, int(song.bar_starts()[bars]))


def bar_of(song: Pattern, step: int) -> int:
    """1-based bar of a step."""
    return sum(1 for s in song.bar_starts() if s <= step)


def test_a_removed_bass_is_written_for_every_bar(band: Generator) -> None:
    song = clip(str(ROCK), 12)
    no_bass = song.with_tracks([t for t in song.tracks if t.role != Role.BASS])
    assert not any(t.program in GM_BASSES for t in no_bass.tracks)
    result = band.complete(no_bass, "bass", seed=1)
    done = result.clip
    assert done.tracks[: len(no_bass.tracks)] == no_bass.tracks  # every other track exactly as it was
    (bass,) = done.tracks[len(no_bass.tracks) :]
    assert bass.program in GM_BASSES and bass.role == Role.BASS and not bass.is_drum
    assert {bar_of(done, n.start) for n in bass.notes} == set(range(1, 13))  # 12 bars, not one window
    assert all(n.end <= done.steps for n in bass.notes)
    assert f"wrote bass ({len(bass.notes)} notes) in bars 1-12" in result.notices


def test_infill_changes_only_the_bars_and_tracks_asked_for(band: Generator, quick_fit: None) -> None:
    song = clip(str(ROCK))
    result = band.infill(song, (5, 8), "drums,bass", seed=2)
    done = result.clip
    lo, hi = 4 * 16, 8 * 16
    assert len(done.tracks) == len(song.tracks) and done.steps == song.steps
    for old, new in zip(song.tracks, done.tracks, strict=True):
        assert (new.name, new.channel, new.program, new.is_drum) == (
            old.name,
            old.channel,
            old.program,
            old.is_drum,
        )
        if not (old.is_drum or old.role == Role.BASS):
            assert new == old
            continue
        assert [n for n in new.notes if not lo <= n.start < hi] == [
            n for n in old.notes if not lo <= n.start < hi
        ]  # outside bars 5-8: the song's own notes (none sounds into the region here)
        written = [n for n in new.notes if lo <= n.start < hi]
        assert written and {n.start // 16 + 1 for n in written} == {5, 6, 7, 8}
        assert all(n.end <= hi for n in written)
    assert any("in bars 5-8" in line for line in result.notices)


def test_a_waltz_is_completed_in_three(band: Generator, quick_fit: None) -> None:
    song = clip(str(WALTZ), 8)
    assert song.meter == Meter(3, 4) and song.steps == 8 * 12
    no_drums = song.with_tracks([t for t in song.tracks if not t.is_drum])
    done = band.complete(no_drums, "drums", seed=3).clip
    assert done.meter == Meter(3, 4) and done.tracks[: len(no_drums.tracks)] == no_drums.tracks
    (drums,) = done.tracks[len(no_drums.tracks) :]
    assert drums.is_drum and {n.start // 12 for n in drums.notes} == set(range(8))
    assert all(n.start % 12 < 12 and n.end <= 96 for n in drums.notes)


def test_infill_across_a_meter_change_writes_each_run_in_its_own_meter(
    band: Generator, quick_fit: None
) -> None:
    song = clip(str(SEVENS))
    starts = song.bar_starts()
    assert song.meter_at(starts[61]) == Meter(7, 8) and song.meter_at(starts[66]) == Meter(4, 4)
    bass = next(i for i, t in enumerate(song.tracks) if t.role == Role.BASS)
    done = band.infill(song, (62, 67), [bass], seed=4).clip
    lo, hi = int(starts[61]), int(starts[67])
    assert [t for i, t in enumerate(done.tracks) if i != bass] == [
        t for i, t in enumerate(song.tracks) if i != bass
    ]
    old, new = song.tracks[bass], done.tracks[bass]
    assert [(n.pitch, n.start) for n in new.notes if not lo <= n.start < hi] == [
        (n.pitch, n.start) for n in old.notes if not lo <= n.start < hi
    ]
    assert all(n.end <= lo for n in new.notes if n.start < lo)  # a note sounding into bar 62 ends there
    written = [n for n in new.notes if lo <= n.start < hi]
    assert {bar_of(song, n.start) for n in written} == set(range(62, 68))  # 7/8 bars 62-64, 4/4 bars 65-67
    for n in written:  # no written note sounds past the bar it begins in's run
        assert n.end <= (896 if n.start < 896 else hi)


def test_more_tracks_than_the_model_plays_at_once_is_one_line(band: Generator) -> None:
    song = clip(str(SEVENS), 8)
    with pytest.raises(GenerationError, match="plays 8 instruments at once") as e:
        band.infill(song, (1, 2), list(range(len(song.tracks))), seed=0)
    assert "\n" not in str(e.value)


def test_bachbot_a_chorale_soprano_from_the_band_model_is_on_top_and_in_key(band: Generator) -> None:
    """BachBot's test with the bundled band model: alto, tenor and bass in, a new top line out, in every
    bar and in the chorale's key (complete's default: the song's clear key), above the alto (a new melody
    is the top line)."""
    chorale = read_clip(MIDI_DIR / "bach_chorales/craigsapp-bach-370-chorales/chor146.mid")  # 4/4, 9 bars
    key = detect_key(chorale)
    song = chorale.with_tracks([t for t in chorale.tracks if t.name != "Soprano"])
    result = band.complete(song, "melody", seed=1)
    done = result.clip
    assert any("the song's key" in n for n in result.notices)
    assert done.tracks[: len(song.tracks)] == song.tracks
    (soprano,) = done.tracks[len(song.tracks) :]
    assert {bar_of(done, n.start) for n in soprano.notes} == set(range(1, chorale.bars + 1))
    assert key is not None and all(key.contains(n.pitch) for n in soprano.notes)
    alto = sorted(n.pitch for t in song.tracks if t.name == "Alto" for n in t.notes)
    assert min(n.pitch for n in soprano.notes) >= alto[len(alto) // 2]
