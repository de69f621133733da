"""The product's import graph read with `ast` (every import at any depth, `TYPE_CHECKING` blocks too), the
package and wing rules it must keep, and a readable report of the edges and cycles that break them.

Used by tests/test_layering.py; `python -m tests.import_graph` prints the report for the working tree.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("main", "cli", "gui", "engine", "models", "synth")

# Which top-level packages a package may import (itself included where listed).
ALLOWED: dict[str, frozenset[str]] = {
    "models": frozenset({"models"}),
    "engine": frozenset({"engine", "models"}),
    "synth": frozenset({"synth", "engine", "models"}),
    "cli": frozenset({"cli", "engine", "models", "synth"}),
    "gui": frozenset({"gui", "engine", "models", "synth"}),
    "main": frozenset({"cli", "gui"}),
}

# Engine wings, lowest first: a wing imports its own modules and wings of a lower rank only.
WING_RANK: dict[str, int] = {
    "device": 0,
    "registry": 0,
    "music": 1,
    "midi": 2,
    "data": 3,
    "generation": 4,
    "evaluation": 5,
    "training": 6,
}
# Beside the ladder, with what each may import: playback schedules MIDI messages and needs no data,
# models or training; live (the jam, answers, Link) plays generated music through playback, on top of both.
SIDE_WINGS: dict[str, frozenset[str]] = {
    "playback": frozenset({"music", "midi", "device", "registry"}),
    "live": frozenset({"music", "midi", "data", "generation", "playback", "device", "registry"}),
}


@dataclass(frozen=True, slots=True)
class Edge:
    """`source` imports `target` (module names) at `path`:`line`."""

    source: str
    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}  ({self.path}:{self.line})"


def module_name(path: Path, root: Path) -> str:
    """engine/data/codec.py -> "engine.data.codec"; a package's __init__.py -> the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_files(root: Path) -> list[Path]:
    """main.py and every .py file of cli, gui, engine, models and synth."""
    files = [root / "main.py"]
    for package in PACKAGES[1:]:
        files += sorted((root / package).rglob("*.py"))
    return [f for f in files if f.is_file()]


def _targets(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: Mapping[str, Path]
) -> list[str]:
    """Our modules an import statement in `module` loads (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [t for alias in node.names if (t := _known_prefix(alias.name, known))]
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    # `from pkg import mod` loads pkg.mod when that is a module, else it takes a name from pkg itself
    modules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
    return modules or [t for t in [_known_prefix(base, known)] if t]


def collect_edges(root: Path) -> tuple[set[str], list[Edge]]:
    """(our modules, every import edge between them), reading each product file's syntax tree."""
    files = product_files(root)
    modules = {module_name(f, root): f for f in files}
    edges = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        seen: set[str] = set()
        for node in ast.walk(tree):  # every depth: function bodies and `if TYPE_CHECKING:` blocks too
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _targets(node, name, path.name == "__init__.py", modules):
                if target != name and target not in seen:
                    seen.add(target)
                    edges.append(Edge(name, target, str(path.relative_to(root)), node.lineno))
    return set(modules), edges


def _known_prefix(dotted: str, modules: Mapping[str, Path]) -> str:
    """The longest prefix of `dotted` that is one of our modules ("" for third-party imports)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in modules:
            return ".".join(parts[:i])
    return ""


def package_of(module: str) -> str:
    return module.split(".")[0]


def wing_of(module: str) -> str | None:
    """The engine wing of an engine module ("data", "device", ...); None outside engine or for engine/."""
    parts = module.split(".")
    return parts[1] if parts[0] == "engine" and len(parts) > 1 else None


def rule_violation(edge: Edge) -> str | None:
    """Why `edge` is an upward or forbidden arrow, or None when the rules allow it."""
    src, dst = package_of(edge.source), package_of(edge.target)
    if dst not in ALLOWED.get(src, frozenset()):
        allowed = ", ".join(sorted(ALLOWED.get(src, frozenset()))) or "nothing"
        return f"{src} may import only {allowed}"
    if src != "engine" or dst != "engine":
        return None
    a, b = wing_of(edge.source), wing_of(edge.target)
    if a is None or b is None:
        return "engine/__init__ holds no code: nothing imports it and it imports nothing"
    if a == b:
        return None
    if a in SIDE_WINGS:
        return (
            None if b in SIDE_WINGS[a] else f"engine.{a} may import only {', '.join(sorted(SIDE_WINGS[a]))}"
        )
    if b in SIDE_WINGS or a not in WING_RANK or b not in WING_RANK:  # nothing imports live or playback up
        return f"engine.{b} is not below engine.{a}"
    if WING_RANK[b] >= WING_RANK[a]:
        return f"engine.{b} is not below engine.{a} (wings, lowest first: {', '.join(WING_RANK)})"
    return None


def find_cycles(modules: Iterable[str], edges: Iterable[Edge]) -> list[tuple[list[str], list[str]]]:
    """(members, one cycle through them, first module repeated last) per strongly connected group (Tarjan)."""
    graph: dict[str, list[str]] = {m: [] for m in modules}
    for e in edges:
        graph.setdefault(e.source, []).append(e.target)
        graph.setdefault(e.target, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:  # recursion depth is bounded by the module count (a few hundred)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [(sorted(g), _cycle_in(sorted(g), graph)) for g in groups]


def _cycle_in(group: list[str], graph: Mapping[str, list[str]]) -> list[str]:
    """A shortest cycle through the first module of a strongly connected group (breadth-first)."""
    members, start = set(group), group[0]
    parent: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    path = [v]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return [*reversed(path), start]
                if w in members and w not in parent:
                    parent[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start, start]


@dataclass(frozen=True, slots=True)
class Findings:
    """What the checker found: forbidden edges with their reason, and cycles."""

    modules: int
    edges: int
    violations: tuple[tuple[Edge, str], ...]
    cycles: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]  # (members, one cycle through them)

    @property
    def ok(self) -> bool:
        return not self.violations and not self.cycles

    def report(self) -> str:
        lines = [f"import graph: {self.modules} modules, {self.edges} edges"]
        if self.violations:
            lines.append(f"{len(self.violations)} forbidden import(s):")
            lines += [f"  {edge}\n      because {why}" for edge, why in self.violations]
        if self.cycles:
            lines.append(f"{len(self.cycles)} import cycle(s):")
            for members, cycle in self.cycles:
                lines.append(f"  {len(members)} modules import each other: {', '.join(members)}")
                lines.append("      e.g. " + " -> ".join(cycle))
        if self.ok:
            lines.append("no forbidden imports, no cycles")
        return "\n".join(lines)


def check(modules: Iterable[str], edges: Iterable[Edge]) -> Findings:
    """Apply the package and wing rules and look for cycles."""
    modules, edges = list(modules), list(edges)
    violations = tuple((e, why) for e in edges if (why := rule_violation(e)) is not None)
    cycles = tuple((tuple(m), tuple(c)) for m, c in find_cycles(modules, edges))
    return Findings(len(modules), len(edges), violations, cycles)


def check_tree(root: Path) -> Findings:
    return check(*collect_edges(root))


if __name__ == "__main__":
    print(check_tree(Path(__file__).resolve().parent.parent).report())
