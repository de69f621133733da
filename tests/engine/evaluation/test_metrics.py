"""Yang & Lerch metrics and the random baseline, on hand-built clips with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from engine.evaluation import baseline, metrics
from engine.music.pattern import Note, Pattern, Role, Track

KICK, SNARE = 36, 38
CLASSES = {KICK: 0, SNARE: 1}


def melody(pitches: list[int], every: int = 4, steps: int = 32, velocity: int = 100) -> Pattern:
    notes = [Note(p, i * every, i * every + every, velocity) for i, p in enumerate(pitches)]
    return Pattern((Track(tuple(notes), program=0, role=Role.LEAD),), steps)


def beat(hits: list[tuple[int, int, int]], steps: int = 16) -> Pattern:
    notes = [Note(p, s, s + 1, v) for p, s, v in hits]
    return Pattern((Track(tuple(notes), is_drum=True, role=Role.DRUMS),), steps)


def test_c_major_scale_features() -> None:
    f = metrics.pitched_features(melody([60, 62, 64, 65, 67, 69, 71, 72]))
    expected = np.zeros(12)
    expected[[0, 2, 4, 5, 7, 9, 11]] = 1 / 8
    expected[0] = 2 / 8
    np.testing.assert_allclose(f["pitch_classes"], expected)
    assert f["pitch_range"] == 12
    assert f["note_density"] == 4.0  # 8 notes in 2 bars
    assert f["onset_interval"] == 4.0
    assert f["pitch_interval"] == pytest.approx(12 / 7)
    assert f["repetition"] == 0.0  # bar 2 shares no (pitch, position) with bar 1


def test_repetition_of_a_riff_and_of_a_half_changed_bar() -> None:
    riff = [60, 64, 67, 64]
    assert metrics.pitched_features(melody(riff + riff))["repetition"] == 1.0
    assert metrics.pitched_features(melody(riff + [60, 64, 65, 62]))["repetition"] == pytest.approx(2 / 6)
    assert np.isnan(metrics.pitched_features(melody(riff, steps=16))["repetition"])  # one bar only


def test_empty_clip_has_undefined_pitch_features_but_zero_density() -> None:
    f = metrics.pitched_features(Pattern((), 32))
    assert np.isnan(f["pitch_classes"]).all() and np.isnan(f["pitch_range"])
    assert f["note_density"] == 0.0 and np.isnan(f["onset_interval"])


def test_drum_features_backbeat() -> None:
    clip = beat([(KICK, 0, 100), (KICK, 8, 100), (SNARE, 4, 50), (SNARE, 12, 50)])
    f = metrics.drum_features(clip, CLASSES)
    assert f["drum_hit_rate"].shape == (9,)
    np.testing.assert_allclose(f["drum_hit_rate"][:3], [2 / 16, 2 / 16, 0])
    assert f["drum_density"] == 4.0 and f["drum_onset_interval"] == 4.0
    assert f["velocity_spread"] == pytest.approx(25 / 127)
    groove = f["drum_groove"].reshape(9, 4)
    np.testing.assert_allclose(groove[:2], [[0.5, 0, 0, 0], [0.5, 0, 0, 0]])  # all on the beat
    assert np.isnan(f["drum_repetition"])
    two_bars = beat([(KICK, 0, 90), (KICK, 16, 90), (SNARE, 20, 90)], steps=32)
    assert metrics.drum_features(two_bars, CLASSES)["drum_repetition"] == 0.5


def test_feature_names_follow_the_parts_present() -> None:
    assert metrics.feature_names([melody([60])]) == metrics.PITCHED_FEATURES
    assert metrics.feature_names([beat([(KICK, 0, 90)])]) == metrics.DRUM_FEATURES
    rows = metrics.set_features([melody([60, 64]), Pattern((), 32)], ["pitch_classes", "note_density"])
    assert rows["pitch_classes"].shape == (1, 12)  # the silent clip has no pitch classes
    assert rows["note_density"].shape == (2, 1)


def test_overlap_is_high_for_the_same_distribution_and_low_for_a_far_one() -> None:
    rng = np.random.default_rng(1)
    ref = rng.normal(0, 1, (80, 3))
    same = rng.normal(0, 1, (60, 3))
    far = rng.normal(8, 1, (60, 3))
    near, away = metrics.overlap(ref, same), metrics.overlap(ref, far)
    assert near is not None and away is not None
    assert near.area > 0.8 and away.area < 0.05
    assert near.kld < away.kld
    assert metrics.overlap(ref, same) == near  # deterministic
    assert metrics.overlap(ref[:2], same) is None


def test_overlap_of_constant_sets() -> None:
    ones = np.ones((10, 1))
    same = metrics.overlap(ones, ones)
    other = metrics.overlap(ones, 5 * ones)
    assert same is not None and other is not None
    assert same.area > 0.9 and other.area < 0.05


def _scale_tunes(seed: int, n: int = 40) -> list[Pattern]:
    rng = np.random.default_rng(seed)
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    return [melody(list(rng.choice(scale, 8))) for _ in range(n)]


def test_compare_sets_prefers_music_like_the_reference() -> None:
    ref = _scale_tunes(0)
    alike = metrics.compare_sets(ref, _scale_tunes(1))
    rng = np.random.default_rng(2)
    chromatic = [melody(list(rng.integers(30, 100, 32)), every=1) for _ in range(40)]
    unlike = metrics.compare_sets(ref, chromatic)
    assert set(alike) == set(metrics.PITCHED_FEATURES)
    a, b = metrics.mean_area(alike), metrics.mean_area(unlike)
    assert a is not None and b is not None and a > b + 0.3
    assert unlike["note_density"] is not None and unlike["note_density"].candidate_mean == 16.0


def test_baseline_draws_from_the_reference_distributions() -> None:
    ref = _scale_tunes(0, n=20)
    out = baseline.baseline_patterns(ref, 30, seed=3)
    assert len(out) == 30 and all(p.steps == 32 for p in out)
    pitches = {n.pitch for p in out for t in p.tracks for n in t.notes}
    assert pitches <= {60, 62, 64, 65, 67, 69, 71, 72}
    assert {n.start % 4 for p in out for t in p.tracks for n in t.notes} == {0}
    for p in out:  # pitched parts stay monophonic
        notes = p.tracks[0].notes
        assert all(a.end <= b.start for a, b in zip(notes, notes[1:], strict=False))
    assert baseline.baseline_patterns(ref, 30, seed=3) == out
    assert baseline.baseline_patterns(ref, 30, seed=4) != out


def test_baseline_drums_keep_the_drum_kit() -> None:
    ref = [beat([(KICK, 0, 100), (SNARE, 4, 60), (KICK, 8, 90)]) for _ in range(5)]
    out = baseline.baseline_patterns(ref, 10, seed=0)
    assert all(p.tracks and p.tracks[0].is_drum for p in out)
    assert {n.pitch for p in out for n in p.tracks[0].notes} <= {KICK, SNARE}
    with pytest.raises(ValueError):
        baseline.baseline_patterns([], 3)


def test_silent_samples_score_zero_and_undefined_features_are_left_out() -> None:
    ref = [melody([60, 62, 64, 65], steps=16) for _ in range(5)]  # one bar: no bar-to-bar repetition
    silent = [Pattern((), 16) for _ in range(5)]
    scores = metrics.compare_sets(ref, silent)
    assert "repetition" not in scores
    assert scores["pitch_range"] is None
    assert metrics.mean_area({"a": None, "b": metrics.Overlap(0.5, 0.1, 1, 1)}) == 0.25


def _band(melody_pitches: list[int] | None, bass: int, steps: int = 32, snare: int = 6) -> Pattern:
    """A clip with a melody (or none), a bass line on one pitch, a kick on every beat and one snare."""
    tracks = [Track(tuple(Note(bass, s, s + 4) for s in range(0, steps, 4)), 33, role=Role.BASS)]
    if melody_pitches:
        notes = tuple(Note(p, 2 * i, 2 * i + 2) for i, p in enumerate(melody_pitches))
        tracks.append(Track(notes, 0, role=Role.LEAD))
    kit = [Note(KICK, s, s + 1) for s in range(0, steps, 4)] + [Note(SNARE, snare, snare + 1)]
    tracks.append(Track(tuple(sorted(kit, key=lambda n: n.start)), is_drum=True, role=Role.DRUMS))
    return Pattern(tuple(tracks), steps)


def test_parts_are_scored_on_their_own_and_constants_are_left_out() -> None:
    """Pooled, a trio without melody still matches on pitch features (its bass has pitches); per part,
    its melody scores 0 and its drums' velocity spread (a constant) is no feature at all."""
    rng = np.random.default_rng(0)
    ref = [
        _band(list(rng.integers(60, 72, 16)), int(rng.integers(36, 43)), snare=int(rng.integers(1, 4)) * 2)
        for _ in range(20)
    ]
    no_melody = [_band(None, int(rng.integers(36, 43)), snare=int(rng.integers(1, 4)) * 2) for _ in range(20)]
    scores = metrics.compare_parts(ref, no_melody, ("melody", "bass", "drums"))
    assert "drums.velocity_spread" not in scores and "drums.drum_groove" in scores
    assert all(scores[k] is None for k in scores if k.startswith("melody."))
    means = metrics.part_means(scores, ("melody", "bass", "drums"))
    assert means["melody"] == 0.0 and means["bass"] is not None and means["bass"] > 0.5
    assert metrics.feature_label("bass.pitch_range") == "bass: pitch range (semitones)"


