# SPDX-License-Identifier: MIT
"""Held-out reconstruction, as in the MusicVAE paper: encode each example, decode it with teacher forcing
and freely (argmax, through the generation runner as the musician's clips are decoded), and count the
tokens it gets right per step; KL per example; for drums the velocity and micro-timing error of the
humanize head given the true hits. Token accuracy is kept for comparison with earlier report cards; per
part, the likelihood in bits per step beside a unigram baseline and the onset F1 (guided and on its
own) say what it is worth (engine/evaluation/likelihood.py), and the active latent dimensions how much
of z the model uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from engine.evaluation.likelihood import (
    active_dims,
    batch_size,
    f1,
    likelihood,
    onset_counts,
    part_positions,
    teacher_forced_logits,
    unigram_bits,
    widen,
)
from engine.evaluation.report import KeyScores, PartScores, Reconstruction
from engine.generation.groove import SpreadSums
from engine.generation.runner import Runner
from models.musicvae import MusicVAE, head_outputs, multitrack_onsets
from models.spec import DecoderKind

BATCH = 256


def _batches(
    arrays: dict[str, np.ndarray], device: Any, size: int = BATCH
) -> Iterator[dict[str, torch.Tensor]]:
    keys = [k for k in arrays if k != "tempo"]
    n = len(arrays[keys[0]])
    for i in range(0, n, size):
        yield {k: widen(torch.as_tensor(arrays[k][i : i + size])).to(device) for k in keys}


def token_keys(arrays: dict[str, Any]) -> list[str]:
    """The categorical arrays (int64 tokens) of an example dict; not the band's meter, which the model
    is given, not asked for."""
    return [
        k
        for k, v in arrays.items()
        if k not in ("tempo", "meter") and not torch.is_floating_point(torch.as_tensor(v[:1]))
    ]


def kl_per_example(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma) || N(0, 1)) summed over z, in nats: (B,)."""
    sigma = sigma.clamp_min(1e-8)
    return 0.5 * (mu.pow(2) + sigma.pow(2) - 1.0 - 2.0 * sigma.log()).sum(dim=1)


