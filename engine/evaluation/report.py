# SPDX-License-Identifier: MIT
"""The report card's plain-language verdict and its markdown rendering (report.md). Its numbers are the
frozen `Report` of models/report.py (report.json), re-exported here."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from engine.evaluation.checks import check_lines, check_section
from engine.evaluation.metrics import FEATURE_LABELS
from models.report import (
    FeatureScore,
    GrooveSpread,
    KeyScores,
    Reconstruction,
    Report,
    ReportData,
    ReportError,
    SetScores,
    StyleScores,
    read_report,
)
from models.spec import SPECS

__all__ = [
    "FeatureScore",
    "GrooveSpread",
    "KeyScores",
    "Reconstruction",
    "Report",
    "ReportData",
    "ReportError",
    "SetScores",
    "StyleScores",
    "read_report",
    "render_markdown",
    "verdict",
    "with_verdict",
]
FEW_FILES = 20  # below this a model from scratch mostly memorises: suggest fine-tuning instead
OVERFIT_STRONG, OVERFIT_MILD = 0.15, 0.07  # train minus held-out teacher-forced accuracy
STILL_LEARNING = 0.6  # held-out teacher-forced accuracy below this: train longer


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, fmt: str = ".2f") -> str:
    return "n/a" if x is None else format(x, fmt)


def _learned_from(r: Report) -> str:
    d = r.data
    if not d.train_files:
        return f"Tested on {d.heldout_files} files (its training music is not recorded or not here)"
    what = f"{d.train_bars} bars" if d.train_bars else f"{d.train_examples} training clips"
    return f"Learned from {d.train_files} files ({what})"


def _accuracy_line(r: Report) -> str:
    h = r.held_out
    if h is None:
        return "No held-out music to test it on."
    return (
        f"On music it never saw it predicts {_pct(h.teacher_forced)} of the next steps right when "
        f"guided, and rebuilds {_pct(h.sampled)} of a phrase on its own"
    )


def _style_line(r: Report) -> str | None:
    s = r.style
    if not s.temperatures or s.baseline is None:
        return None
    best = s.temperatures[str(s.best_temperature)].mean_overlap or 0.0
    base = s.baseline.mean_overlap or 0.0
    real = s.held_out_music.mean_overlap if s.held_out_music else None
    ceiling = f"; real unseen music scores {real:.2f}" if real is not None else ""
    if best > base + 0.02:
        line = f"Its samples sound more like your music than random notes ({best:.2f} vs {base:.2f}{ceiling})"
    else:
        line = (
            f"Its samples are not yet more like your music than random notes drawn from it ({best:.2f} vs "
            f"{base:.2f}{ceiling}): train longer or on more files"
        )
    return line + _feature_wins(s)


def _feature_wins(s: StyleScores) -> str:
    """Which features the best samples beat the baseline on, and which they lose on (by > 0.05)."""
    model = s.temperatures[str(s.best_temperature)].features
    base = s.baseline.features if s.baseline else {}

    def area(scores: Mapping[str, FeatureScore | None], name: str) -> float:
        score = scores.get(name)
        return (score.overlap if score else 0.0) or 0.0

    wins = [FEATURE_LABELS.get(n, n) for n in model if area(model, n) > area(base, n) + 0.05]
    losses = [FEATURE_LABELS.get(n, n) for n in model if area(base, n) > area(model, n) + 0.05]
    text = f". Better than random on: {'; '.join(wins)}" if wins else ""
    return text + (f". Random is closer on: {'; '.join(losses)}" if losses else "")


def _fit_lines(r: Report) -> list[str]:
    lines = []
    files = r.data.train_files
    if 0 < files < FEW_FILES:
        lines.append(
            f"Only {files} files: few for a model that starts from scratch, so it will mostly copy them. "
            f"Fine-tune a bundled model instead: `python main.py train FOLDER --from {r.config}`"
        )
    h, t = r.held_out, r.train
    if h is None or t is None:
        lines.append("Over-fitting could not be measured (no held-out or no training music).")
        return lines
    gap = t.teacher_forced - h.teacher_forced
    pair = f"{_pct(t.teacher_forced)} on its training music vs {_pct(h.teacher_forced)} on unseen music"
    if gap > OVERFIT_STRONG:
        lines.append(f"It over-fits (memorises): {pair}. Add more files or fine-tune a bundled model.")
    elif gap > OVERFIT_MILD:
        lines.append(f"It starts to over-fit: {pair}. More files would help.")
    else:
        lines.append(f"No sign of over-fitting: {pair}.")
    if h.teacher_forced < STILL_LEARNING:
        lines.append("It is still learning: train it longer (`--minutes`) for tighter results.")
    return lines


def verdict(r: Report) -> tuple[str, ...]:
    """Plain sentences for a musician; the first is the headline."""
    style = _style_line(r)
    headline = f"{_learned_from(r)}. {_accuracy_line(r)}."
    lines = [headline] + ([style + "."] if style else []) + check_lines(r) + _fit_lines(r)
    if r.style.best_temperature is not None:
        t = r.style.best_temperature
        lines.append(
            f"Temperature {t} suits it best (its samples match your music most closely); lower is safer "
            "and more repetitive, higher more adventurous."
        )
    return tuple(lines)


def _recon_rows(r: Report) -> list[str]:
    """The reconstruction table; the error rows only for the heads the model's config has."""
    spec = SPECS.get(r.config)
    rows = [
        ("guided accuracy (teacher-forced)", "teacher_forced", _pct, True),
        ("own accuracy (sampled, argmax)", "sampled", _pct, True),
        ("KL per example (nats)", "kl", _num, True),
        ("velocity error (MIDI 0-127)", "velocity_error", _num, spec is not None and spec.velocity_head),
        ("timing error (16ths)", "offset_error", _num, spec is not None and spec.offset_head),
    ]
    out = ["| | unseen music | training music |", "|---|---|---|"]
    for label, key, fmt, shown in rows:
        if shown:
            vals = [None if side is None else getattr(side, key) for side in (r.held_out, r.train)]
            out.append(f"| {label} | {fmt(vals[0])} | {fmt(vals[1])} |")
    return out


