# SPDX-License-Identifier: MIT
"""One training session's moving parts for `engine.training.train`: model, optimizer, data, state, saving.

`TrainingRun.open` decides between a fresh model, resuming the newest checkpoint in `out_dir`, and
fine-tuning `from_model`; `step` runs one optimisation step; `evaluate` measures held-out accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.training import distributed as ddp
from engine.training.progress import TrainProgress
from engine.training.trainset import Batches, TrainData, load_train_data, to_batch
from models.card import TrainState, plain_float, read_card, vocabulary
from models.checkpoint import CheckpointError, load_model, load_training_state, save_checkpoint
from models.musicvae import MusicVAE
from models.presets import ModelConfig, get_config

EVAL_BATCH = 128


class TrainError(Exception):
    """Training cannot start or go on; one-line reason a musician understands."""


@dataclass(slots=True)
class RunState:
    """The loop's live counters, which it advances every step (NaN: no loss yet); saved as the model
    card's frozen `TrainState`."""

    step: int = 0
    epoch: int = 0
    seed: int = 0
    loss: float = math.nan
    kl: float = math.nan
    accuracy: float | None = None
    best_accuracy: float | None = None

    @classmethod
    def from_card(cls, saved: TrainState) -> RunState:
        nan = math.nan
        loss, kl = (nan if x is None else x for x in (saved.loss, saved.kl))
        return cls(saved.step, saved.epoch, saved.seed, loss, kl, saved.accuracy, saved.best_accuracy)

    def to_card(self, device: torch.device, world: int, batch_size: int) -> TrainState:
        """The card's record of this state, with how the run goes (device, processes, batch, threads)."""
        return TrainState(
            step=self.step, epoch=self.epoch, seed=self.seed, loss=plain_float(self.loss),
            kl=plain_float(self.kl), accuracy=self.accuracy, best_accuracy=self.best_accuracy,
            device=str(device), world_size=world, batch_size=batch_size, threads=torch.get_num_threads(),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class FinishWork:
    """What the end of a run costs, in units the run can time as it goes.

    Attributes:
        report_steps: the report card's work in training steps of this config (ModelSpec.report_steps:
            both are the model's own arithmetic on the same device, so the ratio holds on a busy machine).
        report_floor: seconds the report card takes at least (ModelSpec.report_seconds; GPU runs, whose
            steps are fast while the card's scoring runs on the CPU).
        eval_examples: held-out examples of the final accuracy check.
    """

    report_steps: float = 0.0
    report_floor: float = 0.0
    eval_examples: int = 0


class TrainingRun:
    """Model, optimizer and data of one run; only rank 0 saves."""

    def __init__(
        self, model: MusicVAE, opt_state: dict[str, Any] | None, data: TrainData, state: RunState,
        out_dir: Path, device: torch.device, info: ddp.DistInfo, fine_tuned_from: str | None, batch_size: int,
    ) -> None:  # fmt: skip
        self.cfg: ModelConfig = model.cfg
        self.model, self.data, self.state, self.out_dir = model.to(device), data, state, out_dir
        self.device, self.info, self.fine_tuned_from = device, info, fine_tuned_from
        self.net = ddp.wrap(self.model, info, device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=self.cfg.learning_rate)
        if opt_state is not None:
            self.opt.load_state_dict(opt_state)
        self.batches = Batches(len(data.train), batch_size, state.seed, info.world, info.rank)
        rng = np.random.default_rng(state.seed)
        self.eval_order = rng.permutation(len(data.heldout))

    @classmethod
    def open(
        cls, folder: str | Path, config: str, out_dir: Path, *, size: str, from_model: str | Path | None,
        device: torch.device, seed: int, batch_size: int | None, info: ddp.DistInfo,
        progress: Callable[[TrainProgress], None] | None,
    ) -> TrainingRun:  # fmt: skip
        say = progress or (lambda p: None)
        model, opt_state, state, tuned_from = _start(config, size, out_dir, from_model, device, seed)
        how = f"resuming at step {state.step}" if state.step else "fine-tuning" if from_model else "training"
        n = torch.get_num_threads()
        where = f"{device} ({n} thread{'s' * (n > 1)})" if device.type == "cpu" else str(device)
        where += f" x {info.world} processes" if info.enabled else ""
        text = f"{how} {model.cfg.name} ({model.cfg.size}) on {where}"
        say(TrainProgress(state.step, 0, math.nan, math.nan, None, 0.0, "loading", message=text))
        say(TrainProgress(state.step, 0, math.nan, math.nan, None, 0.0, "loading", message="loading music"))
        data = load_train_data(folder, model.cfg.name, seed=state.seed)
        if len(data.train) == 0:
            raise TrainError(
                f"no {model.cfg.name} training examples left in {folder} after holding out files"
            )
        batch = batch_size or model.cfg.batch_size
        return cls(model, opt_state, data, state, out_dir, device, info, tuned_from, batch)

    def step(self, index: np.ndarray) -> tuple[float, float]:
        """One optimisation step on the training examples at `index`; returns (loss, kl)."""
        cfg, st = self.cfg, self.state
        self.model.train()
        # reparameterisation noise seeded per step and rank, so a resumed run repeats an uninterrupted one
        noise = torch.Generator(device=self.device)
        noise.manual_seed(st.seed * 1_000_003 + st.step * 7919 + self.info.rank)
        batch = to_batch(self.data.train.arrays, index, self.device)
        for group in self.opt.param_groups:
            group["lr"] = cfg.learning_rate_at(st.step)
        out = self.net(batch, beta=cfg.beta(st.step), generator=noise)
        self.opt.zero_grad(set_to_none=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.opt.step()
        return float(out.loss.detach()), float(out.kl)

    @torch.no_grad()
    def evaluate(self, limit: int | None) -> float | None:
        """Teacher-forced token accuracy (z = mu) on up to `limit` held-out examples; None without any."""
        order = self.eval_order[: limit or 1024]
        if len(order) == 0:
            self.state.accuracy = None
            return None
        self.model.eval()
        correct = 0.0
        for start in range(0, len(order), EVAL_BATCH):
            index = np.sort(order[start : start + EVAL_BATCH])
            out = self.model(to_batch(self.data.heldout.arrays, index, self.device))
            correct += float(out.accuracy) * len(index)
        self.state.accuracy = correct / len(order)
        return self.state.accuracy

    def save(self, keep: int) -> Path:
        st = self.state
        improved = st.accuracy is None or st.best_accuracy is None or st.accuracy > st.best_accuracy
        if st.accuracy is not None and improved:
            st.best_accuracy = st.accuracy
        return save_checkpoint(
            self.out_dir, self.model, step=st.step, optimizer_state=self.opt.state_dict(),
            name=self.out_dir.name, data=self.data.summary,
            training=st.to_card(self.device, self.info.world, self.batches.batch_size),
            fine_tuned_from=self.fine_tuned_from, keep=keep, best=improved,
        )  # fmt: skip

    def report_seconds(self) -> float:
        """Time to reserve for the report card (it samples and scores a few hundred clips; see the spec)."""
        return self.cfg.spec.report_seconds

    def eval_size(self, limit: int | None) -> int:
        """Held-out examples `evaluate(limit)` looks at."""
        return len(self.eval_order[: limit or 1024])

    def finish_work(self, report: bool) -> FinishWork:
        """The end of this run (final check, and the report card when `report`) for the time budget."""
        spec = self.cfg.spec
        if not report:
            return FinishWork(0.0, 0.0, self.eval_size(None))
        return FinishWork(spec.report_steps, spec.report_seconds, self.eval_size(None))

    def write_report(self) -> Any:
        from engine.evaluation.evaluate import report_for_training, write_report

        model, card = load_model(self.out_dir, self.device)
        report = report_for_training(
            model, card.data, self.data.heldout, self.data.train, self.device, name=card.name
        )
        write_report(self.out_dir, report)
        return report


def _start(
    config: str, size: str, out_dir: Path, from_model: str | Path | None, device: torch.device, seed: int
) -> tuple[MusicVAE, dict[str, Any] | None, RunState, str | None]:
    """(model, optimizer state, run state, the model it was fine-tuned from) for a resume, a fine-tune or
    a fresh start."""
    if (out_dir / "model.json").exists():
        model, card, opt_state = load_training_state(out_dir, device)
        if (model.cfg.name, model.cfg.size) != (config, size):
            raise TrainError(
                f"{out_dir} already holds a {model.cfg.name} ({model.cfg.size}) model; "
                f"use another --out, or --config {model.cfg.name} --size {model.cfg.size} to resume it"
            )
        return model, opt_state, RunState.from_card(card.training), card.fine_tuned_from
    if from_model is not None:
        base, base_card = load_model(from_model, device)
        if base.cfg.name != config:
            raise TrainError(
                f"{from_model} is a {base.cfg.name} model; fine-tune it with --config {base.cfg.name}"
            )
        if dict(base_card.vocabulary) != vocabulary(get_config(config)):
            raise CheckpointError(f"{from_model} uses a different vocabulary than {config}")
        return base.train(), None, RunState(seed=seed), str(from_model)
    with torch.random.fork_rng(devices=[]):  # weights initialised from `seed`, the caller's RNG untouched
        torch.manual_seed(seed)
        model = MusicVAE(get_config(config, size))
    return model, None, RunState(seed=seed), None


def stored_config(model_dir: Path) -> ModelConfig:
    """The config of the model in `model_dir` (used by the CLI to default --config on resume/fine-tune)."""
    return read_card(model_dir).config
