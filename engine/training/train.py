# SPDX-License-Identifier: MIT
"""The training loop: one call from the command line, the GUI worker or torchrun.

`train(folder, config, out_dir)` loads the prepared examples, splits them by file, trains within a time
or step budget with progress callbacks and a cancel Event, checkpoints atomically (resuming when run
again on the same folder), fits the Gaussian of the training codes under the best weights (what new
clips start from) and writes the report card at the end.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from engine.device import pick_device, return_freed_memory
from engine.training import distributed as ddp
from engine.training.progress import TrainProgress
from engine.training.run import FinishWork, RunState, TrainError, TrainingRun
from engine.training.trainset import index_training_bars

__all__ = ["FinishWork", "Pace", "TrainProgress", "TrainResult", "train", "TrainError"]

DEFAULT_MINUTES = 10.0
EVAL_SECONDS = 20.0  # held-out accuracy check at most this often...
EVAL_SHARE = 0.1  # ... and using at most about this share of the time
SAVE_SECONDS = 60.0  # checkpoint at least this often (what a kill -9 can lose)
EVAL_EXAMPLES = 256
EVAL_BATCH_GUESS = 32  # examples per training step assumed before the first held-out check is timed


@dataclass(frozen=True, slots=True)
class TrainResult:
    """What a finished (or cancelled) run left in `model_dir`."""

    model_dir: Path
    config: str
    device: str
    start_step: int
    steps: int
    seconds: float
    best_accuracy: float | None
    final_accuracy: float | None
    cancelled: bool
    report: Any = field(default=None, repr=False)
    history: list[dict[str, float]] = field(default_factory=list)


def train(
    folder: str | Path,
    config: str,
    out_dir: str | Path,
    *,
    size: str = "small",
    minutes: float | None = None,
    steps: int | None = None,
    from_model: str | Path | None = None,
    keep: int = 2,
    device: str | torch.device = "auto",
    seed: int = 0,
    batch_size: int | None = None,
    progress: Callable[[TrainProgress], None] | None = None,
    cancel: threading.Event | None = None,
    report: bool = True,
) -> TrainResult:
    """Train (or resume, or fine-tune) a model; see the module docstring.

    `steps` is the step to stop at, counted over all runs on `out_dir` (a resumed run with a larger
    `steps` continues from the saved step); otherwise `minutes` of wall time (default 10, report card
    included). `report=False` skips the report card (tests, quick experiments). The caller owns the CPU
    thread count (engine.device.training_threads); `device` is a name or a torch.device.
    """
    started = time.monotonic()  # the budget counts loading the music too
    return_freed_memory()  # a band model's varying tensor sizes otherwise grow the heap step by step
    info = ddp.from_env()
    dev = pick_device(device)
    if info.enabled and dev.type == "cuda":
        dev = torch.device("cuda", info.local_rank)
    say = progress if info.is_main else None
    ddp.start(info, dev)
    try:
        session = TrainingRun.open(
            folder, config, Path(out_dir), size=size, from_model=from_model, device=dev, seed=seed,
            batch_size=batch_size, info=info, progress=say,
        )  # fmt: skip
        if info.is_main:
            index_training_bars(session.data, session.out_dir)  # the copy check's training bars
        finish = session.finish_work(report)
        budget = _Budget(minutes, steps, session.state.step, finish, started)
        return _run(session, budget, keep, info, say, cancel, report)
    finally:
        ddp.stop(info)


class Pace:
    """The run's measured pace: seconds per training step (a moving average, so that it follows the load
    of the machine), per held-out example evaluated, per checkpoint save. Fed by the loop; read by
    `_Budget` to plan the end of the run."""

    SMOOTHING = 0.1  # weight of the newest step in the moving average (about the last 10-20 steps)

    def __init__(self) -> None:
        self.step_seconds: float | None = None
        self.eval_seconds_per_example: float | None = None
        self.save_seconds: float | None = None

    def step(self, seconds: float) -> None:
        old = self.step_seconds
        self.step_seconds = seconds if old is None else old + self.SMOOTHING * (seconds - old)

    def evaluated(self, seconds: float, examples: int) -> None:
        if examples > 0:
            self.eval_seconds_per_example = seconds / examples

    def saved(self, seconds: float) -> None:
        self.save_seconds = seconds


class _Budget:
    """When to stop: a target step, or a wall-clock deadline that leaves time for the end of the run (the
    final accuracy check, the last save and the report card) at the pace measured so far, not an assumed
    one: on a busy machine the reserve grows with the run's own slower steps.

    `clock` gives seconds (time.monotonic; tests pass a fake one).
    """

    MARGIN = 1.25  # the end of a run may run a little slower than the steps before it

    def __init__(
        self,
        minutes: float | None,
        steps: int | None,
        start: int,
        finish: FinishWork,
        started: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.t0, self.started = clock(), started
        self.start, self.target = start, steps
        self.total = (DEFAULT_MINUTES if minutes is None and steps is None else minutes or 0.0) * 60.0
        self.finish = finish if self.total else FinishWork()
        self.pace = Pace()

    @property
    def report_seconds(self) -> float:
        """The report card's expected seconds at the measured step pace (its floor before any step)."""
        f = self.finish
        if not f.report_steps and not f.report_floor:
            return 0.0
        paced = f.report_steps * (self.pace.step_seconds or 0.0) * self.MARGIN
        return max(f.report_floor, paced)

    def reserve(self) -> float:
        """Seconds to keep for the end of the run: final check, save and report card, at the measured pace.
        Before the first evaluation an example is taken to cost what a training step costs per example
        (a forward pass alone costs less)."""
        f, pace = self.finish, self.pace
        if not self.total:
            return 0.0
        per_example = pace.eval_seconds_per_example
        if per_example is None:
            per_example = (pace.step_seconds or 0.0) / max(EVAL_BATCH_GUESS, 1)
        evaluate = per_example * f.eval_examples * self.MARGIN
        save = (pace.save_seconds if pace.save_seconds is not None else 1.0) * self.MARGIN
        return self.report_seconds + evaluate + save

    @property
    def deadline(self) -> float:
        return self.started + max(self.total - self.reserve(), 0.0) if self.total else math.inf

    def done(self, step: int) -> bool:
        return (self.target is not None and step >= self.target) or self.clock() >= self.deadline

    def total_steps(self, step: int) -> int:
        if self.target is not None:
            return self.target
        rate = (step - self.start) / max(self.clock() - self.t0, 1e-6)
        return step + int(rate * max(self.deadline - self.clock(), 0.0))

    def seconds_left(self, step: int) -> float:
        now = self.clock()
        if self.target is not None:
            rate = (step - self.start) / max(now - self.t0, 1e-6)
            left = (self.target - step) / rate if rate > 0 else math.nan
            return max(left, 0.0) + self.reserve()
        return max(self.deadline - now, 0.0) + self.reserve()


