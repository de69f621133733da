"""The generation facade on real clips with tiny untrained models: determinism, latent geometry,
completion that keeps the given parts, scale masks, humanize keeping the notes, clear errors."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pytest
import torch

from engine.generation.chain import smooth_path
from engine.generation.fit import GenerationError
from engine.generation.generator import Generator
from engine.midi.files import read_clip
from engine.music.keys import parse_key
from engine.music.pattern import Note, Pattern, Role, Track
from models.musicvae import MusicVAE
from models.presets import tiny_config
from tests.cards import summary
from tests.conftest import MIDI_DIR

FOLK = [f"folk/jukedeck-nottingham-dataset/{n}.mid" for n in ("reelsa-c35", "reelsd-g8", "reelsm-q4")]
DRUMS = [
    "drums/zharry29-drums-with-llm/drummer1/session1/101_dance-disco_120_beat_4-4.mid",
    "drums/zharry29-drums-with-llm/drummer1/session2/10_country_114_beat_4-4.mid",
    "drums/zharry29-drums-with-llm/drummer7/session3/65_funk_112_beat_4-4.mid",
    "drums/zharry29-drums-with-llm/drummer8/session2/42_highlife_126_beat_4-4.mid",
]
BAND = "multitrack/freedoom-freedoom/d_dm15.mid"  # drums, bass, lead and more, 4/4
SUMMARY = summary(velocity_mean=92.0, velocity_std=14.0, offset_std=0.06, key="G:major")
PITCHED = SUMMARY.music.pitched


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def quick_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few latent-fit steps: what is tested here (given parts unchanged) does not depend on how many."""
    monkeypatch.setattr("engine.generation.infill.FIT_STEPS", 4)


@functools.cache
def clip(rel: str) -> Pattern:
    return read_clip(MIDI_DIR / rel)


@functools.cache
def tiny(config: str) -> Generator:
    torch.manual_seed(0)
    return Generator(MusicVAE(tiny_config(config)), SUMMARY)


def onsets(p: Pattern) -> list[tuple[int, int, bool]]:
    """(pitch, step, drum) of every note: what a batch size cannot change (velocities may, by ulps)."""
    return sorted((n.pitch, n.start, t.is_drum) for t in p.tracks for n in t.notes)


def pitches(p: Pattern, drums: bool = False) -> list[int]:
    return [n.pitch for t in p.tracks if t.is_drum == drums for n in t.notes]


def test_sample_is_deterministic_with_a_seed() -> None:
    gen = tiny("mel_2bar")
    a, b = gen.sample(3, 1.0, seed=7), gen.sample(3, 1.0, seed=7)
    assert a == b and a.seed == 7 and len(a.clips) == 3
    assert gen.sample(3, 1.0, seed=8).clips != a.clips
    assert all(p.steps == 32 for p in a.clips)
    drawn = gen.sample(1, 1.0)  # no seed: a random one, given back to make the same clips again
    assert gen.sample(1, 1.0, seed=drawn.seed) == drawn


def test_sample_bars_chains_clips_into_one_piece() -> None:
    gen = tiny("drums_2bar")
    (piece,) = gen.sample(1, 0.5, seed=3, bars=7, checked=False).clips  # untrained: chaining, not quality
    assert piece.steps == 7 * 16 and piece.bars == 7
    assert gen.sample(1, 0.5, seed=3, bars=7, checked=False).clips == (piece,)


def test_smooth_path_neighbours_are_closer_than_random_points() -> None:
    path = smooth_path(12, 64, torch.Generator().manual_seed(0))  # (12, Z)
    steps = (path[1:] - path[:-1]).norm(dim=1)
    random_gap = (torch.randn(200, 64) - torch.randn(200, 64)).norm(dim=1).mean()
    assert path.shape == (12, 64)
    assert steps.max() < 0.6 * random_gap


def test_interpolation_moves_away_from_a_and_toward_b() -> None:
    gen = tiny("mel_2bar")
    a, b = clip(FOLK[0]), clip(FOLK[1])
    mu = gen.encode([a, b])
    path = gen.interpolation_path(a, b, 7)
    from_a = (path - mu[0]).norm(dim=1)
    to_b = (path - mu[1]).norm(dim=1)
    assert torch.allclose(path[0], mu[0], atol=1e-5) and torch.allclose(path[-1], mu[1], atol=1e-5)
    assert (from_a[1:] > from_a[:-1]).all() and (to_b[1:] < to_b[:-1]).all()
    clips = gen.interpolate(a, b, 7, temperature=0.0).clips
    assert len(clips) == 7 and onsets(clips[0]) == onsets(gen.decode(mu[:1], 0.0).clip)


