"""The start-up check: a missing Qt system library or display gives one line and exit 1, not Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gui import preflight
from tests.conftest import ROOT

PLUGIN = Path("/venv/PySide6/Qt/plugins/platforms/libqxcb.so")
SITE = "/venv/PySide6/Qt/plugins/platforms/../../lib"

# ldd on the plugin of a fresh Debian 12 with FluidSynth but no Qt libraries (the issue's machine)
FRESH_LDD = f"""\
\tlinux-vdso.so.1 (0x00007ffd5b1e2000)
\tlibQt6XcbQpa.so.6 => {SITE}/libQt6XcbQpa.so.6 (0x00007f69f1719000)
\tlibGL.so.1 => /lib/x86_64-linux-gnu/libGL.so.1 (0x00007f69f0b79000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f69f0b67000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f69f0b5f000)
\tlibxcb-keysyms.so.1 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f69efa1e000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f69f17e9000)
"""
XCB = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}


def fake_ldd(text: str, calls: list[Path] | None = None) -> preflight.Runner:
    def run(path: Path) -> str:
        if calls is not None:
            calls.append(path)
        return text

    return run


def test_parse_ldd_keeps_order_drops_repeats_and_vdso() -> None:
    libs = preflight.parse_ldd(FRESH_LDD)
    assert list(libs)[:3] == ["libQt6XcbQpa.so.6", "libGL.so.1", "libxcb-cursor.so.0"]
    assert [s for s, p in libs.items() if p is None] == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert libs["ld-linux-x86-64.so.2"] == "/lib64/ld-linux-x86-64.so.2"
    assert "linux-vdso.so.1" not in libs


def test_the_issues_machine_gets_one_line_naming_the_libraries_and_the_command() -> None:
    line = preflight.problem(XCB, fake_ldd(FRESH_LDD), PLUGIN, preflight.read_package_list())
    assert line == (
        "bandmate: the window cannot open: Qt's xcb platform needs libxcb-icccm.so.4, libxcb-keysyms.so.1 "
        "(install them: sudo apt-get install libxcb-icccm4 libxcb-keysyms1)"
    )


def test_packages_come_from_the_committed_list_not_the_naming_rule() -> None:
    ldd = "\tlibglib-2.0.so.0 => not found\n\tlibgthread-2.0.so.0 => not found\n"
    line = preflight.problem(XCB, fake_ldd(ldd), PLUGIN, preflight.read_package_list())
    # Debian's rule would say libglib-2.0-0, which does not exist: the list knows libglib2.0-0
    assert line is not None and line.endswith("(install them: sudo apt-get install libglib2.0-0)")


def test_a_library_the_list_lacks_is_named_by_the_rule_and_says_so() -> None:
    line = preflight.problem(XCB, fake_ldd("\tlibxcb-frob.so.2 => not found\n"), PLUGIN, {})
    assert line is not None and "\n" not in line
    assert "sudo apt-get install libxcb-frob2; libxcb-frob2 named by Debian's soname rule" in line


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libdbus-1.so.3", "libdbus-1-3"),
        ("libgcc_s.so.1", "libgcc-s1"),
    ],
)
def test_debian_package_name(soname: str, package: str) -> None:
    assert preflight.debian_package_name(soname) == package


@pytest.mark.parametrize(
    "env",
    [
        {"QT_QPA_PLATFORM": "offscreen"},
        {"QT_QPA_PLATFORM": "wayland;xcb", "WAYLAND_DISPLAY": "wayland-0"},
        {"WAYLAND_DISPLAY": "wayland-0"},  # Qt 6 picks wayland first in a Wayland session
    ],
)
def test_other_platforms_are_left_to_qt(env: dict[str, str]) -> None:
    calls: list[Path] = []
    assert preflight.problem(env, fake_ldd(FRESH_LDD, calls), PLUGIN, {}) is None
    assert calls == []


def test_xcb_is_checked_when_the_platform_is_unset_outside_wayland() -> None:
    calls: list[Path] = []
    assert preflight.problem({"DISPLAY": ":0"}, fake_ldd(FRESH_LDD, calls), PLUGIN, {}) is not None
    assert calls == [PLUGIN]


def test_no_display_is_one_line() -> None:
    line = preflight.problem({"QT_QPA_PLATFORM": "xcb"}, fake_ldd(""), PLUGIN, {})
    assert line is not None and line.startswith("bandmate: the window cannot open: no display (DISPLAY")
    assert "\n" not in line


def test_all_libraries_present_is_no_problem() -> None:
    ldd = "\tlibxcb-icccm.so.4 => /lib/x86_64-linux-gnu/libxcb-icccm.so.4 (0x00007f69f0b5f000)\n"
    assert preflight.problem(XCB, fake_ldd(ldd), PLUGIN, {}) is None


def test_without_ldd_qt_speaks_for_itself() -> None:
    def no_ldd(_path: Path) -> str:
        raise FileNotFoundError("ldd")

    assert preflight.problem(XCB, no_ldd, PLUGIN, {}) is None


def test_exit_prints_the_line_and_exits_1(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # noqa: ANN001
    monkeypatch.setattr(preflight, "problem", lambda: "bandmate: the window cannot open: because")
    with pytest.raises(SystemExit) as exit_:
        preflight.exit_if_qt_cannot_start()
    assert exit_.value.code == 1
    assert capsys.readouterr().err == "bandmate: the window cannot open: because\n"


def test_main_runs_the_check_before_qt_loads() -> None:
    """The real entry point with no display: one line and exit 1 (Qt would abort with status 134)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("bandmate: the window cannot open: "), result.stderr
