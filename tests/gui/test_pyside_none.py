"""The pinned PySide6 keeps None's reference count: 6.12.0 on Python 3.11 drops one per void call and the
app aborts with "deallocating None" after a few thousand paint calls (hence `<6.12` in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_many_void_qt_calls_keep_none_alive() -> None:
    code = (
        "import sys\n"
        "from PySide6.QtCore import QObject\n"
        "o = QObject()\n"
        "before = sys.getrefcount(None)\n"
        "for _ in range(200_000):\n"
        "    o.setObjectName('x')\n"
        "print(sys.getrefcount(None) - before)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert abs(int(result.stdout.strip())) < 100, f"None lost {result.stdout.strip()} references"
