# SPDX-License-Identifier: MIT
"""Derives the Debian packages Qt's xcb platform plugin needs, from the plugin itself (no hand list).

`ldd` on PySide6's libqxcb.so and on the plugins it loads at run time gives the whole dependency
closure (ldd already follows the Qt libraries inside PySide6); every library outside the
wheel is mapped to its package with `dpkg-query -S`. Run it with the venv's Python:
    .venv/bin/python scripts/qt_system_libs.py            print the list
    .venv/bin/python scripts/qt_system_libs.py --write    rewrite scripts/qt-xcb-packages.txt
    .venv/bin/python scripts/qt_system_libs.py --check    exit 1, naming the difference, if it is stale
"""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from gui.preflight import (
    PACKAGE_LIST,
    debian_package_name,
    parse_ldd,
    pyside_dir,
    read_package_list,
    run_ldd,
    xcb_plugin,
)

Entries = dict[str, list[str]]  # package -> the sonames it provides to the plugin


def plugin_roots(pyside: Path) -> list[Path]:
    """libqxcb.so and the plugins it dlopens at run time, which ldd on it cannot see: the compose input
    context (every start on X11; ibus where QT_IM_MODULE=ibus) and the xcbglintegrations (a window that
    uses OpenGL; Bandmate's widgets paint in software today, the GLX one adds only libxcb-glx0).

    Raises:
        FileNotFoundError: PySide6 has no xcb plugin.
    """
    plugin = xcb_plugin(pyside)
    if plugin is None:
        raise FileNotFoundError(f"no Qt xcb platform plugin under {pyside}")
    plugins = pyside / "Qt" / "plugins"
    inputs = [
        plugins / "platforminputcontexts" / f"lib{n}platforminputcontextplugin.so"
        for n in ("compose", "ibus")
    ]
    gl = sorted((plugins / "xcbglintegrations").glob("*.so"))
    return [plugin, *[p for p in inputs if p.is_file()], *gl]


def system_libraries(roots: list[Path], shipped: Path) -> dict[str, str | None]:
    """{soname: path or None if "not found"} over the roots' ldd closures, without libraries under
    `shipped` (the site-packages folder: Qt, ICU and shiboken ship in the wheels)."""
    libs: dict[str, str | None] = {}
    for root in roots:
        for soname, path in parse_ldd(run_ldd(root)).items():
            if path is None or not Path(path).resolve().is_relative_to(shipped):
                libs.setdefault(soname, path)
    return libs


def _aliases(path: str) -> list[str]:
    """The names dpkg may know a file by: on merged-/usr systems /lib is /usr/lib, and packages list
    either spelling."""
    p = Path(path)
    other = str(p)[4:] if str(p).startswith("/usr/") else "/usr" + str(p)
    return list(dict.fromkeys([str(p), other, str(p.resolve())]))


def dpkg_owners(paths: list[str]) -> dict[str, str]:
    """{path: owning package (arch dropped)} for each path dpkg knows, by one `dpkg-query -S` call.

    Raises:
        OSError: dpkg-query is not installed (not a Debian system).
    """
    queries = {alias: path for path in paths for alias in _aliases(path)}
    out = subprocess.run(["dpkg-query", "-S", *queries], capture_output=True, text=True).stdout
    owners: dict[str, str] = {}
    for line in out.splitlines():
        packages, sep, file = line.rpartition(": ")
        if sep and file in queries and not packages.startswith("diversion"):
            owners.setdefault(queries[file], packages.split(", ")[0].split(":")[0])
    return owners


def derive(pyside: Path) -> tuple[Entries, list[str]]:
    """(package -> sonames, notes): notes name libraries not installed here or not from any package,
    whose package is then named by Debian's soname rule."""
    libs = system_libraries(plugin_roots(pyside), pyside.parent.resolve())
    owners = dpkg_owners([p for p in libs.values() if p])
    entries: Entries = {}
    notes: list[str] = []
    for soname, path in libs.items():
        package = owners.get(path) if path else None
        if package is None:
            package = debian_package_name(soname)
            why = "not installed here" if path is None else f"{path} is in no Debian package"
            notes.append(f"{soname}: {why}; package named by Debian's soname rule: {package}")
        entries.setdefault(package, []).append(soname)
    return entries, notes


def render(entries: Entries, pyside_version: str) -> str:
    """The list file: a header saying how it was derived, then "package soname…" lines, sorted."""
    system = f"Debian {_debian_version()} ({platform.machine()})"
    header = [
        "# Debian packages Qt's xcb platform plugin needs: one per line, then the libraries it provides.",
        "# scripts/setup_system.sh installs them; gui/preflight.py names them when one is missing.",
        "# Derived, not written by hand: .venv/bin/python scripts/qt_system_libs.py --write",
        "# (ldd on PySide6/Qt/plugins/platforms/libqxcb.so and on the input-context and xcbglintegrations",
        "# plugins it loads at run time; libraries shipped in the wheels are left out; dpkg-query -S maps",
        "# the rest).",
        "# libxcb-cursor0 is linked by the plugin since Qt 6.5; Qt's abort names it whatever is missing.",
        f"# Derived with PySide6 {pyside_version} on {system}.",
        "# tests/gui/test_qt_system_libs.py re-derives it and fails when it is stale.",
    ]
    body = [" ".join([package, *sorted(sonames)]) for package, sonames in sorted(entries.items())]
    return "\n".join(header + body) + "\n"


def difference(derived: Entries, committed: dict[str, str]) -> list[str]:
    """Lines naming what the committed {soname: package} list lacks or has too many; [] when equal."""
    have = {(package, soname) for soname, package in committed.items()}
    want = {(package, soname) for package, sonames in derived.items() for soname in sonames}
    lines = [f"missing from the list: {p} ({s})" for p, s in sorted(want - have)]
    lines += [f"no longer needed: {p} ({s})" for p, s in sorted(have - want)]
    return lines


def _debian_version() -> str:
    try:
        return Path("/etc/debian_version").read_text(encoding="utf-8").strip()
    except OSError:
        return "?"


def _pyside_version() -> str:
    for dist in ("PySide6_Essentials", "PySide6"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "?"


def main(argv: list[str]) -> int:
    mode = argv[0] if argv and argv[0] in ("--write", "--check") else ""
    target = Path(argv[1] if mode and len(argv) > 1 else PACKAGE_LIST)
    pyside = pyside_dir()
    if pyside is None:
        print("qt_system_libs: PySide6 is not installed in this Python; run it with .venv/bin/python")
        return 2
    entries, notes = derive(pyside)
    for note in notes:
        print(f"qt_system_libs: {note}", file=sys.stderr)
    text = render(entries, _pyside_version())
    if mode == "--write":
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}: {len(entries)} packages")
    elif mode == "--check":
        diff = difference(entries, read_package_list(target))
        for line in diff:
            print(f"{target.name} is stale: {line}")
        return 1 if diff else 0
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
