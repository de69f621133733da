# SPDX-License-Identifier: MIT
"""The Figure type every benchmark returns, and small timing helpers."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured number: repeated values, their unit, the target and how to reproduce it."""

    name: str
    values: tuple[float, ...]
    unit: str
    target: str = ""
    command: str = "make bench"
    note: str = ""
    stat: str = "median"  # or "p95", "p99", "max": which summary the target is about
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def summary(self) -> float:
        vals = sorted(self.values)
        if self.stat == "median":
            return statistics.median(vals)
        if self.stat == "max":
            return vals[-1]
        q = {"p95": 0.95, "p99": 0.99}[self.stat]
        return vals[min(len(vals) - 1, int(round(q * (len(vals) - 1))))]

    @property
    def spread(self) -> str:
        if len(self.values) < 2:
            return "1 run"
        return f"{min(self.values):.4g}..{max(self.values):.4g} over {len(self.values)} runs"


def repeat(func: Callable[[], object], times: int) -> tuple[float, ...]:
    """Wall-clock seconds of `times` calls of func."""
    out = []
    for _ in range(times):
        t0 = time.perf_counter()
        func()
        out.append(time.perf_counter() - t0)
    return tuple(out)
