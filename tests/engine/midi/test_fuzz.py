"""The CI slice of the MIDI fuzz run (the full 10,000 files: `python -m benchmarks.run fuzz`)."""

from __future__ import annotations

import random

from tests.fuzz_midi import KINDS, MAX_GROWTH_MB, SAMPLES, corpus, mutate, run_fuzz

SLICE, SEED = 64, 12


def test_every_mutation_kind_changes_the_file() -> None:
    data = next(SAMPLES.rglob("d_dm01.mid")).read_bytes()
    rng = random.Random(0)
    for kind in KINDS:  # a single draw may rewrite a byte with its own value: most draws must not
        assert sum(mutate(data, rng, kind) != data for _ in range(10)) >= 8, kind


def test_the_corpus_is_fixed_by_its_seed() -> None:
    assert [d for _, _, d in corpus(10, SEED)] == [d for _, _, d in corpus(10, SEED)]


def test_fuzz_slice_no_traceback_no_hang_bounded_memory() -> None:
    report = run_fuzz(SLICE, SEED)
    assert report.files == SLICE
    assert report.tracebacks == [] and report.hangs == [] and report.multi_line == []
    assert report.slowest <= 10.0 and 0 < report.start_mb < report.peak_mb
    assert report.peak_mb - report.start_mb <= MAX_GROWTH_MB, report.summary()
    for op, counts in report.outcomes.items():
        assert counts["read"] + counts["refused"] == SLICE, op
        assert counts["read"] > counts["refused"], (op, counts)  # damaged files are mostly salvaged