def _style_rows(s: StyleScores) -> list[str]:
    columns = [(f"T={t}", v) for t, v in s.temperatures.items()] + [("random baseline", s.baseline)]
    if s.held_out_music:
        columns.append(("real unseen music", s.held_out_music))
    out = ["| feature | " + " | ".join(c for c, _ in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    features = next((v.features for _, v in columns if v), {})
    for name in features:
        cells = [_num(_overlap(v, name)) for _, v in columns]
        out.append(f"| {FEATURE_LABELS.get(name, name)} | " + " | ".join(cells) + " |")
    means = [_num(v.mean_overlap if v else None) for _, v in columns]
    out.append("| **mean** | " + " | ".join(f"**{m}**" for m in means) + " |")
    return out


def _overlap(scores: SetScores | None, name: str) -> float | None:
    score = scores.features.get(name) if scores else None
    return score.overlap if score else None


def render_markdown(r: Report) -> str:
    """report.md: the verdict first, then the numbers in tables."""
    title = f"{r.config} model" if r.model == r.config else f"{r.model} ({r.config})"
    lines = [f"# Report card: {title}", "", f"**{r.verdict[0]}**" if r.verdict else "", ""]
    lines += [f"- {line}" for line in r.verdict[1:]]
    lines += ["", f"## How well it rebuilds music ({r.source})", ""] + _recon_rows(r)
    if r.style.temperatures:
        lines += [
            "",
            f"## How its samples compare with {r.style.reference or 'the training music'}",
            "",
            "Overlap 0..1 per feature (Yang & Lerch 2018): 1 means the samples vary the way your music does.",
            "",
        ] + _style_rows(r.style)
    lines += check_section(r)
    d = r.data
    lines += [
        "",
        "## Data",
        "",
        f"Training: {d.train_files} files, {d.train_examples} clips"
        f"{' (with transposed copies)' if d.transposed else ''}. "
        f"Tested on: {d.heldout_files} files, {d.heldout_examples} clips.",
        "",
        f"_seed {r.seed}, device {r.device}, {r.seconds:.1f} s_",
        "",
    ]
    return "\n".join(lines)


def with_verdict(r: Report, seconds: float | None = None) -> Report:
    """The report with its verdict written (and the seconds it took, when given)."""
    r = dataclasses.replace(r, verdict=verdict(r))
    return r if seconds is None else dataclasses.replace(r, seconds=seconds)
