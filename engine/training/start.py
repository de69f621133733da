# SPDX-License-Identifier: MIT
"""Where a new model starts: fine-tuning the bundled model of its config, or from scratch.

`choose_start` decides from the folder's size: a folder of fewer than SMALL_FOLDER usable files starts
from the bundled model (too little music to learn from scratch); a larger one is decided by a pilot
(`train_from_start` trains both for a short while and continues the one with the better held-out
likelihood); `scratch=True` opts out. `train_from_start` says what it chose through `progress` (phase
"start") and then trains as `engine.training.train.train` does.
"""

from __future__ import annotations

import math
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.registry import BUNDLED_DIR
from engine.training.progress import TrainProgress

if TYPE_CHECKING:  # torch and the training loop load when a model trains: the app reads SMALL_FOLDER
    from engine.training.train import TrainResult

# Measured with benchmarks/finetune_threshold.py (drums_2bar on the drums of 104 Freedoom songs, 1000 steps
# each: about half the default 10 minutes on a CPU core; held-out negative ELBO in bits per 16th step on
# 10 unseen songs; fine-tunes at 1e-4 keeping the base's KL weight): after 1000 steps the bundled model's
# start wins at 5, 15 and 40 files (4.81 vs 10.89, 4.02 vs 5.48, 3.68 vs 3.97); on the best checkpoints it
# wins at 5 (4.05 vs 6.89), ties at 15 (3.86 vs 3.86) and loses at 40 (3.66 vs 3.45). Table: docs/FINETUNE.md.
SMALL_FOLDER = 40
# The pilot: 150 steps each picked the best checkpoints' winner at 40 files (scratch: 3.49 vs 3.72). 8% of
# the time budget each is 150-170 drums_2bar steps on a CPU core (two pilots: 16% of the budget).
PILOT_SHARE = 0.08
PILOT_STEPS = 150  # ... or, under a step budget, a tenth of it, at most this many steps each
EVAL_BATCH = 128


@dataclass(frozen=True, slots=True)
class Start:
    """How a new model starts: `base` (the model to fine-tune; None: from scratch), the usable `files`
    of the folder, whether a `pilot` decides, and the `reason` in a musician's words."""

    base: Path | None
    files: int
    pilot: bool
    reason: str


def usable_files(folder: str | Path, config: str) -> int:
    """Files of the folder that give `config` at least one example (cached after the first look)."""
    from engine.data.dataset import load_examples

    return len(load_examples(folder, config, transpose=None).files)


def choose_start(folder: str | Path, config: str, size: str = "small", scratch: bool = False) -> Start:
    """The start for a new model of `config` on `folder` (see the module)."""
    files = usable_files(folder, config)
    base = BUNDLED_DIR / config
    if scratch:
        return Start(None, files, False, f"training from scratch, as asked (your folder has {files} files)")
    if size != "small" or not (base / "model.json").is_file():
        return Start(None, files, False, f"training from scratch: there is no bundled {config} {size} model")
    if files < SMALL_FOLDER:
        reason = (
            f"starting from the bundled {config} model (your folder has {files} files: "
            "too few to learn from scratch)"
        )
        return Start(base, files, False, reason)
    reason = (
        f"your folder has {files} files: enough to learn from scratch, so a short pilot of both starts "
        "decides (--scratch skips it)"
    )
    return Start(base, files, True, reason)


def heldout_bits(model_dir: Path, heldout: dict[str, np.ndarray], which: str = "latest") -> float:
    """Held-out negative ELBO in bits per 16th step of the model in `model_dir` (its latest weights, or
    "best"): teacher-forced reconstruction of the token arrays at the posterior mean, plus the KL."""
    recon, kl = heldout_terms(model_dir, heldout, which)
    return recon + kl


def heldout_terms(
    model_dir: Path, heldout: dict[str, np.ndarray], which: str = "latest"
) -> tuple[float, float]:
    """(reconstruction, KL) of `heldout_bits`, each in bits per 16th step."""
    import torch

    from models.checkpoint import load_model

    model, _ = load_model(model_dir, "cpu", which=which)
    keys = list(model.cfg.tracks) + (["program"] if "program" in heldout else [])
    recon = kl = 0.0
    count = 0
    with torch.no_grad():
        for start in range(0, len(heldout["tempo"]), EVAL_BATCH):
            part = {k: v[start : start + EVAL_BATCH] for k, v in heldout.items() if k != "tempo"}
            batch = model.to_batch(part)
            mu, sigma = model.encoder(batch)  # (B, Z)
            recon -= float(model.recon_log_prob(mu, batch, keys).sum())
            kl += float((0.5 * (mu.pow(2) + sigma.pow(2) - 1.0 - 2.0 * torch.log(sigma))).sum())
            count += len(mu)
    scale = 1.0 / max(count, 1) / math.log(2) / model.cfg.steps
    return recon * scale, kl * scale


