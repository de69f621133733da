# SPDX-License-Identifier: MIT
"""The compute device and torch's process-wide settings, in one place: values and context managers.

Library code does not change process-wide torch state behind its caller's back: the entry points (the
command line, the app's model worker, the training process) choose the thread count with `torch_threads`,
`decoding_threads` or `training_threads`, which restore the caller's setting on the way out. Random
draws use a `torch.Generator` per run, never the global seed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch

MAX_TRAINING_THREADS = 8


class DeviceError(ValueError):
    """The asked-for device is not available here; str(e) is one line for the musician."""


def pick_device(name: str | torch.device = "auto") -> torch.device:
    """ "auto" picks CUDA, then Apple MPS, then the CPU; other names are taken as they are (DeviceError
    when that device is missing)."""
    if isinstance(name, torch.device):
        return name
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps is not None and mps.is_available())
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise DeviceError("--device cuda: no CUDA GPU is available here (try --device auto)")
    if name == "mps" and not has_mps:
        raise DeviceError("--device mps: Apple Metal is not available here (try --device auto)")
    return torch.device(name)


def available_devices() -> tuple[str, ...]:
    """The device names that work on this machine, for a picker: "auto" and "cpu" always, "cuda" with a
    CUDA GPU, "mps" with Apple Metal."""
    mps = getattr(torch.backends, "mps", None)
    found = ["auto", "cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    if mps is not None and mps.is_available():
        found.append("mps")
    return tuple(found)


def idle_threads(world: int = 1) -> int:
    """Threads for CPU work of one of `world` processes: its share of the cores, fewer when the machine is
    busy.

    Oversubscribed OpenMP threads spin against other processes: on 2 busy cores, 2 threads ran 4-10x
    slower per training step than 1 thread, so we only count cores that are idle right now (at most 8).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    share = max(1, cores // world)
    try:
        idle = cores - os.getloadavg()[0] / world
    except (AttributeError, OSError):
        idle = share
    return int(max(1, min(share, MAX_TRAINING_THREADS, round(idle))))


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """torch's intra-op thread count set to `n` inside the block (None: left alone), then restored."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def decoding_threads(device: torch.device | str) -> contextlib.AbstractContextManager[None]:
    """One thread on a CPU: batch-of-one decoding is a chain of tiny matrix products, and more threads
    spin against each other (and other programs) on a busy laptop. Other devices: unchanged."""
    return torch_threads(1 if torch.device(device).type == "cpu" else None)


MMAP_THRESHOLD = 128 * 1024  # bytes: glibc's default start value, fixed


def return_freed_memory() -> bool:
    """Make glibc serve allocations of MMAP_THRESHOLD bytes and more by mmap, which goes back to the
    system when freed, instead of its heap (glibc raises the threshold as large blocks are freed, and the
    heap then keeps every hole). Training a band model allocates tensors of a different size every step
    (its sequences are cut to each batch's lengths): one core's band_4bar run grew from 0.8 to 1.6 GB in
    2 minutes on the heap, and stays at 0.5-0.7 GB this way. Process-wide and idempotent; True where it
    took effect (glibc), False elsewhere (macOS, Windows, musl: their allocators return memory anyway)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = getattr(libc, "mallopt", None)
    except OSError:
        return False
    if mallopt is None:
        return False
    return bool(mallopt(-3, MMAP_THRESHOLD))  # M_MMAP_THRESHOLD


def training_threads(device: torch.device | str, world: int = 1) -> contextlib.AbstractContextManager[None]:
    """`idle_threads(world)` on a CPU (training and the report card run many small LSTM steps, see
    `idle_threads`); other devices: unchanged."""
    return torch_threads(idle_threads(world) if torch.device(device).type == "cpu" else None)


@contextlib.contextmanager
def aten_lstm() -> Iterator[None]:
    """nn.LSTM on its ATen kernels, not oneDNN's, inside the block (a process-wide flag, restored).

    Decoding wraps the model's decode in it. Not for speed any more: since the decoder's step loop runs
    in NumPy on a CPU, decode times are the same either way (measured 1.7 / 2.6 / 11.4 / 6.2 ms vs 1.7 /
    2.6 / 11.3 / 6.5 ms for the four bundled models). But oneDNN's LSTM rounds differently, and
    multitrack_1bar's conductor then picks other instruments for some seeds: a seed must keep giving
    the clip it gave before.
    """
    before = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False  # type: ignore[assignment]  # torch's stub: a ContextProp
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = before
