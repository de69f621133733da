# SPDX-License-Identifier: MIT
"""Train panel: choose a folder, see what was found and skipped, train with live curves, get a report card.

Scanning (engine.data.dataset.prepare) runs in a worker; training (engine.training.train.train) runs in
a child process supervised by a worker (gui.train_runner), and its TrainProgress objects arrive through
the job's `report` signal. Training code is never imported by the app process itself.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.registry import list_models, user_models_dir
from engine.training.progress import TrainProgress
from engine.training.start import SMALL_FOLDER
from gui.dnd import safe_name
from gui.panels.train_view import demote_headings, describe_prepare, format_seconds
from gui.session import Session
from gui.train_runner import run_training
from gui.widgets.curves import CurvePlot
from gui.workers import Job
from models.spec import CONFIG_NAMES, DEFAULT_CONFIG

CONFIGS = (DEFAULT_CONFIG, *(name for name in CONFIG_NAMES if name != DEFAULT_CONFIG))


class TrainPanel(QWidget):
    """One-click training on a folder of MIDI files.

    Signals:
        model_trained(str): folder of the newly trained model.
    """

    model_trained = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.job: Job | None = None
        self.out_dir: Path | None = None
        self.result: Any = None
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("a folder of MIDI files")
        self.browse = QPushButton("Browse…")
        self.config = QComboBox()
        self.config.addItems(list(CONFIGS))
        self.size_box = QComboBox()  # not `size`: that is QWidget.size()
        self.size_box.addItems(["small", "big"])
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 24 * 60)
        self.minutes.setValue(10)
        self.minutes.setSuffix(" min")
        self.steps = QSpinBox()
        self.steps.setRange(0, 10_000_000)
        self.steps.setSpecialValueText("until time is up")
        self.batch = QSpinBox()
        self.batch.setRange(0, 4096)
        self.batch.setSpecialValueText("auto")
        self.start_from = QComboBox()
        self.start_from.setToolTip(
            f"Automatic: a folder of fewer than {SMALL_FOLDER} songs starts from the bundled model of this "
            "type, which already knows a lot of music, and learns your band from there; a larger folder "
            "tries both for a short while and goes on with the one that predicts your songs better"
        )
        self.scratch = QCheckBox("Start from scratch")
        self.scratch.setToolTip("A new model that knows nothing but your folder (needs many songs)")
        self.start_note = QLabel("")
        self.start_note.setWordWrap(True)
        self.scan_button, self.train_button = QPushButton("Scan"), QPushButton("Train")
        self.stop_button, self.resume_button = QPushButton("Stop"), QPushButton("Resume")
        self.found = QPlainTextEdit()
        self.found.setReadOnly(True)
        self.found.setPlaceholderText("What was found and skipped appears here")
        self.progress = QProgressBar()
        self.time_left = QLabel("")
        self.plot = CurvePlot()
        self.report = QTextBrowser()
        self.report.setPlaceholderText("The report card appears here when training ends")
        self._build()
        self._set_running(False)
        self.refresh_bases()
        self.config.currentTextChanged.connect(lambda _t: self.refresh_bases())

    def _build(self) -> None:
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("Folder", row)
        form.addRow("Model type", self.config)
        form.addRow("Size", self.size_box)
        form.addRow("Time limit", self.minutes)
        form.addRow("Steps", self.steps)
        form.addRow("Batch size", self.batch)
        form.addRow("Start from", self.start_from)
        form.addRow("", self.scratch)
        form.addRow("", self.start_note)
        buttons = QHBoxLayout()
        for b in (self.scan_button, self.train_button, self.stop_button, self.resume_button):
            buttons.addWidget(b)
        status = QHBoxLayout()
        status.addWidget(self.progress, 1)
        status.addWidget(self.time_left)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.found, 1)
        layout.addLayout(status)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.report, 1)
        self.browse.clicked.connect(self._pick_folder)
        self.scan_button.clicked.connect(self.scan)
        self.train_button.clicked.connect(lambda: self.start())
        self.stop_button.clicked.connect(self.stop)
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.scratch.toggled.connect(lambda on: self.start_from.setEnabled(not on))

    def refresh_bases(self) -> None:
        """Automatic (see the tooltip), or a model of the chosen type to fine-tune."""
        self.start_from.clear()
        self.start_from.addItem("automatic (recommended)", "")
        for info in list_models():
            if info.config == self.config.currentText():
                self.start_from.addItem(f"fine-tune {info.name} ({info.where})", str(info.path))

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of MIDI files", self.folder.text())
        if path:
            self.folder.setText(path)
            self.scan()

    def _folder(self) -> Path | None:
        text = self.folder.text().strip()
        if not text or not Path(text).expanduser().is_dir():
            self.session.status.emit("Choose a folder of MIDI files first")
            return None
        return Path(text).expanduser()

    def _set_running(self, running: bool) -> None:
        for w in (self.scan_button, self.train_button, self.config, self.size_box, self.folder):
            w.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.resume_button.setEnabled(not running and self.out_dir is not None)

    # --- scan ----------------------------------------------------------------------------------
    def scan(self) -> None:
        folder = self._folder()
        if folder is None:
            return

        def work(ctx: Any) -> Any:
            from engine.data.dataset import prepare

            return prepare(folder, progress=ctx.progress)

        self.found.setPlainText(f"Scanning {folder} …")
        self.session.run(work, self._scanned, f"Scanning {folder.name}", progress=self._progress)

    def _scanned(self, report: Any) -> None:
        self.found.setPlainText(describe_prepare(report, self.config.currentText()))
        self.session.status.emit("Scan done: see what was found and skipped in the Train tab")

    def _progress(self, step: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(step)

    # --- training ------------------------------------------------------------------------------
    def start(self, resume: bool = False) -> None:
        folder = self._folder()
        if folder is None:
            return
        config, size = self.config.currentText(), self.size_box.currentText()
        if not resume or self.out_dir is None:
            self.out_dir = (
                user_models_dir() / f"{config}-{safe_name(folder.name)}-{time.strftime('%Y%m%d-%H%M')}"
            )
            self.plot.clear()
        out_dir = self.out_dir
        scratch = self.scratch.isChecked()
        base = None if resume or scratch else (self.start_from.currentData() or None)  # same out_dir: resume
        kwargs = dict(
            size=size,
            minutes=None if self.steps.value() else float(self.minutes.value()),
            steps=self.steps.value() or None,
            from_model=base,
            scratch=scratch,
            device=self.session.settings.device,
            batch_size=self.batch.value() or None,
        )
        if not resume:
            self.start_note.setText("")

        def work(ctx: Any) -> Any:
            return run_training(folder, config, out_dir, progress=ctx.report, cancel=ctx.cancel, **kwargs)

        self.report.clear()
        self._set_running(True)
        what = "Resuming training" if resume else f"Training {config} on {folder.name}"
        self.job = self.session.run(work, self._trained, what, self._failed, report=self._report)

    def stop(self) -> None:
        """Ask the training to stop after the current step; it saves a checkpoint you can resume."""
        if self.job is not None:
            self.job.cancel.set()
            self.session.status.emit("Stopping after this step (the model so far is kept)…")

    def _report(self, p: TrainProgress) -> None:
        """One TrainProgress: progress bar, curves (while training), phase and time left."""
        total = max(1, p.total_steps)
        self.progress.setRange(0, total)
        self.progress.setValue(min(total, p.step))
        if p.phase == "training" and math.isfinite(p.loss):
            self.plot.add("loss", p.step, p.loss)
            if p.accuracy is not None:
                self.plot.add("held-out accuracy", p.step, p.accuracy)
        self.time_left.setText(f"{p.phase}, {format_seconds(p.seconds_left)} left")
        if p.phase == "start":  # where the model starts, and what a pilot chose: kept in view
            self.start_note.setText(p.message[0].upper() + p.message[1:] + ".")
        if p.message:
            self.session.status.emit(p.message)

    def _trained(self, result: Any) -> None:
        self.job, self.result = None, result
        self._set_running(False)
        model_dir = Path(result.model_dir)
        card = model_dir / "report.md"
        text = card.read_text(encoding="utf-8") if card.is_file() else "(no report card was written)"
        self.report.setMarkdown(demote_headings(text))
        self.time_left.setText("stopped" if result.cancelled else "done")
        verb = "stopped (Resume carries on)" if result.cancelled else "finished"
        self.session.status.emit(f"Training {verb} after step {result.steps}: {model_dir.name} is selected")
        self.refresh_bases()
        self.model_trained.emit(str(model_dir))

    def _failed(self, reason: str) -> None:
        self.job = None
        self._set_running(False)
        self.time_left.setText("failed")
        self.report.setPlainText(f"Training failed: {reason}")
