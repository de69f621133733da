# SPDX-License-Identifier: MIT
"""Runs engine.training.train.train in a child process and relays its progress (no Qt in this module).

Training in a thread of the app process would share the GIL with the GUI thread: importing torch, loading
the music and writing the report card hold it for hundreds of milliseconds, and the window would stutter.
A spawned process keeps the window answering; a pool worker calls `run_training` and relays progress.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class TrainingFailed(Exception):
    """Training stopped with an error; str(e) is the reason from the child process."""


@dataclass(frozen=True, slots=True)
class TrainOutcome:
    """What the panel needs from engine.training.train's TrainResult (picklable, no tensors)."""

    model_dir: Path
    steps: int
    cancelled: bool
    final_accuracy: float | None
    seconds: float


def _child(conn: Any, cancel: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """The child process: sends ("progress", TrainProgress)…, then ("done", outcome) or ("error", reason)."""
    try:
        from engine.device import pick_device, training_threads
        from engine.training.start import train_from_start
        from engine.training.train import train

        def progress(p: Any) -> None:
            conn.send(("progress", p))

        with training_threads(pick_device(kwargs.get("device", "auto"))):  # this process owns its threads
            if kwargs.get("from_model") is not None:
                kwargs.pop("scratch", None)
                result = train(*args, progress=progress, cancel=cancel, **kwargs)
            else:  # the bundled model for a small folder, a pilot for a large one, unless scratch
                kwargs.pop("from_model", None)
                result = train_from_start(*args, progress=progress, cancel=cancel, **kwargs)
        outcome = TrainOutcome(
            Path(result.model_dir), result.steps, result.cancelled, result.final_accuracy, result.seconds
        )
        conn.send(("done", outcome))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the app as a message
        lines = str(exc).strip().splitlines()
        conn.send(("error", lines[0] if lines else type(exc).__name__))
        traceback.print_exc()
    finally:
        conn.close()


def run_training(
    folder: str | Path,
    config: str,
    out_dir: str | Path,
    *,
    progress: Callable[[Any], None],
    cancel: threading.Event,
    **kwargs: Any,
) -> TrainOutcome:
    """engine.training.train.train(folder, config, out_dir, **kwargs) in a spawned process; blocks until
    it ends. Without a `from_model`, engine.training.start.train_from_start decides where a new model
    starts (`scratch=True` opts out).

    `progress` gets each TrainProgress; setting `cancel` asks the child to stop (it saves what it has).
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    stop = ctx.Event()
    proc = ctx.Process(
        target=_child,
        args=(child, stop, (str(folder), config, str(out_dir)), kwargs),
        name="bandmate-train",
        daemon=True,  # quitting the app ends training; checkpoints are atomic, so the last one stays good
    )
    proc.start()
    child.close()
    try:
        return _relay(parent, proc, stop, progress, cancel)
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()


def _relay(
    conn: Any, proc: Any, stop: Any, progress: Callable[[Any], None], cancel: threading.Event
) -> TrainOutcome:
    while True:
        if cancel.is_set() and not stop.is_set():
            stop.set()
        if not conn.poll(0.1):
            if not proc.is_alive() and not conn.poll(0):
                raise TrainingFailed(f"the training process ended unexpectedly (exit code {proc.exitcode})")
            continue
        try:
            kind, value = conn.recv()
        except EOFError:
            raise TrainingFailed("the training process ended without a result") from None
        if kind == "progress":
            progress(value)
        elif kind == "done":
            return value
        else:
            raise TrainingFailed(value)
