# SPDX-License-Identifier: MIT
"""`CoreDecoder.sample` and `Conductor.forward` on the CPU in C (models/_lstm_kernel.c), weights packed once.

At batch 1 a step is a few matrix-vector products whose weights do not fit the L2 cache, so the loop is
memory-bound: the kernel reads each weight once per step from 64-column blocks (`pack`), looks the
token's input projection up in a (V + 1, 4H) table, and never returns to Python between steps; the start
state and the regression head run in the same call. Built by `pip install` where a C compiler exists
(optional: without one `available()` is False and the NumPy loop in models/decoders.py and nn.LSTM run,
with the same results up to float32 rounding).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn

# the C file's API this module calls (2: `segments`, `mt_uniforms`; 3: `block_rows`; 4: top_k; 5: bfloat16
# weights)
KERNEL_API = 5
try:
    from models import _lstm_kernel as _kernel  # typed by models/_lstm_kernel.pyi
except ImportError:  # not compiled here (no C compiler at install time)
    _kernel = None  # type: ignore[assignment]  # mypy types the name as the module; absent, it is None
if _kernel is not None and getattr(_kernel, "API", 0) < KERNEL_API:  # built from an older C file
    _kernel = None  # type: ignore[assignment]  # the NumPy loop runs until `pip install -e .` rebuilds it


class LSTMStack(Protocol):
    """What the kernel reads of a Conductor: an initial-state layer and a stacked LSTM (structural, so
    that models.decoders, which calls this module, is not imported back)."""

    rnn: nn.LSTM
    init: nn.Linear
    layers: int
    hidden: int
    _modules: dict[str, nn.Module | None]
    __dict__: dict[str, Any]


class TokenLSTM(LSTMStack, Protocol):
    """What the kernel reads of a CoreDecoder: an LSTMStack with a token embedding, an output layer and
    an optional regression head."""

    embed: nn.Embedding
    out: nn.Linear
    head: nn.Linear | None


class Conductor(LSTMStack, Protocol):
    """An LSTMStack run for `segments` steps with z as every input."""

    segments: int


BLOCK = 64 if _kernel is None else _kernel.BLOCK  # columns per weight block (the C file's BW)
_EMPTY_F32 = np.zeros(0, dtype=np.float32)  # an argument the kernel does not use this time
_EMPTY_I64 = np.zeros(0, dtype=np.int64)
_EMPTY_U8 = np.zeros(0, dtype=np.uint8)


def row_threads() -> int:
    """Threads for decoding many independent rows (a band clip's (bar, instrument) sequences): the CPUs
    this process may run on, at most 4. A batch-1 step loop stays on one thread (its steps depend on
    each other); rows split into chunks that threads take one at a time, so a busy CPU just takes fewer."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


def available() -> bool:
    """True when the C kernel was built for this interpreter."""
    return _kernel is not None


@dataclass(frozen=True, slots=True)
class PackedDecoder:
    """A CoreDecoder's or Conductor's weights as the kernel reads them (float32, C order; the loop's blocks
    as bfloat16 pairs when every one is a bfloat16 value: `_narrowed`).

    Each weight matrix is transposed to (inputs, outputs), its parts zero-padded to a multiple of BLOCK
    columns and stored block by block, (blocks, inputs, BLOCK), so a block is one contiguous run of memory.
    Layer k of the loop is [head | W_hh_k^T], the head being W_ih_{k+1}^T (H, 4H) below the top layer and
    W_out^T (H, V) on top (none for the conductor); the start is [W_init^T | W_ih_0[:, E:]^T] over the
    conditioning vector.
    """

    key: tuple[tuple[int, int, int], ...]  # (id, data_ptr, version) per parameter: a change repacks
    head_cols: np.ndarray  # (layers,) int32: padded head columns per layer
    weights: np.ndarray  # the loop: (sum of blocks, H, BLOCK) float32, or (.., BLOCK / 2) bfloat16 pairs
    table: np.ndarray  # (V + 1, 4H): embed @ W_ih_0[:, :E]^T, layer 0's input projection per token
    bias: np.ndarray  # (layers, 4H): b_ih + b_hh of layers >= 1 (layer 0's goes with the start)
    cond_w: np.ndarray  # (blocks, C, BLOCK): the start state and layer 0's per-sequence gates
    cond_b: np.ndarray  # (2 layers H + 4H,): b_init, then b_ih_0 + b_hh_0
    head_w: np.ndarray  # (blocks, H + E, BLOCK): the regression head, or empty
    head_b: np.ndarray  # (K,)
    embed: np.ndarray  # (V + 1, E) when there is a head (it reads the step's token), else empty
    out_bias: np.ndarray  # (V,) W_out's bias, for the noise the kernel computes (`StepNoise`); or empty


class StepNoise:
    """Sampling noise the kernel computes itself, one step of one row at a time, in place of a noise array:
    `models.decoders.counter_noise` under `key` (uniforms None), or `sampling_noise`'s transform of
    torch.rand's `uniforms` (L, N, V) (T * Gumbel = -T log(-log u), -inf for masked classes); then W_out's
    bias (V,) is added (`PackedDecoder.out_bias`). Temperature is one value, (N,), or (N, V) (each class
    its own: the band decoder's velocity classes); allowed (V,), (N, V) or None. `top_k` > 0: at each
    step the classes outside the k largest logits (W_out h + b) among the allowed ones get -inf (ties to
    the lowest index; `models.decoders.top_k_keep` is the reference); 0 keeps them all."""

    def __init__(
        self,
        temperature: float | Tensor,
        allowed: Tensor | None,
        key: int = 0,
        uniforms: Tensor | np.ndarray | None = None,
        top_k: int = 0,
    ) -> None:
        if top_k < 0:
            raise ValueError(f"top_k {top_k} is negative (0 keeps every class)")
        self.key = key
        self.top_k = top_k
        self.uniforms = uniforms
        self.temperature = temperature
        self.allowed = allowed

    def arrays(self, n: int, vocab: int) -> tuple[np.ndarray, np.ndarray]:
        """temperatures (n, V) float32 and allowed (n, V) uint8 or empty; a row with nothing allowed is
        unmasked (as `sampling_noise`)."""
        if isinstance(self.temperature, Tensor):
            t = self.temperature.detach().to("cpu", torch.float32).numpy()
            t = t.reshape(-1, 1) if t.ndim <= 1 else t  # (1 or N, 1) or (N, V)
            temps = np.ascontiguousarray(np.broadcast_to(t, (n, vocab)))
        else:
            temps = np.full((n, vocab), self.temperature, dtype=np.float32)
        if self.allowed is None:
            return temps, _EMPTY_U8
        allowed = self.allowed.cpu().bool()
        ok = allowed | ~allowed.any(dim=-1, keepdim=True)
        return temps, np.ascontiguousarray(np.broadcast_to(ok.numpy(), (n, ok.shape[-1])), np.uint8)


_STATE_BYTES = (
    5056  # torch's CPU generator state: seed u64, left i32, seeded i32, next u64, state u64[624], ...
)
_uniforms_ok: bool | None = None  # whether `torch_uniforms` gives torch.rand's numbers here (checked once)


def torch_uniforms(shape: tuple[int, ...], generator: torch.Generator | None) -> np.ndarray | Tensor:
    """`torch.rand(shape, generator=generator)`'s numbers (float32, C order) drawn by the C kernel
    (`mt_uniforms`: MT19937 from the generator's state, ~6x faster than torch's per-number dispatch),
    and the generator moved on as torch.rand moves it; torch.rand itself where that cannot be done (no
    kernel, the global or a non-CPU generator, a torch whose state layout differs: checked once per
    process against torch.rand). drums_2bar draws 16k of them per clip, trio_16bar 180k per sample."""
    global _uniforms_ok
    if _kernel is None or generator is None or generator.device.type != "cpu":
        return torch.rand(shape, generator=generator)
    if _uniforms_ok is None:
        probe = torch.Generator().manual_seed(20261130)
        want = torch.rand(1500, generator=probe)
        again = torch.Generator().manual_seed(20261130)
        try:
            first = _mt_draw((700,), again)
            ok = np.array_equal(np.concatenate([first, _mt_draw((800,), again)]), want.numpy())
            _uniforms_ok = ok and torch.equal(again.get_state(), probe.get_state())
        except (ValueError, RuntimeError):
            _uniforms_ok = False
    if not _uniforms_ok:
        return torch.rand(shape, generator=generator)
    return _mt_draw(shape, generator)


def _mt_draw(shape: tuple[int, ...], generator: torch.Generator) -> np.ndarray:
    state = generator.get_state()
    raw = state.numpy()
    if raw.size != _STATE_BYTES:
        raise ValueError(f"a torch generator state of {raw.size} bytes")
    left = int(raw[8:12].view(np.int32)[0])
    key = raw[24 : 24 + 624 * 8].view(np.uint64).astype(np.uint32)  # torch keeps each word in 64 bits
    out = np.empty(shape, dtype=np.float32)
    pos = _kernel.mt_uniforms(key, 625 - left if left > 1 else 624, out)  # torch: left = 625 - position
    # get_state gives a new tensor (a copy of the state): moved on in place, it is the new state
    raw[8:12].view(np.int32)[0] = 625 - pos
    raw[16:24].view(np.uint64)[0] = pos
    raw[24 : 24 + 624 * 8].view(np.uint64)[:] = key
    generator.set_state(state)
    return out


def _padded(w: Tensor) -> np.ndarray:
    """(inputs, C) -> (inputs, C rounded up to BLOCK) float32, zeros on the right."""
    cols = -(-w.shape[1] // BLOCK) * BLOCK
    out = np.zeros((w.shape[0], cols), dtype=np.float32)
    out[:, : w.shape[1]] = w.detach().float().cpu().numpy()
    return out


def _blocks(*parts: Tensor) -> np.ndarray:
    """Matrices (inputs, C_i), each padded, side by side -> (blocks, inputs, BLOCK), each block contiguous."""
    matrix = np.concatenate([_padded(p) for p in parts], axis=1)
    rows, cols = matrix.shape
    return np.ascontiguousarray(matrix.reshape(rows, cols // BLOCK, BLOCK).transpose(1, 0, 2))


def _narrowed(weights: np.ndarray) -> np.ndarray:
    """The loop's float32 blocks (blocks, H, BLOCK) -> bfloat16 bit patterns (blocks, H, BLOCK / 2) uint32
    when every weight is a bfloat16 value (`models.musicvae.to_bfloat16_` made them so; else the float32
    blocks): word j of a block row holds column j in its low half and column j + BLOCK / 2 in its high
    half, as the C kernel widens them (exactly: the same sums over half the bytes)."""
    bits = weights.view(np.uint32)
    if (bits & 0xFFFF).any():
        return weights
    half = BLOCK // 2
    return np.ascontiguousarray((bits[..., :half] >> 16) | (bits[..., half:] & np.uint32(0xFFFF0000)))


def _numpy(t: Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.detach().float().cpu().numpy())


def _key(module: LSTMStack) -> tuple[tuple[int, int, int], ...]:
    """Identity, storage and in-place version of every parameter of the module's children (embed, init,
    rnn, out, head): 2-3 us, where `parameters()`, which walks the module tree, costs 11 us."""
    params = (p for m in module._modules.values() if m is not None for p in m._parameters.values())
    return tuple((id(p), p.data_ptr(), p._version) for p in params if p is not None)


def pack(module: LSTMStack) -> PackedDecoder:
    """The kernel's weights for a CoreDecoder or a Conductor (an LSTM without tokens: no embedding, no
    output layer, its input z in every step), cached on it until a parameter changes (training, loading)."""
    key = _key(module)
    cached: PackedDecoder | None = module.__dict__.get("_packed")
    if cached is not None and cached.key == key:
        return cached
    rnn, layers = module.rnn, module.layers
    embed, out, head = (getattr(module, name, None) for name in ("embed", "out", "head"))
    embed_size = 0 if embed is None else embed.embedding_dim
    with torch.no_grad():
        w_ih = [getattr(rnn, f"weight_ih_l{k}") for k in range(layers)]
        w_hh = [getattr(rnn, f"weight_hh_l{k}").t() for k in range(layers)]
        biases = [getattr(rnn, f"bias_ih_l{k}") + getattr(rnn, f"bias_hh_l{k}") for k in range(layers)]
        last = out.weight.t() if out is not None else w_ih[0].new_zeros(module.hidden, 0)  # (H, V)
        heads = [w_ih[k + 1].t() for k in range(layers - 1)] + [last]
        table = w_ih[0].new_zeros(1, 4 * module.hidden)  # no tokens: a zero input projection
        if embed is not None:
            table = embed.weight @ w_ih[0][:, :embed_size].t()  # (V + 1, 4H)
        packed = PackedDecoder(
            key=key,
            head_cols=np.array([-(-h.shape[1] // BLOCK) * BLOCK for h in heads], dtype=np.int32),
            weights=_narrowed(np.concatenate([_blocks(heads[k], w_hh[k]) for k in range(layers)])),
            table=_numpy(table),
            bias=_numpy(torch.stack([torch.zeros_like(biases[0]), *biases[1:]])),
            cond_w=_blocks(module.init.weight.t(), w_ih[0][:, embed_size:].t()),
            cond_b=_numpy(torch.cat([module.init.bias, biases[0]])),
            head_w=_blocks(head.weight.t()) if head is not None else _EMPTY_F32,
            head_b=_numpy(head.bias) if head is not None else _EMPTY_F32,
            embed=_numpy(embed.weight) if head is not None and embed is not None else _EMPTY_F32,
            out_bias=_numpy(out.bias) if out is not None else _EMPTY_F32,
        )
    module.__dict__["_packed"] = packed  # a plain attribute: not a parameter, buffer or state_dict entry
    return packed


def sample(
    dec: TokenLSTM,
    cond: Tensor,
    length: int,
    noise: Tensor | StepNoise | None,
    given: Tensor | None,
    start: Tensor | None = None,
    end: int | None = None,
    threads: int = 1,
    segments: int = 1,
) -> tuple[np.ndarray, np.ndarray | None]:
    """`CoreDecoder.sample` for CPU float32: cond (N, C) -> tokens int64 (N, L), head float32 (N, L, K)
    or None.

    `segments` > 1 decodes bar-linked sequences in one call: cond (N * segments, C) in (row, segment)
    order, segment s of a row starting from its own cond's state and the row's last token before it (the
    first from `start`), as one call per segment with `start` = the last tokens would; tokens
    (N, segments * L), head (N, segments * L, K), and noise, given and uniforms have segments * L steps.
    No `end` then.

    noise (L, N, V) is the Gumbel noise with W_out's bias added (`sampling_noise`), a `StepNoise`
    (the kernel computes each step's noise), or None when `given` (N, L) sets the tokens.
    start (N,) int64 is each row's first input token (None: the start token).
    `end` (a token, decoders without a head only): a row stops at its first `end` and the rest of its
    tokens are `end`; the kernel runs only the rows still going, so short sequences cost their length.
    `threads` > 1 decodes chunks of rows in parallel (same results).
    """
    k = 0 if dec.head is None else dec.head.out_features
    n = cond.shape[0] // segments
    tokens = np.empty((n, segments * length), dtype=np.int64)
    head = np.empty((n, segments * length, k), dtype=np.float32)
    first = _EMPTY_I64 if start is None else np.ascontiguousarray(start.detach().cpu().numpy(), np.int64)
    _run(
        dec,
        cond,
        length,
        noise,
        given,
        tokens,
        head,
        dec.embed.embedding_dim,
        k,
        _EMPTY_F32,
        first,
        end,
        threads,
        segments,
    )
    return tokens, head if k else None


def conductor(cond: Conductor, z: Tensor) -> np.ndarray:
    """`Conductor.forward` for CPU float32 without gradients: z (B, Z) -> (B, segments, C) float32, the
    top layer's output per segment."""
    b, steps = z.shape[0], cond.segments
    hidden = np.empty((b, steps, cond.hidden), dtype=np.float32)
    zeros = np.zeros((b, steps), dtype=np.int64)  # the one "token" of a module without tokens
    tokens = np.empty((b, steps), dtype=np.int64)
    _run(cond, z, steps, None, zeros, tokens, _EMPTY_F32, 1, 0, hidden)
    return hidden


def _run(
    module: LSTMStack,
    cond: Tensor,
    length: int,
    noise: Tensor | StepNoise | None,
    given: Tensor | np.ndarray | None,
    tokens: np.ndarray,
    head: np.ndarray,
    embed_size: int,
    head_size: int,
    hidden: np.ndarray,
    start: np.ndarray = _EMPTY_I64,
    end: int | None = None,
    threads: int = 1,
    segments: int = 1,
) -> None:
    packed = pack(module)
    n = cond.shape[0] // segments
    if isinstance(given, Tensor):
        given = given.detach().cpu().numpy()
    mode = int(noise is not None)  # the kernel's `sample`: 0 given, 1 noise array, 2 counter, 3 uniforms
    temps, allowed, source = _EMPTY_F32, _EMPTY_U8, _EMPTY_F32
    if isinstance(noise, StepNoise):
        temps, allowed = noise.arrays(n, packed.table.shape[0] - 1)
        mode = 2 if noise.uniforms is None else 3
        uniforms = noise.uniforms
        source = (
            _EMPTY_F32 if uniforms is None else _numpy(uniforms) if isinstance(uniforms, Tensor) else uniforms
        )
    elif noise is not None:
        source = _numpy(noise)
    _kernel.decode(
        packed.head_cols,
        packed.weights,
        packed.table,
        packed.bias,
        packed.cond_w,
        packed.cond_b,
        packed.head_w,
        packed.head_b,
        packed.embed,
        _numpy(cond),
        source,
        _EMPTY_I64 if given is None else np.ascontiguousarray(given, dtype=np.int64),
        tokens,
        head,
        hidden,
        start,
        module.layers,
        n,
        module.hidden,
        packed.table.shape[0] - 1,  # V; 0 for the conductor
        length,
        mode,
        cond.shape[1],
        embed_size,
        head_size,
        -1 if end is None else end,
        temps,
        allowed,
        packed.out_bias if isinstance(noise, StepNoise) else _EMPTY_F32,
        noise.key if isinstance(noise, StepNoise) else 0,
        threads,
        segments,
        noise.top_k if isinstance(noise, StepNoise) else 0,
    )
