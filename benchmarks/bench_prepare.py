# SPDX-License-Identifier: MIT
"""Data pipeline speed: a cold (empty cache) and a cached `prepare`, against pretty_midi parsing the same
files.

Two folders: the 64 sample files of ../shared/data/midi (recursive) and 1,000 files taken evenly from the
MIDI of ../shared/data/train (Groove, POP909, Hydrogen patterns; OpenEWLD is MusicXML, which neither
prepare nor pretty_midi reads), linked into a temporary folder. Both timings of a pair are taken in the same
run, one right after the other, so that the ratio holds even on a busy machine.
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
TRAIN = ROOT.parent / "shared" / "data" / "train"
BIG_FILES = 1000
COLD_RUNS, BIG_RUNS, CACHED_RUNS = 3, 2, 5
COMMAND = "python -m benchmarks.run prepare"
SUFFIXES = (".mid", ".midi", ".kar")


def thousand_files(into: Path, count: int = BIG_FILES) -> Path:
    """A folder of `count` links to MIDI files spread evenly over ../shared/data/train (sorted paths)."""
    found = sorted(p for p in TRAIN.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    if len(found) < count:
        raise RuntimeError(f"{TRAIN} holds {len(found)} MIDI files, fewer than {count}")
    folder = into / "thousand"
    folder.mkdir()
    for i in range(count):
        src = found[i * len(found) // count]
        (folder / f"{i:04d}_{src.name}").symlink_to(src.resolve())
    return folder


_PRETTY_MIDI = """
import json, sys, time, warnings
from pathlib import Path
import pretty_midi
warnings.simplefilter("ignore")
paths = sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix.lower() in (".mid", ".midi", ".kar"))
failed = 0
t0, c0 = time.perf_counter(), time.process_time()
for path in paths:
    try:
        pretty_midi.PrettyMIDI(str(path))
    except Exception:
        failed += 1
print(json.dumps([time.perf_counter() - t0, failed, time.process_time() - c0]))
"""


def pretty_midi_seconds(folder: Path) -> tuple[float, int]:
    """Wall seconds pretty_midi takes to parse every MIDI file under `folder`, and how many it could not
    parse. Timed inside a fresh process that imports only pretty_midi (interpreter start-up and imports
    not counted), so that it does not pay for the benchmark's own objects (torch's) at each garbage
    collection."""
    seconds, failed, _ = pretty_midi_run(folder)
    return seconds, failed


def pretty_midi_run(folder: Path) -> tuple[float, int, float]:
    """`pretty_midi_seconds` and the CPU seconds of that parse."""
    done = subprocess.run(
        [sys.executable, "-c", _PRETTY_MIDI, str(folder)], capture_output=True, text=True, check=True
    )
    seconds, failed, cpu = json.loads(done.stdout.strip().splitlines()[-1])
    return float(seconds), int(failed), float(cpu)


def cpu_ratio(folder: Path, tmp: str, tag: str) -> float:
    """CPU seconds of a cold `prepare` in one process (BANDMATE_PREPARE_WORKERS=1) over the CPU seconds
    pretty_midi needs to parse the same files: the work itself, whatever else the machine runs (the
    wall ratio also depends on how many cores are free for the pool)."""
    old = os.environ.get("BANDMATE_PREPARE_WORKERS")
    os.environ["BANDMATE_PREPARE_WORKERS"] = "1"
    try:
        cpu = prepare_seconds(folder, os.path.join(tmp, f"{tag}-cpu"))[1]
    finally:
        if old is None:
            os.environ.pop("BANDMATE_PREPARE_WORKERS", None)
        else:
            os.environ["BANDMATE_PREPARE_WORKERS"] = old
    return cpu / pretty_midi_run(folder)[2]


def prepare_seconds(folder: Path, cache_dir: str) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, files) of `prepare(folder)` (all configs) with the
    cache at `cache_dir`."""
    from engine.data.dataset import prepare

    old = os.environ.get("BANDMATE_CACHE_DIR")
    os.environ["BANDMATE_CACHE_DIR"] = cache_dir
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        report = prepare(folder)
        return time.perf_counter() - t0, time.process_time() - c0, len(report.files)
    finally:
        if old is None:
            os.environ.pop("BANDMATE_CACHE_DIR", None)
        else:
            os.environ["BANDMATE_CACHE_DIR"] = old


def _pairs(folder: Path, tmp: str, runs: int, tag: str) -> tuple[list[float], list[float], list[float], int]:
    """`runs` pairs of (cold prepare, pretty_midi parse) seconds and their ratios, the order alternating
    between pairs; and how many files pretty_midi could not parse."""
    prep, pm, ratio, failed = [], [], [], 0
    for i in range(runs):
        if i % 2:
            parse, failed = pretty_midi_seconds(folder)
        cold = prepare_seconds(folder, os.path.join(tmp, f"{tag}-cold{i}"))[0]
        if not i % 2:
            parse, failed = pretty_midi_seconds(folder)
        prep.append(cold)
        pm.append(parse)
        ratio.append(cold / parse)
    return prep, pm, ratio, failed


def run() -> list[Figure]:
    from engine.data.converters import CONVERTERS

    load = os.getloadavg()[0]
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        big = thousand_files(Path(tmp))
        for folder, label, runs in ((MIDI, "sample", COLD_RUNS), (big, "1000", BIG_RUNS)):
            files = sum(1 for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)
            where = (
                f"{files} files of ../shared/data/midi"
                if label == "sample"
                else f"{files} files from ../shared/data/train (Groove, POP909, Hydrogen)"
            )
            what = f"{where}, all {len(CONVERTERS)} configs"
            prep, pm, ratio, failed = _pairs(folder, tmp, runs, label)
            work = cpu_ratio(folder, tmp, label)
            shared = os.path.join(tmp, f"{label}-shared")
            prepare_seconds(folder, shared)  # fill the cache once
            cached = [prepare_seconds(folder, shared)[0] for _ in range(CACHED_RUNS)]
            note = f"{what}; load average {load:.1f} at the start"
            figures += [
                Figure(f"{label}: prepare, cold cache", tuple(prep), "s", "", COMMAND, note),
                Figure(
                    f"{label}: pretty_midi alone parsing the same files",
                    tuple(pm),
                    "s",
                    "",
                    COMMAND,
                    f"{where}; {failed} it could not parse; timed in a fresh process",
                ),  # fmt: skip
                Figure(
                    f"{label}: cold prepare / pretty_midi parse (in the same run)",
                    tuple(ratio),
                    "x",
                    "≤ 0.5",
                    COMMAND,
                    "both timed back to back; the order alternates",
                ),  # fmt: skip
                Figure(
                    f"{label}: CPU seconds of a cold prepare in one process / of pretty_midi's parse",
                    (work,),
                    "x",
                    "",
                    COMMAND,
                    "the work itself; the wall ratio above also depends on the cores free for the pool",
                ),  # fmt: skip
                Figure(f"{label}: prepare, cached", tuple(cached), "s", "< 1 s", COMMAND, what),
                Figure(
                    f"{label}: prepare, cached",
                    tuple(files / c for c in cached),
                    "files/s",
                    "> 200 files/s",
                    COMMAND,
                    what,
                ),  # fmt: skip
            ]
    return figures


if __name__ == "__main__":  # quick look without rewriting BENCHMARKS.md
    for fig in run():
        print(f"{fig.name}: {fig.stat} {fig.summary:.4g} {fig.unit} ({fig.spread}) target {fig.target}")
