# SPDX-License-Identifier: MIT
"""How many samples of each bundled model pass the sample-quality gate, and how many of their bars copy
the training music, at the model's default temperatures (what `sample` and the app use when the musician
chooses none: the report card's recommendation per part, else the config's defaults).

Samples are drawn unchecked (as the model writes them, before any redraw) and checked against the model's
own limits and training bars, as `sample` checks them. Targets (issue 14): at least 95% of samples pass
the gate; at most 5% of sampled bars (all instruments together) copy a training bar.
`benchmarks/gate_pass_rates.py` runs the same measure on any model, at any temperature.
"""

from __future__ import annotations

from collections import Counter

import torch

from benchmarks.common import Figure
from engine.registry import BUNDLED_DIR
from models.spec import CONFIG_NAMES

CMD = "python -m benchmarks.run gate"
N = 512
SEED = 14
PASS_TARGET = 95.0  # % of samples
COPY_TARGET = 5.0  # % of sampled bars


def measure(model: str, n: int = N, temperature: float | None = None, seed: int = SEED) -> dict:
    """One model's gate pass share, the first faults of the failing clips and the copied-bar shares, at
    `temperature` (None: the model's defaults)."""
    from engine.generation.generator import Generator

    gen = Generator.load(model)
    limits, index = gen.checker.limits(), gen.checker.index()
    clips = gen.sample(n, temperature, seed=seed, checked=False).clips
    faults = [limits.check(c) for c in clips]
    bars, single = index.shares(clips) if index else (None, None)
    return {
        "config": gen.config_name,
        "temperatures": gen.runner.temperatures(temperature),
        "samples": len(clips),
        "passed": sum(not f for f in faults) / max(len(clips), 1),
        "faults": dict(Counter(f[0].label for f in faults if f).most_common()),
        "copied_bars": bars,
        "copied_instrument_bars": single,
        "general_limits": limits.general,
    }


def describe(m: dict) -> str:
    """The measure in one line."""
    temps = ", ".join(f"{p} {t:g}" for p, t in m["temperatures"].items())
    copied = (
        "no training bars"
        if m["copied_bars"] is None
        else f"{100 * m['copied_bars']:.1f}% of bars ({100 * (m['copied_instrument_bars'] or 0):.1f}% single)"
    )
    general = " (general limits)" if m["general_limits"] else ""
    return (
        f"{m['config']}: T {temps}; {m['samples']} samples: {100 * m['passed']:.1f}% pass{general}; "
        f"copied {copied}; faults {m['faults']}"
    )


def figures(label: str, m: dict, cmd: str = CMD) -> list[Figure]:
    """The pass share and the copied-bar share of one measure, with their targets."""
    temps = ", ".join(f"{p} {t:g}" for p, t in m["temperatures"].items())
    faults = ", ".join(f"{k} {v}" for k, v in m["faults"].items()) or "none"
    out = [
        Figure(
            f"{label}: samples that pass the quality check",
            (100 * m["passed"],),
            "%",
            f">= {PASS_TARGET:g}%",
            cmd,
            note=f"{m['samples']} samples at its default T ({temps}); first faults: {faults}",
        )
    ]
    if m["copied_bars"] is not None:
        single = m["copied_instrument_bars"]
        out.append(
            Figure(
                f"{label}: sampled bars that copy a training bar",
                (100 * m["copied_bars"],),
                "%",
                f"<= {COPY_TARGET:g}%",
                cmd,
                note=f"all instruments together; single-instrument bars {100 * (single or 0):.1f}%",
            )
        )
    return out


def run() -> list[Figure]:
    torch.set_num_threads(1)
    out: list[Figure] = []
    bundled = [c for c in CONFIG_NAMES if (BUNDLED_DIR / c / "model.json").is_file()]  # the band_4bar too
    for config in bundled:
        m = measure(config)
        print(describe(m), flush=True)
        out += figures(f"bundled {config}", m)
    return out
