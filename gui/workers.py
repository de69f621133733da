# SPDX-License-Identifier: MIT
"""Background jobs: a `Job` runs a plain function off the GUI thread and reports by signals.

`PoolExecutor` runs jobs on a QThreadPool (Picard's `run_task`); `SyncExecutor` runs them inline for tests
(Picard's `FakeThreadPool`). `Latest` coalesces bursts of requests (slider drags) so that only the newest
one runs after the current one finishes.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class JobContext:
    """What a job function gets: `progress(step, total)`, `report(obj)` and a `cancel` event."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self.cancel = job.cancel

    def progress(self, step: int, total: int) -> None:
        self._job.signals.progress.emit(int(step), int(total))

    def report(self, obj: object) -> None:
        self._job.signals.report.emit(obj)


class JobSignals(QObject):
    """Signals of one job, living in the GUI thread so that connected slots run there (queued).

    Signals:
        progress(int, int): step and total.
        report(object): a rich progress value (e.g. TrainProgress).
        finished(object): the function's return value.
        failed(str): a one-line reason.
    """

    progress = Signal(int, int)
    report = Signal(object)
    finished = Signal(object)
    failed = Signal(str)


class Job(QRunnable):
    """Runs `fn(ctx)` once; connect to `signals` before handing the job to an executor."""

    def __init__(self, fn: Callable[[JobContext], Any], name: str = "") -> None:
        super().__init__()
        self.setAutoDelete(False)  # the executor keeps the Python object alive until it is done
        self.fn = fn
        self.name = name
        self.cancel = threading.Event()
        self.signals = JobSignals()
        self.done = threading.Event()

    def run(self) -> None:  # Qt override, runs in a pool thread (or inline)
        try:
            result = self.fn(JobContext(self))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message for the status line
            traceback.print_exc()
            self.done.set()
            self._emit(self.signals.failed, _reason(exc))
            return
        self.done.set()
        self._emit(self.signals.finished, result)

    @staticmethod
    def _emit(signal: Any, value: object) -> None:
        with contextlib.suppress(RuntimeError):  # the window closed while the job ran: nobody listens
            signal.emit(value)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Executor(Protocol):
    def start(self, job: Job) -> None: ...


class SyncExecutor:
    """Runs each job inline in the calling thread: deterministic tests."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, job: Job) -> None:
        self.started.append(job.name)
        job.run()


class PoolExecutor:
    """Runs jobs on a QThreadPool and keeps them referenced until they report back."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self.pool = pool or QThreadPool.globalInstance()
        self._live: set[Job] = set()

    def start(self, job: Job) -> None:
        self._live.add(job)
        job.signals.finished.connect(lambda _r, j=job: self._live.discard(j))
        job.signals.failed.connect(lambda _m, j=job: self._live.discard(j))
        self.pool.start(job)

    def wait(self, msecs: int = 30000) -> bool:
        return bool(self.pool.waitForDone(msecs))


def run_task(
    executor: Executor,
    fn: Callable[[JobContext], Any],
    done: Callable[[Any], None],
    failed: Callable[[str], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    report: Callable[[object], None] | None = None,
    name: str = "",
) -> Job:
    """Wire a job's signals to callbacks, then start it; returns the job (for `job.cancel.set()`)."""
    job = Job(fn, name)
    job.signals.finished.connect(done)
    if failed is not None:
        job.signals.failed.connect(failed)
    if progress is not None:
        job.signals.progress.connect(progress)
    if report is not None:
        job.signals.report.connect(report)
    executor.start(job)
    return job


class Latest(QObject):
    """Runs at most one job at a time; while one runs, only the newest request waits (older ones drop).

    Signals:
        finished(object): result of a job that ran.
        failed(str): a job's failure.
    """

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, executor: Executor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.executor = executor
        self._busy = False
        self._pending: Callable[[JobContext], Any] | None = None
        self.runs = 0

    @property
    def busy(self) -> bool:
        return self._busy

    def request(self, fn: Callable[[JobContext], Any]) -> None:
        if self._busy:
            self._pending = fn
            return
        self._launch(fn)

    def _launch(self, fn: Callable[[JobContext], Any]) -> None:
        self._busy = True
        self.runs += 1
        run_task(self.executor, fn, self._on_done, self._on_failed, name="latest")

    def _on_done(self, result: object) -> None:
        self.finished.emit(result)
        self._next()

    def _on_failed(self, reason: str) -> None:
        self.failed.emit(reason)
        self._next()

    def _next(self) -> None:
        self._busy = False
        fn, self._pending = self._pending, None
        if fn is not None:
            self._launch(fn)
