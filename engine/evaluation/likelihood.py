# SPDX-License-Identifier: MIT
"""Held-out likelihood and per-part scores that "no event" cannot game.

Token accuracy is mostly "no event" steps: a trio melody is silent on most 16ths, so predicting silence
everywhere scores well and writes nothing. Here every part is scored by its negative log-likelihood in
bits per step beside a unigram of the training tokens, and by the F1 of its onsets (a model that never
plays scores 0). The whole model is scored by the negative ELBO per step (reconstruction + KL), the
quantity training minimises without free bits, which is what checkpoints are chosen on.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from models import band
from models.decoders import CoreDecoder
from models.musicvae import MusicVAE
from models.spec import DecoderKind
from models.vocab import (
    BAND_DUR,
    BAND_PITCH,
    DRUM_CLASSES,
    DRUM_VOCAB,
    EMPTY_SLOT,
    FIRST_PITCH_TOKEN,
    MELODY_VOCAB,
    part_of_program,
)

LN2 = math.log(2.0)
BATCH = 128
ACTIVE_KL = 0.01  # nats: a latent dimension whose mean KL is above this carries information (see below)


def batch_size(model: MusicVAE, size: int = BATCH) -> int:
    """Examples per evaluation batch: `size`, fewer for band models, whose logits of every (bar, slot)
    sequence are (bars x slots x 96 x 249) floats an example (~50 MB a batch at most)."""
    cfg = model.cfg
    return max(2, min(size, 512 // (cfg.bars * cfg.slots))) if cfg.decoder is DecoderKind.BAND else size


def batches(
    arrays: Mapping[str, np.ndarray], device: torch.device, size: int = BATCH
) -> Iterator[dict[str, Tensor]]:
    """The examples' token and head arrays (no tempo) as tensors on `device`, `size` at a time."""
    keys = [k for k in arrays if k != "tempo"]
    n = len(arrays[keys[0]])
    for i in range(0, n, size):
        yield {k: widen(torch.as_tensor(np.asarray(arrays[k][i : i + size]))).to(device) for k in keys}


def widen(t: Tensor) -> Tensor:
    """uint8 token arrays (the band's) as int64, what losses and comparisons take."""
    return t.long() if t.dtype == torch.uint8 else t


