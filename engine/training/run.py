# SPDX-License-Identifier: MIT
"""One training session's moving parts for `engine.training.train`: model, optimizer, data, state, saving.

`TrainingRun.open` decides between a fresh model (sized to the music, models/presets.py `sized_for`),
resuming the newest checkpoint in `out_dir`, and fine-tuning `from_model` (`fine_tune_config`: the base's
KL weight kept, a lower learning rate); `step` runs one optimisation
step; `evaluate` measures the held-out negative ELBO in bits per step (the best checkpoint has the
lowest) and accuracy; `save` writes a checkpoint, with the Gaussian of the training codes when it is the
best so far (what generation samples from).
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.evaluation.likelihood import likelihood
from engine.training import distributed as ddp
from engine.training.average import WeightAverage
from engine.training.progress import TrainProgress
from engine.training.trainset import Batches, TrainData, load_train_data, to_batch
from models.card import TrainState, plain_float, read_card, vocabulary
from models.checkpoint import CheckpointError, load_model, load_training_state, save_checkpoint, write_latent
from models.latent import LatentFit, fit_latent
from models.musicvae import MusicVAE
from models.presets import FINE_TUNE_BY_CONFIG, ModelConfig, get_config, sized_for
from models.spec import DecoderKind

# A fine-tune's learning rate (the small presets train from scratch at 3e-3): measured with
# benchmarks/finetune_threshold.py, docs/FINETUNE.md.
FINE_TUNE_LEARNING_RATE = 1e-4

# training windows whose codes the latent Gaussian is fitted to: 65,536 steps' worth, 256 to 1,024 windows
# (trio: 256 windows, ~3 s on a busy CPU core; 2-bar configs: 1,024, ~2 s)
FIT_STEPS, FIT_MIN, FIT_MAX, FIT_BATCH = 65536, 256, 1024, 128


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
    bits: float | None = None
    best_bits: float | None = None

    @classmethod
    def from_card(cls, saved: TrainState) -> RunState:
        nan = math.nan
        loss, kl = (nan if x is None else x for x in (saved.loss, saved.kl))
        return cls(
            saved.step, saved.epoch, saved.seed, loss, kl, saved.accuracy, saved.best_accuracy, saved.bits,
            saved.best_bits,
        )  # fmt: skip

    def to_card(self, device: torch.device, world: int, batch_size: int) -> TrainState:
        """The card's record of this state, with how the run goes (device, processes, batch, threads)."""
        return TrainState(
            step=self.step, epoch=self.epoch, seed=self.seed, loss=plain_float(self.loss),
            kl=plain_float(self.kl), accuracy=self.accuracy, best_accuracy=self.best_accuracy,
            bits=self.bits, best_bits=self.best_bits, device=str(device), world_size=world,
            batch_size=batch_size, threads=torch.get_num_threads(),
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
        # AdamW: weight decay apart from the gradient's scale (Loshchilov & Hutter 2019); 0 for older models
        self.opt = torch.optim.AdamW(
            self.model.parameters(), lr=self.cfg.learning_rate, weight_decay=self.cfg.weight_decay
        )
        # the weights evaluated, saved as best and generated from (cfg.weight_average; None: the trained ones)
        self.average = WeightAverage(self.model) if self.cfg.weight_average > 0 else None
        if opt_state is not None:
            if self.average is not None:
                opt_state = self.average.from_state(opt_state)
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
        resuming = (out_dir / "model.json").exists()
        split_seed = read_card(out_dir).training.seed if resuming else seed
        say(TrainProgress(0, 0, math.nan, math.nan, None, 0.0, "loading", message="loading music"))
        data = load_train_data(folder, config, seed=split_seed)
        model, opt_state, state, tuned_from = _start(
            config, size, out_dir, from_model, device, seed, data.summary.train_bars
        )
        n = torch.get_num_threads()
        where = f"{device} ({n} thread{'s' * (n > 1)})" if device.type == "cpu" else str(device)
        where += f" x {info.world} processes" if info.enabled else ""
        what = f"{model.cfg.name} ({model.cfg.size})"
        if state.step:  # "resuming drums_2bar (small) at step 206 on cpu (2 threads)"
            text = f"resuming {what} at step {state.step} on {where}"
        else:
            text = f"{'fine-tuning' if from_model else 'training'} {what} on {where}"
        say(TrainProgress(state.step, 0, math.nan, math.nan, None, 0.0, "loading", message=text))
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
        step_seed = st.seed * 1_000_003 + st.step * 7919 + self.info.rank
        noise = torch.Generator(device=self.device)
        noise.manual_seed(step_seed)
        batch = to_batch(self.data.train.arrays, index, self.device)
        for group in self.opt.param_groups:
            group["lr"] = cfg.learning_rate_at(st.step)
        # dropout (nn.Dropout) draws from the global generator: seeded per step too, the caller's untouched
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            torch.manual_seed(step_seed)
            out = self.net(
                batch, beta=cfg.beta(st.step), generator=noise, sampling=cfg.sampling_probability(st.step)
            )
        self.opt.zero_grad(set_to_none=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.opt.step()
        if self.average is not None:
            self.average.update()
        return float(out.loss.detach()), float(out.kl)

    @torch.no_grad()
    def evaluate(self, limit: int | None) -> float | None:
        """Held-out negative ELBO in bits per step (engine/evaluation/likelihood.py) and teacher-forced
        accuracy on up to `limit` held-out examples, into the state; returns the bits (None without
        held-out examples)."""
        cap = limit or 1024
        if self.cfg.decoder is DecoderKind.BAND:  # 8 instruments x bars sequences an example
            cap = max(16, cap // self.cfg.bars)
        order = np.sort(self.eval_order[:cap])
        if len(order) == 0:
            self.state.accuracy = self.state.bits = None
            return None
        arrays = {k: v[order] for k, v in self.data.heldout.arrays.items()}
        with self._averaged():
            scores = likelihood(self.model, arrays, seed=self.state.seed)
        self.state.accuracy = None if scores is None else scores.accuracy
        self.state.bits = None if scores is None else scores.bits_per_step
        return self.state.bits

    def save(self, keep: int) -> Path:
        """A checkpoint; it is the best when its held-out bits per step are the lowest so far (or nothing
        is held out). A new best drops the card's latent fit (it belonged to the old weights) until
        `fit_latent` fits one at the end of the run. With weight averaging the step's weights file holds
        the trained weights (what a resume continues), best.safetensors the averaged ones (what was
        evaluated, and what generation loads), and the optimizer state the average itself."""
        st = self.state
        improved = st.bits is None or st.best_bits is None or st.bits < st.best_bits
        if improved:
            st.best_bits, st.best_accuracy = st.bits, st.accuracy
        opt_state = self.opt.state_dict()
        averaged = None
        if self.average is not None:
            opt_state = self.average.into_state(opt_state)
            averaged = self._averaged_copy() if improved else None  # best.safetensors is written then only
        return save_checkpoint(
            self.out_dir, self.model, step=st.step, optimizer_state=opt_state,
            name=self.out_dir.name, data=self.data.summary,
            training=st.to_card(self.device, self.info.world, self.batches.batch_size),
            fine_tuned_from=self.fine_tuned_from, keep=keep, best=improved, best_model=averaged,
        )  # fmt: skip

    def _averaged(self) -> contextlib.AbstractContextManager[None]:
        """A block in which the model holds the weights it is judged by (the average, when kept)."""
        return self.average.applied() if self.average is not None else contextlib.nullcontext()

    def _averaged_copy(self) -> MusicVAE:
        """A copy of the model holding the averaged weights (for saving; the model keeps training)."""
        with self._averaged():
            return copy.deepcopy(self.model)

    @torch.no_grad()
    def fit_latent(self) -> LatentFit | None:
        """Fit the Gaussian of the training codes under the best weights and record it in the model card
        (once, at the end of a run: the codes of a trio's windows take ~10 s to encode on a busy CPU).
        Up to FIT_STEPS steps' worth of random training windows, transposed copies included (the decoder
        trained on them); None without training examples or a best checkpoint."""
        n = len(self.data.train)
        if n == 0 or not (self.out_dir / "model.json").exists():
            return None
        best, _ = load_model(self.out_dir, self.device)
        count = max(FIT_MIN, min(FIT_MAX, FIT_STEPS // self.cfg.steps))
        pick = np.sort(np.random.default_rng(self.state.seed).permutation(n)[:count])
        mus, sigmas = [], []
        size = max(8, FIT_BATCH // self.cfg.bars) if self.cfg.decoder is DecoderKind.BAND else FIT_BATCH
        for start in range(0, len(pick), size):
            batch = to_batch(self.data.train.arrays, pick[start : start + size], self.device)
            mu, sigma = best.encoder(batch)
            mus.append(mu)
            sigmas.append(sigma)
        fit = fit_latent(torch.cat(mus), torch.cat(sigmas))
        write_latent(self.out_dir, fit)
        return fit

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
        from engine.data.bar_index import read_index
        from engine.evaluation.evaluate import report_for_training, write_report

        model, card = load_model(self.out_dir, self.device)
        report = report_for_training(
            model, card.data, self.data.heldout, self.data.train, self.device, name=card.name,
            index=read_index(self.out_dir, self.cfg.name),
            latent=card.latent, fine_tuned_from=card.fine_tuned_from,
        )  # fmt: skip
        write_report(self.out_dir, report)
        return report


def _start(
    config: str,
    size: str,
    out_dir: Path,
    from_model: str | Path | None,
    device: torch.device,
    seed: int,
    bars: int,
) -> tuple[MusicVAE, dict[str, Any] | None, RunState, str | None]:
    """(model, optimizer state, run state, the model it was fine-tuned from) for a resume, a fine-tune or
    a fresh start; a fresh model is sized for `bars` bars of training music. TrainError when the newest
    checkpoint of a model to resume is damaged (saying how to train on from its best weights)."""
    if (out_dir / "model.json").exists():
        check_resumable(out_dir, config, size)
        try:
            model, card, opt_state = load_training_state(out_dir, device)
        except CheckpointError as e:  # a damaged newest checkpoint: its best weights may still be whole
            raise TrainError(
                f"cannot resume {out_dir}: {e}; to train on from its best weights: "
                f"train FOLDER --from {out_dir} --out NEW-FOLDER"
            ) from e
        return model, opt_state, RunState.from_card(card.training), card.fine_tuned_from
    if from_model is not None:
        base, base_card = load_model(from_model, device, bfloat16=False)
        if base.cfg.name != config:
            raise TrainError(
                f"{from_model} is a {base.cfg.name} model; fine-tune it with --config {base.cfg.name}"
            )
        if dict(base_card.vocabulary) != vocabulary(get_config(config)):
            raise CheckpointError(f"{from_model} uses a different vocabulary than {config}")
        base.cfg = fine_tune_config(base.cfg)
        return base.train(), None, RunState(seed=seed), str(from_model)
    with torch.random.fork_rng(devices=[]):  # weights initialised from `seed`, the caller's RNG untouched
        torch.manual_seed(seed)
        model = MusicVAE(sized_for(get_config(config, size), bars))
    return model, None, RunState(seed=seed), None


def fine_tune_config(cfg: ModelConfig) -> ModelConfig:
    """A base model's config as a fine-tune trains it: the full KL weight from the first step (beta_rate
    0: the base ended its warm-up long ago, and restarting it from 0 lets the codes drift from the prior
    the base learned) and a learning rate of at most FINE_TUNE_LEARNING_RATE (decaying as the base's did),
    so a few hundred steps on a small folder adapt the base rather than overwrite it; the configs of
    FINE_TUNE_BY_CONFIG learn at their own rate, KL weight and free bits (and scheduled sampling). Its
    weights are averaged as its preset's are (`weight_average`; the bundled bases were trained before
    averaging). Saved in the new model's card, so a resume trains the same way. Measured: docs/FINETUNE.md."""
    own = FINE_TUNE_BY_CONFIG.get(cfg.name, {})
    lr = own.get("learning_rate", min(cfg.learning_rate, FINE_TUNE_LEARNING_RATE))
    fixed = {"beta_rate": 0.0, "learning_rate": lr, "min_learning_rate": min(cfg.min_learning_rate, lr)}
    averaged = {"weight_average": get_config(cfg.name, cfg.size).weight_average}
    return replace(cfg, **{**averaged, **own, **fixed})


def check_resumable(out_dir: Path, config: str, size: str) -> None:
    """Raise TrainError when `out_dir` already holds a model of another config or size (a run there resumes
    it, so it must be asked for as it is); nothing when it holds none or the same one."""
    if not (out_dir / "model.json").exists():
        return
    stored = stored_config(out_dir)
    if (stored.name, stored.size) != (config, size):
        raise TrainError(
            f"{out_dir} already holds a {stored.name} ({stored.size}) model; "
            f"use another --out, or --config {stored.name} --size {stored.size} to resume it"
        )


def stored_config(model_dir: Path) -> ModelConfig:
    """The config of the model in `model_dir` (used by the CLI to default --config on resume/fine-tune)."""
    return read_card(model_dir).config
