# SPDX-License-Identifier: MIT
"""MusicVAE decoder parts: the autoregressive categorical LSTM (`CoreDecoder`) and the `Conductor`.

A CoreDecoder decodes one segment conditioned on a vector (z itself for the flat 2-bar decoders, or a
conductor embedding per bar / per track slot): the vector sets the initial LSTM state and is concatenated
to every input, as in Magenta's `CategoricalLstmDecoder`. A segment starts from a learned start token,
or from a given token per segment (the previous bar's last token, `ModelConfig.bar_link`); without those
all bars of a hierarchical model decode in parallel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from models import fast_decode


def sampling_noise(
    shape: tuple[int, ...],
    temperature: float | Tensor,
    allowed: Tensor | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> Tensor:
    """Noise for the Gumbel-max trick: `(logits + noise).argmax(-1)` draws from softmax(logits / T).

    `shape` ends in the rows N and the class count V; the noise is `T * Gumbel(0, 1)`, so temperature 0
    gives argmax. `temperature` is one value, one per row (N,), or one per row and class (N, V) (the band
    decoder's velocity classes: `models.band.class_temperatures`). Classes where `allowed` (V,) or (N, V)
    is False get -inf; rows with nothing allowed stay unmasked. Drawing every step's noise at once leaves
    the decoding loop one matrix product and one argmax per step.
    """
    per_row = isinstance(temperature, Tensor) and temperature.ndim > 0
    if per_row:
        t = torch.as_tensor(temperature, dtype=torch.float32, device=device)
        t = t.unsqueeze(-1) if t.ndim == 1 else t  # (N, 1) or (N, V)
        gumbel = torch.rand(shape, generator=generator, device=device).log_().neg_().log_().neg_()
        noise = torch.where(t > 0, gumbel * t, 0.0)  # not 0 * Gumbel: a draw of u = 0 gives inf there
    elif float(temperature) > 0.0:
        u = torch.rand(shape, generator=generator, device=device)  # 5x faster than exponential_ here
        noise = u.log_().neg_().log_().mul_(-float(temperature))  # T * -log(-log(u)) = T * Gumbel(0, 1)
    else:
        noise = torch.zeros(shape, device=device)
    if allowed is not None:
        noise = noise.masked_fill(~usable_classes(allowed.to(noise.device)), float("-inf"))
    return noise


_M32 = 0xFFFFFFFF


def _mix32(x: Tensor) -> Tensor:
    """Wellons' lowbias32 integer mixer on int64 tensors holding uint32 values (the C kernel's `mix32`);
    products are taken modulo 2^32 (int64 multiplication wraps, the mask keeps the low 32 bits)."""
    x = x ^ (x >> 16)
    x = (x * 0x7FEB352D) & _M32
    x = x ^ (x >> 15)
    x = (x * 0x846CA68B) & _M32
    return x ^ (x >> 16)


def counter_noise(
    key: int,
    shape: tuple[int, int, int],
    temperature: float | Tensor,
    allowed: Tensor | None = None,
    device: torch.device | str = "cpu",
) -> Tensor:
    """`sampling_noise` (L, N, V) from a counter-based generator (Salmon et al. 2011, "Parallel random
    numbers: as easy as 1, 2, 3"): the uniform of row r, step t, class j is a hash of (key, r, t V + j),
    so a loop can draw the noise of just the steps it runs (the C kernel does, in step with its rows, for
    sequences that stop at an end token). key is 0..2^32 - 1; `temperature` one value, (N,) or (N, V);
    `allowed` (V,) or (N, V) as in `sampling_noise`. u = (2 (h >> 9) + 1) / 2^24 lies in (0, 1), 24 bits.
    """
    steps, n, vocab = shape
    if steps * vocab > _M32 + 1:
        raise ValueError(f"{steps} steps x {vocab} classes do not fit the 32-bit counter")
    rows = _mix32(key ^ _mix32(torch.arange(n, device=device)))  # (N,) each row's seed
    counter = torch.arange(steps * vocab, device=device).view(steps, 1, vocab)  # (L, 1, V): t V + j
    h = _mix32(_mix32(rows.view(1, n, 1) ^ counter))  # (L, N, V)
    u = (((h >> 9) << 1) | 1).float() * 2.0**-24
    gumbel = -torch.log(-torch.log(u))
    t = torch.as_tensor(temperature, dtype=torch.float32, device=device)
    t = t.reshape(-1, 1) if t.ndim <= 1 else t  # (1 or N, 1) or (N, V)
    noise = torch.where(t > 0, gumbel * t, 0.0)
    if allowed is not None:
        noise = noise.masked_fill(~usable_classes(allowed.to(noise.device)), float("-inf"))
    return noise


def pick(
    logits: Tensor,
    temperature: float | Tensor,
    generator: torch.Generator | None = None,
    allowed: Tensor | None = None,
) -> Tensor:
    """Sample classes from (N, V) logits (or any (..., V)) at a temperature (0 means argmax), within
    `allowed`. Returns (N,) (or (...))."""
    noise = sampling_noise(tuple(logits.shape), temperature, allowed, generator, logits.device)
    return (logits.float() + noise).argmax(dim=-1)


def top_k_keep(logits: Any, k: int, allowed: Any | None = None) -> Any:
    """Top-k truncation (Fan et al. 2018, "Hierarchical Neural Story Generation"): which classes of
    logits (N, V) (W_out h + b, before the sampling noise; a torch tensor or a NumPy array) are among
    each row's k largest, among its `allowed` classes (bool (N, V) or None: all), as a bool mask of the
    same kind (N, V). Ties at the k-th value go to the lowest indices, as argmax breaks them, so k = 1
    keeps the argmax; a row with at most k allowed classes keeps them all. The C kernel's `top_k_mask`
    (models/_lstm_kernel.c) selects the same classes. k >= 1.
    """
    if isinstance(logits, Tensor):
        x = logits if allowed is None else logits.masked_fill(~allowed, float("-inf"))
        kth = x.topk(k, dim=-1).values[:, -1:]  # (N, 1) each row's k-th largest
        above = x > kth
        ties = x == kth
        need = k - above.sum(-1, keepdim=True)
        keep = above | ties & (ties.cumsum(-1) <= need)
        return keep if allowed is None else keep & allowed
    xs: np.ndarray = logits if allowed is None else np.where(allowed, logits, np.float32(-np.inf))
    kths = -np.partition(-xs, k - 1, axis=-1)[:, k - 1 : k]  # (N, 1)
    ties_np = xs == kths
    need_np = k - (xs > kths).sum(-1, keepdims=True)
    keep_np = (xs > kths) | ties_np & (ties_np.cumsum(-1) <= need_np)
    return keep_np if allowed is None else keep_np & allowed


def _top_k_of(top_k: int, vocab: int, temperature: float | Tensor, given: Tensor | None) -> int:
    """The k a decode applies: 0 where it changes nothing (off, k >= vocab, given tokens, temperature 0
    for every row: argmax is always among the top k); ValueError for a negative or non-integer k."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 0:
        raise ValueError(f"top_k must be a whole number >= 0 (0 = off), not {top_k!r}")
    cold = not (isinstance(temperature, Tensor) and temperature.ndim > 0) and float(temperature) <= 0.0
    return 0 if top_k >= vocab or given is not None or cold else top_k


def usable_classes(allowed: Tensor) -> Tensor:
    """The classes a mask `allowed` (V,) or (N, V) lets the noise draw: bool, the same shape, a row with
    nothing allowed unmasked (all of it allowed) rather than left with no class to draw."""
    allowed = allowed.bool()
    return allowed | ~allowed.any(dim=-1, keepdim=True)


def _allowed_rows(allowed: Tensor | None, n: int, vocab: int) -> Tensor | None:
    """`allowed` (V,) or (N, V) as the noise masks it (`usable_classes`), as bool (N, V)."""
    return None if allowed is None else usable_classes(allowed).expand(n, vocab)


def scheduled_inputs(prev: Tensor, logits: Tensor, probability: float) -> Tensor:
    """Scheduled sampling's inputs (Bengio et al. 2015): the decoder inputs prev (N, L) (the start token,
    then the true tokens) with each input after the first replaced, with `probability`, by a draw at
    temperature 1 from the teacher-forced prediction of the step before (`logits` (N, L, V), the
    prediction of token t is input t + 1). One teacher-forced pass gives every draw at once, so a
    training step costs one more forward pass rather than a step-by-step loop (Duckworth et al. 2019,
    "Parallel Scheduled Sampling", their one-pass case; Magenta draws step by step). The draws and the
    choice use torch's global generator, which the training step seeds (a resumed run repeats them).
    Returns int64 (N, L) like prev."""
    if probability <= 0.0 or prev.shape[1] < 2:
        return prev
    drawn = pick(logits, 1.0).to(prev.dtype)  # (N, L): token t's draw
    swap = torch.rand(prev.shape, device=prev.device) < probability  # (N, L)
    swap[:, 0] = False  # the start token stays
    return torch.where(swap, torch.cat([prev[:, :1], drawn[:, :-1]], dim=1), prev)


def kernel_runs(cond: Tensor, backend: str = "auto") -> bool:
    """Whether the C kernel (models/fast_decode.py) decodes rows conditioned on `cond`: CPU float32,
    the "auto" backend and a built kernel."""
    cpu = cond.device.type == "cpu" and cond.dtype == torch.float32
    return cpu and backend == "auto" and fast_decode.available()


def _rows(cond: Tensor, segments: int) -> int:
    """Rows N of conditions (N * segments, C) in (row, segment) order; ValueError when they do not cut."""
    n = cond.shape[0] // segments
    if n * segments != cond.shape[0]:
        raise ValueError(f"{cond.shape[0]} conditions are not {segments} segments per row")
    return n


class CoreDecoder(nn.Module):
    """Categorical LSTM over `vocab` classes with an optional per-step regression head.

    The head sees the LSTM output and the embedding of the step's own token (given or sampled), so that
    velocity and micro-timing are predicted for known hits (humanize).
    """

    def __init__(
        self,
        vocab: int,
        cond_size: int,
        embed_size: int,
        hidden: int,
        layers: int,
        head_size: int = 0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.vocab, self.hidden, self.layers = vocab, hidden, layers
        self.embed = nn.Embedding(vocab + 1, embed_size)  # index `vocab` is the start token
        self.init = nn.Linear(cond_size, 2 * layers * hidden)
        self.rnn = nn.LSTM(embed_size + cond_size, hidden, layers, batch_first=True)
        self.out = nn.Linear(hidden, vocab)
        self.head = nn.Linear(hidden + embed_size, head_size) if head_size else None
        # training only (identity in eval mode, so decoding and the C kernel never see it): the previous
        # token's embedding and the LSTM's output are dropped, so the decoder leans on z, not on memory
        self.drop = nn.Dropout(dropout)

    def initial_state(self, cond: Tensor) -> tuple[Tensor, Tensor]:
        n = cond.shape[0]
        state = torch.tanh(self.init(cond)).view(n, 2, self.layers, self.hidden)  # (N, 2, layers, H)
        h = state[:, 0].transpose(0, 1).contiguous()  # (layers, N, H)
        c = state[:, 1].transpose(0, 1).contiguous()  # (layers, N, H)
        return h, c

    def forward(
        self, tokens: Tensor, cond: Tensor, start: Tensor | None = None, sampling: float = 0.0
    ) -> tuple[Tensor, Tensor | None]:
        """Teacher-forced pass: tokens (N, L), cond (N, C) -> logits (N, L, V), head (N, L, K) or None.

        `start` (N,) is the input of each segment's first step (the previous bar's last token); None
        gives the learned start token. `sampling` (0..1, training mode only: `scheduled_inputs`) feeds
        the decoder its own draws in place of that share of the true previous tokens.
        """
        n, length = tokens.shape
        if start is None:
            start = torch.full((n,), self.vocab, dtype=tokens.dtype, device=tokens.device)
        prev = torch.cat([start.view(n, 1).to(tokens.dtype), tokens[:, :-1]], dim=1)  # (N, L)
        if sampling > 0.0 and self.training:
            with torch.no_grad():
                prev = scheduled_inputs(prev, self.out(self.drop(self.lstm_outputs(prev, cond))), sampling)
        h = self.lstm_outputs(prev, cond)  # (N, L, H)
        logits = self.out(self.drop(h))  # (N, L, V)
        head = None
        if self.head is not None:
            head = self.head(torch.cat([h, self.embed(tokens)], dim=-1))  # (N, L, K)
        return logits, head

    def lstm_outputs(self, prev: Tensor, cond: Tensor) -> Tensor:
        """LSTM outputs (N, L, H) for the inputs prev (N, L) under cond (N, C)."""
        cond_steps = cond.unsqueeze(1).expand(-1, prev.shape[1], -1)  # (N, L, C)
        x = torch.cat([self.drop(self.embed(prev)), cond_steps], dim=-1)  # (N, L, E + C)
        h: Tensor = self.rnn(x, self.initial_state(cond))[0]  # (N, L, H)
        return h

    def sample(
        self,
        cond: Tensor,
        length: int,
        temperature: float | Tensor,
        allowed: Tensor | None = None,
        given: Tensor | None = None,
        generator: torch.Generator | None = None,
        backend: str = "auto",
        start: Tensor | None = None,
        end: int | None = None,
        counter: bool = False,
        threads: int = 1,
        segments: int = 1,
        top_k: int = 0,
    ) -> tuple[Tensor, Tensor | None]:
        """Autoregressive decoding: cond (N, C) -> tokens (N, L), head (N, L, K) or None.

        `temperature` is one value, one per row (N,) (each part of a multitrack slot its own) or one per row
        and class (N, V) (the band decoder's velocity classes). `allowed`
        (V,) or (N, V) masks classes; `given` (N, L) teacher-forces the tokens instead. `start` (N,) is the
        first step's input token (the previous bar's last token); None gives the learned start token.
        `end` (a class; decoders without a head): a sequence is over at its first `end`, and every token
        after it is `end` too (the C kernel stops decoding that row, the other loops overwrite it; the
        sampling noise is drawn for every step either way, so the tokens do not depend on the loop).
        `counter`: the noise is `counter_noise` keyed by one draw of `generator`, which the C kernel
        computes per step for the rows still going (rows that stop early draw nothing more), instead of
        `sampling_noise` for every step of every row up front. `threads` > 1: the C kernel decodes
        chunks of rows on that many threads (the same tokens; the other loops ignore it).
        `backend` picks the step loop for CPU float32: "auto" is the C kernel (models/fast_decode.py)
        where it was built, else "numpy"; "torch" runs the loop in torch ops (the path for GPUs).
        `segments` > 1: bar-linked sequences (`ModelConfig.bar_link`): cond (N * segments, C) in (row,
        segment) order, and segment s of a row starts from the row's last token of segment s - 1 (the
        first from `start`); `given` (N * segments, L), a per-row temperature or mask (N, ...) as for one
        segment; returns (N * segments, L) and (N * segments, L, K). The same tokens and draws from
        `generator` as a call per segment: the C kernel runs all segments in one call.
        `top_k` > 0: top-k sampling (`top_k_keep`): at each sampled step only the k largest logits
        (W_out h + b, among the `allowed` classes) can be drawn, ties to the lowest index; 0 = off.
        It changes nothing at temperature 0 or with k >= V, and draws the same noise as without it,
        so every loop (C kernel, NumPy, torch) gives the same tokens. ValueError for k < 0.
        """
        top_k = _top_k_of(top_k, self.vocab, temperature, given)
        if segments > 1:
            return self._sample_segments(
                cond, length, segments, temperature, allowed, given, generator, backend, start, threads, top_k
            )
        if end is not None and self.head is not None:
            raise ValueError("a decoder with a regression head writes every step; it takes no end token")
        if start is not None:
            start = start.to(device=cond.device, dtype=torch.long)
        cpu = cond.device.type == "cpu" and cond.dtype == torch.float32
        fused = kernel_runs(cond, backend)
        noise, shape = None, (length, cond.shape[0], self.vocab)
        if given is not None:
            given = given.to(cond.device)
        elif counter:
            key = int(torch.randint(0, 2**32, (1,), generator=generator, device=cond.device))
            if fused:  # the kernel draws the noise of each step it runs
                draws = fast_decode.StepNoise(temperature, allowed, key=key, top_k=top_k)
                toks, head = fast_decode.sample(self, cond, length, draws, None, start, end, threads)
                return torch.from_numpy(toks), None if head is None else torch.from_numpy(head)
            noise = counter_noise(key, shape, temperature, allowed, cond.device) + self.out.bias
        elif fused and (isinstance(temperature, Tensor) and temperature.ndim > 0 or float(temperature) > 0):
            # torch.rand's uniforms, as `sampling_noise` draws them; the kernel does the rest per step
            uniforms = fast_decode.torch_uniforms(shape, generator)  # torch.rand's numbers, drawn in C
            draws = fast_decode.StepNoise(temperature, allowed, uniforms=uniforms, top_k=top_k)
            toks, head = fast_decode.sample(self, cond, length, draws, None, start, end, threads)
            return torch.from_numpy(toks), None if head is None else torch.from_numpy(head)
        else:  # every step's sampling noise at once, with out's bias folded in
            noise = sampling_noise(shape, temperature, allowed, generator, cond.device)
            noise += self.out.bias
        if fused:  # given tokens or temperature 0: no top-k (`_top_k_of`)
            toks, head = fast_decode.sample(self, cond, length, noise, given, start, end, threads)
            return torch.from_numpy(toks), None if head is None else torch.from_numpy(head)
        keep = (top_k, _allowed_rows(allowed, cond.shape[0], self.vocab)) if top_k else None
        tokens, outputs = self._sample_steps(
            cond, length, noise, given, cpu and backend != "torch", start, keep
        )
        if end is not None:  # what the kernel writes after a row's end
            tokens = torch.where((tokens == end).cumsum(1) > 0, end, tokens)
        return tokens, outputs

    def _sample_segments(
        self,
        cond: Tensor,
        length: int,
        segments: int,
        temperature: float | Tensor,
        allowed: Tensor | None,
        given: Tensor | None,
        generator: torch.Generator | None,
        backend: str,
        start: Tensor | None,
        threads: int,
        top_k: int = 0,
    ) -> tuple[Tensor, Tensor | None]:
        """`sample` with segments > 1 (see there): one C kernel call where it runs, else a call per
        segment. The kernel's noise is from the uniforms of one torch.rand (segments x L, N, V), which are the
        draws of `segments` calls of torch.rand (L, N, V) one after another (CPU generators fill in order)."""
        n = _rows(cond, segments)
        if not kernel_runs(cond, backend):  # a call per segment, each from the last token of the one before
            rows = cond.view(n, segments, -1)
            forced = None if given is None else given.to(cond.device).view(n, segments, length)
            tokens: list[Tensor] = []
            heads: list[Tensor] = []
            for seg in range(segments):
                part = None if forced is None else forced[:, seg]
                toks, head = self.sample(
                    rows[:, seg], length, temperature, allowed, part, generator, backend, start,
                    threads=threads, top_k=top_k,
                )  # fmt: skip
                start = toks[:, -1]
                tokens.append(toks)
                if head is not None:
                    heads.append(head)
            joined = torch.stack(tokens, dim=1).reshape(n * segments, length)
            return joined, torch.stack(heads, dim=1).reshape(n * segments, length, -1) if heads else None
        return self._segments_call(
            cond, length, segments, temperature, allowed, given, generator, start, threads, top_k
        )()

    def segments_call(
        self,
        cond: Tensor,
        length: int,
        segments: int,
        temperature: float | Tensor,
        allowed: Tensor | None,
        generator: torch.Generator | None,
        top_k: int = 0,
    ) -> Callable[[], tuple[Tensor, Tensor | None]] | None:
        """`sample(cond, length, temperature, allowed, None, generator, segments=segments, top_k=top_k)`
        in two halves where the C kernel runs it: the draws from `generator` now, the kernel call in the
        callable returned, which releases the GIL, so the tracks of a clip (trio_16bar's three decoders,
        each its own weights) decode on threads at once after drawing in order: the same tokens as one
        call after another. None where the kernel does not run (call `sample` then)."""
        if segments < 2 or not kernel_runs(cond):
            return None
        top_k = _top_k_of(top_k, self.vocab, temperature, None)
        return self._segments_call(
            cond, length, segments, temperature, allowed, None, generator, None, 1, top_k
        )

    def _segments_call(
        self,
        cond: Tensor,
        length: int,
        segments: int,
        temperature: float | Tensor,
        allowed: Tensor | None,
        given: Tensor | None,
        generator: torch.Generator | None,
        start: Tensor | None,
        threads: int,
        top_k: int = 0,
    ) -> Callable[[], tuple[Tensor, Tensor | None]]:
        """The kernel's half of `_sample_segments`: draws now, the call later (see `segments_call`);
        `top_k` as `_top_k_of` gives it."""
        n = _rows(cond, segments)
        if start is not None:
            start = start.to(dtype=torch.long)
        steps = segments * length
        noise: Tensor | fast_decode.StepNoise | None = None
        forced = None
        if given is not None:
            forced = given.to(cond.device).reshape(n, steps)
        elif isinstance(temperature, Tensor) and temperature.ndim > 0 or float(temperature) > 0:
            uniforms = fast_decode.torch_uniforms((steps, n, self.vocab), generator)  # as torch.rand's
            noise = fast_decode.StepNoise(temperature, allowed, uniforms=uniforms, top_k=top_k)
        else:  # temperature 0: no draws, the noise is out's bias (and the mask)
            noise = sampling_noise((steps, n, self.vocab), temperature, allowed, generator, cond.device)
            noise += self.out.bias

        def run() -> tuple[Tensor, Tensor | None]:
            out, outputs = fast_decode.sample(
                self, cond, length, noise, forced, start, None, threads, segments
            )
            tokens_out = torch.from_numpy(out).view(n * segments, length)
            return tokens_out, None if outputs is None else torch.from_numpy(outputs).view(
                n * segments, length, -1
            )

        return run

    def _sample_steps(
        self,
        cond: Tensor,
        length: int,
        noise: Tensor | None,
        given: Tensor | None,
        numpy: bool,
        start: Tensor | None = None,
        keep: tuple[int, Tensor | None] | None = None,
    ) -> tuple[Tensor, Tensor | None]:
        """The reference: `_decode_steps` in NumPy or torch ops, and the head in torch. `keep` = (k, the
        allowed classes (N, V) or None): top-k sampling (`top_k_keep`); None: off."""
        n = cond.shape[0]
        h, c = self.initial_state(cond)  # (layers, N, H) each
        w_embed, cond_gates = self._step_inputs(cond)  # (E, 4H), (N, 4H)
        if start is None:
            start = torch.full((n,), self.vocab, dtype=torch.long, device=cond.device)  # (N,)
        arrays = _StepArrays(
            embed=self.embed.weight,
            w_embed=w_embed,
            cond_gates=cond_gates,
            w_ih=[self._w_ih(k).t() for k in range(self.layers)],  # layers x (in, 4H); [0] is unused
            w_hh=[self._w_hh(k).t() for k in range(self.layers)],  # layers x (H, 4H)
            bias=[self._bias(k) for k in range(self.layers)],  # layers x (4H,)
            w_out=self.out.weight.t(),  # (H, V)
            h=list(h.unbind(0)),
            c=list(c.unbind(0)),
            start=start,
            noise=noise,
            given=given,
            top_k=0 if keep is None else keep[0],
            out_bias=self.out.bias,
            allowed=None if keep is None else keep[1],
        )
        if numpy:
            toks, outputs = (torch.from_numpy(a) for a in _decode_steps(arrays.numpy(), _NUMPY, length))
        else:
            toks, outputs = _decode_steps(arrays, _TORCH, length)
        head = None
        if self.head is not None:  # the head does not feed back, so it runs once over all steps
            head = self.head(torch.cat([outputs, self.embed(toks)], dim=-1))  # (N, L, K)
        return toks, head

    def _w_ih(self, k: int) -> Tensor:
        w: Tensor = getattr(self.rnn, f"weight_ih_l{k}")  # nn.LSTM registers its weights by name
        return w

    def _w_hh(self, k: int) -> Tensor:
        w: Tensor = getattr(self.rnn, f"weight_hh_l{k}")
        return w

    def _bias(self, k: int) -> Tensor:
        b_ih: Tensor = getattr(self.rnn, f"bias_ih_l{k}")
        b_hh: Tensor = getattr(self.rnn, f"bias_hh_l{k}")
        return b_ih + b_hh

    def _step_inputs(self, cond: Tensor) -> tuple[Tensor, Tensor]:
        """Layer 0's input weights split into the token part (E, 4H) and the per-sequence constant (N, 4H)."""
        embed_size = self.embed.embedding_dim
        w = self._w_ih(0)  # (4H, E + C)
        cond_gates = torch.addmm(self._bias(0), cond, w[:, embed_size:].t())  # (N, 4H)
        return w[:, :embed_size].t(), cond_gates


@dataclass
class _StepArrays:
    """What the step loop reads: weights laid out for `x @ w`, the start state, and noise or tokens."""

    embed: Any  # (V + 1, E)
    w_embed: Any  # (E, 4H)
    cond_gates: Any  # (N, 4H)
    w_ih: list[Any]
    w_hh: list[Any]
    bias: list[Any]
    w_out: Any  # (H, V)
    h: list[Any]  # layers x (N, H)
    c: list[Any]  # layers x (N, H)
    start: Any  # (N,)
    noise: Any | None  # (L, N, V), or None when `given` (N, L) sets the tokens
    given: Any | None
    top_k: int = 0  # > 0: top-k sampling (`top_k_keep`) of the logits h W_out + out_bias
    out_bias: Any | None = None  # (V,)
    allowed: Any | None = None  # (N, V) bool: the classes top-k chooses among (None: all)

    def numpy(self) -> _StepArrays:
        """The same arrays as NumPy views (no copies for CPU tensors; transposes stay views)."""

        def conv(value: Any) -> Any:
            if isinstance(value, list):
                return [conv(v) for v in value]
            return value if value is None or isinstance(value, int) else value.detach().numpy()

        return _StepArrays(**{f.name: conv(getattr(self, f.name)) for f in dataclass_fields(self)})


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * x) + 0.5  # no overflow warning for large negative x, unlike 1 / (1 + e^-x)


_TORCH = (torch.sigmoid, torch.tanh, lambda xs: torch.stack(xs, dim=1))
_NUMPY = (_np_sigmoid, np.tanh, lambda xs: np.stack(xs, axis=1))


def _decode_steps(a: _StepArrays, ops: tuple[Any, Any, Any], length: int) -> tuple[Any, Any]:
    """The LSTM's own weights run as plain matrix products, one step at a time -> tokens (N, L), outputs
    (N, L, H). Written once for torch tensors and NumPy arrays (`ops` = sigmoid, tanh, stack): at batch 1
    on a CPU the cost is per-call overhead, not arithmetic; nn.LSTM spends about 1 ms per one-step call,
    these torch ops about 0.2 ms per step, NumPy about 0.1 ms. Sampling is the Gumbel-max trick with
    noise drawn up front (`sampling_noise`), so a step is three matrix products and an argmax. With
    `a.top_k` the classes outside `top_k_keep` of the step's logits (h W_out + out_bias) get -inf first.
    """
    sigmoid, tanh, stack = ops
    h, c, hid = list(a.h), list(a.c), a.h[0].shape[1]
    prev, tokens, outputs = a.start, [], []
    for t in range(length):
        x = a.embed[prev] @ a.w_embed + a.cond_gates  # (N, 4H): layer 0's input projection
        for k in range(len(h)):
            if k:
                x = h[k - 1] @ a.w_ih[k] + a.bias[k]  # (N, 4H)
            gates = h[k] @ a.w_hh[k] + x  # (N, 4H), PyTorch's gate order (i, f, g, o)
            sig = sigmoid(gates)  # one call for all four gates; g's share is unused
            c[k] = sig[:, hid : 2 * hid] * c[k] + sig[:, :hid] * tanh(gates[:, 2 * hid : 3 * hid])
            h[k] = sig[:, 3 * hid :] * tanh(c[k])  # (N, H)
        if a.noise is None:
            assert a.given is not None  # _sample_steps sets exactly one of noise and given
            prev = a.given[:, t]  # (N,)
        else:
            scores = h[-1] @ a.w_out  # (N, V)
            if a.top_k:  # top-k sampling: the logits' k largest classes only (the same noise)
                keep = top_k_keep(scores + a.out_bias, a.top_k, a.allowed)
                scores = scores + a.noise[t]
                scores[~keep] = float("-inf")
            else:
                scores = scores + a.noise[t]
            prev = scores.argmax(-1)  # (N,)
        tokens.append(prev)
        outputs.append(h[-1])
    return stack(tokens), stack(outputs)


class Conductor(nn.Module):
    """Top-level LSTM of the hierarchical decoder: z (B, Z) -> one embedding per segment (B, bars, C)."""

    def __init__(self, z_size: int, hidden: int, layers: int, segments: int) -> None:
        super().__init__()
        self.hidden, self.layers, self.segments = hidden, layers, segments
        self.init = nn.Linear(z_size, 2 * layers * hidden)
        self.rnn = nn.LSTM(z_size, hidden, layers, batch_first=True)

    def forward(self, z: Tensor) -> Tensor:
        b = z.shape[0]
        if z.device.type == "cpu" and z.dtype == torch.float32 and not torch.is_grad_enabled():
            if fast_decode.available():  # decoding: the same LSTM in C, 5-10x faster than nn.LSTM at batch 1
                return torch.from_numpy(fast_decode.conductor(self, z))  # (B, bars, C)
        state = torch.tanh(self.init(z)).view(b, 2, self.layers, self.hidden)  # (B, 2, layers, C)
        h0 = state[:, 0].transpose(0, 1).contiguous()  # (layers, B, C)
        c0 = state[:, 1].transpose(0, 1).contiguous()  # (layers, B, C)
        x = z.unsqueeze(1).expand(-1, self.segments, -1)  # (B, bars, Z)
        out: Tensor
        out, _ = self.rnn(x, (h0, c0))  # (B, bars, C)
        return out