def teacher_forced_logits(model: MusicVAE, z: Tensor, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Each token array's logits given the true previous tokens, shaped like batch[key] plus V: the
    pass the training loss makes (`MusicVAE._nll_terms`). Multitrack adds "program" (B, slots, 130)
    and conditions the slots on the true programs."""
    cfg = model.cfg
    if cfg.decoder is DecoderKind.BAND:  # the played (bar, slot) rows, scattered back (others stay 0)
        prog, logits, _, _, _ = band.teacher_forced_logits(model, z, batch)
        events = batch["events"]
        full = logits.new_zeros(*events.shape, logits.shape[-1])
        played = (batch["program"] != EMPTY_SLOT).unsqueeze(1).expand(-1, cfg.bars, -1)
        full[played.nonzero(as_tuple=True)] = logits
        return {"program": prog, "events": full}
    cond = model._conditions(z)  # (B * segments, C)
    out: dict[str, Tensor] = {}
    if cfg.decoder is DecoderKind.MULTITRACK:
        program = batch["program"]  # (B, slots)
        out["program"] = model.program_out(cond).reshape(*program.shape, -1)
        cond = torch.cat([cond, model.program_embed(program.reshape(-1))], dim=-1)
    for track, dec in zip(cfg.tracks, model.decoders, strict=True):
        tokens = batch[track]
        logits, _ = dec(model._segments(tokens), cond, model._starts(tokens, cast(CoreDecoder, dec).vocab))
        out[track] = logits.reshape(*tokens.shape, -1)
    return out


@dataclass(frozen=True, slots=True)
class PartPositions:
    """Where one part plays in a batch: its token array, a bool mask shaped like it, whether its tokens
    are drum bits, and what to subtract from them first (multitrack drum slots: 90)."""

    track: str
    mask: Tensor
    drums: bool
    offset: int = 0
    events: bool = False  # band events: onsets are PITCH events


def part_positions(model: MusicVAE, batch: Mapping[str, Tensor]) -> dict[str, PartPositions]:
    """part -> its positions: a track per part, or for multitrack the slots whose program plays it
    (empty slots belong to no part)."""
    cfg = model.cfg
    if cfg.decoder is DecoderKind.BAND:  # the slots playing each part, up to each sequence's END
        program, events = batch["program"], batch["events"]  # (B, slots), (B, bars, slots, L)
        names = np.array([part_of_program(int(p)) for p in program.reshape(-1).tolist()]).reshape(
            program.shape
        )
        played = (program != EMPTY_SLOT).cpu().numpy()
        length = events.shape[-1]
        inside = torch.arange(length, device=events.device) < band.sequence_lengths(events).unsqueeze(-1)
        out = {}
        for part in cfg.spec.parts:
            slots = torch.as_tensor((names == part) & played, device=events.device)  # (B, slots)
            mask = slots[:, None, :, None].expand_as(events) & inside
            out[part] = PartPositions("events", mask, part == "drums", 0, events=True)
        return out
    if cfg.decoder is not DecoderKind.MULTITRACK:
        return {
            t: PartPositions(t, torch.ones_like(batch[t], dtype=torch.bool), v == DRUM_VOCAB)
            for t, v in zip(cfg.tracks, cfg.vocab, strict=True)
        }
    program = batch["program"]  # (B, slots)
    names = np.array([part_of_program(int(p)) for p in program.reshape(-1).tolist()]).reshape(program.shape)
    played = (program != EMPTY_SLOT).cpu().numpy()
    out = {}
    for part in cfg.spec.parts:
        slots = torch.as_tensor((names == part) & played, device=program.device)  # (B, slots)
        mask = slots.unsqueeze(-1).expand_as(batch["tokens"])
        out[part] = PartPositions("tokens", mask, part == "drums", MELODY_VOCAB if part == "drums" else 0)
    return out


def onset_counts(pred: Tensor, true: Tensor, where: PartPositions) -> tuple[int, int, int]:
    """(hits, predicted, real) onsets of a part: a note counts when the same pitch starts on the same
    step, a drum hit per class and step (a token outside the part's range plays nothing)."""
    p, t = pred[where.mask].long() - where.offset, true[where.mask].long() - where.offset
    if where.events:  # a PITCH event in the same place of the sequence
        on_p, on_t = (p >= BAND_PITCH) & (p < BAND_DUR), (t >= BAND_PITCH) & (t < BAND_DUR)
        return int((on_p & on_t & (p == t)).sum()), int(on_p.sum()), int(on_t.sum())
    if where.drums:
        p, t = p.clamp_min(0), t.clamp_min(0)
        return _popcount(p & t), _popcount(p), _popcount(t)
    on_p = (p >= FIRST_PITCH_TOKEN) & (p < MELODY_VOCAB)
    on_t = (t >= FIRST_PITCH_TOKEN) & (t < MELODY_VOCAB)
    return int((on_p & on_t & (p == t)).sum()), int(on_p.sum()), int(on_t.sum())


def _popcount(x: Tensor) -> int:
    """Set bits of drum tokens (9 classes)."""
    bits = torch.arange(DRUM_CLASSES, device=x.device)
    return int(((x.unsqueeze(-1) >> bits) & 1).sum())


def f1(hits: int, predicted: int, real: int) -> float | None:
    """2 TP / (predicted + real); None when neither has an event."""
    return None if predicted + real == 0 else 2.0 * hits / (predicted + real)


@dataclass(frozen=True, slots=True)
class Likelihood:
    """The negative ELBO of a set of examples in bits per step (per token position a part plays, plus
    the programs for multitrack), its KL share, and per part the reconstruction's bits per step with the
    counts behind them; KL per latent dimension (Z,) in nats; the teacher-forced token accuracy over the
    same positions (what training showed before: mostly "no event" steps)."""

    bits_per_step: float
    kl_bits_per_step: float
    part_bits: dict[str, float]
    part_steps: dict[str, int]
    kl_per_dim: np.ndarray
    accuracy: float


@torch.no_grad()
def likelihood(model: MusicVAE, arrays: Mapping[str, np.ndarray], seed: int = 0) -> Likelihood | None:
    """Held-out negative ELBO: -log p(x | z) with z drawn once from q(z | x) (a seeded draw, so a
    checkpoint's figure is repeatable) plus KL(q || N(0, I)) without free bits, in bits per step. None
    for no examples."""
    if not arrays or len(next(iter(arrays.values()))) == 0:
        return None
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    gen = torch.Generator(device=device).manual_seed(seed)
    nll: dict[str, float] = {}
    steps: dict[str, int] = {}
    kl_sum, kl_dims, n, correct = 0.0, None, 0, 0
    for batch in batches(arrays, device, batch_size(model)):
        mu, sigma = model.encoder(batch)  # (B, Z)
        z = mu + sigma * torch.randn(mu.shape, generator=gen, device=device)
        kl = 0.5 * (mu.pow(2) + sigma.pow(2) - 1.0 - 2.0 * torch.log(sigma))  # (B, Z)
        kl_sum += float(kl.sum())
        kl_dims = kl.sum(0) if kl_dims is None else kl_dims + kl.sum(0)
        n += mu.shape[0]
        logits = teacher_forced_logits(model, z, batch)
        ces: dict[str, Tensor] = {}  # per token array, once for all the parts that share it
        hits: dict[str, Tensor] = {}
        for part, where in part_positions(model, batch).items():
            if where.track not in ces:
                track_logits = logits[where.track]
                ces[where.track] = F.cross_entropy(
                    track_logits.movedim(-1, 1), batch[where.track], reduction="none"
                )
                hits[where.track] = track_logits.argmax(-1) == batch[where.track]
            ce, hit = ces[where.track], hits[where.track]
            nll[part] = nll.get(part, 0.0) + float(ce[where.mask].sum())
            correct += int(hit[where.mask].sum())
            steps[part] = steps.get(part, 0) + int(where.mask.sum())
        if "program" in logits:
            ce = F.cross_entropy(logits["program"].movedim(-1, 1), batch["program"], reduction="sum")
            nll["program"] = nll.get("program", 0.0) + float(ce)
            steps["program"] = steps.get("program", 0) + batch["program"].numel()
    model.train(was_training)
    total_steps = max(sum(steps.values()), 1)
    return Likelihood(
        bits_per_step=(sum(nll.values()) + kl_sum) / total_steps / LN2,
        kl_bits_per_step=kl_sum / total_steps / LN2,
        part_bits={p: nll[p] / max(steps[p], 1) / LN2 for p in nll if p != "program"},
        part_steps={p: s for p, s in steps.items() if p != "program"},
        kl_per_dim=(kl_dims / n).cpu().numpy() if kl_dims is not None else np.zeros(0),
        accuracy=correct / max(sum(s for p, s in steps.items() if p != "program"), 1),
    )


def active_dims(kl_per_dim: np.ndarray) -> int:
    """Latent dimensions whose mean KL exceeds ACTIVE_KL nats. 0.01 is the threshold of Burda, Grosse and
    Salakhutdinov's activity statistic (Importance Weighted Autoencoders, ICLR 2016, section 5.2: a unit
    is active when the variance of its posterior mean over the data exceeds 10^-2); a dimension whose
    posterior never leaves N(0, 1) has KL 0 and tells the decoder nothing."""
    return int((kl_per_dim > ACTIVE_KL).sum())


def unigram_bits(train_tokens: np.ndarray, heldout_tokens: np.ndarray, vocab: int) -> float:
    """Bits per step of held-out tokens (1-D) under the training tokens' frequencies (add-one smoothed):
    the likelihood of a model that knows how often each token occurs and nothing else, mostly how often
    nothing happens."""
    counts = np.bincount(train_tokens.ravel(), minlength=vocab).astype(np.float64) + 1.0
    logp = np.log2(counts / counts.sum())
    return float(-logp[heldout_tokens.ravel()].mean()) if heldout_tokens.size else math.nan
