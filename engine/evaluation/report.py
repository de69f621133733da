# SPDX-License-Identifier: MIT
"""The report card's data (`Report`), its plain-language verdict and its markdown rendering."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine.evaluation.metrics import FEATURE_LABELS

FEW_FILES = 20  # below this a model from scratch mostly memorises: suggest fine-tuning instead
OVERFIT_STRONG, OVERFIT_MILD = 0.15, 0.07  # train minus held-out teacher-forced accuracy
STILL_LEARNING = 0.6  # held-out teacher-forced accuracy below this: train longer


@dataclass(slots=True)
class Report:
    """Every number of a report card; `to_dict()` is what report.json and `evaluate --json` hold.

    held_out/train come from `engine.evaluation.recon.reconstruction`, style from
    `engine.evaluation.evaluate.style_scores`.
    """

    model: str
    config: str
    source: str
    data: dict[str, Any]
    held_out: dict[str, Any] | None
    train: dict[str, Any] | None
    style: dict[str, Any]
    seed: int = 0
    device: str = "cpu"
    seconds: float = 0.0
    verdict: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None, fmt: str = ".2f") -> str:
    return "n/a" if x is None else format(x, fmt)


def _learned_from(r: Report) -> str:
    d = r.data
    if not d.get("train_files"):
        return f"Tested on {d['heldout_files']} files (its training music is not recorded or not here)"
    what = f"{d['train_bars']} bars" if d.get("train_bars") else f"{d['train_examples']} training clips"
    return f"Learned from {d['train_files']} files ({what})"


def _accuracy_line(r: Report) -> str:
    h = r.held_out
    if h is None:
        return "No held-out music to test it on."
    return (
        f"On music it never saw it predicts {_pct(h['teacher_forced'])} of the next steps right when "
        f"guided, and rebuilds {_pct(h['sampled'])} of a phrase on its own"
    )


def _style_line(r: Report) -> str | None:
    s = r.style
    if not s.get("temperatures") or s.get("baseline") is None:
        return None
    best = s["temperatures"][str(s["best_temperature"])]["mean_overlap"] or 0.0
    base = s["baseline"]["mean_overlap"] or 0.0
    real = (s.get("held_out_music") or {}).get("mean_overlap")
    ceiling = f"; real unseen music scores {real:.2f}" if real is not None else ""
    if best > base + 0.02:
        line = f"Its samples sound more like your music than random notes ({best:.2f} vs {base:.2f}{ceiling})"
    else:
        line = (
            f"Its samples are not yet more like your music than random notes drawn from it ({best:.2f} vs "
            f"{base:.2f}{ceiling}): train longer or on more files"
        )
    return line + _feature_wins(s)


def _feature_wins(s: dict[str, Any]) -> str:
    """Which features the best samples beat the baseline on, and which they lose on (by > 0.05)."""
    model = s["temperatures"][str(s["best_temperature"])]["features"]
    base = s["baseline"]["features"]

    def area(scores: dict[str, Any], name: str) -> float:
        return (scores.get(name) or {}).get("overlap") or 0.0

    wins = [FEATURE_LABELS.get(n, n) for n in model if area(model, n) > area(base, n) + 0.05]
    losses = [FEATURE_LABELS.get(n, n) for n in model if area(base, n) > area(model, n) + 0.05]
    text = f". Better than random on: {'; '.join(wins)}" if wins else ""
    return text + (f". Random is closer on: {'; '.join(losses)}" if losses else "")


def _fit_lines(r: Report) -> list[str]:
    lines = []
    files = r.data.get("train_files", 0)
    if 0 < files < FEW_FILES:
        lines.append(
            f"Only {files} files: few for a model that starts from scratch, so it will mostly copy them. "
            f"Fine-tune a bundled model instead: `python main.py train FOLDER --from {r.config}`"
        )
    h, t = r.held_out, r.train
    if h is None or t is None:
        lines.append("Over-fitting could not be measured (no held-out or no training music).")
        return lines
    gap = t["teacher_forced"] - h["teacher_forced"]
    pair = f"{_pct(t['teacher_forced'])} on its training music vs {_pct(h['teacher_forced'])} on unseen music"
    if gap > OVERFIT_STRONG:
        lines.append(f"It over-fits (memorises): {pair}. Add more files or fine-tune a bundled model.")
    elif gap > OVERFIT_MILD:
        lines.append(f"It starts to over-fit: {pair}. More files would help.")
    else:
        lines.append(f"No sign of over-fitting: {pair}.")
    if h["teacher_forced"] < STILL_LEARNING:
        lines.append("It is still learning: train it longer (`--minutes`) for tighter results.")
    return lines


def verdict(r: Report) -> list[str]:
    """Plain sentences for a musician; the first is the headline."""
    style = _style_line(r)
    headline = f"{_learned_from(r)}. {_accuracy_line(r)}."
    lines = [headline] + ([style + "."] if style else []) + _fit_lines(r)
    if r.style.get("best_temperature") is not None:
        t = r.style["best_temperature"]
        lines.append(
            f"Temperature {t} suits it best (its samples match your music most closely); lower is safer "
            "and more repetitive, higher more adventurous."
        )
    return lines


def _recon_rows(r: Report) -> list[str]:
    rows = [
        ("guided accuracy (teacher-forced)", "teacher_forced", _pct),
        ("own accuracy (sampled, argmax)", "sampled", _pct),
        ("KL per example (nats)", "kl", _num),
        ("velocity error (MIDI 0-127)", "velocity_error", _num),
        ("timing error (16ths)", "offset_error", _num),
    ]
    out = ["| | unseen music | training music |", "|---|---|---|"]
    for label, key, fmt in rows:
        vals = [None if side is None else side.get(key, "skip") for side in (r.held_out, r.train)]
        if "skip" not in vals:
            out.append(f"| {label} | {fmt(vals[0])} | {fmt(vals[1])} |")
    return out


def _style_rows(r: Report) -> list[str]:
    s = r.style
    temps = s.get("temperatures") or {}
    columns = [(f"T={t}", v) for t, v in temps.items()] + [("random baseline", s.get("baseline"))]
    if s.get("held_out_music"):
        columns.append(("real unseen music", s["held_out_music"]))
    out = ["| feature | " + " | ".join(c for c, _ in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    features = next((v["features"] for _, v in columns if v), {})
    for name in features:
        cells = [_num(((v or {}).get("features", {}).get(name) or {}).get("overlap")) for _, v in columns]
        out.append(f"| {FEATURE_LABELS.get(name, name)} | " + " | ".join(cells) + " |")
    out.append(
        "| **mean** | " + " | ".join(f"**{_num((v or {}).get('mean_overlap'))}**" for _, v in columns) + " |"
    )
    return out


def render_markdown(r: Report) -> str:
    """report.md: the verdict first, then the numbers in tables."""
    title = f"{r.config} model" if r.model == r.config else f"{r.model} ({r.config})"
    lines = [f"# Report card: {title}", "", f"**{r.verdict[0]}**" if r.verdict else "", ""]
    lines += [f"- {line}" for line in r.verdict[1:]]
    lines += ["", f"## How well it rebuilds music ({r.source})", ""] + _recon_rows(r)
    if r.style.get("temperatures"):
        lines += [
            "",
            f"## How its samples compare with {r.style.get('reference', 'the training music')}",
            "",
            "Overlap 0..1 per feature (Yang & Lerch 2018): 1 means the samples vary the way your music does.",
            "",
        ] + _style_rows(r)
    d = r.data
    lines += [
        "",
        "## Data",
        "",
        f"Training: {d['train_files']} files, {d['train_examples']} clips"
        f"{' (with transposed copies)' if d.get('transposed') else ''}. "
        f"Tested on: {d['heldout_files']} files, {d['heldout_examples']} clips.",
        "",
        f"_seed {r.seed}, device {r.device}, {r.seconds:.1f} s_",
        "",
    ]
    return "\n".join(lines)
