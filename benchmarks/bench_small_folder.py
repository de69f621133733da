# SPDX-License-Identifier: MIT
"""Issue 14's small-folder figures: a musician's ~15 songs of a band the models never heard, trained on
from the bundled (base) model and from scratch for the same wall time, and judged on the band's songs
that neither run saw.

The band: the 15 Freedoom songs held out of every corpus (scripts/corpus/heldout_band.txt; the folder
`make corpora` writes, else the same files in ../shared/data/midi/multitrack/freedoom-freedoom).
The split (fixed): the songs in name order, every third one (the 3rd, 6th, ... 15th) held out: 10
songs to train on, 5 unseen songs to judge on.

Per config, both starts train through `engine.training.train.train` (the loop `main.py train` and the
app run; on a folder this small `train` fine-tunes the bundled model by default, engine/training/
start.py, and `--scratch` opts out) for `--minutes` of wall time each, pinned to one CPU core with one
torch thread, so both get the same CPU. Each model's report card (engine/evaluation: `evaluate` on the
5 unseen songs, its training folder as the training music) then gives:

- held-out negative ELBO in bits per 16th step and each part's guided onset F1; targets: fine-tuned
  below / above from scratch;
- the mean Yang & Lerch overlap (part by part) of samples at the model's default temperatures (the
  report card's per-part recommendation: what `sample` uses) against the training music, beside the
  non-copying random baseline's and the 5 unseen songs' own; targets: >= baseline + 0.08 and within 0.02
  of the unseen songs;
- the share of sampled bars that copy a bar of the training songs, all instruments together and single
  instruments (the copy check at the default temperatures); target <= 5%.

    python -m benchmarks.run small_folder                            # all five configs, 4 min a start
    python -m benchmarks.run small_folder --configs drums_2bar --minutes 4 --core 0
    python -m benchmarks.run small_folder --base build/base --configs mel_2bar band_4bar
    python -m benchmarks.run small_folder --configs mel_2bar --runs 3  # the median of 3 runs a figure

A 4-minute run of one start varies from run to run (the steps a busy core makes decide where it
stops, and its weights still move a lot in a minute: docs/FINETUNE.md): mel_2bar's fine-tuned overlap
came out 0.906 and 0.939 in two runs of the same code, its onset F1 43% and 51%. `--runs N` trains and
measures each config N times and gives each figure the N values; its target is judged on their medians
(scripts/small_folder.py `combine`).

`--base DIR` holds the base models (DIR/<config>/model.json; default resources/models, the bundled
ones). A run of some configs keeps the other configs' rows of the section in BENCHMARKS.md.
`python -m benchmarks.bench_small_folder --json ...` prints the measures as JSON and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Figure
from scripts.small_folder import BUNDLED, CMD, CONFIGS, MINUTES, SECTION, measure_config, rows_of


def figures(runs: list[dict], cmd: str = CMD) -> list[Figure]:
    """The figures of one or more `scripts.small_folder.measure_config` runs of a config (`rows_of`: the
    runs' values, judged on their medians)."""
    return [Figure(**row) for row in rows_of(runs, cmd)]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=CMD, description="Issue 14's small-folder figures (see the module).")
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=CONFIGS, metavar="CONFIG")
    p.add_argument("--minutes", type=float, default=MINUTES, help=f"minutes a start (default {MINUTES:g})")
    p.add_argument("--base", type=Path, default=BUNDLED, help="the base models' folder (default: bundled)")
    p.add_argument("--core", type=int, default=None, help="CPU core to pin to (default the first allowed)")
    p.add_argument("--runs", type=int, default=1, help="runs a config; a figure is their median (default 1)")
    p.add_argument("--json", action="store_true", help="print the measures as JSON; write no figures")
    return p


def _kept(configs: list[str]) -> list[Figure]:
    """The section's rows in benchmarks/results.json of configs not measured now."""
    from benchmarks.run import STORE

    old = json.loads(STORE.read_text()).get(SECTION, {}) if STORE.exists() else {}
    return [
        Figure(**{**f, "values": tuple(f["values"])})
        for f in old.get("figures", [])
        if f["name"].split(",")[0] not in configs
    ]


def run(argv: list[str] | None = None) -> list[Figure]:
    import torch

    args = _parser().parse_args(argv or [])
    core = args.core if args.core is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    torch.set_num_threads(1)
    cmd = " ".join([CMD, *(argv or [])])
    out: list[Figure] = [] if args.json else _kept(args.configs)
    with tempfile.TemporaryDirectory(prefix="bandmate-small-") as tmp:
        for config in args.configs:
            runs = []
            for i in range(max(1, args.runs)):
                t0 = time.monotonic()
                runs.append(measure_config(config, args.base, Path(tmp) / f"run{i + 1}", args.minutes))
                print(json.dumps(runs[-1]), flush=True)
                print(f"bench {SECTION}: {config} run {i + 1} took {time.monotonic() - t0:.0f} s", flush=True)
            out += figures(runs, cmd)
    return out


if __name__ == "__main__":
    if "--json" in sys.argv[1:]:
        run(sys.argv[1:])
    else:
        from benchmarks.run import main

        sys.exit(main([SECTION, *sys.argv[1:]]))
