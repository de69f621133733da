# SPDX-License-Identifier: MIT
"""The pieces of issue 14's small-folder benchmark (benchmarks/bench_small_folder.py, which describes
the method): the band's songs and their fixed split, training both starts through `train`, the report
card's measures of a trained model, and the figure rows with their targets. Here, not in benchmarks/,
so the tests can check them (tests never import the benchmarks).
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTION = "small_folder"
CMD = f"python -m benchmarks.run {SECTION}"
CONFIGS = ("drums_2bar", "mel_2bar", "trio_16bar", "multitrack_1bar", "band_4bar")
BAND_LIST = ROOT / "scripts" / "corpus" / "heldout_band.txt"
CORPORA = Path(os.environ.get("BANDMATE_CACHE_DIR", Path.home() / ".cache" / "bandmate")) / "corpora"
HELDOUT_BAND = CORPORA / "heldout-band"
FREEDOOM = ROOT.parent / "shared" / "data" / "midi" / "multitrack" / "freedoom-freedoom"
BUNDLED = ROOT / "resources" / "models"
HELD_EVERY = 3  # every third song in name order is held out
MINUTES = 4.0
STARTS = ("fine-tuned", "from scratch")
# what a run chose rather than measured: a median of several runs takes these from one run (`combine`)
CHOICES = ("temperatures", "top_k", "top_k_overlaps", "default_start")
OVERLAP_ABOVE_BASELINE = 0.08
OVERLAP_NEAR_REAL = 0.02
COPY_TARGET = 0.05


def band_songs() -> list[Path]:
    """The 15 held-out band songs named in scripts/corpus/heldout_band.txt, from the corpora folder, else
    from the sample folder they come from. FileNotFoundError naming the first one missing."""
    lines = BAND_LIST.read_text().splitlines()
    names = [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]
    out = []
    for name in names:
        path = next((d / name for d in (HELDOUT_BAND, FREEDOOM) if (d / name).is_file()), None)
        if path is None:
            raise FileNotFoundError(f"{name} of {BAND_LIST.name} is in neither {HELDOUT_BAND} nor {FREEDOOM}")
        out.append(path)
    return out


def split(songs: list[Path]) -> tuple[list[Path], list[Path]]:
    """(training songs, held-out songs): in name order, every HELD_EVERY-th song (the 3rd, 6th, ...)
    held out; 15 songs give 10 and 5."""
    ordered = sorted(songs, key=lambda p: p.name)
    held = ordered[HELD_EVERY - 1 :: HELD_EVERY]
    return [p for p in ordered if p not in held], held


def _folder(files: list[Path], where: Path) -> Path:
    where.mkdir(parents=True)
    for f in files:
        (where / f.name).symlink_to(f.resolve())
    return where


def train_start(
    config: str,
    folder: Path,
    out: Path,
    start: str,
    base: Path,
    minutes: float | None = None,
    steps: int | None = None,
) -> dict[str, Any]:
    """Train `config` on `folder` into `out` from `base/<config>` ("fine-tuned") or from scratch, for
    `minutes` of wall time (or `steps`, tests); returns the steps, seconds and the start `train` chose
    for this folder by default (engine/training/start.py). ValueError when the base model is missing."""
    from engine.training.start import choose_start
    from engine.training.train import train

    from_model = Path(base) / config if start == STARTS[0] else None
    if from_model is not None and not (from_model / "model.json").is_file():
        raise ValueError(f"no base {config} model in {base} (no {from_model / 'model.json'})")
    default = choose_start(folder, config)
    load = os.getloadavg()[0]
    result = train(folder, config, out, minutes=minutes, steps=steps, from_model=from_model, device="cpu",
                   seed=0, report=False)  # fmt: skip
    return {
        "steps": result.steps,
        "seconds": round(result.seconds, 1),
        "load": round(load, 1),
        "default_start": "fine-tune" if default.base is not None and not default.pilot else "other",
    }


def measure(model_dir: Path, heldout: Path) -> dict[str, Any]:
    """The report card's figures of a trained model on the held-out songs in `heldout` (see the module)."""
    from engine.evaluation.evaluate import evaluate, overlap_at_defaults
    from models.card import read_card

    best = read_card(model_dir).best
    report = evaluate(model_dir, heldout, device="cpu")
    at_defaults = overlap_at_defaults(model_dir, report)
    h, style, default = report.held_out, report.style, report.checks.default if report.checks else None
    return {
        "best_step": best.step if best else None,  # the checkpoint `sample` loads (fewest held-out bits)
        "bits": h.bits_per_step if h else None,
        "onset_f1": {p: s.onset_f1 for p, s in h.parts.items()} if h else {},
        "temperatures": dict(style.part_temperatures),
        "top_k": style.top_k,
        "top_k_overlaps": dict(style.top_k_overlaps),
        "overlap": at_defaults.mean_overlap if at_defaults else None,
        "baseline": style.baseline.mean_overlap if style.baseline else None,
        "real": style.held_out_music.mean_overlap if style.held_out_music else None,
        "part_overlap": dict(at_defaults.parts) if at_defaults else {},
        "part_real": dict(style.held_out_music.parts) if style.held_out_music else {},
        "copied": default.copied_bars if default else None,
        "copied_single": default.copied_instrument_bars if default else None,
        "samples": default.samples if default else 0,
        "heldout_examples": report.data.heldout_examples,
    }