def _run(
    s: TrainingRun,
    budget: _Budget,
    keep: int,
    info: ddp.DistInfo,
    report: Callable[[TrainProgress], None] | None,
    cancel: threading.Event | None,
    with_report: bool,
) -> TrainResult:
    st = s.state
    start_step, t0 = st.step, time.monotonic()
    last_eval = last_save = t0
    eval_gap = EVAL_SECONDS
    history: list[dict[str, float]] = []
    cancelled = False
    for epoch, index in s.batches.from_step(st.step):
        stop = budget.done(st.step) or bool(cancel and cancel.is_set())
        if ddp.any_rank(stop, info, s.device):
            cancelled = bool(cancel and cancel.is_set())
            break
        before = time.monotonic()
        loss, kl = s.step(index)
        st.step, st.epoch = st.step + 1, epoch
        now = time.monotonic()
        budget.pace.step(now - before)
        if info.is_main and now - last_eval >= eval_gap:
            s.evaluate(EVAL_EXAMPLES)
            last_eval = time.monotonic()
            budget.pace.evaluated(last_eval - now, s.eval_size(EVAL_EXAMPLES))
            eval_gap = max(EVAL_SECONDS, (last_eval - now) / EVAL_SHARE)
            history.append({"step": st.step, "loss": loss, "kl": kl, "accuracy": st.accuracy or math.nan})
        if info.is_main and now - last_save >= SAVE_SECONDS:
            _notify(report, s, budget, loss, kl, "saving")
            saving = time.monotonic()
            s.save(keep)
            last_save = time.monotonic()
            budget.pace.saved(last_save - saving)
        st.loss, st.kl = loss, kl
        _notify(report, s, budget, loss, kl, "training")
    ddp.write_test_hash(s.model, info, st.step)
    result_report = None
    if info.is_main:
        s.evaluate(None)
        _notify(report, s, budget, st.loss, st.kl, "saving")
        s.save(keep)
        if st.step > start_step:
            _notify(report, s, budget, st.loss, st.kl, "saving", "fitting the latent codes...")
            s.fit_latent()
        if with_report and not cancelled and st.step > start_step:
            _notify(report, s, budget, st.loss, st.kl, "report", "writing the report card...")
            result_report = s.write_report()
    ddp.barrier(info)
    seconds = time.monotonic() - t0
    _notify(report, s, budget, st.loss, st.kl, "done", _summary(s, st, start_step, seconds, cancelled))
    return TrainResult(
        s.out_dir, s.cfg.name, str(s.device), start_step, st.step, seconds, st.best_accuracy, st.accuracy,
        cancelled, result_report, history,
    )  # fmt: skip


def _notify(
    report: Callable[[TrainProgress], None] | None,
    s: TrainingRun,
    budget: _Budget,
    loss: float,
    kl: float,
    phase: str,
    message: str = "",
) -> None:
    if report is None:
        return
    st = s.state
    total = max(budget.total_steps(st.step), st.step)
    left = budget.seconds_left(st.step) if phase in ("training", "saving") else 0.0
    report(TrainProgress(st.step, total, loss, kl, st.accuracy, left, phase, st.epoch, message))


def _summary(s: TrainingRun, st: RunState, start: int, seconds: float, cancelled: bool) -> str:
    acc = "n/a (no held-out files)" if st.accuracy is None else f"{100 * st.accuracy:.1f}%"
    verb = "stopped (cancelled)" if cancelled else "finished"
    rate = (st.step - start) / max(seconds, 1e-6)
    return (
        f"{verb}: step {st.step} ({rate:.2f} steps/s on {s.device}), held-out accuracy {acc}; "
        f"model in {s.out_dir}"
    )
