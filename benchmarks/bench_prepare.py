# SPDX-License-Identifier: MIT
"""Data pipeline speed: files/s of a cold (empty cache) and a cached `prepare` of ../shared/data/midi."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
MIDI = ROOT.parent / "shared" / "data" / "midi"
COLD_RUNS, CACHED_RUNS = 3, 5


def _files_per_second(cache_dir: str, runs: int, fresh: bool) -> tuple[tuple[float, ...], ...]:
    """(files per wall-clock second, files per CPU second) of each run."""
    from engine.data.dataset import prepare

    wall, cpu = [], []
    for i in range(runs):
        os.environ["BANDMATE_CACHE_DIR"] = os.path.join(cache_dir, f"run{i}" if fresh else "shared")
        t0, c0 = time.perf_counter(), time.process_time()
        report = prepare(MIDI)
        wall.append(len(report.files) / (time.perf_counter() - t0))
        cpu.append(len(report.files) / max(time.process_time() - c0, 1e-9))
    return tuple(wall), tuple(cpu)


def _examples() -> dict[str, int]:
    from engine.data.dataset import prepare

    return dict(prepare(MIDI).examples)


def run() -> list[Figure]:
    old = os.environ.get("BANDMATE_CACHE_DIR")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cold, cold_cpu = _files_per_second(tmp, COLD_RUNS, fresh=True)
            _files_per_second(tmp, 1, fresh=False)  # fill the shared cache once
            cached, _ = _files_per_second(tmp, CACHED_RUNS, fresh=False)
            examples = _examples()
    finally:
        if old is None:
            os.environ.pop("BANDMATE_CACHE_DIR", None)
        else:
            os.environ["BANDMATE_CACHE_DIR"] = old
    command = "python -m benchmarks.run prepare"
    note = f"{len(list(MIDI.rglob('*.mid')))} files of ../shared/data/midi, all 4 configs"
    return [
        Figure("prepare, cold cache", cold, "files/s", "> 5 files/s", command, note, extra=dict(examples)),
        Figure("prepare, cached", cached, "files/s", "> 200 files/s", command, note),
        Figure(
            "prepare, cold cache, per CPU second",
            cold_cpu,
            "files/CPU-s",
            "> 5 files/CPU-s",
            command,
            "wall-clock figures above depend on how busy the cores are; this one does not",
        ),  # fmt: skip
    ]
