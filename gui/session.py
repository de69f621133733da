# SPDX-License-Identifier: MIT
"""The app's working state shared by the panels: the loaded model, the current clip, the player, jobs.

Every model call goes through `Session.with_model`, which runs it in a worker (the GUI thread never calls
the model) and reports what runs on the status line; workers of their own (morph, blend) hold
`Session.using(gen)`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QObject, Signal

from engine.music.pattern import Pattern
from gui.document import ClipDocument
from gui.settings import AppSettings
from gui.workers import Executor, Job, JobContext, run_task


class Session(QObject):
    """Shared state of one window.

    Signals:
        status(str): a line for the status bar.
        model_changed(object): the loaded Generator, or None.
        busy_changed(bool): whether any job runs.
    """

    status = Signal(str)
    model_changed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(
        self,
        executor: Executor,
        settings: AppSettings,
        doc: ClipDocument | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.executor = executor
        self.settings = settings
        self.doc = doc or ClipDocument(parent=self)
        self.generator: Any = None
        self.model_name = ""
        self.temperature = 0.5
        self.feel = True  # new notes get the training music's loudness and timing (Generator.feel)
        self.key: str | None = None  # None: any notes; "auto"; or a name like "C:minor" (resolve_key)
        self._jobs = 0
        self.model_lock = threading.Lock()  # one model call at a time (the generator keeps RNG state)

    # --- model ---------------------------------------------------------------------------------
    def load_model(self, model: str, done: Callable[[Any], None] | None = None) -> Job:
        """Load a bundled name or a model folder in a worker; `model_changed` fires when it is ready."""
        device = self.settings.device

        def work(_ctx: JobContext) -> Any:
            from engine.generation.generator import Generator

            return Generator.load(model, device=device)

        def loaded(gen: Any) -> None:
            self.generator, self.model_name = gen, str(model)
            self.status.emit(f"Model {self._short(model)} ready ({gen.config_name}, {gen.device})")
            self.model_changed.emit(gen)
            if done is not None:
                done(gen)

        return self.run(work, loaded, f"Loading model {self._short(model)}")

    @staticmethod
    def _short(model: str) -> str:
        return model.rstrip("/").rsplit("/", 1)[-1]

    def with_model(
        self,
        fn: Callable[[Any, JobContext], Any],
        done: Callable[[Any], None],
        what: str,
        failed: Callable[[str], None] | None = None,
    ) -> Job | None:
        """Run `fn(generator, ctx)` in a worker; says so on the status line if no model is loaded."""
        gen = self.generator
        if gen is None:
            self.status.emit("Pick a model first (Model: at the top), or train one in the Train tab")
            return None

        def call(ctx: JobContext) -> Any:
            with self.using(gen):
                return fn(gen, ctx)

        return self.run(call, done, what, failed)

    @contextlib.contextmanager
    def using(self, gen: Any) -> Iterator[Any]:
        """Hold the model lock (in a worker thread) with the window's generation settings applied and
        the decoding thread count (engine.device.decoding_threads: this worker owns it; model calls
        never overlap, as they all hold the lock)."""
        from engine.device import decoding_threads

        with self.model_lock, decoding_threads(gen.device):
            gen.feel = self.feel
            yield gen

    # --- jobs ----------------------------------------------------------------------------------
    def run(
        self,
        fn: Callable[[JobContext], Any],
        done: Callable[[Any], None],
        what: str,
        failed: Callable[[str], None] | None = None,
        **signals: Any,
    ) -> Job:
        """Run any slow function in a worker with status messages on start, end and failure."""
        self._begin(what)

        def finished(result: Any) -> None:
            self._end()
            done(result)

        def error(reason: str) -> None:
            self._end()
            self.status.emit(f"{what} failed: {reason}")
            if failed is not None:
                failed(reason)

        return run_task(self.executor, fn, finished, error, name=what, **signals)

    def _begin(self, what: str) -> None:
        self._jobs += 1
        self.status.emit(f"{what}…")
        if self._jobs == 1:
            self.busy_changed.emit(True)

    def _end(self) -> None:
        self._jobs = max(0, self._jobs - 1)
        if self._jobs == 0:
            self.busy_changed.emit(False)

    @property
    def busy(self) -> bool:
        return self._jobs > 0

    # --- the clip ------------------------------------------------------------------------------
    def show_clip(self, pattern: Pattern, name: str, undoable: bool = True) -> None:
        self.doc.replace(pattern, name, undoable)
