# SPDX-License-Identifier: MIT
"""GPU figures: the big (paper-size) configs' training steps/s and the bundled models' GPU training runs.

On a machine with CUDA it measures the big configs now; elsewhere it reports the numbers last measured on
a GPU box (`benchmarks/gpu_results.json`, written from `python -m benchmarks.bench_train --big --device cuda`
and the bundled-model training logs), saying where and when they were measured.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.common import Figure

STORE = Path(__file__).resolve().parent / "gpu_results.json"
BIG_CMD = "python -m benchmarks.bench_train --big --device cuda"


def run() -> list[Figure]:
    import torch

    if torch.cuda.is_available():
        from benchmarks.bench_train import big

        stored: dict[str, Any] = {
            "big": big("cuda"),
            "machine": torch.cuda.get_device_name(0),
            "date": "now",
            "command": "",
        }
    else:
        stored = json.loads(STORE.read_text())
    where = f"measured on {stored['machine']}, {stored['date']}"
    figures = []
    for config, r in stored["big"].items():
        if config == "device":
            continue
        figures.append(Figure(
            f"{config} big: training steps/s (batch {r['batch_size']}, {r['params_m']:.0f} M parameters)",
            (r["steps_per_s"],), "steps/s", "recorded", BIG_CMD,
            note=f"{where}; {r['examples_per_s']:.0f} examples/s, peak {r['peak_gib']:.1f} GiB",
        ))  # fmt: skip
    for config, r in stored.get("small_training_3min", {}).items():
        figures.append(Figure(
            f"{config} small: bundled model trained 3 min on the GPU, held-out teacher-forced accuracy",
            (r["heldout_accuracy"],), "%", "reported", "bash scripts/build_bundled_models.sh 3 cuda",
            note=f"{where}; {r['steps']} steps at {r['steps_per_s']:.1f} steps/s",
        ))  # fmt: skip
    return figures
