"""Generation properties with tiny models trained for a few dozen steps on a handful of real files:
interpolation moves from A to B in note space, humanize moves toward the training music's feel,
--key auto finds the training music's key, seeds make everything repeatable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.generation.generator import Generator
from engine.midi.files import read_clip
from engine.music.pattern import Note, Pattern
from tests.conftest import MIDI_DIR
from tests.realmusic import BEATS, quick_model
from tests.realmusic import GROOVES as DRUM_DIR

TUNES = [
    MIDI_DIR / f"folk/jukedeck-nottingham-dataset/{n}.mid" for n in ("reelsa-c35", "reelsd-g8", "reelsm-q4")
]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def drums(tmp_path_factory: pytest.TempPathFactory) -> Generator:
    folder = tmp_path_factory.mktemp("beats")
    for rel in BEATS:
        (folder / Path(rel).name).symlink_to(DRUM_DIR / rel)
    return Generator.load(quick_model(folder, "drums_2bar", folder.parent / "drums-model", 150))


@pytest.fixture(scope="module")
def melody(tmp_path_factory: pytest.TempPathFactory) -> Generator:
    folder = tmp_path_factory.mktemp("tunes")
    for path in TUNES:
        (folder / path.name).symlink_to(path)
    return Generator.load(quick_model(folder, "mel_2bar", folder.parent / "mel-model", 60))


def hits(gen: Generator, clip: Pattern) -> np.ndarray:
    return gen.converter.to_tensors(gen.fit(clip).pattern)["hits"]  # (32, 9)


def test_interpolation_moves_from_a_to_b_in_note_space(drums: Generator) -> None:
    a, b = read_clip(DRUM_DIR / BEATS[0]), read_clip(DRUM_DIR / BEATS[5])
    clips = drums.interpolate(a, b, 7, temperature=0.0).clips
    ha, hb = drums.converter.to_tensors(clips[0])["hits"], drums.converter.to_tensors(clips[-1])["hits"]
    assert (ha != hb).sum() > 4, "A and B decode alike: nothing to interpolate"
    from_a = [int((drums.converter.to_tensors(c)["hits"] != ha).sum()) for c in clips]
    to_b = [int((drums.converter.to_tensors(c)["hits"] != hb).sum()) for c in clips]
    # loosely monotone: the distances follow the step, and A's half is nearer A, B's half nearer B
    steps = np.arange(len(clips))
    assert np.corrcoef(steps, from_a)[0, 1] > 0.5 and np.corrcoef(steps, to_b)[0, 1] < -0.5
    assert from_a[0] == 0 and to_b[-1] == 0
    assert all(from_a[i] <= to_b[i] for i in range(3)) and all(to_b[i] <= from_a[i] for i in range(4, 7))
    # and against the real clips (not only their reconstructions): closer to B at the end than at the start
    real_a, real_b = hits(drums, a), hits(drums, b)
    first, last = (drums.converter.to_tensors(c)["hits"] for c in (clips[0], clips[-1]))
    assert (first != real_a).sum() < (last != real_a).sum() and (last != real_b).sum() < (
        first != real_b
    ).sum()


def test_humanize_moves_a_flat_beat_toward_the_training_feel(drums: Generator) -> None:
    beat = read_clip(DRUM_DIR / BEATS[1])
    flat = beat.with_tracks(
        [t.with_notes(Note(n.pitch, n.start, n.end, 100, 0.0) for n in t.notes) for t in beat.tracks]
    )
    out = drums.humanize(flat, 1.0, seed=0).clip
    assert [(n.pitch, n.start, n.end) for n in out.tracks[0].notes] == [
        (n.pitch, n.start, n.end) for n in flat.tracks[0].notes
    ]
    train = drums.summary.music.drums
    assert train is not None
    vel = np.array([n.velocity for n in out.tracks[0].notes], dtype=float)
    assert abs(vel.mean() - train.velocity_mean) < abs(100 - train.velocity_mean)
    assert 0 < vel.std() < 2 * train.velocity_std
    # the head's mean timing, under the spread that is added back (averaged over a few draws)
    offsets = [n.offset for s in range(6) for n in drums.humanize(flat, 1.0, seed=s).clip.tracks[0].notes]
    assert abs(np.mean(offsets) - train.offset_mean) < abs(0.0 - train.offset_mean)
    half = drums.humanize(flat, 0.5, seed=0).clip
    half_vel = np.array([n.velocity for n in half.tracks[0].notes], dtype=float)
    assert np.abs(half_vel - (100 + vel) / 2).max() <= 1.0  # --amount scales the move


def test_humanize_melody_takes_the_training_music_statistics(melody: Generator) -> None:
    tune = read_clip(TUNES[0]).slice(0, 64)
    flat = tune.with_tracks(
        [t.with_notes(Note(n.pitch, n.start, n.end, 64, 0.0) for n in t.notes) for t in tune.tracks]
    )
    result = melody.humanize(flat, 1.0, seed=0)
    out = result.clip
    assert [(n.pitch, n.start) for t in out.tracks for n in t.notes] == [
        (n.pitch, n.start) for t in flat.tracks for n in t.notes
    ]
    vel = np.array([n.velocity for t in out.tracks for n in t.notes], dtype=float)
    stats = melody.summary.music.pitched
    assert stats is not None
    assert abs(vel.mean() - stats.velocity_mean) <= 2 and abs(vel.std() - stats.velocity_std) <= 2
    assert any("statistics of its training music" in n for n in result.notices)


def test_key_auto_finds_the_training_key_and_masks(melody: Generator) -> None:
    assert melody.training_key() is not None
    result = melody.sample(4, 1.5, seed=3, key="auto")
    key = melody.training_key()
    assert key is not None
    assert any(f"using {key.label}, the key of the training music" in n for n in result.notices)
    notes = [n.pitch for c in result.clips for t in c.tracks for n in t.notes]
    assert notes and all(key.contains(p) for p in notes)


def test_trained_models_are_deterministic_with_a_seed(drums: Generator, melody: Generator) -> None:
    assert drums.sample(3, 0.8, seed=11) == drums.sample(3, 0.8, seed=11)
    tune = read_clip(TUNES[1])
    # the clips (the second call finds the clip's code cached, so it says nothing about cutting it)
    assert melody.variations(tune, 3, 0.4, seed=2).clips == melody.variations(tune, 3, 0.4, seed=2).clips
    assert melody.sample(2, 0.8, seed=1, bars=6) == melody.sample(2, 0.8, seed=1, bars=6)
