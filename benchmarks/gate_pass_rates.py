# SPDX-License-Identifier: MIT
"""How many samples of a model pass the sample-quality gate, and how many of their bars copy the training
music: benchmarks/bench_gate.py's measure (the `gate` section of `make bench`, the bundled models at
their default temperatures) for any model, at any temperature.

    python -m benchmarks.gate_pass_rates                                   # the four bundled models
    python -m benchmarks.gate_pass_rates ~/models/my-trio --n 256 --temperature 0.8
"""

from __future__ import annotations

import argparse
import sys

import torch

from benchmarks.bench_gate import SEED, N, describe, measure
from models.spec import CONFIG_NAMES


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.gate_pass_rates")
    p.add_argument("models", nargs="*", default=list(CONFIG_NAMES))
    p.add_argument("--n", type=int, default=N)
    p.add_argument(
        "--temperature", type=float, default=None, help="one for every part (default: the model's own)"
    )
    p.add_argument("--seed", type=int, default=SEED)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    for model in args.models:
        print(describe(measure(model, args.n, args.temperature, args.seed)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
