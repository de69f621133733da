# SPDX-License-Identifier: MIT
"""`python main.py prepare FOLDER [--config NAME|all] [--json] [--no-cache]`: what each MIDI file gives."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.data.examples import FileReport, PrepareReport

NAME = "prepare"
HELP = "scan a MIDI folder and report what each file gives"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder")
    p.add_argument("--config", default="all", help="config name or 'all'")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--no-cache", action="store_true", help="parse again, ignore the cache")


def run(args: argparse.Namespace) -> int:
    """Exit 0 when it ran (skipped files included), 2 for a missing folder, no MIDI or an unknown config."""
    from engine.data.dataset import DatasetError, prepare

    configs = None if args.config == "all" else [args.config]
    progress = None if args.json or not sys.stderr.isatty() else _progress
    try:
        report = prepare(args.folder, configs, use_cache=not args.no_cache, progress=progress)
    except DatasetError as exc:
        print(f"prepare: {exc}", file=sys.stderr)
        return 2
    if progress:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(format_table(report))
    return 0


def _progress(done: int, total: int) -> None:
    print(f"\rreading {done}/{total} files", end="", file=sys.stderr, flush=True)


def format_table(report: PrepareReport) -> str:
    """One line per file (used or skipped with the reason), then a summary."""
    from models.spec import SPECS

    configs = list(report.examples)
    short = [SPECS[c].short_name if c in SPECS else c for c in configs]
    head = f"{'file':40} {'status':7} {'bars':>5} " + " ".join(f"{s:>6}" for s in short)
    lines = [head + "  tracks (role)", "-" * (len(head) + 16)]
    for f in report.files:
        lines.append(_row(f, report.folder, configs))
    counts = ", ".join(f"{c} {n}" for c, n in report.examples.items())
    lines.append("")
    lines.append(
        f"{report.files_used} of {len(report.files)} files used, {len(report.files_skipped)} skipped; "
        f"examples: {counts} ({report.seconds:.1f} s)"
    )
    lines.append(coverage_line(report))
    return "\n".join(lines)


def coverage_line(report: PrepareReport) -> str:
    """ "notes kept: mel_2bar 71% (3,120 of 4,402), ..." : per config, the share of the notes in the
    usable 4/4 bars that its examples keep (engine/data/coverage.py)."""
    cells = [f"{c} {v.share:.0%} ({v.kept:,} of {v.notes:,})" for c, v in report.coverage.items() if v.notes]
    return "notes in usable bars that each model's examples keep: " + (", ".join(cells) or "none")


def _row(f: FileReport, folder: str, configs: list[str]) -> str:
    try:
        name = str(Path(f.path).relative_to(folder))
    except ValueError:
        name = f.path
    name = name if len(name) <= 40 else "…" + name[-39:]
    if not f.used and not f.bars:
        return f"{name:40} skipped  {f.reason}"
    cells = " ".join(f"{f.examples.get(c, 0):>6}" for c in configs)
    status = "used" if f.used else "skipped"
    notes = [f.reason] if f.reason else []
    notes += [f"left out: {'; '.join(f.skipped_parts)}"] if f.skipped_parts else []
    notes += [f"read: {'; '.join(f.notices)}"] if f.notices else []
    extra = f"  [{' / '.join(notes)}]" if notes else ""
    return f"{name:40} {status:7} {f.bars:>5} {cells}  {_tracks(f)}{extra}"


def _tracks(f: FileReport) -> str:
    parts = []
    for t in f.tracks:
        if t["role"] == "other":
            continue
        parts.append("drums" if t["drums"] else f"{t['role']}({t['program']})")
    others = sum(t["role"] == "other" for t in f.tracks)
    return ", ".join(parts + ([f"{others} other"] if others else [])) or "-"
