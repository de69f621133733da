# SPDX-License-Identifier: MIT
"""Peer benchmark (issues 7 and 17): time to a good model, Bandmate against Magenta's own MusicVAE.

Both train on the same MIDI folder with the same files held out (Bandmate's split by file), one CPU thread
each, from scratch, side by side (scripts/peer_magenta.sh). The figure of merit is wall time,
counted from each one's first command (MIDI reading and data preparation included), to the held-out
guided accuracy Magenta reaches within its run (MAGENTA_MINUTES, 30: its best checkpoint). Guided accuracy
is the same count on both sides: over the same held-out examples (Bandmate's held-out 2-bar windows, fed to
Magenta one-hot in its own 90-class melody encoding, which Bandmate's vocabulary is), every one of the 32
steps of every example, the decoder teacher-forced (the true previous token as input) under one z drawn
from q(z|x), a step correct when the most likely token is the true one. Magenta's figure comes from its
own eval graph (model.eval's tf.metrics.accuracy, its sampling schedule off) on each checkpoint its saver
wrote (every 30 s, the file's time); Bandmate's from its training loop's own held-out check
(engine.evaluation.likelihood), every 5 s.

`run()` runs scripts/peer_magenta.sh without setting anything up (PEER_SETUP=0): it needs Magenta's
separate venv in $PEER_DIR (default /tmp/peer/venv, outside the repo; `scripts/peer_magenta.sh` once
creates it) and raises RuntimeError with the plain reason when that venv or a training run fails. It takes
about 40 minutes; PEER_REUSE=1 makes the figures from the logs finished runs left in $PEER_DIRS (folders
joined by ':'; default $PEER_DIR) instead, one set of figures and one panel of the plot per run.
`python -m benchmarks.bench_peer --split FOLDER DIR` writes Bandmate's split for the script; `--parse DIR
BATCH` turns the script's logs into its one JSON line and draws the plot; `--subset SRC DST N` links the
first N files of SRC in 4/4 into DST (the pop100 folder). Method, results and conditions: docs/PEER.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import Figure
from scripts.peer_curves import compare, time_to_reach

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "peer_magenta.sh"
PLOT = ROOT / "docs" / "peer_time_to_accuracy.png"
CMD = "scripts/peer_magenta.sh [FOLDER], then PEER_REUSE=1 python -m benchmarks.run peer (docs/PEER.md)"
BATCH = 32  # the script's batch size (Bandmate's mel_2bar small preset)
TARGET_RATIO = 10.0  # issue 17: Bandmate reaches Magenta's accuracy at least 10x sooner
_MAGENTA_LOG = re.compile(r"global_step = (\d+), loss = [-\d.e+naif]+ \(([\d.]+) sec\)")


def run() -> list[Figure]:
    if os.environ.get("PEER_REUSE") == "1":  # the figures of finished runs of the script, without new ones
        dirs = os.environ.get("PEER_DIRS", os.environ.get("PEER_DIR", "/tmp/peer")).split(":")
        results = [parse(Path(d), BATCH) for d in dirs]
    else:
        env = dict(os.environ, PEER_SETUP="0")
        proc = subprocess.run(["bash", str(SCRIPT)], cwd=ROOT, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"Magenta peer run failed: {proc.stderr.strip()[-1500:]}")
        results = [json.loads(proc.stdout.strip().splitlines()[-1])]
    plot(results)
    return [f for r in results for f in _figures(r)]


# ---- the script's files --------------------------------------------------------------------------------
def four_four_subset(src: Path, dst: Path, count: int) -> list[Path]:
    """Links in `dst` to the first `count` MIDI files under `src` (sorted by path) whose time signatures
    are all 4/4 (or absent): Magenta's melody converter drops any other meter, and POP909 files often
    carry 1/4 or 2/4 events. Returns the files linked."""
    import mido

    dst.mkdir(parents=True, exist_ok=True)
    picked: list[Path] = []
    for path in sorted(p for p in src.rglob("*") if p.suffix.lower() in (".mid", ".midi")):
        meters = {
            (m.numerator, m.denominator)
            for t in mido.MidiFile(path).tracks
            for m in t
            if m.type == "time_signature"
        }
        if meters <= {(4, 4)}:
            picked.append(path)
            link = dst / path.name
            if not link.exists():
                link.symlink_to(path.resolve())
        if len(picked) == count:
            break
    return picked


def split(folder: Path, peer: Path) -> dict[str, Any]:
    """Bandmate's split of `folder` for mel_2bar (engine.training.trainset, seed 0, as `train` does):
    writes peer/split.json, peer/heldout.npz (the melody tokens, (N, 32) int64, of the held-out windows
    the training loop's check scores: all of them up to EVAL_EXAMPLES, else that many at random) and
    peer/train_files/ (links to the training files: what Magenta reads)."""
    import numpy as np

    from engine.training.train import EVAL_EXAMPLES
    from engine.training.trainset import load_train_data

    data = load_train_data(folder, "mel_2bar", seed=0)
    held = list(data.summary.heldout_files)
    train_dir = peer / "train_files"
    if train_dir.exists():
        for p in train_dir.iterdir():
            p.unlink()
    train_dir.mkdir(parents=True, exist_ok=True)
    mids = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".mid", ".midi") and p.is_file())
    train = [p for p in mids if str(p.resolve()) not in {str(Path(h).resolve()) for h in held}]
    for p in train:
        (train_dir / p.name).symlink_to(p.resolve())
    # the windows the training loop's held-out check scores (TrainingRun.evaluate(EVAL_EXAMPLES), seed 0)
    order = np.sort(np.random.default_rng(0).permutation(len(data.heldout))[:EVAL_EXAMPLES])
    np.savez(peer / "heldout.npz", melody=np.asarray(data.heldout.arrays["melody"][order], dtype=np.int64))
    info = {
        "folder": str(folder),
        "files": len(mids),
        "usable_files": data.summary.files,
        "train_files": [p.name for p in train],
        "heldout_files": [Path(h).name for h in held],
        "heldout_examples": len(order),
        "heldout_windows": len(data.heldout),
        "train_windows": data.summary.train_windows,
    }
    (peer / "split.json").write_text(json.dumps(info, indent=1))
    return info


def _time_file(path: Path) -> dict[str, float]:
    """bash `time` with TIMEFORMAT='%R %U %S': wall, user and system seconds."""
    wall, user, system = (float(x) for x in path.read_text().split()[-3:])
    return {"wall": wall, "cpu": user + system}


def _load(path: Path, t0: float, end: float) -> dict[str, float]:
    """Mean and max one-minute load average sampled during [t0, end] (the sampler's log)."""
    vals = [float(p[1]) for p in (ln.split() for ln in path.read_text().splitlines()) if len(p) >= 2
            and t0 <= float(p[0]) <= end]  # fmt: skip
    return (
        {"mean": sum(vals) / len(vals), "max": max(vals)}
        if vals
        else {"mean": float("nan"), "max": float("nan")}
    )


def _int_file(path: Path) -> int | None:
    return int(path.read_text().split()[0]) if path.exists() else None


def magenta_rate(log: str) -> float:
    """Steps/s from Magenta's every-10-steps log lines, leaving out the first timed block (warm-up)."""
    blocks = [(int(m[1]), float(m[2])) for m in _MAGENTA_LOG.finditer(log)]
    if len(blocks) < 2:
        raise RuntimeError(f"Magenta logged {len(blocks)} timed blocks; the run did not train (see its log)")
    return 10.0 * (len(blocks) - 1) / sum(sec for _, sec in blocks[1:])


def parse(peer: Path, batch: int) -> dict[str, Any]:
    """The script's logs under `peer` as one result dict (curves as [seconds, step, accuracy] rows)."""
    from safetensors.numpy import load_file

    info = json.loads((peer / "split.json").read_text())
    mag = json.loads((peer / "magenta_curve.json").read_text())
    ours_rows = [json.loads(ln) for ln in (peer / "ours_curve.jsonl").read_text().splitlines() if ln.strip()]
    held_ours = {Path(h).name for h in ours_rows[0]["heldout_files"]} if ours_rows else set()
    # the loop's checks only (its final check at the end of the run scores up to 1024 windows)
    ours_rows = [r for r in ours_rows if r["examples"] == info["heldout_examples"]]
    if held_ours != set(info["heldout_files"]) or mag["examples"] != info["heldout_examples"]:
        raise RuntimeError(
            f"held-out sets differ: split {info['heldout_files']}, Bandmate {sorted(held_ours)}"
        )
    horizon = float((peer / "magenta_minutes.txt").read_text()) * 60.0
    m_curve = [(r["seconds"], r["accuracy"]) for r in mag["curve"]]
    o_curve = [(r["seconds"], r["accuracy"]) for r in ours_rows if r["accuracy"] is not None]
    m_t0, o_t0 = (float((peer / f"{w}_t0.txt").read_text()) for w in ("magenta", "ours"))
    m_time, o_time = _time_file(peer / "magenta_time.txt"), _time_file(peer / "ours_time.txt")
    mag_log = (peer / "magenta_train.log").read_text(errors="replace")
    ours_steps = ours_rows[-1]["step"] if ours_rows else 0
    result = compare(m_curve, o_curve, horizon)
    # the same times in CPU seconds (all of each one's processes; less sensitive to the machine's load)
    saves = {json.loads(ln)["prefix"]: json.loads(ln)["cpu"] for ln in
             (peer / "magenta_saves.jsonl").read_text().splitlines() if ln.strip()}  # fmt: skip
    convert_cpu = _time_file(peer / "convert_time.txt")["cpu"]
    m_cpu = [(convert_cpu + saves[f"model.ckpt-{r['step']}"], r["accuracy"]) for r in mag["curve"]
             if f"model.ckpt-{r['step']}" in saves]  # fmt: skip
    o_cpu = [(r["cpu"], r["accuracy"]) for r in ours_rows if r["accuracy"] is not None]
    cpu_m, cpu_o = (
        time_to_reach(m_cpu, result["target_accuracy"]),
        time_to_reach(o_cpu, result["target_accuracy"]),
    )
    import numpy as np

    no_event = float((np.load(peer / "heldout.npz")["melody"] == 0).mean())  # token 0: no event
    return {
        **result,
        "no_event": no_event,
        "magenta_cpu_seconds": cpu_m,
        "ours_cpu_seconds": cpu_o,
        "cpu_ratio": None if cpu_m is None or cpu_o is None else cpu_m / max(cpu_o, 1e-9),
        "horizon_seconds": horizon,
        "magenta_curve": [[r["seconds"], r["step"], r["accuracy"]] for r in mag["curve"]],
        "ours_curve": [[r["seconds"], r["step"], r["accuracy"]] for r in ours_rows
                       if r["accuracy"] is not None],
        "magenta_steps_per_s": round(magenta_rate(mag_log), 4),
        "ours_steps": ours_steps,
        "magenta_steps": max(r["step"] for r in mag["curve"]),
        "magenta_wall": m_time["wall"], "magenta_cpu": m_time["cpu"],
        "ours_wall": o_time["wall"], "ours_cpu": o_time["cpu"],
        "magenta_load": _load(peer / "load.log", m_t0, m_t0 + m_time["wall"]),
        "ours_load": _load(peer / "load.log", o_t0, o_t0 + o_time["wall"]),
        "side_by_side": (peer / "side_by_side.txt").read_text().strip() == "1",
        "batch_size": batch,
        "magenta_params": int((peer / "magenta_params.txt").read_text().split()[0]),
        "ours_params": int(sum(v.size for v in load_file(str(peer / "ours" / "best.safetensors")).values())),
        "tf_version": (peer / "tf_version.txt").read_text().strip(),
        # the 2-bar windows Magenta's own converter makes of the training files (no transposition)
        "magenta_train_windows": _int_file(peer / "magenta_windows.txt"),
        "split": info,
    }  # fmt: skip


# ---- figures and the plot ------------------------------------------------------------------------------
def _figures(r: dict[str, Any]) -> list[Figure]:
    s = r["split"]
    b, horizon, where = r["batch_size"], r["horizon_seconds"], Path(s["folder"]).name
    same = (
        f"{s['heldout_examples']} held-out 2-bar windows of {len(s['heldout_files'])} held-out files, "
        f"{len(s['train_files'])} training files; always 'no event' scores {100 * r['no_event']:.1f}%"
    )
    windows = r.get("magenta_train_windows")
    ours_windows = s.get("train_windows")
    data = "" if windows is None else f"; its converter makes {windows} training windows of the files"
    ours_data = "" if ours_windows is None else f"; {ours_windows} training windows (x 11 keys)"
    t_ours, ratio, cpu_ratio = r["ours_seconds"], r["ratio"], r["cpu_ratio"]
    never = f"not reached in {r['ours_last_seconds']:.0f} s (best {100 * r['ours_best']:.1f}%)"
    met = "met" if ratio is not None and ratio >= TARGET_RATIO else "NOT met"
    return [
        Figure(f"{where}: Magenta cat-mel_2bar_small (TF {r['tf_version']}): best held-out guided accuracy "
               f"within {horizon / 60:g} min (batch {b}, 1 thread; {same})", (100 * r["target_accuracy"],),
               "%", "recorded", CMD,
               note=f"{r['magenta_steps']} steps, {r['magenta_steps_per_s']:.3g} steps/s, "
               f"{r['magenta_params']:,} params{data}"),
        Figure(f"{where}: Magenta's wall time to that accuracy (MIDI conversion included; its checkpoint's "
               "file time)", (r["magenta_seconds"],), "s", "recorded", CMD,
               note=f"CPU {r['magenta_cpu_seconds']:.0f} s; whole run CPU {r['magenta_cpu']:.0f} s over "
               f"{r['magenta_wall']:.0f} s wall, load average mean {r['magenta_load']['mean']:.1f}, max "
               f"{r['magenta_load']['max']:.1f}"),
        Figure(f"{where}: Bandmate mel_2bar small from scratch: wall time to Magenta's accuracy (prepare "
               "included, cold cache; same held-out windows)",
               (t_ours if t_ours is not None else float("nan"),), "s", "recorded", CMD,
               note=(never if t_ours is None else
               f"CPU {r['ours_cpu_seconds']:.0f} s; {r['ours_params']:,} params{ours_data}; whole run "
               f"{r['ours_steps']} steps, best {100 * r['ours_best']:.1f}%, CPU {r['ours_cpu']:.0f} s over "
               f"{r['ours_wall']:.0f} s wall, load average mean {r['ours_load']['mean']:.1f}, max "
               f"{r['ours_load']['max']:.1f}; "
               + ("run beside Magenta's" if r["side_by_side"] else "run after Magenta's"))),
        Figure(f"{where}: time to the same held-out guided accuracy, Magenta / Bandmate (wall time)",
               (ratio if ratio is not None else 0.0,), "x", f">= {TARGET_RATIO:g}", CMD,
               note=f"{met}; curves: {PLOT.relative_to(ROOT)}"),
        Figure(f"{where}: the same in CPU seconds (each one's processes; less sensitive to the load)",
               (cpu_ratio if cpu_ratio is not None else 0.0,), "x", f">= {TARGET_RATIO:g}", CMD),
    ]  # fmt: skip


def plot(results: Sequence[dict[str, Any]], path: Path = PLOT) -> Path | None:
    """Held-out guided accuracy against wall time (log scale) for both, one panel per folder, with
    Magenta's target, the "no event" baseline and the two times marked, as a PNG at `path` (atomic).
    None when matplotlib (the `bench` extra) is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    import io

    from models.store import atomic_write

    fig, axes = plt.subplots(1, len(results), figsize=(6.5 * len(results), 4.6), squeeze=False)
    for ax, r in zip(axes[0], results, strict=True):
        mc, oc = r["magenta_curve"], r["ours_curve"]
        ax.plot([p[0] for p in mc], [100 * p[2] for p in mc], "o-", ms=3, label="Magenta cat-mel_2bar_small")
        ax.plot([p[0] for p in oc], [100 * p[2] for p in oc], "-", lw=1, label="Bandmate mel_2bar small")
        ax.axhline(
            100 * r["target_accuracy"], color="grey", ls=":", lw=1, label="Magenta's best (the target)"
        )
        ax.axhline(100 * r["no_event"], color="black", lw=0.6, label="always 'no event'")
        ax.axvline(r["magenta_seconds"], color="C0", ls="--", lw=1)
        if r["ours_seconds"] is not None:
            ax.axvline(r["ours_seconds"], color="C1", ls="--", lw=1)
        ratio = (
            "never" if r["ratio"] is None else f"{r['ratio']:.1f}x sooner (CPU time {r['cpu_ratio']:.1f}x)"
        )
        s = r["split"]
        ax.set_title(f"{Path(s['folder']).name}: {len(s['train_files'])} training files, "
                     f"{s['heldout_examples']} held-out windows\nBandmate reaches Magenta's best {ratio}",
                     fontsize=9)  # fmt: skip
        low = 100 * r["no_event"] - 15  # the untrained checkpoints (a few %) stay below the view
        ax.set_ylim(low, max(100 * max(p[2] for p in [*mc, *oc]), 100 * r["target_accuracy"]) + 3)
        ax.set_xscale("log")
        ax.set_xlim(10, 2000)
        ticks = [10, 30, 60, 180, 600, 1800]
        ax.set_xticks(ticks, ["10 s", "30 s", "1 min", "3 min", "10 min", "30 min"])
        ax.set_xlabel("wall time from the first command, data preparation included (1 CPU thread each)")
        ax.set_ylabel("held-out guided accuracy (%)")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    atomic_write(path, buf.getvalue())
    return path


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "--subset":
        print(len(four_four_subset(Path(a[1]), Path(a[2]), int(a[3]))))
    elif len(a) == 3 and a[0] == "--split":
        print(json.dumps(split(Path(a[1]), Path(a[2]))))
    elif len(a) == 3 and a[0] == "--parse":
        res = parse(Path(a[1]), int(a[2]))
        plot([res])
        print(json.dumps(res))
    else:
        for fig in run():
            print(f"{fig.name}: {fig.summary:.4g} {fig.unit}  ({fig.note})")
