"""The sample-quality gate: each named check on clips built here (what fails, what passes, the reason a
musician reads), and real music passing against statistics measured on other songs of its band."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from engine.data.dataset import load_examples
from engine.data.gate_stats import (
    clip_parts,
    decoded_windows,
    examples_gate_stats,
    gate_stats,
    longest_silence,
)
from engine.generation.gate import (
    Limits,
    general_limits,
    length_words,
    limits_for,
    pitch_name,
)
from engine.midi.files import read_clip
from engine.music.pattern import Note, Pattern, Role, Track
from models.card import GateStats, PartStats
from models.spec import SPECS
from tests.conftest import MIDI_DIR

TRIO = SPECS["trio_16bar"]
FREEDOOM = MIDI_DIR / "multitrack" / "freedoom-freedoom"
# E1-G3 bass, A2-C6 melody, drums up to 20 hits in a bar; the music never rests more than a bar
STATS = GateStats(
    windows=100,
    longest_silence=16,
    parts=(
        PartStats("lead", 0.9, 8.0, 32, 45, 84),
        PartStats("bass", 1.0, 8.0, 16, 28, 55),
        PartStats("drums", 1.0, 20.0, 1, None, None),
    ),
)
LIMITS = limits_for(TRIO, STATS, transposed=False)


def line(role: Role, notes: list[tuple[int, int, int]], program: int = 0) -> Track:
    """A track of (pitch, start, end) notes."""
    return Track(tuple(Note(p, s, e) for p, s, e in notes), program, False, role, role.value)


def drums(hits_per_bar: int, bars: int = 2) -> Track:
    """`hits_per_bar` hits in each bar: kick, snare and hats spread over the 16ths."""
    keys = (36, 38, 42, 46, 49)
    notes = [
        Note(keys[i % 5], b * 16 + i % 16, b * 16 + i % 16 + 1)
        for b in range(bars)
        for i in range(hits_per_bar)
    ]
    return Track(tuple(notes), 0, True, Role.DRUMS, "drums")


def good_trio(bars: int = 2) -> Pattern:
    lead = [(60 + (i % 5), i * 4, i * 4 + 4) for i in range(4 * bars)]
    bass = [(36, i * 8, i * 8 + 8) for i in range(2 * bars)]
    return Pattern((line(Role.LEAD, lead), line(Role.BASS, bass, 33), drums(8, bars)), 16 * bars)


def labels(clip: Pattern, limits: Limits = LIMITS) -> list[str]:
    return [d.label for d in limits.check(clip)]


def test_a_clip_like_the_music_passes() -> None:
    assert LIMITS.check(good_trio()) == ()


def test_silence_no_note_or_a_rest_longer_than_the_music_has() -> None:
    assert labels(Pattern((), 32)) == ["silent"]  # and no "no melody" besides: one reason is enough
    clip = good_trio(4)
    late = clip.with_tracks(
        t.with_notes(n for n in t.notes if n.start < 16 or n.start >= 40) for t in clip.tracks
    )
    (defect,) = LIMITS.check(late)
    assert defect.check == "silence" and defect.label == "long silence"
    assert defect.detail == "1.5 bars of silence; the music never rests longer than 1 bar"


def test_an_empty_part_the_model_has_fails_but_not_an_optional_instrument() -> None:
    clip = good_trio()
    no_melody = clip.with_tracks(t for t in clip.tracks if t.role != Role.LEAD)
    (defect,) = LIMITS.check(no_melody)
    assert (defect.check, defect.label) == ("empty part", "no melody")
    assert defect.detail == "no melody; the music has melody in 90% of its clips"
    rare = limits_for(TRIO, GateStats(100, 16, (PartStats("lead", 0.3, 8.0, 32, 45, 84),)), False)
    assert rare.check(no_melody) == ()  # a part the music seldom plays is not missed
    multitrack = limits_for(SPECS["multitrack_1bar"], STATS, False)
    assert multitrack.check(no_melody) == ()  # its instruments are chosen bar by bar
    band = limits_for(SPECS["band_4bar"], STATS, False)
    assert band.check(no_melody) == ()  # and a band model's slot by slot


def test_too_dense_is_half_again_the_busiest_bars_of_the_music() -> None:
    clip = good_trio()
    busy = clip.with_tracks([*clip.tracks[:2], drums(31)])
    (defect,) = LIMITS.check(busy)
    assert defect.label == "drums too busy"
    assert (
        defect.detail
        == "31 drums notes in bar 1; the music's drums play at most 20 in a bar (in 99% of its clips)"
    )
    assert LIMITS.check(clip.with_tracks([*clip.tracks[:2], drums(30)])) == ()  # 1.5 x 20 still passes


def test_a_note_held_longer_than_the_music_ever_holds_one() -> None:
    clip = good_trio(4)
    held = clip.with_tracks([line(Role.LEAD, [(60, 0, 40), (62, 40, 64)]), *clip.tracks[1:]])
    (defect,) = LIMITS.check(held)
    assert defect.label == "melody note held too long"
    assert defect.detail == "a melody note held 2.5 bars; the music's longest is 2 bars"


def test_out_of_range_by_more_than_three_semitones_widened_by_transposition() -> None:
    clip = good_trio()
    high_bass = clip.with_tracks(
        [clip.tracks[0], line(Role.BASS, [(36, 0, 8), (108, 8, 16)], 33), clip.tracks[2]]
    )
    (defect,) = LIMITS.check(high_bass)
    assert (defect.check, defect.label) == ("out of range", "bass out of range")
    assert defect.detail == "bass up to C8; the music's bass spans E1-G3"
    low = clip.with_tracks([clip.tracks[0], line(Role.BASS, [(25, 0, 8)], 33), clip.tracks[2]])
    assert LIMITS.check(low) == ()  # E1 - 3 = C#1 is still in range
    lower = clip.with_tracks([clip.tracks[0], line(Role.BASS, [(22, 0, 8)], 33), clip.tracks[2]])
    assert labels(lower) == ["bass out of range"]
    assert limits_for(TRIO, STATS, transposed=True).check(lower) == ()  # it learned the bass 5 lower too


def test_general_limits_catch_noise_and_pass_real_music() -> None:
    limits = general_limits(TRIO)
    assert limits.general and limits.parts == ("lead", "bass", "drums")
    noise = Pattern(
        (
            line(Role.LEAD, [(21 + (i * 7) % 88, i, i + 1) for i in range(256)]),
            line(Role.BASS, [(21 + (i * 5) % 88, i, i + 1) for i in range(256)], 33),
            drums(60, 16),
        ),
        256,
    )
    found = {d.check for d in limits.check(noise)}
    assert found == {"too dense", "out of range"}
    assert "bass usually spans" in " ".join(d.detail for d in limits.check(noise))
    tune = read_clip(MIDI_DIR / "folk" / "jukedeck-nottingham-dataset" / "reelsa-c35.mid")
    assert general_limits(SPECS["mel_2bar"]).check(tune.slice(0, 32)) == ()


def test_words() -> None:
    assert [pitch_name(p) for p in (28, 55, 60, 108)] == ["E1", "G3", "C4", "C8"]
    assert [length_words(s) for s in (2, 4, 12, 16, 24, 97)] == [
        "0.5 beats",
        "1 beat",
        "3 beats",
        "1 bar",
        "1.5 bars",
        "6 bars",
    ]


def test_clip_parts_measure_what_the_checks_read() -> None:
    clip = good_trio()
    parts = clip_parts(clip)
    assert set(parts) == {"lead", "bass", "drums"}
    assert (parts["lead"].notes, parts["lead"].densest_bar, parts["lead"].longest_note) == (8, 4, 4)
    assert (parts["bass"].lowest, parts["bass"].highest) == (36, 36)
    assert parts["drums"].lowest is None and parts["drums"].densest_bar == 8
    assert longest_silence(clip) == 0 and longest_silence(Pattern((), 32)) == 32
    stats = gate_stats([clip, clip.with_tracks(clip.tracks[1:])])
    assert stats is not None and stats.part("lead").presence == 0.5 and stats.part("drums").presence == 1.0
    assert gate_stats([]) is None


@pytest.fixture(scope="module")
def band(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Freedoom songs split in two folders: 18 to measure, 5 unseen."""
    files = sorted(FREEDOOM.glob("*.mid"))
    seen, unseen = tmp_path_factory.mktemp("seen"), tmp_path_factory.mktemp("unseen")
    for i, f in enumerate(files):
        shutil.copy(f, (unseen if i % 5 == 0 else seen) / f.name)
    return seen, unseen


