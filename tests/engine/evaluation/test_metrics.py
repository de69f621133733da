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
