# SPDX-License-Identifier: MIT
"""How many samples of each model pass the sample-quality gate, and how many of their bars copy the
training music, at a temperature (default 0.5, what `sample` and the app start at).

Samples are drawn unchecked (as the model writes them) and checked against the model's own limits and
training bars, as `sample` would. Not part of `make bench` (seconds per model).

    python -m benchmarks.gate_pass_rates                                   # the four bundled models
    python -m benchmarks.gate_pass_rates ~/models/my-trio --n 256 --temperature 0.8
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

import torch

from engine.generation.generator import Generator
from models.spec import CONFIG_NAMES


def measure(model: str, n: int, temperature: float, seed: int) -> str:
    """One line: the pass share, the first faults of the failing clips, the copied shares."""
    gen = Generator.load(model)
    limits, index = gen.checker.limits(), gen.checker.index()
    clips = gen.sample(n, temperature, seed=seed, checked=False).clips
    faults = [limits.check(c) for c in clips]
    passed = sum(not f for f in faults) / n
    why = Counter(f[0].label for f in faults if f).most_common()
    bars, single = index.shares(clips) if index else (None, None)
    copied = (
        "no training bars"
        if bars is None
        else f"{100 * bars:.1f}% of bars ({100 * (single or 0):.1f}% single)"
    )
    general = " (general limits)" if limits.general else ""
    return (
        f"{gen.config_name} {model}: T={temperature}, {n} samples: {100 * passed:.1f}% pass{general}; "
        f"copied {copied}; faults {dict(why)}"
    )


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.gate_pass_rates")
    p.add_argument("models", nargs="*", default=list(CONFIG_NAMES))
    p.add_argument("--n", type=int, default=512)
    p.add_argument("--temperature", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=14)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    for model in args.models:
        print(measure(model, args.n, args.temperature, args.seed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
