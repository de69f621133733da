# SPDX-License-Identifier: MIT
"""Start-up check, before Qt loads: can Qt's xcb platform plugin open a window on this machine?

When a system library is missing, Qt aborts with a message that names the wrong one (xcb-cursor0);
`exit_if_qt_cannot_start` says in one line which libraries are missing and the apt-get line that installs
them. Also the ldd/soname helpers that `scripts/qt_system_libs.py` derives the package list with.
Imports no Qt: it must run before PySide6 is loaded.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from importlib.util import find_spec
from pathlib import Path

# soname -> Debian package, derived from the plugin by scripts/qt_system_libs.py (read by the set-up too)
PACKAGE_LIST = Path(__file__).resolve().parent.parent / "scripts" / "qt-xcb-packages.txt"

Runner = Callable[[Path], str]  # ldd-like: a shared object's path -> ldd's stdout

_LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(not found|\S+)")
_LOADER_LINE = re.compile(r"^\s*(/\S+)\s+\(0x")  # the dynamic loader: "/lib64/ld-linux-x86-64.so.2 (0x…)"


def pyside_dir() -> Path | None:
    """The installed PySide6 package folder, found without importing it (None if not installed)."""
    spec = find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def xcb_plugin(pyside: Path | None = None) -> Path | None:
    """Path of Qt's xcb platform plugin (libqxcb.so) inside PySide6, or None if it is not there."""
    base = pyside or pyside_dir()
    plugin = base / "Qt" / "plugins" / "platforms" / "libqxcb.so" if base else None
    return plugin if plugin is not None and plugin.is_file() else None


def run_ldd(path: Path) -> str:
    """`ldd PATH`'s stdout (the whole recursive closure of a shared object's dependencies).

    Raises:
        OSError: ldd is not installed.
        subprocess.TimeoutExpired: ldd took over 10 s.
    """
    return subprocess.run(["ldd", str(path)], capture_output=True, text=True, timeout=10).stdout


def parse_ldd(text: str) -> dict[str, str | None]:
    """ldd output -> {soname: resolved path, or None when "not found"}, in ldd's order, without repeats.

    linux-vdso (no file) is left out; the dynamic loader is listed under its own path.
    """
    libs: dict[str, str | None] = {}
    for line in text.splitlines():
        if m := _LDD_LINE.match(line):
            libs.setdefault(m[1], None if m[2] == "not found" else m[2])
        elif m := _LOADER_LINE.match(line):
            libs.setdefault(Path(m[1]).name, m[1])
    return libs


def debian_package_name(soname: str) -> str:
    """The Debian package name a shared library gets by Debian Policy 8.1 (a fallback, not a lookup).

    libxcb-icccm.so.4 -> libxcb-icccm4; a name ending in a digit takes a hyphen: libdbus-1.so.3 ->
    libdbus-1-3. Packages that break the rule (libglib-2.0.so.0 is in libglib2.0-0) need the list.
    """
    stem, _, version = soname.partition(".so.")
    name = stem.lower().replace("_", "-")
    if not version:
        return name
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def read_package_list(path: Path = PACKAGE_LIST) -> dict[str, str]:
    """{soname: package} from the derived list (lines "package soname…", "#" comments); {} if absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    known: dict[str, str] = {}
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        for soname in words[1:]:
            known[soname] = words[0]
    return known


def packages_for(sonames: list[str], known: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(packages that install `sonames`, those of them named by Debian's rule because the list lacks them)."""
    packages: list[str] = []
    guessed: list[str] = []
    for soname in sonames:
        package = known.get(soname) or debian_package_name(soname)
        if soname not in known and package not in guessed:
            guessed.append(package)
        if package not in packages:
            packages.append(package)
    return packages, guessed


def missing_message(sonames: list[str], known: Mapping[str, str]) -> str:
    """The one line that names the missing libraries and the apt-get command that installs them."""
    packages, guessed = packages_for(sonames, known)
    hint = f"install them: sudo apt-get install {' '.join(packages)}"
    if guessed:
        hint += f"; {', '.join(guessed)} named by Debian's soname rule, not from {PACKAGE_LIST.name}"
    return f"bandmate: the window cannot open: Qt's xcb platform needs {', '.join(sonames)} ({hint})"


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will try its xcb platform: QT_QPA_PLATFORM is "xcb" (first choice), or unset outside
    a Wayland session (on Wayland, Qt 6 picks its wayland plugin first)."""
    first = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if first:
        return first == "xcb"
    return not env.get("WAYLAND_DISPLAY")


def problem(
    env: Mapping[str, str] | None = None,
    run: Runner = run_ldd,
    plugin: Path | None = None,
    known: Mapping[str, str] | None = None,
) -> str | None:
    """The one-line reason the window cannot open, or None when nothing is known to be wrong.

    Checks only what Qt would otherwise abort on: on Linux with the xcb platform, libraries of the xcb
    plugin that ldd reports "not found", then a missing DISPLAY. Anything it cannot check (no ldd, no
    plugin) is left to Qt.
    """
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux") or not uses_xcb(env):
        return None
    plugin = plugin or xcb_plugin()
    if plugin is not None:
        try:
            libs = parse_ldd(run(plugin))
        except (OSError, subprocess.SubprocessError):
            libs = {}
        missing = [soname for soname, path in libs.items() if path is None]
        if missing:
            return missing_message(missing, read_package_list() if known is None else known)
    if not env.get("DISPLAY"):
        return (
            "bandmate: the window cannot open: no display (DISPLAY is not set); start it from a desktop "
            "session, or see `python main.py --help` for the command line"
        )
    return None


def exit_if_qt_cannot_start() -> None:
    """Print the one-line reason to stderr and exit with status 1 when `problem()` finds one.

    Raises:
        SystemExit: with status 1, when the window cannot open.
    """
    reason = problem()
    if reason is not None:
        print(reason, file=sys.stderr)
        raise SystemExit(1)
