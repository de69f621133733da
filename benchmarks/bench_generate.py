# SPDX-License-Identifier: MIT
"""Generation on the CPU. Speed (batch of one, one torch thread, the bundled models): a 2-bar decode (the
slider's latency: `Generator.decode`, network, notes and feel), a 1-bar band decode, a 16-bar trio
sample, and a 5x5 blend grid with untrained weights of the same sizes.
Quality (benchmarks/generate_quality.py): interpolation moving from A to B in note space and humanized
spread against the drummer's own (bundled models, on music they never trained on), completed melodies
against samples (a tiny model trained for seconds on real files, see `quick_model`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from benchmarks.common import Figure, repeat
from engine.generation.generator import Generator
from models.musicvae import MusicVAE
from models.presets import get_config

COMMAND = "python -m benchmarks.run generate"


def _generator(config: str) -> Generator:
    torch.manual_seed(0)
    return Generator(MusicVAE(get_config(config, "small")), {})


def _decode_figure(config: str, target: str, runs: int = 200) -> Figure:
    """`Generator.decode` of one code on the bundled (trained) model: the network (models/fast_decode.py),
    the notes and the feel, as a slider move runs it. An untrained model writes a hit on nearly every step
    for every drum, which is no clip a musician sees and makes the note conversion, not the network, the
    cost."""
    gen = Generator.load(config)
    z = torch.randn(1, gen.z_size, generator=torch.Generator().manual_seed(0))
    for _ in range(3):  # warm-up: packs the weights once
        gen.decode(z, 0.5, seed=0)
    wall, cpu = _timed(lambda: gen.decode(z, 0.5, seed=0), runs)
    bars = gen.steps // 16
    return Figure(
        f"decode one {bars}-bar clip ({config}, small, bundled model)",
        wall,
        "ms",
        target=target,
        command=COMMAND,
        note=f"Generator.decode: network, notes, feel; its own CPU time p95 {_p95(cpu):.3g} ms",
        stat="p95",
        extra={"cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": _p95(cpu)},
    )


def _timed(func: Callable[[], object], runs: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Wall-clock and this thread's CPU milliseconds per call: on a shared machine the wall clock also
    counts the time other programs held the core, the CPU time does not."""
    wall, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.thread_time(), time.perf_counter()
        func()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return tuple(wall), tuple(cpu)


def _p95(values: tuple[float, ...]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _blend_figure() -> Figure:
    from benchmarks.generate_quality import BEATS, GROOVES
    from engine.midi.files import read_clip

    gen = _generator("drums_2bar")
    corners = [read_clip(GROOVES / b) for b in BEATS[:4]]
    gen.blend_grid(corners, 2, seed=0)  # warm-up
    times = repeat(lambda: gen.blend_grid(corners, 5, 0.5, seed=0), 5)
    return Figure(
        "5x5 blend grid (drums_2bar, small; encode 4 corners + decode 25)",
        times,
        "s",
        target="< 1 s",
        command=COMMAND,
    )


def _trio_figure() -> Figure:
    gen = Generator.load("trio_16bar")
    for _ in range(2):
        gen.sample(1, 0.5, seed=0)
    wall, cpu = _timed(lambda: gen.sample(1, 0.5, seed=0), 50)
    return Figure(
        "one 16-bar trio sample (trio_16bar, small, bundled model)",
        wall,
        "ms",
        target="< 15 ms",
        command=COMMAND,
        note="Generator.sample: conductor, 3 x 16 bars decoded as a batch of 16, notes, feel; "
        f"its own CPU time p95 {_p95(cpu):.3g} ms",
        stat="p95",
        extra={"cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": _p95(cpu)},
    )


def quick_model(folder: Path, config: str, out: Path, steps: int, batch: int = 32) -> Path:
    """A tiny model trained `steps` Adam steps on the folder's examples, saved with its data summary.

    A learning rate of 5e-3 and a KL weight of 0.05 make a tiny model use its latent code within a few
    seconds (the `tiny` training preset, tuned for smoke runs, decodes the same clip from every code).
    """
    from engine.data.dataset import load_examples
    from engine.data.stats import folder_stats
    from models.checkpoint import save_checkpoint
    from models.presets import tiny_config

    torch.manual_seed(0)
    ex = load_examples(folder, config, transpose=None)
    model = MusicVAE(tiny_config(config, z_size=32))
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    rng = np.random.default_rng(0)
    with torch.enable_grad():
        for _ in range(steps):
            idx = rng.choice(len(ex), size=min(batch, len(ex)), replace=False)
            loss = model(model.to_batch({k: v[idx] for k, v in ex.arrays.items()}), beta=0.05).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
    meta = {"data": {"folder": str(folder), "files": len(ex.files), **folder_stats(folder)}}
    save_checkpoint(out, model.eval(), step=steps, meta=meta, best=True)
    return out


def run() -> list[Figure]:
    # Batch-of-one decoding is a chain of tiny matrix products: one thread is fastest, and more threads
    # spin against each other (and against other programs) on a busy laptop. The CLI does the same.
    threads = torch.get_num_threads()
    torch.set_grad_enabled(False)
    torch.set_num_threads(1)
    try:
        speed = [
            _decode_figure("drums_2bar", "≤ 1 ms"),
            _decode_figure("mel_2bar", "≤ 1 ms"),
            _decode_figure("multitrack_1bar", "< 15 ms", runs=100),
            _trio_figure(),
            _blend_figure(),
        ]
        from benchmarks.generate_quality import quality_figures

        return speed + quality_figures()
    finally:
        torch.set_grad_enabled(True)
        torch.set_num_threads(threads)
