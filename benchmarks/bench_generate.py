# SPDX-License-Identifier: MIT
"""Generation on the CPU. Speed (batch of one, one torch thread, the bundled models): a 2-bar decode (the
slider's latency: `Generator.decode`, network, notes and feel), a 1-bar band decode, a 16-bar trio
sample, and a 5x5 blend grid with untrained weights of the same sizes.
Quality (benchmarks/generate_quality.py): interpolation moving from A to B in note space and humanized
spread against the drummer's own (bundled models, on music they never trained on), completed melodies
against samples (a tiny model trained for seconds on real files, tests/realmusic.py `quick_model`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

from benchmarks.common import Figure, repeat
from engine.generation.generator import Generator
from models.musicvae import MusicVAE
from models.presets import get_config

COMMAND = "python -m benchmarks.run generate"


def _generator(config: str) -> Generator:
    torch.manual_seed(0)
    return Generator(MusicVAE(get_config(config, "small")))


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
    from engine.midi.files import read_clip
    from tests.realmusic import BEATS, GROOVES

    gen = _generator("drums_2bar")
    corners = [read_clip(GROOVES / b) for b in BEATS[:4]]
    gen.blend_grid(corners, 2, seed=0)  # warm-up (the result is not needed)
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
