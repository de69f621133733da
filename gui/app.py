# SPDX-License-Identifier: MIT
"""Starts the Qt application and the main window."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


def run(args: argparse.Namespace) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("Bandmate")
    window.setCentralWidget(QLabel("Bandmate"))
    window.resize(1200, 800)
    window.show()
    if getattr(args, "smoke", False):
        QTimer.singleShot(200, app.quit)
    return int(app.exec())
