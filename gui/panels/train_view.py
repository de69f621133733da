# SPDX-License-Identifier: MIT
"""Plain-text views of training data for the Train panel (what was found, time left)."""

from __future__ import annotations

from typing import Any


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = max(0, int(round(seconds)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def describe_prepare(report: Any) -> str:
    """engine.dataset's PrepareReport as lines: files used, examples per model type, files skipped and why."""
    lines: list[str] = []
    used = list(getattr(report, "used", None) or getattr(report, "files_used", None) or [])
    skipped = getattr(report, "skipped", None) or getattr(report, "files_skipped", None) or []
    examples = getattr(report, "examples", None) or getattr(report, "examples_per_config", None) or {}
    lines.append(
        f"Found {len(used) + len(skipped)} MIDI file(s): {len(used)} usable, {len(skipped)} skipped."
    )
    if examples:
        lines.append("Training examples: " + ", ".join(f"{k} {v}" for k, v in dict(examples).items()))
    seconds = getattr(report, "seconds", None)
    if seconds is not None:
        lines.append(f"Scanned in {seconds:.1f} s.")
    if skipped:
        lines.append("")
        lines.append("Skipped:")
        items = skipped.items() if isinstance(skipped, dict) else skipped
        for entry in items:
            lines.append("  " + _entry(entry))
    return "\n".join(lines)


def _entry(entry: Any) -> str:
    if isinstance(entry, tuple | list) and len(entry) == 2:
        return f"{_name(entry[0])}: {entry[1]}"
    path = getattr(entry, "path", None) or getattr(entry, "file", None)
    reason = getattr(entry, "reason", None) or getattr(entry, "reasons", None)
    if path is not None:
        if isinstance(reason, list | tuple):
            reason = "; ".join(map(str, reason))
        return f"{_name(path)}: {reason}"
    return str(entry)


def _name(path: Any) -> str:
    return str(path).rsplit("/", 1)[-1]
