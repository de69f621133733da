# SPDX-License-Identifier: MIT
"""Starts the Qt application: settings → sound output → player → session → main window."""

from __future__ import annotations

import argparse
import os
import sys
from typing import cast

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from engine.playback.player import Player
from gui.mainwindow import MainWindow
from gui.outputs import ChannelMap, open_output
from gui.qt_player import QtPlayer
from gui.session import Session
from gui.settings import load_settings, open_store
from gui.smoke import SmokeRun
from gui.workers import Executor, PoolExecutor


def build_window(store: QSettings, executor: Executor) -> MainWindow:
    """The whole app wired together (tests call this with a temporary store and a sync executor)."""
    settings = load_settings(store)
    opened = open_output(settings)
    output = ChannelMap(opened.output, settings)
    player = QtPlayer(Player(output))
    session = Session(executor, settings)
    note = f"Sound: {opened.description}"
    if opened.problem:
        note = f"No sound ({opened.problem}); everything else works. Settings… picks another output"
    window = MainWindow(session, player, output, store, note)
    player.setParent(window)
    session.setParent(window)
    return window


def run(args: argparse.Namespace) -> int:
    # instance() is typed as the QCoreApplication base; in this process it is always a QApplication
    app = cast(QApplication | None, QApplication.instance()) or QApplication(sys.argv[:1])
    app.setApplicationName("Bandmate")
    app.setStyle("Fusion")
    store = open_store(os.environ.get("BANDMATE_SETTINGS") or None)
    window = build_window(store, PoolExecutor())
    window.show()
    if getattr(args, "smoke", False):
        SmokeRun(app, window).start()
    code = int(app.exec())
    PoolExecutor().wait(5000)
    return code
