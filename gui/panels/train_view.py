# SPDX-License-Identifier: MIT
"""Plain-text views for the Train panel: what a folder scan found and skipped, time left."""

from __future__ import annotations

from pathlib import Path

from engine.data.examples import PrepareReport


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = max(0, int(round(seconds)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def describe_prepare(report: PrepareReport, config: str | None = None) -> str:
    """Files used (bars, examples), examples per model type, the share of the notes in usable bars each
    model type's examples keep, files skipped with their reasons."""
    skipped = report.files_skipped
    lines = [
        f"Found {len(report.files)} MIDI file(s) in {Path(report.folder).name}: "
        f"{report.files_used} usable, {len(skipped)} skipped ({report.seconds:.1f} s).",
        "Training examples: " + ", ".join(f"{k} {v}" for k, v in report.examples.items()),
    ]
    kept = [f"{k} {v.share:.0%}" for k, v in report.coverage.items() if v.notes]
    if kept:
        total = max(v.notes for v in report.coverage.values())
        lines.append(f"Notes each model type sees (of {total:,} in usable bars): " + ", ".join(kept))
    if config is not None and not report.examples.get(config):
        lines.append(f"No {config} examples here: pick another model type or another folder.")
    if skipped:
        lines += ["", "Skipped:"]
        lines += [f"  {Path(f.path).name}: {f.reason}" for f in skipped]
    used = [f for f in report.files if f.used]
    if used:
        lines += ["", "Used:"]
        for f in used:
            parts = f" (not used: {'; '.join(f.skipped_parts)})" if f.skipped_parts else ""
            counts = ", ".join(f"{k} {v}" for k, v in f.examples.items() if v)
            lines.append(f"  {Path(f.path).name}: {f.bars} bars, {counts}{parts}")
    return "\n".join(lines)


def demote_headings(markdown: str, levels: int = 2) -> str:
    """Headings made smaller (# → ###) so a report card fits the narrow panel."""
    return "\n".join("#" * levels + line if line.startswith("#") else line for line in markdown.splitlines())
