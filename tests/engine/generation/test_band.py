"""The band model on real music: a band_1bar model trained for a short time on 15 Freedoom band songs
writes chords in its pitched parts at about the rate of its training music, in any meter, and every
generation feature takes and gives band clips (meter carried, key kept, chains of bars)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.data.converters import CONVERTERS
from engine.evaluation.metrics import chord_share
from engine.generation.fit import GenerationError
from engine.generation.generator import Generator
from engine.midi.files import read_clip, read_song, write_midi
from engine.midi.roles import program_name
from engine.music.keys import parse_key
from engine.music.pattern import Meter, Pattern
from tests.realmusic import MIDI, quick_model

SONGS = sorted((MIDI / "multitrack" / "freedoom-freedoom").glob("*.mid"))[:15]
WALTZ = MIDI / "multitrack" / "freedoom-freedoom" / "d_dm27.mid"  # all in 3/4

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def band(tmp_path_factory: pytest.TempPathFactory) -> Generator:
    folder = tmp_path_factory.mktemp("band-songs")
    for path in SONGS:
        (folder / path.name).symlink_to(path)
    return Generator.load(quick_model(folder, "band_1bar", folder.parent / "band-model", 120))


def _training_windows() -> list[Pattern]:
    conv = CONVERTERS["band_1bar"]
    return [w for f in SONGS for seg in read_song(f).meter_segments for w in conv.windows(seg)]


def test_samples_have_chords_at_the_training_music_rate(band: Generator) -> None:
    real = chord_share(_training_windows())
    assert real > 0.3  # the Freedoom songs: ~49% of the pitched notes sound in chords
    clips = band.sample(24, temperature=0.5, seed=0).clips
    mine = chord_share(clips)
    assert abs(mine - real) < 0.2, (mine, real)
    assert any(
        not t.is_drum and len({n.start for n in t.notes}) < len(t.notes) for c in clips for t in c.tracks
    )


@pytest.mark.parametrize("meter", ["3/4", "7/8", "6/8", "5/4", "12/8"])
def test_samples_in_any_meter_carry_it_to_the_file(band: Generator, meter: str, tmp_path: Path) -> None:
    m = Meter(*map(int, meter.split("/")))
    clips = band.sample(2, temperature=0.5, seed=1, meter=meter).clips
    assert all(c.meter == m and c.steps == round(m.bar_steps) for c in clips)
    assert all(n.start < c.steps for c in clips for t in c.tracks for n in t.notes)
    write_midi(clips[0], tmp_path / "a.mid")
    back = read_clip(tmp_path / "a.mid")
    assert back.meter == m and back.bars == 1
    pitched = [t for t in clips[0].tracks if not t.is_drum]
    assert pitched and [t.name for t in back.tracks if not t.is_drum] == [  # a DAW shows what plays
        program_name(t.program) for t in pitched
    ]


def test_bars_chain_in_the_meter(band: Generator) -> None:
    clip = band.sample(1, temperature=0.5, seed=2, bars=6, meter="3/4").clip
    assert clip.meter == Meter(3, 4) and clip.steps == 6 * 12 and clip.bars == 6


def test_an_unknown_meter_is_one_line(band: Generator) -> None:
    with pytest.raises(GenerationError, match="not 11/8"):
        band.sample(1, meter="11/8")
    with pytest.raises(GenerationError, match="time signature"):
        band.sample(1, meter="waltz")


def test_variations_interpolation_and_blend_keep_a_waltz_in_three(band: Generator) -> None:
    song = read_clip(WALTZ)
    a, b = song.slice(0, 12 * 4), song.slice(12 * 8, 12 * 12)
    assert a.meter == Meter(3, 4)
    for clip in band.variations(a, 3, seed=0).clips:
        assert clip.meter == Meter(3, 4) and clip.steps == 12
    morph = band.interpolate(a, b, 4, seed=0).clips
    assert len(morph) == 4 and all(c.meter == Meter(3, 4) for c in morph)
    blend = band.blend([a, b, a, b], 0.5, 0.5, seed=0).clip
    assert blend.meter == Meter(3, 4) and blend.note_count > 0


def test_key_keeps_pitched_parts_in_the_key(band: Generator) -> None:
    clips = band.sample(8, temperature=1.0, seed=3, key="D:minor").clips
    key = parse_key("D:minor")
    pitched = [n.pitch for c in clips for t in c.tracks if not t.is_drum for n in t.notes]
    assert pitched and all(key.contains(p) for p in pitched)


def test_a_band_clip_decodes_the_same_with_the_same_seed(band: Generator) -> None:
    one = band.sample(2, seed=5, meter="6/8").clips
    two = band.sample(2, seed=5, meter="6/8").clips
    assert [dataclasses.replace(c, source=None) for c in one] == [
        dataclasses.replace(c, source=None) for c in two
    ]


def test_complete_adds_a_part_in_the_clips_meter(band: Generator) -> None:
    song = read_clip(WALTZ).slice(0, 12 * 2)
    no_drums = song.with_tracks([t for t in song.tracks if not t.is_drum])
    done = band.complete(no_drums, parts="drums", seed=0)
    drums = [t for t in done.clip.tracks if t.is_drum]
    assert drums and drums[0].notes and done.clip.meter == Meter(3, 4)
    assert {n.start // 12 for n in drums[0].notes} == {0, 1}  # both 3/4 bars, one model window each
    kept = [t for t in done.clip.tracks if not t.is_drum]
    assert [t.notes for t in kept] == [t.notes for t in no_drums.tracks]


def test_infill_rewrites_a_bar_of_a_waltz(band: Generator) -> None:
    song = read_clip(WALTZ).slice(0, 12 * 3)
    bass = next(i for i, t in enumerate(song.tracks) if t.role.value == "bass")
    done = band.infill(song, (2, 2), "bass", seed=0).clip
    assert [t for i, t in enumerate(done.tracks) if i != bass] == [
        t for i, t in enumerate(song.tracks) if i != bass
    ]
    old, new = song.tracks[bass], done.tracks[bass]
    assert [(n.pitch, n.start) for n in new.notes if not 12 <= n.start < 24] == [
        (n.pitch, n.start) for n in old.notes if not 12 <= n.start < 24
    ]
    assert all(n.end <= 12 for n in new.notes if n.start < 12)  # a note sounding into bar 2 ends there
    assert any(12 <= n.start < 24 for n in new.notes)


def test_humanize_reads_a_waltz(band: Generator) -> None:
    song = read_clip(WALTZ).slice(0, 12 * 2)
    flat = song.with_tracks(
        [t.with_notes(dataclasses.replace(n, velocity=100, offset=0.0) for n in t.notes) for t in song.tracks]
    )
    out = band.humanize(flat, 1.0, seed=0)
    assert len({n.velocity for t in out.clip.tracks for n in t.notes}) > 3
    assert not any("nothing was humanized" in line for line in out.notices)
