# SPDX-License-Identifier: MIT
"""Training progress: the `TrainProgress` snapshot sent to callbacks, and a text progress bar on stderr."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True, slots=True)
class TrainProgress:
    """One progress report. `phase`: "start" (where a new model starts, engine/training/start.py),
    "loading", "training", "saving", "report" or "done".

    `total_steps` is the step training will stop at (an estimate under a time budget); `accuracy` is the
    latest held-out teacher-forced token accuracy in 0..1 (None before the first check or without held-out
    files); `seconds_left` includes the time reserved for the report card.
    """

    step: int
    total_steps: int
    loss: float
    kl: float
    accuracy: float | None
    seconds_left: float
    phase: str = "training"
    epoch: int = 0
    message: str = ""


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return (
        f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else (f"{seconds // 60}:{seconds % 60:02d}")
    )


def describe(p: TrainProgress) -> str:
    """One line: step, loss, KL, held-out accuracy, time left."""
    if p.phase not in ("training", "saving"):
        return p.message or p.phase
    acc = "  -  " if p.accuracy is None else f"{100 * p.accuracy:5.1f}%"
    left = "saving..." if p.phase == "saving" else f"{_clock(p.seconds_left)} left"
    return f"step {p.step}/{p.total_steps}  loss {p.loss:8.2f}  KL {p.kl:6.2f}  held-out acc {acc}  {left}"


class ProgressBar:
    """Draws TrainProgress on a terminal (one redrawn line), or prints a line every `every` seconds when
    the stream is not a terminal (logs, CI)."""

    def __init__(self, stream: TextIO | None = None, width: int = 24, every: float = 10.0) -> None:
        self.stream = stream or sys.stderr
        self.width, self.every = width, every
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._open = False  # a bar line is drawn and not yet ended

    def __call__(self, p: TrainProgress) -> None:
        if p.phase not in ("training", "saving"):
            self._line(describe(p), final=True)
            return
        now = time.monotonic()
        if not self.tty and now - self._last < self.every:
            return
        self._last = now
        done = min(1.0, p.step / max(1, p.total_steps))
        filled = int(round(done * self.width))
        bar = "#" * filled + "." * (self.width - filled)
        self._line(f"[{bar}] {describe(p)}", final=False)

    def _line(self, text: str, final: bool) -> None:
        if self.tty:
            ending = "\n" if final else ""
            prefix = "\n" if final and self._open else "\r\033[K"
            self.stream.write(prefix + text + ending)
            self._open = not final
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
