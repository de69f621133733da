# SPDX-License-Identifier: MIT
"""Multi-process training on PyTorch's own engine: `torchrun --nproc_per_node N main.py train ...`.

torchrun sets WORLD_SIZE, RANK and LOCAL_RANK; we join the process group (gloo on CPU, nccl on CUDA),
wrap the model in DistributedDataParallel, and let only rank 0 write checkpoints and print.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

HASH_DIR_ENV = "BANDMATE_TEST_PARAM_HASH_DIR"  # test hook: each rank writes a hash of its final weights


@dataclass(frozen=True, slots=True)
class DistInfo:
    """Where this process stands: `world` processes in all, this one is `rank` (`local_rank` on its host)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world > 1


def from_env() -> DistInfo:
    """The torchrun environment, or a single process when WORLD_SIZE is unset."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    return DistInfo(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))


def start(info: DistInfo, device: torch.device) -> None:
    """Join the process group if there is more than one process (idempotent)."""
    if info.enabled and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, rank=info.rank, world_size=info.world)


def stop(info: DistInfo) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()


def wrap(model: nn.Module, info: DistInfo, device: torch.device) -> nn.Module:
    """DistributedDataParallel around `model` when distributed, else the model itself."""
    if not info.enabled:
        return model
    ids = [device.index] if device.type == "cuda" and device.index is not None else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def any_rank(flag: bool, info: DistInfo, device: torch.device) -> bool:
    """True on every rank if `flag` is true on any (stop decisions must agree or DDP hangs)."""
    if not info.enabled:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item() > 0)


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def parameter_hash(model: nn.Module) -> str:
    """sha256 over all parameters (in order, as float32 bytes on the CPU)."""
    h = hashlib.sha256()
    for p in model.parameters():
        h.update(p.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def write_test_hash(model: nn.Module, info: DistInfo, step: int) -> None:
    """Test hook: with BANDMATE_TEST_PARAM_HASH_DIR set, write `rank<R>.txt` = '<step> <hash>'."""
    folder = os.environ.get(HASH_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"rank{info.rank}.txt").write_text(f"{step} {parameter_hash(model)}\n")