def test_blend_corners_reproduce_the_corner_encodings() -> None:
    gen = tiny("drums_2bar")
    corners = [clip(p) for p in DRUMS]
    mu = gen.encode(corners)
    at = gen.blend_codes(corners, [(0, 0), (1, 0), (0, 1), (1, 1)])
    assert torch.allclose(at, mu, atol=1e-5)
    grid = gen.blend_grid(corners, 3, temperature=0.0).clips
    assert len(grid) == 9
    assert onsets(grid[2 * 3 + 0]) == onsets(gen.decode(mu[1:2], 0.0).clip)  # x = 1, y = 0 is corner B
    assert onsets(gen.blend(corners, 0.0, 1.0, temperature=0.0).clip) == onsets(gen.decode(mu[2:3], 0.0).clip)
    with pytest.raises(GenerationError, match="outside the square"):
        gen.blend(corners, 1.5, 0.0)


def test_variations_stay_near_and_are_deterministic() -> None:
    gen = tiny("mel_2bar")
    src = clip(FOLK[2])
    same = gen.variations(src, 3, amount=0.0, seed=1, temperature=0.0).clips
    assert [onsets(c) for c in same] == [onsets(gen.decode(gen.encode([src]), 0.0).clip)] * 3
    assert gen.variations(src, 4, 0.5, seed=2) == gen.variations(src, 4, 0.5, seed=2)


def test_complete_trio_keeps_bass_and_drums_unchanged(quick_fit: None) -> None:
    gen = tiny("trio_16bar")
    song = clip(BAND)
    result = gen.complete(song, "melody", seed=4, temperature=1.0)
    done = result.clip
    # the whole song comes back: bass and drums exactly; the melody track itself is rewritten in place
    given = [t for t in song.tracks if t.role in (Role.BASS, Role.DRUMS) or t.is_drum]
    assert given and all(t in done.tracks for t in given) and done.steps == song.steps
    assert len(done.tracks) == len(song.tracks)
    i = next(i for i, t in enumerate(song.tracks) if t.role == Role.LEAD)
    old, new = song.tracks[i], done.tracks[i]
    assert (new.name, new.channel, new.program) == (old.name, old.channel, old.program)
    assert new.notes and all(n.ref == -1 for n in new.notes)  # every 4/4 bar rewritten (all of d_dm15)
    assert max(n.start for n in new.notes) >= 256  # past the first window: the whole song, not 16 bars
    assert any(n.startswith("wrote melody") for n in result.notices)


def test_complete_trio_from_a_melody_writes_drums_and_bass(quick_fit: None) -> None:
    gen = tiny("trio_16bar")
    tune = clip(FOLK[0])
    lead = tune.with_tracks([t for t in tune.tracks if t.role == Role.LEAD])
    done = gen.complete(lead, None, seed=5, temperature=1.0).clip
    assert lead.tracks[0] in done.tracks
    assert {t.name for t in done.tracks if t.notes} >= {"drums", "bass"}
    full = clip(BAND)
    result = gen.complete(full, None)
    assert result.clip is full  # nothing to write: the clip comes back unchanged, with a word
    assert any("already has" in n for n in result.notices)


def test_complete_multitrack_fills_an_empty_slot(quick_fit: None) -> None:
    gen = tiny("multitrack_1bar")
    window = clip(BAND).slice(0, 16)
    kept = [t for t in window.tracks if t.role != Role.LEAD]
    done = gen.complete(window.with_tracks(kept), "melody", seed=2, temperature=1.0).clip
    assert all(t in done.tracks for t in kept if t.notes)
    new = [t for t in done.tracks if t not in kept]
    assert new and all(t.role == Role.LEAD and not t.is_drum for t in new)


@pytest.mark.parametrize("config", ["mel_2bar", "trio_16bar"])
def test_key_masking_leaves_only_scale_pitches(config: str) -> None:
    gen = tiny(config)
    key = parse_key("C:minor")
    free = gen.sample(2, 2.0, seed=1, checked=False).clips
    assert any(not key.contains(p) for c in free for p in pitches(c))  # so the masked run can fail
    masked = gen.sample(2, 2.0, seed=1, key="C:minor", checked=False).clips
    assert pitches(masked[0]) and all(key.contains(p) for c in masked for p in pitches(c))
    if config == "trio_16bar":
        assert any(pitches(c, drums=True) for c in masked)  # drums are never masked


