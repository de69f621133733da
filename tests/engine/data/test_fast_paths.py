"""The converters' fast `examples` (one encoding per segment, tuples, vectorised gap tests) against the
plain path they replace: `to_tensors` of every `windows` Pattern, on real music; and the coverage
shortcuts against encoding and decoding every window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.data.codec import drum_grid
from engine.data.converter import Converter, longest_gap
from engine.data.converters import CONVERTERS
from engine.midi.files import read_song
from engine.music.pattern import Note

FILES = [
    "d_dm01.mid",  # a band: drums, bass, lead, others
    "d_e1m2.mid",
    "101_dance-disco_120_beat_4-4.mid",  # a drummer
    "chor001.mid",  # four voices
    "reelsa-c35.mid",  # one tune
]
BAND_FILES = [
    "d_dm06.mid",  # 4/4 and 7/8, four tracks on one program (the slots' tie-break), long notes
    "d_e1m2.mid",  # long notes cut by the windows' ends
    "chor001.mid",  # 3/4, four voices on one program
    "jigs120.mid",  # 6/8, long notes
    "101_dance-disco_120_beat_4-4.mid",  # drums only
]


@pytest.mark.parametrize(
    "config",
    ["mel_2bar", "drums_2bar", "trio_16bar", "multitrack_1bar", "band_1bar", "band_4bar", "band_16bar"],
)
def test_fast_examples_equal_the_windowed_path(config: str, midi_dir: Path) -> None:
    conv = CONVERTERS[config]
    total = 0
    for name in BAND_FILES if config.startswith("band") else FILES:
        for segment in read_song(next(midi_dir.rglob(name))).segments_for(conv.spec.any_meter):
            fast = conv.examples(segment)
            slow = Converter.examples(conv, segment)  # the base class: to_tensors of each window
            assert len(fast) == len(slow), name
            for a, b in zip(fast, slow, strict=True):
                assert list(a) == list(b)
                for key in a:
                    assert np.asarray(a[key]).dtype == np.asarray(b[key]).dtype
                    assert np.array_equal(a[key], b[key]), (name, key)
            total += len(fast)
    assert total > 50


def _drum_grid_reference(notes: list[Note], steps: int) -> tuple[np.ndarray, ...]:
    """The loop drum_grid was before it was vectorised."""
    from models.vocab import DRUM_CLASS_OF, DRUM_CLASSES

    loudest: dict[tuple[int, int], Note] = {}
    for n in notes:
        k = DRUM_CLASS_OF.get(n.pitch)
        if k is not None and 0 <= n.start < steps:
            old = loudest.get((n.start, k))
            if old is None or n.velocity > old.velocity:
                loudest[(n.start, k)] = n
    hits = np.zeros((steps, DRUM_CLASSES), dtype=np.float32)
    vel, off = np.zeros_like(hits), np.zeros_like(hits)
    for (s, k), n in loudest.items():
        hits[s, k], vel[s, k], off[s, k] = 1.0, n.velocity / 127.0, n.offset
    return hits, vel, off


def test_drum_grid_keeps_the_first_loudest_hit() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        notes = [
            Note(
                int(rng.integers(30, 85)),
                int(s),
                int(s) + 1,
                int(rng.integers(1, 4)) * 40,
                float(rng.uniform(-0.5, 0.49)),
            )
            for s in rng.integers(0, 20, size=int(rng.integers(0, 40)))
        ]
        for got, want in zip(drum_grid(notes, 16), _drum_grid_reference(notes, 16), strict=True):
            assert np.array_equal(got, want)


@pytest.mark.parametrize(
    "config", ["mel_2bar", "drums_2bar", "multitrack_1bar", "band_1bar", "band_4bar", "band_16bar"]
)
def test_coverage_shortcuts_keep_what_the_windows_give_back(config: str, midi_dir: Path) -> None:
    from engine.data.coverage import kept_notes, window_kept

    conv = CONVERTERS[config]
    kept = 0
    for name in sorted(set(FILES + BAND_FILES)):
        for segment in read_song(next(midi_dir.rglob(name))).segments:
            fast = kept_notes(segment, conv)
            assert fast == window_kept(segment, conv), (name, config)
            kept += len(fast)
    assert kept > 1000


def test_melody_coverage_shortcut_moves_pitches_into_range_as_the_tokens_do() -> None:
    from engine.data.coverage import kept_notes, window_kept
    from engine.music.pattern import Pattern, Role, Track

    pitches = [0, 5, 8, 9, 20, 21, 60, 108, 109, 120, 121, 127]  # outside 21..108 the tokens move octaves
    notes = tuple(Note(p, 2 * i, 2 * i + 1) for i, p in enumerate(pitches))
    segment = Pattern((Track(notes, 0, False, Role.LEAD, "lead"),), 32)
    mel = CONVERTERS["mel_2bar"]
    assert kept_notes(segment, mel) == window_kept(segment, mel)
    assert len(kept_notes(segment, mel)) == len(pitches)


def test_longest_gap_counts_what_marking_each_span_gives() -> None:
    """longest_gap (spans counted in one pass) gives what marking span after span gives: overlapping,
    touching, empty-window, past-the-window and no spans."""

    def marked(spans: list[tuple[int, int]], steps: int) -> int:
        covered = np.zeros(steps + 2, dtype=bool)
        covered[0] = covered[-1] = True
        for start, end in spans:
            covered[1 + max(start, 0) : 1 + min(end, steps)] = True
        return int(np.max(np.diff(np.flatnonzero(covered))) - 1)

    rng = np.random.default_rng(3)
    for _ in range(500):
        steps, n = int(rng.integers(1, 300)), int(rng.integers(0, 30))
        starts = rng.integers(0, steps + 20, n)
        spans = list(zip(starts.tolist(), (starts + rng.integers(1, 40, n)).tolist(), strict=True))
        assert longest_gap(spans, steps) == marked(spans, steps)
    assert longest_gap([], 16) == 16 and longest_gap([(0, 16)], 16) == 0 and longest_gap([(3, 5)], 16) == 11