@pytest.mark.parametrize("config", ["trio_16bar", "multitrack_1bar", "mel_2bar"])
def test_unseen_songs_of_the_band_pass_against_the_others_statistics(
    config: str, band: tuple[Path, Path]
) -> None:
    seen, unseen = band
    stats = examples_gate_stats(load_examples(seen, config, transpose=None))
    assert stats is not None
    limits = limits_for(SPECS[config], stats, transposed=True)
    windows = decoded_windows(load_examples(unseen, config, transpose=None), 400)
    # the trio's training windows need only two of the three parts: real windows without a melody fail
    # "no melody" on purpose (a trio model's clip should have one), so count the complete ones
    complete = (
        [w for w in windows if len([t for t in w.tracks if t.notes]) == 3]
        if config == "trio_16bar"
        else windows
    )
    passed = np.mean([not limits.check(w) for w in complete])
    assert len(complete) >= 50 and passed >= 0.95, [
        limits.check(w)[0].detail for w in complete if limits.check(w)
    ][:5]


def test_real_drum_grooves_pass_against_other_drummers(midi_dir: Path, tmp_path: Path) -> None:
    grooves = sorted((midi_dir / "drums").rglob("*_4-4.mid"))
    seen, unseen = tmp_path / "seen", tmp_path / "unseen"
    for i, f in enumerate(grooves):
        folder = unseen if i % 4 == 0 else seen
        folder.mkdir(exist_ok=True)
        shutil.copy(f, folder / f.name)
    limits = limits_for(SPECS["drums_2bar"], examples_gate_stats(load_examples(seen, "drums_2bar")), False)
    windows = decoded_windows(load_examples(unseen, "drums_2bar", transpose=None), 400)
    assert len(windows) >= 50 and np.mean([not limits.check(w) for w in windows]) >= 0.95
