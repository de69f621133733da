# SPDX-License-Identifier: MIT
"""The time budget holds on a busy machine: a short `train` (mel_2bar small, 2 minutes, CPU) on the sample
folder while one busy-loop process per core competes for the CPU.

The train command runs in a child process (as `python main.py train` does, through cli.train); the
figure is the wall time from the command's start (its lazy imports included) to the finished report card,
against the budget. The whole process, interpreter start-up included, is reported beside it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
MIDI = ROOT.parent / "shared" / "data" / "midi"
CONFIG = "mel_2bar"
MINUTES = float(os.environ.get("BANDMATE_BENCH_LOAD_MINUTES", "2"))
COMMAND = "python -m benchmarks.run train_load"

_DRIVER = """
import argparse, json, sys, time
t0 = time.monotonic()
import cli.train as command
parser = argparse.ArgumentParser()
command.add_arguments(parser)
status = command.run(parser.parse_args(sys.argv[1:]))
print("BENCH " + json.dumps({"status": status, "seconds": time.monotonic() - t0}), flush=True)
"""


def busy_loops(count: int) -> list[subprocess.Popen[bytes]]:
    """`count` processes that spin on the CPU until killed (the competing load)."""
    spin = [sys.executable, "-c", "while True: pass"]
    return [
        subprocess.Popen(spin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)
    ]


def run() -> list[Figure]:
    from models.card import read_card

    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model"
        env = {**os.environ, "BANDMATE_CACHE_DIR": str(Path(tmp) / "cache")}
        args = ["train", str(MIDI), "--config", CONFIG, "--minutes", str(MINUTES), "--device", "cpu"]
        args += ["--out", str(out)]
        load = busy_loops(cores)
        try:
            time.sleep(2.0)  # let the load settle
            load_avg = os.getloadavg()[0]
            t0 = time.monotonic()
            done = subprocess.run(
                [sys.executable, "-c", _DRIVER, *args[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                timeout=MINUTES * 60 * 3 + 300,
            )  # fmt: skip
            whole = time.monotonic() - t0
        finally:
            for proc in load:
                proc.kill()
                proc.wait()
        line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH ")), None)
        if done.returncode != 0 or line is None or not (out / "report.json").exists():
            raise RuntimeError(f"train failed ({done.returncode}): {(done.stderr or done.stdout)[-2000:]}")
        seconds = json.loads(line[6:])["seconds"]
        steps = read_card(out).training.step
    budget = MINUTES * 60
    note = (
        f"{cores} busy-loop processes beside it (one per core), load average {load_avg:.1f} with them; "
        f"{steps} steps; budget {budget:.0f} s"
    )
    return [
        Figure(
            f"{CONFIG} small: `train --minutes {MINUTES:g}` to a finished report card, CPU under full load",
            (seconds,), "s", f"<= {budget:.0f} s (the budget)", COMMAND, note,
        ),
        Figure(
            "the same, whole process (interpreter start-up included)", (whole,), "s", "reported", COMMAND,
            "start-up is outside the budget, which counts from the command's start",
        ),
        Figure("the same, wall time / budget", (seconds / budget,), "x", "<= 1.0", COMMAND, note),
    ]  # fmt: skip


if __name__ == "__main__":
    for fig in run():
        print(f"{fig.name}: {fig.summary:.4g} {fig.unit} ({fig.note}) target {fig.target}")
