"""Architecture rules: the import graph of the product (no cycles, no upward arrows), no Qt outside gui/,
and main.py lists its subcommands."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.import_graph import Edge, check, check_tree, collect_edges, product_files


def test_import_graph_has_no_cycles_and_no_upward_arrows() -> None:
    findings = check_tree(ROOT)
    print(findings.report())  # shown by pytest -s, and on failure
    assert findings.ok, "\n" + findings.report()


def _edges(*pairs: str) -> list[Edge]:
    return [Edge(*pair.split(" -> "), "fake.py", 1) for pair in pairs]


def test_checker_names_a_cycle_and_an_upward_edge() -> None:
    edges = _edges(
        "engine.generation.generator -> engine.generation.complete",
        "engine.generation.complete -> engine.generation.generator",  # a cycle inside one wing
        "engine.music.keys -> engine.data.codec",  # upward: music is below data
        "models.card -> engine.registry",  # models import nothing of ours
        "engine.playback.player -> engine.data.codec",  # playback stands beside the ladder
        "engine.data.codec -> models.vocab",  # allowed
        "gui.files -> synth.outputs",  # allowed
    )
    modules = {m for e in edges for m in (e.source, e.target)}
    findings = check(modules, edges)
    bad = {(e.source, e.target) for e, _ in findings.violations}
    assert bad == {
        ("engine.music.keys", "engine.data.codec"),
        ("models.card", "engine.registry"),
        ("engine.playback.player", "engine.data.codec"),
    }
    assert [members for members, _ in findings.cycles] == [
        ("engine.generation.complete", "engine.generation.generator")
    ]
    report = findings.report()
    assert "engine.music.keys -> engine.data.codec  (fake.py:1)" in report
    assert "engine.generation.complete -> engine.generation.generator -> engine.generation.complete" in report
    assert not findings.ok


def test_checker_reads_imports_at_any_depth(tmp_path: Path) -> None:
    """Function-level, TYPE_CHECKING, relative and `from package import module` imports are all edges."""
    files = {
        "main.py": "import cli\n",
        "cli/__init__.py": "",
        "engine/__init__.py": "",
        "engine/music/__init__.py": "",
        "engine/music/keys.py": "def f():\n    from ..data import codec\n",
        "engine/data/__init__.py": "",
        "engine/data/codec.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from engine.music.keys import Key\n"
            "import numpy\nfrom models import vocab\n"
        ),
        "models/__init__.py": "",
        "models/vocab.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules, edges = collect_edges(tmp_path)
    assert {(e.source, e.target) for e in edges} == {
        ("main", "cli"),
        ("engine.music.keys", "engine.data.codec"),
        ("engine.data.codec", "engine.music.keys"),
        ("engine.data.codec", "models.vocab"),
    }
    findings = check(modules, edges)
    assert len(findings.violations) == 1 and len(findings.cycles) == 1


def test_config_names_are_spelled_only_in_the_model_tables() -> None:
    """Code asks a config's `ModelSpec` (models/spec.py) instead of testing its name; only the spec table
    and the size presets (models/presets.py) spell names (docstrings and messages may mention them)."""
    from models.spec import SPECS

    tables = {ROOT / "models" / "spec.py", ROOT / "models" / "presets.py"}
    found = []
    for path in product_files(ROOT):
        if path in tables:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in SPECS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert not found, "config names outside models/spec.py:\n" + "\n".join(found)


def test_tests_never_import_the_benchmarks() -> None:
    """One direction only: benchmarks may import test fixtures (tests/realmusic.py, jack_helpers), tests
    never import benchmarks, so the suite runs without them."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno}" for n in names if n.split(".")[0] == "benchmarks"
            ]
    assert not found, "tests importing benchmarks: " + ", ".join(found)


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
