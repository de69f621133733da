# SPDX-License-Identifier: MIT
"""The report card's plain-language verdict and its markdown rendering (report.md). Its numbers are the
frozen `Report` of models/report.py (report.json), re-exported here.

The verdict leads with what a musician can trust: how likely unseen music is under the model against a
model that only knows how often each note occurs, how many of each part's notes it catches, whether
every part plays in its samples as often as in the music, and the temperature each part suits; token
accuracy (mostly "no event" steps) stays in a table for comparison with earlier report cards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from engine.evaluation.checks import check_lines, check_section
from engine.evaluation.metrics import feature_label
from models.report import (
    FeatureScore,
    GrooveSpread,
    KeyScores,
    PartScores,
    PartStats,
    Reconstruction,
    Report,
    ReportData,
    ReportError,
    SampleSet,
    SetScores,
    StyleScores,
    read_report,
    top_k_key,
)
from models.spec import SPECS

__all__ = [
    "FeatureScore",
    "GrooveSpread",
    "KeyScores",
    "PartScores",
    "PartStats",
    "Reconstruction",
    "Report",
    "ReportData",
    "ReportError",
    "SampleSet",
    "SetScores",
    "StyleScores",
    "read_report",
    "render_markdown",
    "verdict",
    "with_verdict",
]
FEW_FILES = 20  # below this a model from scratch mostly memorises: suggest fine-tuning instead
OVERFIT_STRONG, OVERFIT_MILD = 0.15, 0.07  # train minus held-out teacher-forced accuracy (older reports)
# held-out over training bits per step: above these it predicts its training music much better
OVERFIT_BITS_STRONG, OVERFIT_BITS_MILD = 1.5, 1.2
STILL_LEARNING = 0.6  # held-out teacher-forced accuracy below this: train longer (older reports)
MISSING = 0.25  # a part playing in this share fewer samples than in the music is called missing


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
    if h.bits_per_step is None or not h.parts:  # an older report card
        return (
            f"On music it never saw it predicts {_pct(h.teacher_forced)} of the next steps right when "
            f"guided, and rebuilds {_pct(h.sampled)} of a phrase on its own"
        )
    unigram = _mean_unigram(h)
    caught = ", ".join(f"{_pct(s.onset_f1)} of the {_part_noun(p)}" for p, s in h.parts.items())
    return (
        f"On music it never saw it needs {h.bits_per_step:.2f} bits per step, against {unigram:.2f} for "
        f"a model that only knows how often each note occurs (lower is better), and, guided, it catches "
        f"{caught} (onset F1)"
    )


def _part_noun(part: str) -> str:
    return "drum hits" if part == "drums" else f"{part} notes"


def _mean_unigram(h: Reconstruction) -> float:
    """The unigram baseline's bits per step over all the parts' steps."""
    total = sum(s.steps for s in h.parts.values())
    return sum(s.unigram_bits * s.steps for s in h.parts.values()) / max(total, 1)


def _parts_line(r: Report) -> str | None:
    """Whether each part plays in the samples the musician gets as often as in the music."""
    if len(r.samples) < 2:
        return None
    music, sampled = r.samples[0], _sampled_set(r)
    if sampled is None:
        return None
    missing = [
        f"the {p} plays in {_pct(s.presence)} of them against {_pct(music.parts[p].presence)} of your music"
        for p, s in sampled.parts.items()
        if p in music.parts and s.presence < music.parts[p].presence - MISSING
    ]
    if missing:
        return f"Its samples leave parts out: {'; '.join(missing)}"
    return "Every part plays in its samples about as often as in your music"


def _sampled_set(r: Report) -> SampleSet | None:
    """The sample set `sample` gives the musician: the training codes' Gaussian if there is one."""
    names = [s.name for s in r.samples]
    for wanted in ("the Gaussian of the training codes", "N(0, I)"):
        if wanted in names:
            return r.samples[names.index(wanted)]
    return None


def _style_line(r: Report) -> str | None:
    s = r.style
    if not s.temperatures or s.baseline is None or str(s.best_temperature) not in s.temperatures:
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

    wins = [feature_label(n) for n in model if area(model, n) > area(base, n) + 0.05]
    losses = [feature_label(n) for n in model if area(base, n) > area(model, n) + 0.05]
    text = f". Better than random on: {'; '.join(wins)}" if wins else ""
    return text + (f". Random is closer on: {'; '.join(losses)}" if losses else "")