def test_the_baseline_does_not_copy_note_counts() -> None:
    """Half the reference clips are dense and half sparse: copying a clip's count would give the same two
    densities; independent notes at the music's rates give counts in between."""
    dense = [melody([60] * 32, every=1) for _ in range(10)]
    sparse = [melody([60, 64], every=16) for _ in range(10)]
    out = baseline.baseline_patterns(dense + sparse, 200, seed=1)
    counts = {len(p.tracks[0].notes) for p in out if p.tracks}
    assert counts - {2, 32}  # other counts than the reference's
    mean = np.mean([len(p.tracks[0].notes) for p in out if p.tracks])
    assert 12 < mean < 22  # the music's mean of 17 notes a clip


def test_part_statistics_show_a_missing_or_runaway_part() -> None:
    from engine.evaluation.parts import music_bounds, part_stats

    rng = np.random.default_rng(3)
    music = [_band(list(rng.integers(60, 72, 16)), 40) for _ in range(20)]
    bounds = music_bounds(music, ("melody", "bass", "drums"))
    high = [_band([100] * 16, 40) for _ in range(4)] + [_band(None, 40) for _ in range(4)]
    stats = part_stats(high, ("melody", "bass", "drums"), bounds)
    assert stats["melody"].presence == 0.5 and stats["melody"].off_range == 1.0
    assert stats["bass"].presence == 1.0 and stats["bass"].off_range == 0.0
    assert stats["drums"].pitch_low is None and stats["drums"].too_dense == 0.0
