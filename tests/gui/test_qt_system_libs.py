"""The committed Qt package list (scripts/qt-xcb-packages.txt) is what the xcb plugin needs here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

LIST = ROOT / "scripts" / "qt-xcb-packages.txt"


def check(listing: Path) -> subprocess.CompletedProcess[str]:
    """Re-derive the list from the installed PySide6 and compare it with `listing`."""
    # this checkout's gui/ first: the venv may be an editable install of another checkout
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "scripts/qt_system_libs.py", "--check", str(listing)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_committed_list_is_what_the_plugin_needs() -> None:
    result = check(LIST)
    assert result.returncode == 0, (
        "re-derive it with `.venv/bin/python scripts/qt_system_libs.py --write`:\n"
        + result.stdout
        + result.stderr
    )


def test_a_list_without_the_issues_packages_is_named_stale(tmp_path: Path) -> None:
    """The hand-kept list lacked libxcb-icccm4 and libxcb-keysyms1; the check names exactly those."""
    old = [
        line for line in LIST.read_text().splitlines() if not line.startswith(("libxcb-icccm", "libxcb-key"))
    ]
    stale = tmp_path / "qt-xcb-packages.txt"
    stale.write_text("\n".join(old) + "\n")
    result = check(stale)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "qt-xcb-packages.txt is stale: missing from the list: libxcb-icccm4 (libxcb-icccm.so.4)",
        "qt-xcb-packages.txt is stale: missing from the list: libxcb-keysyms1 (libxcb-keysyms.so.1)",
    ]
