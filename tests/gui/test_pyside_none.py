"""PySide6 6.12 on Python 3.11 drops a reference to None per void call; importing `gui` must survive that."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_many_void_qt_calls_do_not_deallocate_none() -> None:
    code = (
        "import gui\n"
        "from PySide6.QtCore import QObject\n"
        "o = QObject()\n"
        "for _ in range(200_000):\n"
        "    o.setObjectName('x')\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-500:]