def test_key_auto_uses_the_clip_then_the_training_music() -> None:
    gen = tiny("mel_2bar")
    notices = gen.variations(clip(FOLK[0]), 1, 0.1, seed=0, key="auto").notices
    assert any("--key auto: using" in n and "the clip" in n for n in notices)
    notices = gen.sample(1, 0.5, seed=0, key="auto").notices
    assert any("G major, the key of the training music" in n for n in notices)  # spelled for people


def test_key_song_is_the_songs_clear_key_and_none_is_any_note() -> None:
    """complete/infill's default "song": a clearly tonal folk tune keeps its key (and says so); a drum
    model has no key to keep and says nothing; "none" masks nothing."""
    mel, drums = tiny("mel_2bar"), tiny("drums_2bar")
    tune = clip(FOLK[1])
    notices: list[str] = []
    found = mel.runner.resolve_key("song", tune, notices)
    assert found is not None and found.label in notices[0] and "--key none" in notices[0]
    quiet: list[str] = []
    assert drums.runner.resolve_key("song", clip(DRUMS[0]), quiet) is None and not quiet
    assert mel.runner.resolve_key("none", tune, quiet) is None and not quiet


def test_bad_clips_get_one_line_errors() -> None:
    mel, drums = tiny("mel_2bar"), tiny("drums_2bar")
    with pytest.raises(GenerationError, match="no notes"):
        mel.encode([Pattern((Track(),), 32)])
    with pytest.raises(GenerationError, match="only drums, but this is a melody model"):
        mel.variations(clip(DRUMS[0]), 2)
    with pytest.raises(GenerationError, match="no drums"):
        drums.variations(clip(FOLK[0]), 2)
    with pytest.raises(GenerationError, match="temperature"):
        mel.sample(1, 2.5)


def test_humanize_drums_keeps_notes_and_moves_loudness_and_timing() -> None:
    gen = tiny("drums_2bar")
    beat = clip(DRUMS[2]).slice(0, 64)
    flat = beat.with_tracks(
        [t.with_notes(Note(n.pitch, n.start, n.end, 100, 0.0) for n in t.notes) for t in beat.tracks]
    )
    out = gen.humanize(flat, 1.0, seed=0).clip
    assert [(n.pitch, n.start, n.end) for n in out.tracks[0].notes] == [
        (n.pitch, n.start, n.end) for n in flat.tracks[0].notes
    ]
    assert len({n.velocity for n in out.tracks[0].notes}) > 3
    assert any(n.offset != 0.0 for n in out.tracks[0].notes)
    assert gen.humanize(flat, 0.0, seed=0).clip == flat


def test_humanize_melody_uses_the_training_summary() -> None:
    gen = tiny("mel_2bar")
    tune = clip(FOLK[1])
    result = gen.humanize(tune, 1.0, seed=0)
    out = result.clip
    before = [(n.pitch, n.start, n.end) for t in tune.tracks for n in t.notes]
    assert [(n.pitch, n.start, n.end) for t in out.tracks for n in t.notes] == before
    vel = np.array([n.velocity for t in out.tracks for n in t.notes])
    assert abs(vel.mean() - PITCHED.velocity_mean) < 3 and abs(vel.std() - PITCHED.velocity_std) < 3
    assert any("statistics of its training music" in n for n in result.notices)
    bare = Generator(gen.model)
    with pytest.raises(GenerationError, match="no velocity statistics"):
        bare.humanize(tune, 1.0)


def test_humanize_multitrack_uses_learned_velocities_per_instrument() -> None:
    gen = tiny("multitrack_1bar")
    song = clip(BAND).slice(0, 32)
    result = gen.humanize(song, 1.0, seed=0)
    out = result.clip
    assert [[(n.pitch, n.start, n.end) for n in t.notes] for t in out.tracks] == [
        [(n.pitch, n.start, n.end) for n in t.notes] for t in song.tracks
    ]
    pairs = [
        (a, b)
        for s, o in zip(song.tracks, out.tracks, strict=True)
        for a, b in zip(s.notes, o.notes, strict=True)
    ]
    changed = sum(a.velocity != b.velocity for a, b in pairs)
    assert changed > song.note_count // 2
    assert gen.humanize(song, 0.0, seed=0).clip == song
    assert any("velocities from the model" in n for n in result.notices)


