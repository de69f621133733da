# SPDX-License-Identifier: MIT
"""The report card's sample checks: how many of the model's samples pass the sample-quality gate and how
many of their bars copy the training music, per temperature, beside real unseen music of the band.

`sample_checks` measures them (samples decoded as `sample` decodes them, before any redraw);
`check_lines` and `check_section` say them in report.md, in a musician's words.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from engine.data.bar_index import BarIndex
from engine.generation.gate import Limits
from engine.generation.runner import Runner
from engine.music.pattern import Pattern
from models.report import CheckedSamples, Report, SampleChecks

# report cards without a `default` row: what `sample` started at when they were written
DEFAULT_TEMPERATURE = 0.5


def checked(
    clips: Sequence[Pattern],
    temperature: float,
    limits: Limits,
    index: BarIndex | None,
    parts: Mapping[str, float] | None = None,
) -> CheckedSamples:
    """The gate's pass share, first faults and the copied-bar shares of a set of clips (decoded at
    `temperature`, or at each part's own in `parts`)."""
    faults = [limits.check(c) for c in clips]
    counts = Counter(f[0].label for f in faults if f)
    bars, single = index.shares(clips) if index is not None else (None, None)
    passed = sum(not f for f in faults) / len(clips) if clips else 0.0
    return CheckedSamples(
        temperature,
        len(clips),
        round(passed, 4),
        dict(counts.most_common()),
        _round(bars),
        _round(single),
        dict(parts or {}),
    )


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def sample_checks(
    runner: Runner,
    limits: Limits,
    index: BarIndex | None,
    real: Sequence[Pattern],
    n: int,
    seed: int,
    temperatures: Sequence[float],
    default: Mapping[str, float] | None = None,
) -> SampleChecks:
    """n samples at each temperature and, given `default` (each part's temperature), at the model's
    default temperatures (the same codes and noise seed for all), checked; and the real unseen clips
    `real`, checked the same way (None without any). The codes come from the runner's prior: the
    Gaussian of the training codes when the model has one, and the clips are moved into the training
    music's keys, as `sample` draws them (`Runner.new_clips`)."""
    out = []
    for t in temperatures:
        out.append(checked(runner.new_clips(n, t, seed), t, limits, index))
    at_default = None
    if default:
        clips = runner.new_clips(n, dict(default), seed)
        mean = round(sum(default.values()) / len(default), 3)
        parts = dict(default) if len(set(default.values())) > 1 else {}
        at_default = checked(clips, mean, limits, index, parts)
    real_checked = checked(real, 0.0, limits, index) if real else None
    return SampleChecks(limits.general, tuple(out), real_checked, at_default)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _at(s: SampleChecks, temperature: float) -> CheckedSamples | None:
    return next((c for c in s.temperatures if c.temperature == temperature), None)


def temperature_words(c: CheckedSamples) -> str:
    """'its default temperatures (melody 0.8, bass 0.5)' or 'temperature 0.5'."""
    if c.parts:
        return "its default temperatures (" + ", ".join(f"{p} {t:g}" for p, t in c.parts.items()) + ")"
    return f"temperature {c.temperature:g}"


def check_lines(r: Report) -> list[str]:
    """The verdict's sentences on the gate and copies (at the default temperature)."""
    s = r.checks
    at = (s.default or _at(s, DEFAULT_TEMPERATURE)) if s else None
    if s is None or at is None:
        return []
    real = f" (real unseen music: {_pct(s.real.passed)})" if s.real else ""
    lines = [
        f"{_pct(at.passed)} of its samples at {temperature_words(at)} pass the quality check"
        f"{real}; `sample` and the app redraw the others, so you only get clips that pass."
    ]
    if at.copied_bars is not None:
        chance = s.real.copied_bars if s.real else None
        than = f" (your unseen songs: {_pct(chance)})" if chance is not None else ""
        lines.append(
            f"{_pct(at.copied_bars)} of its sampled bars copy a bar of your music note for note{than}; "
            "`sample --novel` redraws clips that copy."
        )
    return lines


def check_section(r: Report) -> list[str]:
    """report.md's section on the gate and the copy check: what they are, then a table."""
    s = r.checks
    if s is None:
        return []
    limits = (
        "general limits (the model's card records no statistics of its training music)"
        if s.general_limits
        else "your music: its parts, how busy each part gets, its longest notes and each part's range"
    )
    lines = [
        "",
        "## Quality check and copies",
        "",
        "**Quality check.** Before you get a clip, Bandmate checks it for plain faults: a part the model "
        "always plays (melody, bass, drums; a band model chooses its instruments) left silent; a bar "
        "with half again as many notes of a part as the "
        "busiest bars of your music; a note held longer than your music ever holds one; notes more than "
        f"3 semitones outside a part's range; or a silence longer than your music ever rests. It compares "
        f"with {limits}. A clip that fails is redrawn, and Bandmate says how many were and why: the share "
        "below is how often the model gets it right first time.",
        "",
        "**Copies.** A sampled bar is a copy when its notes (pitch and 16th, every instrument; loudness "
        "and timing aside; moved to another key still counts) are those of a bar of your training music. "
        "Bars with fewer than 4 notes, or a riff on one note, count as nobody's. "
        "The app marks clips that copy and names the file and bar; `sample --novel` redraws them.",
        "",
        "| | pass the check | bars copied | single-instrument bars copied | most common fault |",
        "|---|---|---|---|---|",
    ]
    rows = [(f"samples T={c.temperature}", c) for c in s.temperatures]
    if s.default is not None:
        label = ", ".join(f"{p} {t:g}" for p, t in s.default.parts.items()) or f"T={s.default.temperature:g}"
        rows.insert(0, (f"samples at its defaults ({label})", s.default))
    rows += [("real unseen music", s.real)] if s.real else []
    for label, c in rows:
        fault = next(iter(c.faults), "")
        fault = f"{fault} ({c.faults[fault]})" if fault else "-"
        lines.append(
            f"| {label} | {_pct(c.passed)} of {c.samples} | {_pct(c.copied_bars)} | "
            f"{_pct(c.copied_instrument_bars)} | {fault} |"
        )
    return lines
