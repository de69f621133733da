"""Architecture rules: the engine, models and synth never import Qt; main.py lists its subcommands."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_engine_models_synth_do_not_import_qt() -> None:
    code = (
        "import sys, pkgutil, importlib\n"
        "for pkg in ('engine', 'models', 'synth'):\n"
        "    mod = importlib.import_module(pkg)\n"
        "    for info in pkgutil.walk_packages(mod.__path__, pkg + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "bad = [m for m in sys.modules if m.startswith('PySide6')]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_lists_subcommands() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    for name in ("prepare", "train", "evaluate", "sample", "render", "play", "ports"):
        assert name in result.stdout