def _feel(clips: Sequence[Pattern]) -> list[tuple[int, float]]:
    return [(n.velocity, n.offset) for c in clips for t in c.tracks for n in t.notes]


def test_generated_melodies_get_the_training_feel_scaled_by_temperature_or_stay_flat() -> None:
    gen = tiny("mel_2bar")
    hot = gen.sample(6, 1.0, seed=4).clips
    gen.feel = False
    try:
        flat = gen.sample(6, 1.0, seed=4).clips
    finally:
        gen.feel = True
    assert onsets_of(hot) == onsets_of(flat)  # feel moves only loudness and timing
    assert {f for f in _feel(flat)} == {(100, 0.0)}
    vel = np.array([v for v, _ in _feel(hot)], dtype=float)
    off = np.array([o for _, o in _feel(hot)])
    assert abs(vel.mean() - PITCHED.velocity_mean) < 3 and abs(vel.std() - PITCHED.velocity_std) < 3
    assert abs(off.std() - PITCHED.offset_std) < 0.02
    cold = gen.sample(6, 0.0, seed=4).clips  # temperature 0: the training music's mean, no jitter
    assert {f for f in _feel(cold)} == {(92, 0.0)}
    assert gen.sample(6, 1.0, seed=4).clips == hot


def onsets_of(clips: Sequence[Pattern]) -> list[list[tuple[int, int, bool]]]:
    return [onsets(c) for c in clips]


def test_bundled_melody_samples_vary_as_the_training_music_does() -> None:
    gen = Generator.load("mel_2bar")
    vel = np.array([v for v, _ in _feel(gen.sample(16, 1.0, seed=2).clips)], dtype=float)
    train = gen.music_stats().pitched
    assert train is not None
    assert 0.75 < vel.std() / train.velocity_std < 1.3
    assert abs(vel.mean() - train.velocity_mean) < 0.3 * train.velocity_std


@pytest.mark.parametrize("name", ["mel_2bar", "trio_16bar", "multitrack_1bar"])
def test_the_feel_set_in_place_on_just_decoded_clips_is_the_feel_of_new_notes(name: str) -> None:
    """`finish(..., fresh=True)` (what every decode runs) sets the feel on the decoded notes in place: the
    same clips as the feel on new notes, and the notes it was given carry the feel."""
    from engine.generation.humanize import finish

    runner = Generator.load(name).runner
    arrays = runner.decode(runner.prior(3, 5), 0.8, None, 5, [])
    copied = finish(runner, runner.to_patterns(arrays), 0.8, 5, True, [])
    decoded = runner.to_patterns(arrays)
    in_place = finish(runner, decoded, 0.8, 5, True, [], fresh=True)
    flat = runner.to_patterns(arrays)
    assert in_place == copied and in_place == decoded and copied != flat
    assert all(n.offset != 0.0 for clip in in_place for t in clip.tracks for n in t.notes[:1])


def test_new_clips_come_in_the_training_music_s_keys_unless_asked_otherwise() -> None:
    """The bundled melody model learned its tunes moved -5..+6 semitones: `sample` moves each new clip
    into the training music's pitch classes; --key none gives the clips as the model wrote them."""
    from engine.generation.runner import MOVED_INTO_KEYS
    from engine.music.keys import into_pitch_classes, pitch_class_histogram

    gen = Generator.load("mel_2bar")
    weights = np.asarray(gen.music_stats().pitch_classes)
    fitted = gen.sample(8, 1.0, seed=4, checked=False)
    drawn = gen.sample(8, 1.0, seed=4, key="none", checked=False)
    assert MOVED_INTO_KEYS in fitted.notices and MOVED_INTO_KEYS not in drawn.notices
    assert [into_pitch_classes(c, weights)[0] for c in drawn.clips] == list(fitted.clips)
    assert sum(into_pitch_classes(c, weights)[1] != 0 for c in drawn.clips) >= 4
    fit = [pitch_class_histogram(c) @ weights / pitch_class_histogram(c).sum() for c in fitted.clips]
    raw = [pitch_class_histogram(c) @ weights / pitch_class_histogram(c).sum() for c in drawn.clips]
    assert np.mean(fit) > np.mean(raw)
    # a key asked for masks the decoder instead; the clips are not moved
    assert MOVED_INTO_KEYS not in gen.sample(4, 1.0, seed=4, key="G:major", checked=False).notices
