# SPDX-License-Identifier: MIT
"""The moving average of a model's weights that training evaluates, saves as best and generates from.

Polyak & Juditsky 1992, "Acceleration of Stochastic Approximation by Averaging", in the exponential form
deep-learning training uses (TensorFlow's `tf.train.ExponentialMovingAverage`, PyTorch's
`torch.optim.swa_utils.get_ema_multi_avg_fn`, which does the arithmetic here). Why: on a small folder a
model's guided onset F1 on unseen songs moved by 6 points between checkpoints 70 steps apart (mel_2bar,
docs/FINETUNE.md), so where a run happened to stop decided its quality; the average of the last few
hundred steps does not jump so.

The average lives beside the optimizer's moments in the optimizer state a checkpoint keeps (`into_state` /
`from_state`): both are what a resumed run needs beyond the trained weights, and a resumed run then
averages exactly as an uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.optim.swa_utils import get_ema_multi_avg_fn

from models.musicvae import MusicVAE
from models.store import CheckpointError

__all__ = ["WeightAverage"]

# keys of the average in an optimizer state's per-parameter entries
AVERAGE_KEY, UPDATES_KEY = "weight_average", "weight_average_updates"


class WeightAverage:
    """An exponential moving average of `model`'s parameters (same shapes, float32, on its device).

    `update()` after each optimisation step folds the new weights in with decay
    `model.cfg.average_decay(updates)`; `applied()` puts the average into the model for a while (held-out
    check, saving the best weights) and restores the trained weights bit for bit.
    """

    def __init__(self, model: MusicVAE) -> None:
        self.model = model
        self.tensors = [p.detach().clone() for p in model.parameters()]
        self.updates = 0

    def update(self) -> None:
        """Fold the model's current weights into the average (the first update copies them)."""
        self.updates += 1
        decay = self.model.cfg.average_decay(self.updates)
        current = [p.detach() for p in self.model.parameters()]
        get_ema_multi_avg_fn(decay)(self.tensors, current, None)  # type: ignore[no-untyped-call]

    @contextmanager
    def applied(self) -> Iterator[None]:
        """The model holds the averaged weights inside the block, its trained ones again after it."""
        params = list(self.model.parameters())
        trained = [p.detach().clone() for p in params]
        with torch.no_grad():
            for p, avg in zip(params, self.tensors, strict=True):
                p.copy_(avg)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, own in zip(params, trained, strict=True):
                    p.copy_(own)

    def into_state(self, opt_state: dict[str, Any]) -> dict[str, Any]:
        """`opt_state` (an optimizer's `state_dict()`, parameters numbered in `model.parameters()` order,
        as one optimizer over all of them numbers them) with the average and its update count added to
        each parameter's entry; the optimizer's own entries are left as they are."""
        state = {pid: dict(entry) for pid, entry in opt_state["state"].items()}
        for pid, tensor in enumerate(self.tensors):
            entry = state.setdefault(pid, {})
            entry[AVERAGE_KEY] = tensor.detach().cpu()
            entry[UPDATES_KEY] = self.updates
        return {**opt_state, "state": dict(sorted(state.items()))}

    def from_state(self, opt_state: dict[str, Any]) -> dict[str, Any]:
        """Take the average out of a saved optimizer state (`into_state`'s form); returns the optimizer's
        own state without it. A state saved without an average (a run before averaging, a first step)
        leaves this average at the model's weights. CheckpointError when a saved average does not fit the
        model's parameters."""
        own: dict[int, dict[str, Any]] = {}
        found: dict[int, torch.Tensor] = {}
        updates = 0
        for pid, entry in opt_state["state"].items():
            rest = {k: v for k, v in entry.items() if k not in (AVERAGE_KEY, UPDATES_KEY)}
            if AVERAGE_KEY in entry:
                found[int(pid)] = entry[AVERAGE_KEY]
                updates = int(entry.get(UPDATES_KEY, 0))
            if rest:
                own[pid] = rest
        if len(found) == len(self.tensors):
            with torch.no_grad():
                for pid, tensor in enumerate(self.tensors):
                    if found[pid].shape != tensor.shape:
                        raise CheckpointError("the saved weight average does not fit the model")
                    tensor.copy_(found[pid])
            self.updates = updates
        return {**opt_state, "state": own}
