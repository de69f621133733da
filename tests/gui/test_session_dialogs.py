"""Sessions through the dialogs a person uses: Save As (the suffix added, Ctrl+S then saves in place), Open
(asks before dropping unsaved work; a cancelled dialog changes nothing), the recent-sessions menu (newest
first, gone files dropped, kept across runs), and recovery after the app is really killed (SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from engine.midi.files import read_clip
from engine.music.sessionfile import load_session
from gui.mainwindow import MainWindow
from tests.conftest import ROOT
from tests.gui.conftest import make_beat, make_clip
from tests.gui.test_arrangement import DRUMS, TUNE


class Dialogs:
    """Stands in for QFileDialog: answers each call with the next path and records what was asked."""

    def __init__(self, monkeypatch, *answers: str) -> None:  # noqa: ANN001
        self.answers, self.asked = list(answers), []
        for name in ("getSaveFileName", "getOpenFileName"):
            monkeypatch.setattr(QFileDialog, name, staticmethod(self._answer(name)))

    def _answer(self, name: str):  # noqa: ANN202
        def answer(_parent, caption, folder, _filter):  # noqa: ANN001, ANN202
            self.asked.append((name, caption, folder))
            return (self.answers.pop(0) if self.answers else "", "")

        return answer


def test_save_as_and_open_through_their_dialogs(window: MainWindow, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    beat = read_clip(DRUMS).slice(0, 32)
    window.arrangement.add(beat, "beat")
    window.arrangement.add(make_clip(2, seed=3), "band")
    window.transport.tempo.setValue(96.0)
    dialogs = Dialogs(monkeypatch, str(tmp_path / "sets" / "friday"), "")
    save_as = next(
        a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "Save session as…"
    )
    save_as.trigger()
    saved = tmp_path / "sets" / "friday.bandmate"  # the suffix is added
    assert saved.is_file() and dialogs.asked[0][1] == "Save session"
    assert dialogs.asked[0][2].endswith("session.bandmate") and str(tmp_path / "out") in dialogs.asked[0][2]
    assert window.windowTitle().startswith("friday.bandmate") and not window.isWindowModified()
    assert load_session(saved).kept_clips == 2 and load_session(saved).tempo == 96.0
    # Ctrl+S after an edit saves in place, without a dialog
    window.arrangement.add(make_beat(1), "beat 1")
    assert window.isWindowModified()
    assert window.sessions.save() and len(dialogs.asked) == 1 and load_session(saved).kept_clips == 3
    # Save As cancelled: nothing written, the session keeps its file
    window.arrangement.add(make_beat(2), "beat 2")
    assert not window.sessions.save_as() and window.sessions.path == saved
    # Open: unsaved work is asked about first (the test answers Discard), then the file's state is back
    dialogs.answers.append(str(saved))
    window.sessions.open_dialog()
    assert window.asked and "Save it before opening another session" in window.asked[-1]
    assert dialogs.asked[-1][0] == "getOpenFileName" and dialogs.asked[-1][2] == str(saved.parent)
    assert window.arrangement.names() == ["beat", "beat 1", "band"] and window.transport.tempo.value() == 96.0
    assert not window.isWindowModified()
    # a cancelled Open dialog changes nothing
    window.arrangement.add(make_beat(3), "beat 3")
    window.answers[QMessageBox.StandardButton.Save] = QMessageBox.StandardButton.Discard
    window.sessions.open_dialog()
    assert "beat 3" in window.arrangement.names()


def test_recent_sessions_newest_first_and_kept_across_runs(
    window: MainWindow, tmp_path: Path, qtbot: QtBot
) -> None:
    from gui.app import build_window
    from gui.workers import SyncExecutor

    paths = []
    for i, name in enumerate(("monday", "tuesday", "wednesday")):
        window.arrangement.add(make_beat(i), f"beat {i}")
        paths.append(tmp_path / f"{name}.bandmate")
        assert window.sessions.save_to(paths[-1])
    assert window.sessions.recent() == [str(p) for p in reversed(paths)]
    menu = window.sessions.recent_menu
    assert [a.text() for a in menu.actions()] == ["wednesday.bandmate", "tuesday.bandmate", "monday.bandmate"]
    next(a for a in menu.actions() if a.text() == "monday.bandmate").trigger()
    assert window.sessions.path == paths[0] and window.arrangement.names() == ["beat 0"]
    assert window.sessions.recent()[0] == str(paths[0])  # opening moves it to the top
    paths[1].unlink()  # a file that is gone drops out of the list
    again = build_window(window.store, SyncExecutor())  # the next run of the app
    qtbot.addWidget(again)
    assert again.sessions.recent() == [str(paths[0]), str(paths[2])]
    assert [a.text() for a in again.sessions.recent_menu.actions()] == [
        "monday.bandmate",
        "wednesday.bandmate",
    ]
    again.sessions.forget_changes()
    again.close()


CHILD = """
import sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from engine.midi.files import read_clip
from gui.app import build_window
from gui.session_files import autosave_path
from gui.settings import open_store
from gui.workers import SyncExecutor
w = build_window(open_store(sys.argv[1]), SyncExecutor())
w.show()
w.arrangement.add(read_clip(sys.argv[2]).slice(0, 32), "before the kill")
w.arrangement.add(read_clip(sys.argv[3]).slice(0, 64), "tune")
w.transport.tempo.setValue(104.0)
w.sessions.timer.setInterval(100)  # the autosave timer, fired sooner than its 20 s
while not autosave_path().is_file():
    app.processEvents()
    time.sleep(0.02)
print("autosaved", flush=True)
while True:
    app.processEvents()
    time.sleep(0.05)
"""


def test_work_comes_back_after_the_app_is_killed(
    window: MainWindow, tmp_path: Path, monkeypatch, qtbot
) -> None:  # noqa: ANN001
    from gui.app import build_window
    from gui.session_files import autosave_path
    from gui.workers import SyncExecutor

    store = window.store.fileName()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store, str(DRUMS), str(TUNE)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.strip() == "autosaved", child.stderr.read() if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)  # no closeEvent, no clean quit
        child.wait(10)
    assert child.returncode == -signal.SIGKILL and autosave_path().is_file()
    answers: list[str] = []

    def yes(_parent, _title, text, *_a):  # noqa: ANN001, ANN202
        answers.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(yes))
    again = build_window(window.store, SyncExecutor())
    qtbot.addWidget(again)
    assert again.sessions.offer_recovery()
    assert answers and "did not quit normally" in answers[0]
    assert again.arrangement.names() == ["before the kill", "tune"]
    assert again.arrangement.clips()[0] == read_clip(DRUMS).slice(0, 32)
    assert again.transport.tempo.value() == 104.0
    assert again.isWindowModified()  # restored work is unsaved until saved
    again.sessions.forget_changes()
    again.close()
    assert not autosave_path().exists()