def _fit_lines(r: Report, fine_tuned_from: str | None = None) -> list[str]:
    lines = []
    files = r.data.train_files
    if fine_tuned_from:
        base = Path(fine_tuned_from).name
        lines.append(f"Fine-tuned from the {base} model: it started from that model, not from scratch.")
    elif 0 < files < FEW_FILES:
        lines.append(
            f"Only {files} files: few for a model that starts from scratch, so it will mostly copy them. "
            f"Fine-tune a bundled model instead: `python main.py train FOLDER --from {r.config}`"
        )
    h, t = r.held_out, r.train
    if h is None or t is None:
        lines.append("Over-fitting could not be measured (no held-out or no training music).")
        return lines
    if h.bits_per_step is not None and t.bits_per_step is not None:
        return lines + _bits_fit_line(h.bits_per_step, t.bits_per_step)
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


def _bits_fit_line(held: float, train: float) -> list[str]:
    pair = f"{train:.2f} bits per step on its training music vs {held:.2f} on unseen music"
    ratio = held / max(train, 1e-9)
    if ratio > OVERFIT_BITS_STRONG:
        return [f"It over-fits (memorises): {pair}. Add more files or fine-tune a bundled model."]
    if ratio > OVERFIT_BITS_MILD:
        return [f"It starts to over-fit: {pair}. More files would help."]
    return [f"No sign of over-fitting: {pair}."]


def _latent_line(r: Report) -> str | None:
    h = r.held_out
    if h is None or h.active_dims is None or not h.z_size:
        return None
    return (
        f"It uses {h.active_dims} of its {h.z_size} latent dimensions (mean KL above 0.01 nats); new clips "
        f"start from {r.style.sampled_from or 'N(0, I)'}"
    )


def _temperature_line(r: Report) -> str | None:
    temps = r.style.part_temperatures
    if not temps:
        return None
    each = ", ".join(f"{part} {t:g}" for part, t in temps.items() if part != "velocity")
    line = (
        f"Temperatures that suit it: {each} (its samples' parts match your music most closely there; "
        "Bandmate uses them unless you choose others). Lower is safer and more repetitive, higher more "
        "adventurous"
    )
    if "velocity" in temps:
        line += (
            f". Loudness: velocity {temps['velocity']:g}, how much each instrument's loudness varies within "
            "a clip (0 keeps one loudness per instrument; chosen the same way)"
        )
    return line + _top_k_words(r)


def _top_k_words(r: Report) -> str:
    """The top-k choice in a musician's words (empty when the report card did not try one)."""
    k, tried = r.style.top_k, r.style.top_k_overlaps
    if not tried:
        return ""
    off = tried.get("0")
    if not k:
        return (
            ". Top-k: off (drawing each note from only the likeliest few did not bring its samples closer "
            "to your music)"
        )
    kept = top_k_key(k, r.style.part_temperatures)  # at the temperatures kept (one hotter, or not)
    best = tried.get(kept, tried.get(str(k)))
    scores = f" (its samples match your music {best:.2f} with it, {off:.2f} without)" if best and off else ""
    return (
        f". Top-k {k}: each note is drawn from only the {k} likeliest at its step, so fewer wild leaps"
        f"{scores}; Bandmate uses it unless you set top-k to 0"
    )


def _top_k_row(style: StyleScores) -> list[str]:
    """The top-k tried, as one line under the style table (none when it was not tried)."""
    if not style.top_k_overlaps:
        return []
    tried = ", ".join(
        f"{'off' if key == '0' else key.replace('@', ' at temperature ')} {'-' if v is None else f'{v:.3f}'}"
        for key, v in style.top_k_overlaps.items()
    )
    chosen = style.top_k or "off"
    return ["", f"Top-k tried at the recommended temperatures (mean overlap): {tried}; chosen: {chosen}."]


def verdict(r: Report, fine_tuned_from: str | None = None) -> tuple[str, ...]:
    """Plain sentences for a musician; the first is the headline. `fine_tuned_from` (the model card's:
    the model it was fine-tuned from, None for a model trained from scratch) decides the advice on few
    files: fine-tuning is what it suggests to a model from scratch, so a fine-tuned one is told it was."""
    style, parts = _style_line(r), _parts_line(r)
    headline = f"{_learned_from(r)}. {_accuracy_line(r)}."
    lines = [headline] + [line + "." for line in (parts, style) if line] + check_lines(r)
    lines += _fit_lines(r, fine_tuned_from)
    lines += [line + "." for line in (_latent_line(r), _temperature_line(r)) if line]
    if r.style.best_temperature is not None and not r.style.part_temperatures:
        t = r.style.best_temperature
        lines.append(
            f"Temperature {t} suits it best (its samples match your music most closely); lower is safer "
            "and more repetitive, higher more adventurous."
        )
    return tuple(lines)


