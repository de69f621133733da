# SPDX-License-Identifier: MIT
"""The band models (issue 13): round-trip fidelity per config against Magenta's multiperf encoding and
today's multitrack_1bar, the bars each meter gives, and training speed and time to the report card of the
small presets on one CPU core. Their 1-, 4- and 16-bar decode latency is measured with the other decode
latencies (benchmarks/bench_generate.py, `python -m benchmarks.run generate`).

Fidelity (engine/evaluation/fidelity.py): the share of a song's notes in bars of every band meter that
come back from a config's arrays (pitch, onset step, duration within a step, velocity within 8), on
../shared/data/midi/multitrack and every 10th song of the band corpus (~/.cache/bandmate/corpora/band,
built by `make corpora`) when it is there.

    python -m benchmarks.run band                                   # everything (about 10 minutes)
    python -m benchmarks.bench_band --one band_4bar --seconds 120    # one training run (JSON)
BANDMATE_BENCH_BAND_SECONDS sets the training budget of each preset (default 120 s, at least twice the
time the preset reserves for its report card plus 30 s; `main.py train`'s default is 10 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
MULTITRACK = ROOT.parent / "shared" / "data" / "midi" / "multitrack"
CORPUS = Path(os.environ.get("BANDMATE_CACHE_DIR", Path.home() / ".cache" / "bandmate")) / "corpora" / "band"
SECONDS = float(os.environ.get("BANDMATE_BENCH_BAND_SECONDS", "120"))
CONFIGS = ("band_1bar", "band_4bar", "band_16bar")
COMMAND = "python -m benchmarks.run band"


def run() -> list[Figure]:
    figures = _fidelity(MULTITRACK, "the multitrack songs")
    if CORPUS.is_dir():
        figures += _fidelity(CORPUS, "every 10th band-corpus song", every=10)
    figures += _meters()
    for config in CONFIGS:
        figures += _train_figures(config, _measure(config, budget(config)))
    return figures


def budget(config: str) -> float:
    """The training budget of one preset: SECONDS, or enough to train as long as its report card takes
    (band_16bar reserves 168 s of any budget for it)."""
    from models.spec import spec_of

    return max(SECONDS, 2.0 * spec_of(config).report_seconds + 30.0)


def _songs(folder: Path, every: int) -> list[Any]:
    from engine.midi.files import MidiError, read_song

    out = []
    for path in sorted(folder.rglob("*.mid"))[::every]:
        try:
            out.append(read_song(path))
        except MidiError:
            continue
    return out


def _fidelity(folder: Path, label: str, every: int = 1) -> list[Figure]:
    from engine.evaluation.fidelity import MULTIPERF, round_trip

    songs = _songs(folder, every)
    configs = ["multitrack_1bar", MULTIPERF, *CONFIGS]
    result = round_trip(songs, configs)
    figures = []
    for config in configs:
        f = result[config]
        target = ">= 97%" if config in CONFIGS else "baseline"
        what = (
            "Magenta's multiperf encoding (1 bar, 8 velocity bins, 64 events)"
            if config == MULTIPERF
            else config
        )
        figures.append(
            Figure(f"round trip: notes kept by {what}, {label}", (100.0 * f.share,), "%", target, COMMAND,
                   note=f"{f.kept} of {f.notes} notes of {len(songs)} songs")
        )  # fmt: skip
    return figures


def _meters() -> list[Figure]:
    """Bars of each meter in the multitrack songs: what the band models read, against the 4/4 ones."""
    songs = _songs(MULTITRACK, 1)
    band: Counter[str] = Counter()
    common = 0
    for song in songs:
        for seg in song.meter_segments:
            band[str(seg.meter)] += seg.bars
        common += song.bars
    total = sum(band.values())
    other = {m: b for m, b in band.items() if m not in ("4/4", "2/2")}
    each = ", ".join(f"{m}: {b}" for m, b in sorted(band.items()))
    left = f"{sum(other.values())} bars in {', '.join(sorted(other))} left out"
    return [
        Figure("bars the band models read, the multitrack songs", (float(total),), "bars", "all bars",
               COMMAND, note=each),
        Figure("bars the 4/4 models read, the multitrack songs", (float(common),), "bars", "recorded",
               COMMAND, note=left),
    ]  # fmt: skip


def _measure(config: str, seconds: float) -> dict[str, Any]:
    """Train `config` (small) in a child process (ru_maxrss is that run's peak); its JSON."""
    cmd = [sys.executable, "-m", "benchmarks.bench_band", "--one", config, "--seconds", str(seconds)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"bench_band {config} failed:\n{proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def one(config: str, seconds: float) -> dict[str, Any]:
    """`main.py train`'s work for one small band preset on the multitrack songs, the report card within
    the budget as the app writes it; the numbers."""
    from engine.device import training_threads
    from engine.training.train import train
    from models.card import read_card

    with tempfile.TemporaryDirectory() as tmp, training_threads("cpu"):
        out = Path(tmp) / config
        t0 = time.monotonic()
        result = train(
            MULTITRACK, config, out, size="small", minutes=seconds / 60.0, device="cpu", report=True
        )
        total = time.monotonic() - t0
        card = read_card(out)
        entry = card.checkpoints[-1]
        return {
            "config": config, "seconds_budget": seconds, "seconds_to_report": round(total, 1),
            "steps": result.steps, "steps_per_s": result.steps / max(result.seconds, 1e-9),
            "batch_size": card.training.batch_size, "threads": card.training.threads,
            "train_examples": card.data.train_examples, "bits": card.training.best_bits,
            "weights_mb": (out / entry.weights).stat().st_size / 2**20,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        }  # fmt: skip


def _train_figures(config: str, r: dict[str, Any]) -> list[Figure]:
    cmd = f"python -m benchmarks.bench_band --one {config} --seconds {r['seconds_budget']:g}"
    return [
        Figure(f"{config} small: training steps/s on CPU (batch {r['batch_size']}, {r['threads']} thread(s))",
               (r["steps_per_s"],), "steps/s", "recorded", cmd,
               note=f"{r['steps']} steps, {r['train_examples']} training windows of the multitrack songs"),
        Figure(f"{config} small: time to the report card ({r['seconds_budget']:g} s budget)",
               (r["seconds_to_report"],), "s", "within the budget + 25%", cmd,
               note=f"best held-out {r['bits']:.2f} bits per step" if r.get("bits") else ""),
        Figure(f"{config} small: training peak memory (ru_maxrss)", (r["peak_mb"],), "MB", "<= 1024 MB", cmd,
               stat="max"),
        Figure(f"{config} small: weights (safetensors)", (r["weights_mb"],), "MB", "<= 20 MB", cmd),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_band")
    parser.add_argument("--one", choices=CONFIGS, help="train one small band preset and print JSON")
    parser.add_argument("--seconds", type=float, default=SECONDS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.seconds)))
    else:
        print(json.dumps([f"{f.name}: {f.summary:.4g} {f.unit}" for f in run()], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
