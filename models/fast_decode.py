# SPDX-License-Identifier: MIT
"""The CPU step loop of `CoreDecoder.sample` in C (models/_lstm_kernel.c), and its weights packed once.

At batch 1 a step is a few matrix-vector products whose weights do not fit the L2 cache, so the loop is
memory-bound: the kernel reads each weight once per step from 64-column blocks (`pack`), looks the
token's input projection up in a (V + 1, 4H) table, and never returns to Python between steps. Built by
`pip install` where a C compiler exists (optional: without one `available()` is False and the NumPy loop
in models/decoders.py runs, with the same results up to float32 rounding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

try:
    from models import _lstm_kernel
except ImportError:  # not compiled here (no C compiler at install time)
    _lstm_kernel = None

if TYPE_CHECKING:
    from models.decoders import CoreDecoder

BLOCK = 64  # columns per weight block; models/_lstm_kernel.c's BW
_NO_NOISE = np.zeros(0, dtype=np.float32)
_NO_TOKENS = np.zeros(0, dtype=np.int64)


def available() -> bool:
    """True when the C kernel was built for this interpreter."""
    return _lstm_kernel is not None


@dataclass(frozen=True, slots=True)
class PackedDecoder:
    """A CoreDecoder's weights as the kernel reads them (float32, C order).

    Layer k's matrix is [head | W_hh_k^T] by columns, each part zero-padded to a multiple of BLOCK columns
    and stored block by block, (blocks, H, BLOCK), so a block is one contiguous run of memory. The head is
    W_ih_{k+1}^T (H, 4H) below the top layer and W_out^T (H, V) on top.
    """

    key: tuple[tuple[int, int], ...]  # (data_ptr, version) per parameter: any weight change repacks
    weights: np.ndarray  # (sum of blocks, H, BLOCK)
    table: np.ndarray  # (V + 1, 4H): embed @ W_ih_0[:, :E]^T, layer 0's input projection per token
    bias: np.ndarray  # (layers, 4H): b_ih + b_hh of layers >= 1 (layer 0's is in cond_gates)
    head_cols: np.ndarray  # (layers,) int32: padded head columns per layer


def _padded(w: Tensor) -> np.ndarray:
    """(H, C) -> (H, C rounded up to BLOCK) float32, zeros on the right."""
    cols = -(-w.shape[1] // BLOCK) * BLOCK
    out = np.zeros((w.shape[0], cols), dtype=np.float32)
    out[:, : w.shape[1]] = w.detach().float().cpu().numpy()
    return out


def _blocks(matrix: np.ndarray) -> np.ndarray:
    """(H, C) with C % BLOCK == 0 -> (C / BLOCK, H, BLOCK), each block contiguous."""
    hid, cols = matrix.shape
    return np.ascontiguousarray(matrix.reshape(hid, cols // BLOCK, BLOCK).transpose(1, 0, 2))


def _key(dec: CoreDecoder) -> tuple[tuple[int, int], ...]:
    return tuple((p.data_ptr(), p._version) for p in dec.parameters())


def pack(dec: CoreDecoder) -> PackedDecoder:
    """The kernel's weights for `dec`, cached on it until a parameter changes (training, loading)."""
    key = _key(dec)
    cached: PackedDecoder | None = dec.__dict__.get("_packed")
    if cached is not None and cached.key == key:
        return cached
    with torch.no_grad():
        heads = [dec._w_ih(k + 1).t() for k in range(dec.layers - 1)] + [dec.out.weight.t()]
        parts = [np.concatenate([_padded(heads[k]), _padded(dec._w_hh(k).t())], 1) for k in range(dec.layers)]
        embed_size = dec.embed.embedding_dim
        table = dec.embed.weight @ dec._w_ih(0)[:, :embed_size].t()  # (V + 1, 4H)
        bias = torch.stack([torch.zeros_like(dec._bias(0))] + [dec._bias(k) for k in range(1, dec.layers)])
        packed = PackedDecoder(
            key=key,
            weights=np.concatenate([_blocks(p) for p in parts]),
            table=np.ascontiguousarray(table.float().cpu().numpy()),
            bias=np.ascontiguousarray(bias.float().cpu().numpy()),
            head_cols=np.array([-(-h.shape[1] // BLOCK) * BLOCK for h in heads], dtype=np.int32),
        )
    dec.__dict__["_packed"] = packed  # a plain attribute: not a parameter, buffer or state_dict entry
    return packed


def decode_steps(
    dec: CoreDecoder,
    cond_gates: Tensor,
    h: Tensor,
    c: Tensor,
    length: int,
    noise: Tensor | None,
    given: Tensor | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The step loop on CPU float32 tensors -> tokens int64 (N, L), last-layer outputs float32 (N, L, H).

    cond_gates (N, 4H) is layer 0's input projection of the conditioning plus its biases; h, c
    (layers, N, H) the initial state; noise (L, N, V) the Gumbel noise with W_out's bias added, or
    None when `given` (N, L) sets the tokens.
    """
    packed = pack(dec)
    n = cond_gates.shape[0]
    tokens = np.empty((n, length), dtype=np.int64)
    outputs = np.empty((n, length, dec.hidden), dtype=np.float32)
    _lstm_kernel.decode(
        packed.weights,
        packed.table,
        np.ascontiguousarray(cond_gates.numpy(), dtype=np.float32),
        packed.bias,
        h.numpy().astype(np.float32),  # copies: the kernel updates the state in place
        c.numpy().astype(np.float32),
        _NO_NOISE if noise is None else np.ascontiguousarray(noise.numpy(), dtype=np.float32),
        _NO_TOKENS if given is None else np.ascontiguousarray(given.numpy(), dtype=np.int64),
        tokens,
        outputs,
        packed.head_cols,
        dec.layers,
        n,
        dec.hidden,
        dec.vocab,
        length,
        int(noise is not None),
    )
    return tokens, outputs
