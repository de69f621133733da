# SPDX-License-Identifier: MIT
"""The app's working state shared by the panels: the loaded model, the generation settings, the current
clip, jobs.

Every model call goes through `Session.with_model`, which runs it in a worker (the GUI thread never calls
the model) and reports what runs on the status line; workers of their own (morph, blend) hold
`Session.using(gen)`. Every panel reads the same `GenerationSettings` from `Session.generation`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from engine.generation.runner import MAX_TOP_K
from engine.music.keys import parse_key
from engine.music.pattern import Pattern
from gui.document import ClipDocument
from gui.settings import AppSettings
from gui.workers import Executor, Job, JobContext, run_task

if TYPE_CHECKING:  # the generator (and torch) load in a worker, never at start-up
    from engine.generation.generator import Generator

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GenerationSettings:
    """How the model writes, the same for every panel.

    Attributes:
        temperature: 0 = the most likely notes, up to 2 = wild.
        parts: each part's own temperature, ((part, temperature), ...), over `temperature`; empty: every
            part at `temperature`. Loading a model sets them to its report card's recommendation.
        key: None (any notes; new clips moved into the training music's keys), "none" (any notes as the
            model writes them), "auto" (the clip's key, else the training music's) or a name like "C:minor".
        feel: new notes get the training music's loudness and timing (False: velocity 100 on the grid).
        amount: how far variations move from the current clip, 0 (the same) to 1 (far).
        checked: clips that fail the quality check are redrawn (engine/generation/gate.py).
        novel: clips with a bar that copies the training music are redrawn too.
        top_k: each step drawn from its top_k likeliest notes only (fewer wild leaps); 0 = off. Loading a
            model sets it to its report card's recommendation.
    """

    temperature: float = 0.5
    key: str | None = None
    feel: bool = True
    amount: float = 0.3
    checked: bool = True
    novel: bool = False
    parts: tuple[tuple[str, float], ...] = ()
    top_k: int = 0

    def __post_init__(self) -> None:
        if (
            isinstance(self.top_k, bool)
            or not isinstance(self.top_k, int)
            or not 0 <= self.top_k <= MAX_TOP_K
        ):
            raise ValueError(f"top-k {self.top_k!r} must be a whole number from 0 (off) to {MAX_TOP_K}")
        for part, t in (("", self.temperature), *self.parts):
            if not 0.0 <= t <= 2.0:
                raise ValueError(f"temperature {t}{f' ({part})' if part else ''} is outside 0..2")
        if not 0.0 <= self.amount <= 1.0:
            raise ValueError(f"amount {self.amount} is outside 0..1")
        if self.key not in (None, "auto", "none"):
            parse_key(self.key)  # KeyNameError (a ValueError) for a name it cannot read

    @property
    def model_temperature(self) -> float | dict[str, float]:
        """What the generator gets: one temperature for every part, or each part's own."""
        return dict(self.parts) if self.parts else self.temperature

    @property
    def parts_text(self) -> str:
        """The per-part temperatures as the Generate panel shows them: "melody=0.8, drums=0.5"."""
        return ", ".join(f"{p}={t:g}" for p, t in self.parts)


class Session(QObject):
    """Shared state of one window.

    Signals:
        status(str): a line for the status bar.
        model_changed(object): the loaded Generator, or None.
        busy_changed(bool): whether any job runs.
        generation_changed(object): the new GenerationSettings.
        job_finished(str): a job ended well; its "what" (its status line was "what…").
    """

    status = Signal(str)
    model_changed = Signal(object)
    busy_changed = Signal(bool)
    generation_changed = Signal(object)
    job_finished = Signal(str)

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
        self.generator: Generator | None = None
        self.model_name = ""
        self.generation = GenerationSettings()
        self._jobs = 0
        self.model_lock = threading.Lock()  # one model call at a time (the generator keeps RNG state)

    def set_generation(self, **changes: Any) -> None:
        """Change some generation settings (validated); `generation_changed` tells the panels."""
        self.generation = dataclasses.replace(self.generation, **changes)
        self.generation_changed.emit(self.generation)

    # --- model ---------------------------------------------------------------------------------
    def load_model(self, model: str, done: Callable[[Generator], None] | None = None) -> Job:
        """Load a bundled name or a model folder in a worker; `model_changed` fires when it is ready."""
        device = self.settings.device

        def work(_ctx: JobContext) -> Generator:
            from engine.device import available_devices
            from engine.generation.generator import Generator

            wanted = (
                device if device in available_devices() else "cpu"
            )  # a settings file from another machine
            gen = Generator.load(model, device=wanted)
            gen_note[0] = (
                ""
                if wanted == device
                else f"; the {device.upper()} device of Settings is not here, so the CPU"
            )
            return gen

        gen_note = [""]

        def loaded(gen: Generator) -> None:
            self.use_generator(gen, str(model))
            where = "GPU" if str(gen.device).startswith(("cuda", "mps")) else "CPU"
            self.status.emit(
                f"Model {self._short(model)} ready ({gen.config_name}, on the {where}{gen_note[0]}); "
                f"temperatures {self.generation.parts_text}"
            )
            if done is not None:
                done(gen)

        return self.run(work, loaded, f"Loading model {self._short(model)}")

    def use_generator(self, gen: Generator, name: str | None = None) -> None:
        """Make `gen` the session's model (`name`: its bundled name or folder; None keeps the last): its
        parts' temperatures and top-k (the report card's recommendation, else the config's defaults and
        off) replace the last model's, then `model_changed` fires."""
        self.generator = gen
        if name is not None:
            self.model_name = name
        temps = gen.temperatures  # the report card's recommendation (issue 15: it was never applied)
        mean = round(sum(temps.values()) / len(temps), 2)
        self.set_generation(temperature=mean, parts=tuple(temps.items()), top_k=gen.recommended_top_k)
        self.model_changed.emit(gen)

    @staticmethod
    def _short(model: str) -> str:
        return model.rstrip("/").rsplit("/", 1)[-1]

    def with_model(
        self,
        fn: Callable[[Generator, JobContext], T],
        done: Callable[[T], None],
        what: str,
        failed: Callable[[str], None] | None = None,
    ) -> Job | None:
        """Run `fn(generator, ctx)` in a worker; says so on the status line if no model is loaded."""
        gen = self.generator
        if gen is None:
            self.status.emit("Pick a model first (Model: at the top), or train one in the Train tab")
            return None

        def call(ctx: JobContext) -> T:
            with self.using(gen):
                return fn(gen, ctx)

        return self.run(call, done, what, failed)

    @contextlib.contextmanager
    def using(self, gen: Generator) -> Iterator[Generator]:
        """Hold the model lock (in a worker thread) with the generation settings' feel and top-k applied
        and the decoding thread count (engine.device.decoding_threads: this worker owns it; model calls
        never overlap, as they all hold the lock)."""
        from engine.device import decoding_threads

        with self.model_lock, decoding_threads(gen.device):
            gen.feel = self.generation.feel  # a frozen value: reading it from a worker is safe
            gen.top_k = self.generation.top_k
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
            self.job_finished.emit(what)  # the window replaces a "what…" line nothing else replaced

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