def train_from_start(
    folder: str | Path,
    config: str,
    out_dir: str | Path,
    *,
    scratch: bool = False,
    size: str = "small",
    minutes: float | None = None,
    steps: int | None = None,
    progress: Callable[[TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
    **kwargs: Any,
) -> TrainResult:
    """`train` a new model from the start `choose_start` picks (resuming `out_dir` if it holds one),
    running the pilot first for a large folder; `kwargs` go to `train`."""
    from engine.training.train import DEFAULT_MINUTES, train

    out = Path(out_dir)
    if (out / "model.json").exists():  # a resume: the start was decided when it began
        return train(folder, config, out, size=size, minutes=minutes, steps=steps, progress=progress,
                     cancel=cancel, **kwargs)  # fmt: skip
    t0 = time.monotonic()
    start = choose_start(folder, config, size, scratch)
    _say(progress, start.reason)
    base = start.base
    if start.pilot:  # the better start is then in `out`, and `train` resumes it
        _pilot(folder, config, out, start, minutes, steps, progress, cancel, kwargs)
        base = None
    if minutes is not None or steps is None:
        minutes = max((minutes or DEFAULT_MINUTES) - (time.monotonic() - t0) / 60.0, 0.5)
    return train(folder, config, out, size=size, minutes=minutes, steps=steps, from_model=base,
                 progress=progress, cancel=cancel, **kwargs)  # fmt: skip


def _pilot(
    folder: str | Path,
    config: str,
    out: Path,
    start: Start,
    minutes: float | None,
    steps: int | None,
    progress: Callable[[TrainProgress], None] | None,
    cancel: threading.Event | None,
    kwargs: dict[str, Any],
) -> None:
    """Train from scratch and from the base for a short while each; the better by held-out bits becomes
    `out` (a resumable model folder, so `train` carries on from it)."""
    from engine.training.train import DEFAULT_MINUTES, train
    from engine.training.trainset import load_train_data

    budget: dict[str, Any] = {"steps": max(1, min(PILOT_STEPS, steps // 10))} if steps else {}
    if not budget:
        budget["minutes"] = PILOT_SHARE * (minutes or DEFAULT_MINUTES)
    runs = {"scratch": (out.with_name(f".{out.name}.pilot-scratch"), None),
            "bundled": (out.with_name(f".{out.name}.pilot-bundled"), start.base)}  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    for label, (where, base) in runs.items():
        shutil.rmtree(where, ignore_errors=True)
        _say(progress, f"pilot: training from {label} for a short while")
        options = {**kwargs, **budget, "report": False}  # the report card comes once, at the end
        train(folder, config, where, from_model=base, progress=progress, cancel=cancel, **options)
    heldout = load_train_data(folder, config, seed=kwargs.get("seed", 0)).heldout
    bits = (
        {label: heldout_bits(where, heldout.arrays) for label, (where, _) in runs.items()}
        if len(heldout)
        else {}
    )
    winner = min(bits, key=lambda k: bits[k]) if bits else "bundled"  # nothing to compare on: the safer
    loser = "scratch" if winner == "bundled" else "bundled"
    shutil.rmtree(out, ignore_errors=True)
    runs[winner][0].rename(out)
    shutil.rmtree(runs[loser][0], ignore_errors=True)
    how = "from the bundled model" if winner == "bundled" else "from scratch"
    why = (
        f"{bits[winner]:.2f} against {bits[loser]:.2f} bits per 16th on your held-out songs (lower is better)"
        if bits
        else "no held-out songs to compare on"
    )
    _say(progress, f"the pilot chose to go on {how}: {why}")


def _say(progress: Callable[[TrainProgress], None] | None, text: str) -> None:
    if progress is not None:
        progress(TrainProgress(0, 0, math.nan, math.nan, None, 0.0, "start", message=text))