def measure_config(
    config: str, base: Path, work: Path, minutes: float | None = None, steps: int | None = None
) -> dict[str, Any]:
    """Both starts of `config` trained on the training songs and measured on the held-out ones."""
    train_songs, held_songs = split(band_songs())
    train_dir = _folder(train_songs, work / config / "band")
    held_dir = _folder(held_songs, work / config / "unseen")
    out: dict[str, Any] = {
        "config": config, "base": str(base), "minutes": minutes, "train_songs": [p.name for p in train_songs],
        "heldout_songs": [p.name for p in held_songs], "core": sorted(os.sched_getaffinity(0)),
    }  # fmt: skip
    for start in STARTS:
        model = work / config / start.replace(" ", "-")
        trained = train_start(config, train_dir, model, start, base, minutes, steps)
        out[start] = {**trained, **measure(model, held_dir)}
    return out


def _row(name: str, values: tuple[float, ...], unit: str, target: str, command: str, note: str = "") -> dict:
    """One figure row as benchmarks.common.Figure takes it (keyword arguments)."""
    return {"name": name, "values": values, "unit": unit, "target": target, "command": command, "note": note}


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else "met" if ok else "MISSED"


def _pct(x: float | None) -> float:
    return float("nan") if x is None else 100.0 * x


def _per_part(m: dict[str, Any]) -> str:
    """The overlap of each part both sides have, samples / unseen songs, as a note's tail."""
    mine, real = m.get("part_overlap", {}), m.get("part_real", {})
    cells = [
        f"{p} {mine[p]:.2f} / {real[p]:.2f}" for p in mine if mine[p] is not None and real.get(p) is not None
    ]
    return f"; per part, samples / unseen songs: {', '.join(cells)}" if cells else ""