def teacher_forced(
    model: Any, z: torch.Tensor, batch: dict[str, torch.Tensor]
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """One teacher-forced pass, as MusicVAE's loss does it (`_nll_terms`): same conditioning, decoders.

    Returns the decoder's argmax at each step given the true previous tokens (key -> tokens shaped like
    batch[key]) and, for drums_2bar, its velocity and offset (B, T, 9) given the true hits (for
    multitrack_1bar its velocity (B, 8, 16) given the true notes): the same numbers
    `decode(z, given=...)` gives, in one LSTM pass instead of one call per step.
    """
    cfg = model.cfg
    if cfg.decoder is DecoderKind.BAND:
        logits = teacher_forced_logits(model, z, batch)
        return {"program": logits["program"].argmax(-1), "events": logits["events"].argmax(-1)}, {}
    cond = model._conditions(z)  # (B * segments, C)
    tokens, heads = {}, {}
    if cfg.decoder is DecoderKind.MULTITRACK:
        program = batch["program"]  # (B, 8)
        tokens["program"] = model.program_out(cond).argmax(-1).reshape(program.shape)
        cond = torch.cat([cond, model.program_embed(program.reshape(-1))], dim=-1)  # true programs
    for track, dec in zip(cfg.tracks, model.decoders, strict=True):
        start = model._starts(batch[track], dec.vocab)  # the previous bar's last token (bar_link)
        logits, head = dec(model._segments(batch[track]), cond, start)  # (B * segments, L, V), (.., L, K)
        tokens[track] = logits.argmax(-1).reshape(batch[track].shape)
        if head is not None and (cfg.groove or cfg.decoder is DecoderKind.MULTITRACK):
            head = head.reshape(*batch[track].shape, -1)  # (B, T, 18) or (B, 8, 16, 1)
            heads.update(head_outputs(head, batch[track], cfg.groove))
    return tokens, heads


def _per_step(correct: torch.Tensor) -> torch.Tensor:
    """Correct flags (B, ..., T) -> accuracy per step (T,) averaged over the batch and any slot axis."""
    return correct.float().reshape(-1, correct.shape[-1]).mean(dim=0)


class _Sums:
    """Running sums of per-step correct counts for one key."""

    def __init__(self) -> None:
        self.forced: torch.Tensor | float = 0.0
        self.free: torch.Tensor | float = 0.0
        self.rows = 0

    def add(self, forced: torch.Tensor, free: torch.Tensor) -> None:
        rows = forced.numel() // forced.shape[-1]
        self.forced = self.forced + _per_step(forced) * rows
        self.free = self.free + _per_step(free) * rows
        self.rows += rows

    def result(self) -> KeyScores:
        forced = (torch.as_tensor(self.forced) / self.rows).cpu().numpy()
        free = (torch.as_tensor(self.free) / self.rows).cpu().numpy()
        return KeyScores(
            teacher_forced=float(forced.mean()),
            sampled=float(free.mean()),
            per_step_teacher_forced=tuple(round(float(x), 4) for x in forced),
            per_step_sampled=tuple(round(float(x), 4) for x in free),
        )


class _PartSums:
    """Running counts of one part: steps, correct tokens, "no event" steps, guided and own onsets."""

    def __init__(self) -> None:
        self.steps = self.correct = self.silent = 0
        self.guided = [0, 0, 0]
        self.own = [0, 0, 0]

    def add(
        self, batch: dict[str, torch.Tensor], guided: torch.Tensor, own: torch.Tensor, where: Any
    ) -> None:
        true = batch[where.track]
        self.steps += int(where.mask.sum())
        self.correct += int((guided == true)[where.mask].sum())
        self.silent += int((true == where.offset)[where.mask].sum())  # the "no event" token of the part
        for sums, pred in ((self.guided, guided), (self.own, own)):
            for i, c in enumerate(onset_counts(pred, true, where)):
                sums[i] += c


@torch.no_grad()
def reconstruction(
    runner: Runner, arrays: dict[str, np.ndarray], train: dict[str, np.ndarray] | None = None
) -> Reconstruction | None:
    """Reconstruction scores of `arrays` (examples stacked on axis 0); None when there are none.

    Teacher-forced and sampled token accuracy (means over all token keys), per-key details with per-step
    curves, KL (mean nats per example), and for drums velocity_error (MIDI velocity units) and
    offset_error (fractions of a 16th) of the predicted humanization given the true hits, with
    groove_spread: per drum class, the standard deviation of those errors (engine/generation/groove.py
    adds it back); for multitrack_1bar velocity_error and groove_spread of the predicted velocities of
    the true notes. The negative ELBO in bits per step, the active latent dimensions, and per part its
    bits per step, onset F1 and "no event" share; `train` (the training examples) gives each part's
    unigram baseline (without it, these examples' own token frequencies).
    """
    if not arrays or len(next(iter(arrays.values()))) == 0:
        return None
    model, device = runner.model, runner.device
    keys = token_keys(arrays)
    sums = {k: _Sums() for k in keys}
    parts: dict[str, _PartSums] = {}
    kls, vel_err, off_err = [], [], []
    groove = bool(getattr(model.cfg, "groove", False))
    spread = SpreadSums() if groove else SpreadSums(1, ("velocity",))
    for batch in _batches(arrays, device, batch_size(model, BATCH)):
        mu, sigma = model.encode(batch)  # (B, Z) each
        kls.append(kl_per_example(mu, sigma).cpu())
        forced, human = teacher_forced(model, mu, batch)
        given = {"meter": batch["meter"]} if "meter" in batch else None  # band: the example's meter
        free = runner.decode(mu, 0.0, None, 0, [], given=given)  # argmax: no noise, no spread
        for k in keys:
            sums[k].add(forced[k] == batch[k], torch.as_tensor(free[k], device=device) == batch[k])
        for part, where in part_positions(model, batch).items():
            own = torch.as_tensor(free[where.track], device=device)
            parts.setdefault(part, _PartSums()).add(batch, forced[where.track], own, where)
        if "offset" in human and "offset" in batch:
            hit = batch["hits"] > 0.5
            vel_diff, off_diff = batch["velocity"] - human["velocity"], batch["offset"] - human["offset"]
            vel_err.append(vel_diff.abs()[hit].cpu())
            off_err.append(off_diff.abs()[hit].cpu())
            spread.add(
                hit.cpu().numpy(),
                {"velocity": vel_diff.cpu().numpy() * 127, "offset": off_diff.cpu().numpy()},
            )
        elif "velocity" in human and "velocity" in batch:  # multitrack: one velocity per note
            note = multitrack_onsets(batch["tokens"]) > 0.5  # (B, 8, 16)
            vel_diff = batch["velocity"] - human["velocity"]
            vel_err.append(vel_diff.abs()[note].cpu())
            spread.add(note.cpu().numpy()[..., None], {"velocity": vel_diff.cpu().numpy()[..., None] * 127})
    per_key = {k: s.result() for k, s in sums.items()}
    vel = torch.cat(vel_err) if vel_err else torch.zeros(0)
    off = torch.cat(off_err) if off_err else torch.zeros(0)
    nll = likelihood(model, arrays)
    unigram = _unigram(model, train or arrays, arrays)
    return Reconstruction(
        examples=int(len(arrays[keys[0]])),
        teacher_forced=float(np.mean([v.teacher_forced for v in per_key.values()])),
        sampled=float(np.mean([v.sampled for v in per_key.values()])),
        kl=float(torch.cat(kls).mean()),
        keys=per_key,
        velocity_error=float(vel.mean() * 127) if vel.numel() else None,
        offset_error=float(off.mean()) if off.numel() else None,
        groove_spread=spread.result() if vel_err else None,
        bits_per_step=None if nll is None else nll.bits_per_step,
        kl_bits_per_step=None if nll is None else nll.kl_bits_per_step,
        parts={
            p: PartScores(
                steps=s.steps,
                bits=nll.part_bits[p] if nll and p in nll.part_bits else float("nan"),
                unigram_bits=unigram.get(p, float("nan")),
                no_event=s.silent / max(s.steps, 1),
                accuracy=s.correct / max(s.steps, 1),
                onset_f1=f1(*s.guided),
                own_onset_f1=f1(*s.own),
            )
            for p, s in parts.items()
            if s.steps
        },
        active_dims=None if nll is None else active_dims(nll.kl_per_dim),
        z_size=int(model.cfg.z_size),
    )


def _unigram(
    model: MusicVAE, train: dict[str, np.ndarray], heldout: dict[str, np.ndarray]
) -> dict[str, float]:
    """Each part's unigram bits per step: held-out tokens under the training tokens' frequencies."""
    tensors = {k: torch.as_tensor(np.asarray(v)) for k, v in train.items() if k != "tempo"}
    held = {k: torch.as_tensor(np.asarray(v)) for k, v in heldout.items() if k != "tempo"}
    train_at, held_at = part_positions(model, tensors), part_positions(model, held)
    vocab = dict(zip(model.cfg.tracks, model.cfg.vocab, strict=True))
    out = {}
    for part, where in held_at.items():
        mine = train_at[part]
        out[part] = unigram_bits(
            tensors[mine.track][mine.mask].numpy(), held[where.track][where.mask].numpy(), vocab[where.track]
        )
    return out
