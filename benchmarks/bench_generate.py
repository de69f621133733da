# SPDX-License-Identifier: MIT
"""Generation on the CPU. Speed (batch of one, one torch thread, the bundled models): a 2-bar decode (the
slider's latency: `Generator.decode`, network, notes and feel), a 1-bar multitrack decode, a 16-bar trio
sample, band decodes of 1, 4 and 16 bars, and a 5x5 blend grid with untrained weights of the same sizes.
Latencies give wall-clock and this thread's CPU-time percentiles and the load average (a shared machine's
wall clock counts other programs' time too).
Quality (benchmarks/generate_quality.py): interpolation moving from A to B in note space and humanized
spread against the drummer's own (bundled models, on music they never trained on), completed melodies
against samples (a tiny model trained for seconds on real files, tests/realmusic.py `quick_model`).
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
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
    load = os.getloadavg()[0]
    wall, cpu = _timed(lambda: gen.decode(z, 0.5, seed=0), runs)
    bars = gen.steps // 16
    return Figure(
        f"decode one {bars}-bar clip ({config}, small, bundled model)",
        wall,
        "ms",
        target=target,
        command=COMMAND,
        note=f"Generator.decode: network, notes, feel; its own CPU time p50 {statistics.median(cpu):.3g} ms, "
        f"p95 {_p95(cpu):.3g} ms; wall p50 {statistics.median(wall):.3g} ms; load {load:.1f}",
        stat="p95",
        extra={"cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": _p95(cpu)},
    )


def _band_figures(runs: int = 60) -> list[Figure]:
    """`Generator.decode` of one band code (batch 1): the bundled band_4bar; band_16bar small with the
    bundled band_4bar's trained weights (the two presets differ in bars, which only sets how many steps
    the conductor runs, and in z size, so the 16-bar model takes band_4bar's z size: a trained model's
    (bar, instrument) sequences stop at END as a real 16-bar model's do); and untrained small band_1bar
    and band_16bar (untrained weights seldom write END, so every sequence runs all 96 events: upper
    bounds, not what a musician waits for). The rows decode on `row_threads()` threads."""
    import dataclasses

    from models.fast_decode import row_threads
    from models.musicvae import MusicVAE

    threads = row_threads()
    bundled = Generator.load("band_4bar")
    torch.manual_seed(0)
    cases: list[tuple[str, Generator, str]] = [
        ("band_1bar, untrained small weights", _generator("band_1bar"), "< 15 ms"),
        ("band_4bar, bundled model", bundled, "< 15 ms"),
    ]
    cfg = dataclasses.replace(get_config("band_16bar", "small"), z_size=bundled.z_size)
    model = MusicVAE(cfg)
    model.load_state_dict(bundled.model.state_dict())
    cases.append(("band_16bar, the bundled band_4bar's trained weights", Generator(model.eval()), "< 15 ms"))
    cases.append(("band_16bar, untrained small weights", _generator("band_16bar"), "upper bound"))
    figures = []
    for what, gen, target in cases:
        z = torch.randn(1, gen.z_size, generator=torch.Generator().manual_seed(0))
        for _ in range(3):
            gen.decode(z, 0.5, seed=0)
        load = os.getloadavg()[0]
        wall, cpu = _timed(functools.partial(gen.decode, z, 0.5, seed=0), runs, time.process_time)
        clip = gen.decode(z, 0.5, seed=0).clip
        steps = _band_steps(gen, z)
        figures.append(
            Figure(
                f"decode one {gen.converter.bars}-bar band clip ({what})",
                wall,
                "ms",
                target=target,
                command=COMMAND,
                note=f"{clip.note_count} notes, {steps[0]} (bar, instrument) rows, {steps[1]} decoder steps; "
                f"{threads} thread(s) for the rows; CPU time "
                f"(all threads) p50 {statistics.median(cpu):.3g} ms, p95 {_p95(cpu):.3g} ms; wall p50 "
                f"{statistics.median(wall):.3g} ms; load {load:.1f}",
                stat="p95",
                extra={"cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": _p95(cpu)},
            )
        )
    return figures


def _band_steps(gen: Generator, z: torch.Tensor) -> tuple[int, int]:
    """(rows, steps) a band decode runs: its played (bar, instrument) sequences and their events up to and
    including END, which the C kernel decodes (each step of a row is one LSTM step and its logits)."""
    import numpy as np

    from models.vocab import BAND_END, EMPTY_SLOT

    arrays = gen.runner.decode(z, 0.5, None, 0, [])
    played = arrays["program"][0] != EMPTY_SLOT  # (slots,)
    events = arrays["events"][0][:, played]  # (bars, played slots, L)
    ended = events == BAND_END
    lengths = np.where(ended.any(-1), ended.argmax(-1) + 1, events.shape[-1])
    return int(lengths.size), int(lengths.sum())


def _timed(
    func: Callable[[], object], runs: int, clock: Callable[[], float] = time.thread_time
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Wall-clock and CPU milliseconds per call (`clock`: this thread's, or time.process_time for work
    spread over threads): on a shared machine the wall clock also counts the time other programs held
    the cores, the CPU time does not."""
    wall, cpu = [], []
    for _ in range(runs):
        c0, t0 = clock(), time.perf_counter()
        func()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((clock() - c0) * 1000)
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
        note="Generator.sample: conductor, 3 tracks x 16 bar-linked bars (a C kernel call per track), notes, "
        "feel, sample checks; "
        f"its own CPU time p95 {_p95(cpu):.3g} ms",
        stat="p95",
        extra={"cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": _p95(cpu)},
    )


def _machine_figure(runs: int = 2000) -> Figure:
    """The machine's pace at the decode's unit of work: a (1024, 256) fp32 matrix times a vector (1 MB of
    weights, an H=256 LSTM's recurrent product) in NumPy, one thread. A batch-1 decode is memory-bound,
    so its times move with this figure from one machine (or one busy host) to another."""
    rng = np.random.default_rng(0)
    w, v = rng.random((1024, 256), dtype=np.float32), rng.random(256, dtype=np.float32)
    for _ in range(50):
        w @ v
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        w @ v
        times.append((time.perf_counter() - t0) * 1e6)
    mid = statistics.median(times)
    return Figure(
        "this machine: a (1024, 256) fp32 matrix-vector product (1 MB of weights; NumPy, one thread)",
        tuple(times),
        "us",
        target="recorded",
        command=COMMAND,
        note=f"{1024 * 256 * 4 / mid / 1e3:.0f} GB/s of weights read; the decode figures below scale with it",
    )


def run() -> list[Figure]:
    # Batch-of-one decoding is a chain of tiny matrix products: one thread is fastest, and more threads
    # spin against each other (and against other programs) on a busy laptop. The CLI does the same.
    threads = torch.get_num_threads()
    torch.set_grad_enabled(False)
    torch.set_num_threads(1)
    try:
        speed = [
            _machine_figure(),
            _decode_figure("drums_2bar", "≤ 1 ms", runs=400),
            _decode_figure("mel_2bar", "≤ 1 ms", runs=400),
            _decode_figure("multitrack_1bar", "< 15 ms", runs=100),
            _trio_figure(),
            *_band_figures(),
            _blend_figure(),
        ]
        from benchmarks.generate_quality import quality_figures

        return speed + quality_figures()
    finally:
        torch.set_grad_enabled(True)
        torch.set_num_threads(threads)
