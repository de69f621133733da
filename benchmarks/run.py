# SPDX-License-Identifier: MIT
"""Runs every `benchmarks/bench_*.py` (each has `run() -> list[Figure]`) and rewrites BENCHMARKS.md.

`python -m benchmarks.run [NAME ...]` runs only the named modules (e.g. `prepare`), keeping the other
sections of BENCHMARKS.md as they were. Options after a single NAME go to its `run(argv)` (e.g.
`python -m benchmarks.run small_folder --minutes 4`).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import traceback
from pathlib import Path

from benchmarks.common import Figure

ROOT = Path(__file__).resolve().parent.parent
STORE = ROOT / "benchmarks" / "results.json"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import torch

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    # timings on a shared machine depend on what else runs: say how busy it was
    load = f"; load average {os.getloadavg()[0]:.1f} at the start" if hasattr(os, "getloadavg") else ""
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, GPU: {gpu}; Python {platform.python_version()}, "
        f"torch {torch.__version__}, {platform.system()} {platform.release()}{load}"
    )


def render(sections: dict[str, dict]) -> str:
    lines = ["# Benchmarks", "", "Written by `make bench` (`python -m benchmarks.run`); do not edit.", ""]
    for name in sorted(sections):
        sec = sections[name]
        lines += [f"## {name}", "", f"Machine: {sec['machine']}", ""]
        if sec.get("error"):
            lines += ["Failed to run:", "", "```", sec["error"], "```", ""]
            continue
        lines += ["| figure | result | spread | target | command |", "|---|---|---|---|---|"]
        for f in sec["figures"]:
            fig = Figure(**{**f, "values": tuple(f["values"])})
            note = f" ({fig.note})" if fig.note else ""
            lines.append(
                f"| {fig.name}{note} | {fig.stat} {fig.summary:.4g} {fig.unit} | {fig.spread} | "
                f"{fig.target or '-'} | `{fig.command}` |"
            )
        lines.append("")
    return "\n".join(lines)


def main(args: list[str]) -> int:
    sections = json.loads(STORE.read_text()) if STORE.exists() else {}
    mods = sorted(p.stem[6:] for p in (ROOT / "benchmarks").glob("bench_*.py"))
    first = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
    names, options = args[:first], args[first:]
    if options and len(names) != 1:
        print(f"bench: options ({' '.join(options)}) go to one benchmark; name exactly one", file=sys.stderr)
        return 2
    failed = 0
    for name in names or mods:
        print(f"bench: {name} ...", flush=True)
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
            figures = module.run(options) if options else module.run()
            sections[name] = {"machine": machine(), "figures": [fig_to_dict(f) for f in figures]}
        except Exception:  # noqa: BLE001 - a failed benchmark is reported, the others still run
            failed += 1
            sections[name] = {"machine": machine(), "error": traceback.format_exc(limit=5)}
            traceback.print_exc()
    STORE.write_text(json.dumps(sections, indent=1))
    (ROOT / "BENCHMARKS.md").write_text(render(sections))
    print(f"bench: wrote {ROOT / 'BENCHMARKS.md'}")
    return 1 if failed else 0


def fig_to_dict(f: Figure) -> dict:
    return {
        "name": f.name,
        "values": list(f.values),
        "unit": f.unit,
        "target": f.target,
        "command": f.command,
        "note": f.note,
        "stat": f.stat,
        "extra": f.extra,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
