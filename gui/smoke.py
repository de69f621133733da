# SPDX-License-Identifier: MIT
"""The `--smoke` run, end to end through the real window: wait for the model the settings pick, press
Generate once, wait for the candidates, then close the window and quit. Prints one line on stdout,
`smoke: generated N clips with MODEL`; a failure is one `smoke: failed: …` line on stderr and status 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from gui.mainwindow import MainWindow


class SmokeRun(QObject):
    """Drives one smoke run of a shown `window`; the app's event loop then returns 0 or 1.

    Every step follows `Session.busy_changed(False)`: the model load that the window starts on its
    own, then the generation this run starts through the Generate panel's button.
    """

    def __init__(self, app: QApplication, window: MainWindow, limit_s: float = 45.0) -> None:
        super().__init__(window)
        self.app, self.window = app, window
        self.limit_s = limit_s
        self.last_status = ""
        self.generating = False
        self.done = False

    def start(self) -> None:
        """Connect to the window's session; call before `app.exec()` (exit codes need a running loop)."""
        session = self.window.session
        session.status.connect(self._status)
        session.busy_changed.connect(self._busy_changed)
        QTimer.singleShot(int(self.limit_s * 1000), self._timed_out)
        if not session.busy:
            QTimer.singleShot(0, self._settle)

    def _status(self, text: str) -> None:
        self.last_status = text

    def _busy_changed(self, busy: bool) -> None:
        if not busy:
            # the job's `done` callback runs right after busy_changed(False): look once it has
            QTimer.singleShot(0, self._settle)

    def _settle(self) -> None:
        session, panel = self.window.session, self.window.generate
        if self.done or session.busy:
            return
        if panel.candidates.count():
            self._finish(panel.candidates.count())
        elif session.generator is None:
            self._fail(f"no model loaded ({self.last_status or 'no status'})")
        elif not self.generating:
            self.generating = True
            panel.generate_button.click()
        else:
            self._fail(f"Generate gave no clips ({self.last_status or 'no status'})")

    def _timed_out(self) -> None:
        self._fail(f"not done within {self.limit_s:g} s ({self.last_status or 'no status'})")

    def _finish(self, clips: int) -> None:
        model = Path(self.window.session.model_name).name
        print(f"smoke: generated {clips} clips with {model}", flush=True)
        sessions = self.window.sessions
        if sessions.path is not None:  # opened with --session: say what it held
            kept = sessions.collect().kept_clips
            print(f"smoke: session {sessions.path.name} with {kept} kept clips", flush=True)
        self._quit(0)

    def _fail(self, reason: str) -> None:
        if not self.done:
            print(f"smoke: failed: {reason}", file=sys.stderr, flush=True)
            self._quit(1)

    def _quit(self, code: int) -> None:
        self.done = True
        self.window.sessions.forget_changes()  # a self-test's clips are not work to save
        self.window.close()
        self.app.exit(code)