def _part_rows(r: Report) -> list[str]:
    """Per part on unseen music: bits per step beside the token-frequency baseline, onset F1 guided and
    on its own, and the "no event" share beside the accuracy."""
    h = r.held_out
    if h is None or not h.parts:
        return []
    out = [
        "| part | bits per step | token-frequency baseline | notes caught, guided (onset F1) | "
        "on its own | accuracy | always 'no event' |",
        "|---|---|---|---|---|---|---|",
    ]
    for part, s in h.parts.items():
        cells = [_num(s.bits), _num(s.unigram_bits), _pct(s.onset_f1), _pct(s.own_onset_f1)]
        out.append(f"| {part} | " + " | ".join(cells + [_pct(s.accuracy), _pct(s.no_event)]) + " |")
    whole = f"| **whole model** (with KL) | **{_num(h.bits_per_step)}** | {_num(_mean_unigram(h))} | | | | |"
    return out + [whole]


def _recon_rows(r: Report) -> list[str]:
    """The reconstruction table; the error rows only for the heads the model's config has."""
    spec = SPECS.get(r.config)
    rows = [
        ("bits per step (negative ELBO, lower is better)", "bits_per_step", _num, True),
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
        out.append(f"| {feature_label(name)} | " + " | ".join(cells) + " |")
    parts = next((v.parts for _, v in columns if v and v.parts), {})
    for part in parts:
        cells = [_num(v.parts.get(part) if v else None) for _, v in columns]
        out.append(f"| _{part} (mean)_ | " + " | ".join(cells) + " |")
    means = [_num(v.mean_overlap if v else None) for _, v in columns]
    out.append("| **mean** | " + " | ".join(f"**{m}**" for m in means) + " |")
    return out


def _overlap(scores: SetScores | None, name: str) -> float | None:
    score = scores.features.get(name) if scores else None
    return score.overlap if score else None


def _sample_rows(r: Report) -> list[str]:
    """What each part does in the music and in clips decoded from each kind of code."""
    if not r.samples:
        return []
    out = [
        "| part | clips from | plays in | notes per bar | lowest / highest note | off the music's range | "
        "denser than the music |",
        "|---|---|---|---|---|---|---|",
    ]
    for part in r.samples[0].parts:
        for sample in r.samples:
            s = sample.parts.get(part)
            if s is None:
                continue
            span = "-" if s.pitch_low is None else f"{s.pitch_low:.0f} / {s.pitch_high:.0f}"
            cells = [
                _pct(s.presence),
                _num(s.notes_per_bar, ".1f"),
                span,
                _pct(s.off_range),
                _pct(s.too_dense),
            ]
            out.append(f"| {part} | {sample.name} | " + " | ".join(cells) + " |")
    return out


def render_markdown(r: Report) -> str:
    """report.md: the verdict first, then the numbers in tables."""
    title = f"{r.config} model" if r.model == r.config else f"{r.model} ({r.config})"
    lines = [f"# Report card: {title}", "", f"**{r.verdict[0]}**" if r.verdict else "", ""]
    lines += [f"- {line}" for line in r.verdict[1:]]
    parts = _part_rows(r)
    if parts:
        lines += ["", f"## Each part on music it never saw ({r.source})", ""] + parts
    lines += ["", f"## How well it rebuilds music ({r.source})", ""] + _recon_rows(r)
    samples = _sample_rows(r)
    if samples:
        temps = ", ".join(f"{p} {t:g}" for p, t in r.style.part_temperatures.items())
        at = (f" at {temps}" if temps else "") + (f", top-k {r.style.top_k}" if r.style.top_k else "")
        lines += ["", f"## What each part does in its samples{at}", ""] + samples
    if r.style.temperatures:
        base = f" The random baseline: {r.style.baseline_kind}." if r.style.baseline_kind else ""
        lines += [
            "",
            f"## How its samples compare with {r.style.reference or 'the training music'}",
            "",
            "Overlap 0..1 per feature (Yang & Lerch 2018): 1 means the samples vary the way your music does."
            + base,
            "",
        ]
        lines += _style_rows(r.style) + _top_k_row(r.style)
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


def with_verdict(r: Report, seconds: float | None = None, fine_tuned_from: str | None = None) -> Report:
    """The report with its verdict written (and the seconds it took, when given); `fine_tuned_from` as
    for `verdict`."""
    r = dataclasses.replace(r, verdict=verdict(r, fine_tuned_from))
    return r if seconds is None else dataclasses.replace(r, seconds=seconds)