def rows(r: dict[str, Any], cmd: str = CMD) -> list[dict[str, Any]]:
    """The rows of one `measure_config`: per start, bits per step, each part's onset F1, the mean overlap
    beside the baseline and the unseen songs, and the copied-bar shares, each with its target."""
    out: list[dict[str, Any]] = []
    sc = r[STARTS[1]]
    for start in STARTS:
        m = r[start]
        label = f"{r['config']}, {start}"
        best = f", the best at {m['best_step']}" if m.get("best_step") is not None else ""
        trained = (
            f"{m['steps']} steps{best} in {m['seconds']:.0f} s on core {','.join(map(str, r['core']))} "
            f"(load {m['load']})"
        )
        other = sc if start == STARTS[0] else None
        if m["bits"] is not None:
            theirs = other["bits"] if other else None
            target = f"< from scratch ({theirs:.3f})" if theirs is not None else "recorded"
            note = f"{trained}; {m['heldout_examples']} held-out windows"
            note = f"{_met(None if theirs is None else m['bits'] < theirs)}; {note}" if other else note
            name = f"{label}: held-out bits per step (negative ELBO)"
            out.append(_row(name, (m["bits"],), "bits", target, cmd, note=note))
        for part, f1 in m["onset_f1"].items():
            theirs = other["onset_f1"].get(part) if other else None
            ok = None if theirs is None or f1 is None else f1 > theirs
            target = f"> from scratch ({_pct(theirs):.1f}%)" if theirs is not None else "recorded"
            out.append(_row(f"{label}: {part} onset F1, guided, held-out", (_pct(f1),), "%", target, cmd,
                              note=_met(ok) if other else "'no event' scores 0"))  # fmt: skip
        if m["overlap"] is not None and m["baseline"] is not None and m["real"] is not None:
            temps = ", ".join(f"{p} {t:g}" for p, t in m["temperatures"].items())
            temps += f", top-k {m['top_k']}" if m.get("top_k") else ""
            above = m["overlap"] - m["baseline"]
            near = m["overlap"] - m["real"]
            out.append(_row(
                f"{label}: mean style overlap at its default T minus the random baseline's", (above,),
                "overlap", f">= {OVERLAP_ABOVE_BASELINE:g}", cmd,
                note=f"{_met(above >= OVERLAP_ABOVE_BASELINE)}; overlap {m['overlap']:.3f}, non-copying "
                f"baseline {m['baseline']:.3f}; T {temps}",
            ))  # fmt: skip
            out.append(_row(
                f"{label}: mean style overlap at its default T minus real unseen music's", (near,),
                "overlap", f"within +-{OVERLAP_NEAR_REAL:g}", cmd,
                note=f"{_met(abs(near) <= OVERLAP_NEAR_REAL)}; overlap {m['overlap']:.3f}, the "
                f"{len(r['heldout_songs'])} unseen songs {m['real']:.3f}{_per_part(m)}",
            ))  # fmt: skip
        for key, what in (("copied", "all instruments together"), ("copied_single", "single instruments")):
            if m[key] is not None:
                out.append(_row(
                    f"{label}: sampled bars that copy a training bar, {what}", (_pct(m[key]),), "%",
                    f"<= {100 * COPY_TARGET:g}%", cmd,
                    note=f"{_met(m[key] <= COPY_TARGET)}; {m['samples']} samples at its default T",
                ))  # fmt: skip
    return out


def _median_of(values: list[Any]) -> Any:
    """The median of the runs' values of one measure, leaf by leaf (dicts key by key); None when a run has
    none; ints stay ints (steps, samples)."""
    first = values[0]
    if isinstance(first, dict):
        return {k: _median_of([v.get(k) for v in values]) for k in first}
    if isinstance(first, bool) or not isinstance(first, (int, float)) or any(v is None for v in values):
        return first
    med = statistics.median(values)
    return int(round(med)) if isinstance(first, int) else float(med)


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One `measure_config` result from several runs of it: each start's numbers the median over the runs;
    its choices (CHOICES: temperatures, top-k) those of the run whose mean overlap is the median (the
    lower middle one of an even count). ValueError for no runs or runs of different configs."""
    if not runs or len({r["config"] for r in runs}) != 1:
        raise ValueError("combine needs one or more runs of one config")
    out = dict(runs[0])
    for start in STARTS:
        ms = [r[start] for r in runs]
        order = sorted(range(len(ms)), key=lambda i: -1.0 if ms[i]["overlap"] is None else ms[i]["overlap"])
        chooser = ms[order[(len(ms) - 1) // 2]]
        merged = {k: _median_of([m[k] for m in ms]) for k in ms[0]}
        out[start] = {**merged, **{k: chooser[k] for k in CHOICES if k in chooser}}
    return out


def rows_of(runs: list[dict[str, Any]], cmd: str = CMD) -> list[dict[str, Any]]:
    """The rows of one or more `measure_config` runs of a config: each row's values are the runs' values
    (the figure's median and spread), its target and met / MISSED judged on the medians (`combine`)."""
    if len(runs) == 1:
        return rows(runs[0], cmd)
    out = rows(combine(runs), cmd)
    each = [rows(r, cmd) for r in runs]
    if any([row["name"] for row in e] != [row["name"] for row in out] for e in each):
        raise ValueError("the runs measured different figures; they cannot be combined")
    for i, row in enumerate(out):
        row["values"] = tuple(e[i]["values"][0] for e in each)
        row["note"] = "; ".join(x for x in (row["note"], f"median of {len(runs)} runs") if x)
    return out
