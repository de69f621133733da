# SPDX-License-Identifier: MIT
"""MusicVAE (Roberts et al. 2018) in PyTorch: encoder, flat / hierarchical / multitrack decoders, loss.

Batches are dicts of tensors with CONTRIBUTING.md's keys and a leading batch axis B. `forward` is the
teacher-forced training pass; `encode`, `decode` are inference; `recon_log_prob` is differentiable in z.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models import band, fast_decode
from models.decoders import Conductor, CoreDecoder, kernel_runs, pick, sampling_noise
from models.encoder import GROOVE_CHANNELS, Encoder
from models.presets import ModelConfig
from models.spec import DecoderKind
from models.vocab import DRUM_KIT, EMPTY_SLOT, MELODY_VOCAB, PROGRAM_CLASSES

VELOCITY_SIGMA = 0.1  # scale of the Gaussian behind the velocity/offset squared errors in recon_log_prob
Temperature = float | Mapping[str, float]  # one for every part, or one per part name (spec.parts)


class VAEOutput(NamedTuple):
    """Scalars of one teacher-forced pass: loss (to minimise), recon and kl per example, token accuracy."""

    loss: Tensor
    recon: Tensor
    kl: Tensor
    accuracy: Tensor


_BITS: dict[torch.device, Tensor] = {}  # 0..8 per device: torch.arange on every decode costs ~10 us


_POOL: tuple[int, int, ThreadPoolExecutor] | None = None  # (pid, threads, pool)


def _track_pool(threads: int) -> ThreadPoolExecutor:
    """The threads that decode a clip's tracks at once (`MusicVAE._decode_tracks_at_once`): made once per
    process, again in a forked child, which inherits the pool but not its threads."""
    global _POOL
    if _POOL is None or _POOL[0] != os.getpid() or _POOL[1] < threads:
        _POOL = (os.getpid(), threads, ThreadPoolExecutor(threads, thread_name_prefix="bandmate-tracks"))
    return _POOL[2]


def drum_hits(tokens: Tensor) -> Tensor:
    """Drum tokens (...,) 0..511 -> hit flags (..., 9) float."""
    bits = _BITS.get(tokens.device)
    if bits is None:
        bits = _BITS[tokens.device] = torch.arange(GROOVE_CHANNELS, device=tokens.device)
    return ((tokens.unsqueeze(-1) >> bits) & 1).float()


def multitrack_onsets(tokens: Tensor) -> Tensor:
    """Multitrack tokens (...,) -> float mask of steps that start a note or a drum hit."""
    return (((tokens >= 2) & (tokens < MELODY_VOCAB)) | (tokens > MELODY_VOCAB)).float()


def head_outputs(head: Tensor, tokens: Tensor, groove: bool) -> dict[str, Tensor]:
    """What a decoder's regression head (..., K) says about the notes of `tokens` (...,), zero elsewhere.

    groove (drums_2bar): "hits" (..., 9), "velocity" in 0..1 and "offset" in (-0.5, 0.5) 16ths per hit;
    otherwise (multitrack_1bar): "velocity" (...,) in 0..1 at each onset.
    """
    if groove:
        hits = drum_hits(tokens)
        if torch.is_grad_enabled() and head.requires_grad:  # training: out-of-place, for autograd
            return {
                "hits": hits,
                "velocity": torch.sigmoid(head[..., :GROOVE_CHANNELS]) * hits,
                "offset": 0.5 * torch.tanh(head[..., GROOVE_CHANNELS:]) * hits,
            }
        # decoding: the same products in place on the activations' own new tensors (fewer tensors made)
        return {
            "hits": hits,
            "velocity": torch.sigmoid(head[..., :GROOVE_CHANNELS]).mul_(hits),
            "offset": torch.tanh(head[..., GROOVE_CHANNELS:]).mul_(0.5).mul_(hits),
        }
    return {"velocity": torch.sigmoid(head[..., 0]) * multitrack_onsets(tokens)}


class MusicVAE(nn.Module):
    """The whole model for one `ModelConfig`; see `models.presets` for the named configs."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        e, h, layers, p = cfg.embed_size, cfg.dec_size, cfg.dec_layers, cfg.dropout
        if cfg.decoder is DecoderKind.BAND:  # models/band.py: a conductor per bar, events per (bar, slot)
            self.encoder: nn.Module = band.BandEncoder(cfg)
            self.conductor = Conductor(cfg.z_size + e, cfg.cond_size, cfg.cond_layers, cfg.bars)
            self.band = band.BandDecoderParts(cfg)
            self.decoders = nn.ModuleList([CoreDecoder(cfg.vocab[0], 2 * e, e, h, layers, 0, p)])
            return
        self.encoder = Encoder(cfg)
        if cfg.decoder is DecoderKind.FLAT:
            head = 2 * GROOVE_CHANNELS if cfg.groove else 0
            self.decoders = nn.ModuleList(
                CoreDecoder(v, cfg.z_size, e, h, layers, head, p) for v in cfg.vocab
            )
            return
        self.conductor = Conductor(cfg.z_size, cfg.cond_size, cfg.cond_layers, cfg.bars)
        if cfg.decoder is DecoderKind.HIER:  # split multi-output: a decoder per track, one bar embedding
            self.decoders = nn.ModuleList(
                CoreDecoder(v, cfg.cond_size, e, h, layers, 0, p) for v in cfg.vocab
            )
            return
        self.program_out = nn.Linear(cfg.cond_size, PROGRAM_CLASSES)
        self.program_embed = nn.Embedding(PROGRAM_CLASSES, e)
        self.decoders = nn.ModuleList([CoreDecoder(cfg.vocab[0], cfg.cond_size + e, e, h, layers, 1, p)])

    @property
    def device(self) -> torch.device:
        # a parameter every config has, read directly: next(self.parameters()) walks the module tree
        # (~10 us, twice in every decode)
        return cast(CoreDecoder, self.decoders[0]).embed.weight.device

    @torch.no_grad()
    def to_bfloat16_(self) -> MusicVAE:
        """Round every float32 weight to the nearest bfloat16 value (8 significant bits, round to nearest
        even), in place, and return the model; the weights stay float32 tensors.

        The C kernel then packs the decoders' step weights as bfloat16 (models/fast_decode.py `_narrowed`)
        and a decoding step reads half the bytes: drums_2bar's 1.5 MB a step becomes 0.75 MB. Every path
        (kernel, NumPy loop, torch, GPU) computes with the same rounded values, so they still sample the
        same tokens. On the bundled models the held-out reconstruction changes by at most 0.01% of a bit
        per step. bfloat16: Kalamkar et al. 2019, "A Study of BFLOAT16 for Deep Learning Training".
        `models.checkpoint.load_model` does this for generation and evaluation, not for training.
        """
        for p in self.parameters():
            if p.dtype == torch.float32:
                p.copy_(p.to(torch.bfloat16))
        return self

    def to_batch(self, arrays: Mapping[str, np.ndarray | Tensor]) -> dict[str, Tensor]:
        """Arrays (numpy or torch, leading axis B) -> tensors on this model's device."""
        return {k: torch.as_tensor(v).to(self.device) for k, v in arrays.items() if k != "tempo"}

    # ---- training -------------------------------------------------------------------------------------
    def forward(
        self,
        batch: dict[str, Tensor],
        beta: float = 1.0,
        free_bits: float | None = None,
        generator: torch.Generator | None = None,
        sampling: float = 0.0,
    ) -> VAEOutput:
        """Teacher-forced pass; z is sampled (reparameterised) in training mode and is mu in eval mode.

        `generator` (on the model's device) draws the reparameterisation noise; None uses torch's global
        generator. `sampling` (0..1, training mode only): scheduled sampling, the share of decoder inputs
        that are the decoder's own draws instead of the true previous tokens (`ModelConfig.
        sampling_probability`, models/decoders.py `scheduled_inputs`); the loss still scores the true
        tokens.
        """
        mu, sigma = self.encoder(batch)  # (B, Z)
        if self.training:
            noise = torch.randn(sigma.shape, generator=generator, device=sigma.device, dtype=sigma.dtype)
            z = mu + sigma * noise  # (B, Z)
        else:
            z = mu  # (B, Z)
        terms, correct, total = self._nll_terms(z, batch, sampling=sampling)
        recon = torch.stack(list(terms.values())).sum(0)  # (B,)
        kl = 0.5 * (mu.pow(2) + sigma.pow(2) - 1.0 - 2.0 * torch.log(sigma)).sum(-1)  # (B,)
        free_nats = (self.cfg.free_bits if free_bits is None else free_bits) * math.log(2.0)
        kl_cost = torch.clamp(kl - free_nats, min=0.0)  # (B,)
        loss = recon.mean() + beta * kl_cost.mean()
        accuracy = (correct / total.clamp_min(1)).detach()
        return VAEOutput(loss, recon.mean().detach(), kl.mean().detach(), accuracy)

    def recon_log_prob(
        self,
        z: Tensor,
        batch: dict[str, Tensor],
        keys: list[str] | None = None,
        weights: Mapping[str, Tensor] | None = None,
    ) -> Tensor:
        """log p(batch[keys] | z) under the teacher-forced decoder, (B,); differentiable w.r.t. z.

        `keys` default to the token arrays (and "program" for multitrack_1bar); "velocity" / "offset"
        add Gaussian terms (sigma = VELOCITY_SIGMA, constants dropped). `weights[track]`, shaped like
        batch[track] (B, S) or (B, slots, steps), weighs each step's token term (0 leaves a step out:
        infilling counts only the steps it knows).
        """
        terms, _, _ = self._nll_terms(z, batch, continuous_scale=0.5 / VELOCITY_SIGMA**2, weights=weights)
        if keys is None:
            multitrack = self.cfg.decoder in (DecoderKind.MULTITRACK, DecoderKind.BAND)
            keys = [*self.cfg.tracks, "program"] if multitrack else list(self.cfg.tracks)
        unknown = [k for k in keys if k not in terms]
        if unknown:
            raise KeyError(f"{self.cfg.name} has no log-likelihood for {unknown}; it has {sorted(terms)}")
        return -torch.stack([terms[k] for k in keys]).sum(0)  # (B,)

    def _conditions(self, z: Tensor) -> Tensor:
        """Conditioning vector per decoded segment: (B * bars, C); z itself for flat decoders."""
        if self.cfg.decoder is DecoderKind.FLAT:
            return z  # (B, Z)
        segments: Tensor = self.conductor(z)  # (B, bars, C)
        return segments.reshape(z.shape[0] * self.cfg.bars, -1)  # (B * bars, C)

    def _segments(self, x: Tensor) -> Tensor:
        return x.reshape(-1, self.cfg.bar_steps)  # (B * bars, L)

    def _starts(self, x: Tensor, vocab: int) -> Tensor | None:
        """Each segment's first input with `bar_link`: the token before it in the whole sequence (B, S),
        the learned start token `vocab` for the first bar, (B * bars,); None without the link. This is
        Magenta's decoder input, the target shifted by one step over all bars."""
        if not self.cfg.bar_link:
            return None
        b = x.shape[0]
        last = x.reshape(b, -1, self.cfg.bar_steps)[:, :-1, -1]  # (B, bars - 1): each bar's last token
        first = torch.full((b, 1), vocab, dtype=x.dtype, device=x.device)
        return torch.cat([first, last], dim=1).reshape(-1)  # (B * bars,)

    def _nll_terms(
        self,
        z: Tensor,
        batch: dict[str, Tensor],
        continuous_scale: float = 1.0,
        weights: Mapping[str, Tensor] | None = None,
        sampling: float = 0.0,
    ) -> tuple[dict[str, Tensor], Tensor, Tensor]:
        """Negative log-likelihood per example and array, {key: (B,)}, plus correct/total token counts;
        `sampling`: scheduled sampling in training (`forward`)."""
        cfg, b = self.cfg, z.shape[0]
        if cfg.decoder is DecoderKind.BAND:
            return band.nll_terms(self, z, batch, weights, sampling)
        cond = self._conditions(z)
        terms: dict[str, Tensor] = {}
        if cfg.decoder is DecoderKind.MULTITRACK:
            program = batch["program"]  # (B, 8)
            prog_logits = self.program_out(cond)  # (B * 8, 130)
            terms["program"] = (
                F.cross_entropy(prog_logits, program.reshape(-1), reduction="none").view(b, -1).sum(1)
            )
            cond = torch.cat([cond, self.program_embed(program.reshape(-1))], dim=-1)  # (B * 8, C + E)
        correct, total = torch.zeros((), device=z.device), torch.zeros((), device=z.device)
        # accuracy counts played slots only (empty multitrack slots are trivially all zeros)
        multitrack = cfg.decoder is DecoderKind.MULTITRACK
        played = (batch["program"] != EMPTY_SLOT).reshape(-1, 1) if multitrack else None
        for track, dec in zip(cfg.tracks, self.decoders, strict=True):
            target = self._segments(batch[track])  # (B * bars, L)
            starts = self._starts(batch[track], cast(CoreDecoder, dec).vocab)
            logits, head = dec(target, cond, starts, sampling)  # (B * bars, L, V)
            ce = F.cross_entropy(logits.transpose(1, 2), target, reduction="none")  # (B * bars, L)
            if weights is not None and track in weights:
                ce = ce * weights[track].to(ce.device, ce.dtype).reshape(ce.shape)
            terms[track] = ce.reshape(b, -1).sum(1)
            hit = logits.argmax(-1) == target  # (B * bars, L)
            weight = torch.ones_like(hit) if played is None else played.expand_as(hit)
            correct = correct + (hit & weight).sum()
            total = total + weight.sum()
            if head is not None:
                terms.update(self._head_terms(head.reshape(b, *batch[track].shape[1:], -1), batch, track))
        if continuous_scale != 1.0:
            for key in ("velocity", "offset"):
                if key in terms:
                    terms[key] = terms[key] * continuous_scale
        return terms, correct.float(), total

    def _head_terms(self, head: Tensor, batch: dict[str, Tensor], track: str) -> dict[str, Tensor]:
        """Masked squared errors of the regression heads, {"velocity": (B,), "offset": (B,)}."""
        b = head.shape[0]
        pred = head_outputs(head, batch[track], self.cfg.groove)  # zero off the notes, so masked below
        if self.cfg.groove:
            hits = pred["hits"]  # (B, S, 9)
            out: dict[str, Tensor] = {}
            for key in ("velocity", "offset"):
                if key in batch:
                    out[key] = ((pred[key] - batch[key].float()).pow(2) * hits).reshape(b, -1).sum(1)
            return out
        if "velocity" not in batch:
            return {}
        onsets = multitrack_onsets(batch[track])  # (B, 8, 16)
        return {
            "velocity": ((pred["velocity"] - batch["velocity"].float()).pow(2) * onsets).reshape(b, -1).sum(1)
        }

    # ---- inference ------------------------------------------------------------------------------------
    @torch.no_grad()
    def encode(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        """Posterior mean and scale, both (B, Z), on this model's device."""
        mu: Tensor
        sigma: Tensor
        mu, sigma = self.encoder(self.to_batch(batch))
        return mu, sigma

    @torch.no_grad()
    def decode(
        self,
        z: Tensor,
        temperature: Temperature = 1.0,
        logit_mask: dict[str, Tensor] | None = None,
        given: dict[str, Tensor] | None = None,
        generator: torch.Generator | None = None,
        top_k: int = 0,
    ) -> dict[str, Tensor]:
        """z (B, Z) -> the converter's arrays with a leading B (int64 tokens, float32 velocity/offset/hits).

        `temperature` is one value, or one per part of the spec ({"melody": 0.9, "drums": 0.6}); 0 means
        argmax. `logit_mask[key]` is a bool (V,) of allowed classes; `given[key]` teacher-forces that
        array. `generator` (on the model's device) makes sampling reproducible. `top_k` > 0: every token
        decoder draws each step from its k likeliest classes only (`CoreDecoder.sample`; 0 = off); the
        instruments of multitrack and band clips are drawn as before. ValueError for k < 0.
        """
        cfg, z = self.cfg, z.to(self.device)
        b, mask, given = z.shape[0], logit_mask or {}, self.to_batch(given or {})
        if cfg.decoder is DecoderKind.BAND:  # given["meter"] (B,) sets each clip's meter (default 4/4)
            return band.decode(self, z, temperature, mask, given, generator, top_k)
        cond = self._conditions(z)  # (B * bars, C)
        out: dict[str, Tensor] = {}
        if cfg.decoder is DecoderKind.MULTITRACK:
            return self._decode_multitrack(cond, b, temperature, mask, given, generator, top_k)
        decoded = self._decode_tracks_at_once(cond, temperature, mask, given, generator, top_k)
        for track, dec in zip(cfg.tracks, self.decoders, strict=True):
            forced = self._segments(given[track]) if track in given else None
            t = self._part_temperature(track, temperature)
            core = cast(CoreDecoder, dec)  # nn.ModuleList is not generic: its items are typed as nn.Module
            if decoded is not None:
                tokens, head = decoded[track]
            elif cfg.bar_link:
                tokens, head = self._decode_linked(core, cond, t, mask.get(track), forced, generator, top_k)
            else:
                tokens, head = core.sample(
                    cond, cfg.bar_steps, t, mask.get(track), forced, generator, top_k=top_k
                )
            out[track] = tokens.reshape(b, cfg.steps)  # (B, S)
            if head is not None:
                out.update(head_outputs(head, out[track], groove=True))  # hits, velocity, offset (B, S, 9)
        return out

    def _decode_tracks_at_once(
        self,
        cond: Tensor,
        temperature: Temperature,
        mask: Mapping[str, Tensor],
        given: Mapping[str, Tensor],
        generator: torch.Generator | None,
        top_k: int = 0,
    ) -> dict[str, tuple[Tensor, Tensor | None]] | None:
        """A bar-linked model's tracks (trio_16bar: melody, bass, drums, one decoder each) decoded on
        threads at once, where the C kernel runs them and nothing is teacher-forced: each track's draws
        from `generator` first, in track order, then the kernel calls side by side (`CoreDecoder.
        segments_call`), so the tokens are those of one call after another. None otherwise (decode
        them one by one). The bundled trio's 16-bar sample spends about 8 of its ~15 ms in three kernel
        calls of 256 steps each (`python -m benchmarks.run generate`); on 2 cores two run at once."""
        cfg = self.cfg
        if not (kernel_runs(cond) and cfg.bar_link and cfg.bars > 1 and len(cfg.tracks) > 1) or given:
            return None
        threads = min(len(cfg.tracks), fast_decode.row_threads())
        if threads < 2:
            return None
        calls = []
        for track, dec in zip(cfg.tracks, self.decoders, strict=True):
            t = self._part_temperature(track, temperature)
            core = cast(CoreDecoder, dec)
            call = core.segments_call(cond, cfg.bar_steps, cfg.bars, t, mask.get(track), generator, top_k)
            assert call is not None  # the kernel runs every decoder here (checked above)
            calls.append(call)
        results = list(_track_pool(threads).map(lambda call: call(), calls))
        return dict(zip(cfg.tracks, results, strict=True))

    def _decode_linked(
        self,
        dec: CoreDecoder,
        cond: Tensor,
        temperature: float,
        allowed: Tensor | None,
        forced: Tensor | None,
        generator: torch.Generator | None,
        top_k: int = 0,
    ) -> tuple[Tensor, Tensor | None]:
        """Bars one after another, each starting from the previous bar's last token (`bar_link`):
        cond (B * bars, C) -> tokens (B * bars, L) and the head (B * bars, L, K) or None."""
        # one call for all bars: on the CPU one C kernel call per track, not one per bar
        bars, length = self.cfg.bars, self.cfg.bar_steps
        return dec.sample(cond, length, temperature, allowed, forced, generator, segments=bars, top_k=top_k)

    def _part_temperature(self, track: str, temperature: Temperature) -> float:
        """The temperature of a track that is one part (mel_2bar, drums_2bar, trio_16bar's tracks)."""
        if not isinstance(temperature, Mapping):
            return float(temperature)
        if track not in temperature:
            raise KeyError(f"no temperature for {track}: {self.cfg.name} needs one for {self.cfg.spec.parts}")
        return float(temperature[track])

    def _decode_multitrack(
        self,
        cond: Tensor,
        b: int,
        temperature: Temperature,
        mask: dict[str, Tensor],
        given: dict[str, Tensor],
        generator: torch.Generator | None,
        top_k: int = 0,
    ) -> dict[str, Tensor]:
        cfg = self.cfg
        if "program" in given:
            program = given["program"].reshape(-1)  # (B * 8,)
        elif "program" in mask:  # the caller chose the instruments (complete: a part's programs)
            program = pick(
                self.program_out(cond), band.program_temperature(temperature), generator, mask["program"]
            )
        else:
            program = self._pick_programs(cond, b, band.program_temperature(temperature), generator)
        cond = torch.cat([cond, self.program_embed(program)], dim=-1)  # (B * 8, C + E)
        allowed = self._slot_classes(program)  # (B * 8, V)
        if "tokens" in mask:
            user = mask["tokens"].to(allowed.device)  # (V,)
            keep = (allowed & user).any(-1, keepdim=True)  # (B * 8, 1): a slot never ends up with nothing
            allowed = torch.where(keep, allowed & user, allowed)
        forced = given["tokens"].reshape(-1, cfg.bar_steps) if "tokens" in given else None
        slot_t = band.row_temperatures(program, temperature)
        tokens, head = cast(CoreDecoder, self.decoders[0]).sample(
            cond, cfg.bar_steps, slot_t, allowed, forced, generator, top_k=top_k
        )
        assert head is not None  # the multitrack decoder is built with a head (velocity)
        velocity = head_outputs(head, tokens, groove=False)["velocity"]  # (B * 8, 16)
        shape = (b, cfg.bars, cfg.bar_steps)
        return {
            "program": program.reshape(b, cfg.bars),
            "tokens": tokens.reshape(shape),
            "velocity": velocity.reshape(shape),
        }

    def _pick_programs(
        self, cond: Tensor, b: int, temperature: float, generator: torch.Generator | None
    ) -> Tensor:
        """Each slot's program, slot after slot, with at most one drum kit per clip: the converter merges
        all drums into one slot (engine/data/converters.py `_slot_tracks`), so no training bar has two,
        but drawn independently 7-8% of the bundled model's samples had two. cond (B * slots, C) ->
        programs (B * slots,)."""
        logits = self.program_out(cond).float()  # (B * slots, 130)
        # all the noise at once, as an unconstrained draw takes it: a sample with one kit comes out as before
        noisy = logits + sampling_noise(tuple(logits.shape), temperature, None, generator, cond.device)
        noisy = noisy.view(b, self.cfg.bars, -1)  # (B, slots, 130)
        kit = torch.zeros(b, dtype=torch.bool, device=cond.device)  # a drum kit came in an earlier slot
        picks = []
        for slot in range(self.cfg.bars):
            row = noisy[:, slot].clone()  # (B, 130)
            row[:, DRUM_KIT] = torch.where(kit, float("-inf"), row[:, DRUM_KIT])
            p = row.argmax(-1)  # (B,)
            kit = kit | (p == DRUM_KIT)
            picks.append(p)
        return torch.stack(picks, dim=1).reshape(-1)  # (B * slots,)

    def _slot_classes(self, program: Tensor) -> Tensor:
        """Allowed token classes per slot from its program: (N,) -> bool (N, 90 + 512)."""
        classes = torch.arange(self.cfg.vocab[0], device=program.device)  # (V,)
        pitched = (classes < MELODY_VOCAB).unsqueeze(0)  # (1, V)
        drums = (classes >= MELODY_VOCAB).unsqueeze(0)  # (1, V)
        empty = (classes == 0).unsqueeze(0)  # (1, V)
        p = program.unsqueeze(1)  # (N, 1)
        return torch.where(p == DRUM_KIT, drums, torch.where(p == EMPTY_SLOT, empty, pitched))
