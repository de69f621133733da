# SPDX-License-Identifier: MIT
"""Time to a finished report card with the default `train` budget (10 minutes), per small config, on CPU.

Runs `python main.py train ../shared/data/midi --config C --device cpu` as a musician would, two configs at
a time, each pinned to one core of its own (stricter than the 2-core target; it halves the wall time of
the benchmark). Records wall time to the report card, steps, held-out teacher-forced accuracy and peak RSS,
and the report card's honest measures of the trained model (benchmarks/bench_quality.py `report_figures`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
MIDI = ROOT.parent / "shared" / "data" / "midi"
CONFIGS = ("mel_2bar", "drums_2bar", "trio_16bar", "multitrack_1bar")
MINUTES = os.environ.get("BANDMATE_BENCH_TRAIN_MINUTES")  # unset: the default budget


def _start(config: str, out: Path, core: int) -> tuple[subprocess.Popen[str], float]:
    cmd = [sys.executable, "main.py", "train", str(MIDI), "--config", config, "--out", str(out)]
    cmd += ["--device", "cpu"] + (["--minutes", MINUTES] if MINUTES else [])
    if len(os.sched_getaffinity(0)) >= 2:
        cmd = ["taskset", "-c", str(core), *cmd]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc, time.monotonic()


def _finish(proc: subprocess.Popen[str]) -> tuple[str, int, float]:
    """The child's output, exit status and peak RSS in MB (wait4 gives each child's own rusage)."""
    assert proc.stdout is not None
    log = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return log, proc.returncode, usage.ru_maxrss / 1024.0


def _figures(config: str, out: Path, seconds: float, peak_mb: float) -> list[Figure]:
    from benchmarks.bench_quality import report_figures
    from models.card import read_card
    from models.report import read_report

    report = read_report(out / "report.json")
    acc = report.held_out.teacher_forced if report.held_out else float("nan")
    cmd = f"python main.py train ../shared/data/midi --config {config} --device cpu  (taskset 1 core)"
    steps = read_card(out).training.step
    return [
        Figure(f"{config} small: default train to a finished report card, 1 CPU core", (seconds / 60,), "min",
               "<= 10 min on 2 cores", cmd, note=f"{steps} steps"),
        Figure(f"{config} small: held-out teacher-forced accuracy, default budget", (100 * acc,), "%",
               "reported", cmd),
        Figure(f"{config} small: peak memory of the whole train command", (peak_mb,), "MB", "< 2048 MB", cmd,
               stat="max"),
        *report_figures(f"{config} small, default train on the sample folder", report, cmd),
    ]  # fmt: skip


def run() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        for pair in (CONFIGS[:2], CONFIGS[2:]):
            runs = [(c, Path(tmp) / c, *_start(c, Path(tmp) / c, i)) for i, c in enumerate(pair)]
            for config, out, proc, t0 in runs:
                log, code, peak_mb = _finish(proc)
                if code != 0:
                    raise RuntimeError(f"train {config} failed:\n{log[-2000:]}")
                figures += _figures(config, out, time.monotonic() - t0, peak_mb)
    return figures
