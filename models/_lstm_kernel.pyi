"""Types of the C decoding loop (models/_lstm_kernel.c); models/fast_decode.py packs and calls it."""

import numpy as np
import numpy.typing as npt

_F32 = npt.NDArray[np.float32]
_I64 = npt.NDArray[np.int64]

BLOCK: int  # columns per weight block (the C file's BW)
API: int  # what the Python side needs of the build (models/fast_decode.py KERNEL_API)

def decode(
    head_cols: npt.NDArray[np.int32],
    weights: _F32 | npt.NDArray[np.uint32],  # float32, or bfloat16 pairs (fast_decode `_narrowed`)
    table: _F32,
    bias: _F32,
    cond_w: _F32,
    cond_b: _F32,
    head_w: _F32,
    head_b: _F32,
    embed: _F32,
    cond: _F32,
    noise: _F32,
    given: _I64,
    tokens: _I64,
    head_out: _F32,
    hidden_out: _F32,
    start: _I64,
    layers: int,
    n: int,
    hidden: int,
    vocab: int,
    length: int,
    sample: int,
    cond_size: int,
    embed_size: int,
    head_size: int,
    end: int = -1,
    temps: _F32 = ...,
    allowed: npt.NDArray[np.uint8] = ...,
    out_bias: _F32 = ...,
    key: int = 0,
    threads: int = 1,
    segments: int = 1,
    top_k: int = 0,
    /,
) -> None:
    """CoreDecoder.sample and Conductor.forward in one loop: fills tokens (N, L), head_out (N, L, K) and,
    when not empty, hidden_out (N, L, H) in place; `start` (N,) are the first step's input tokens (empty:
    the learned start token); `end` >= 0 (no head, no hidden_out) stops a row at that token and writes
    it to the row's remaining steps. sample 2 draws the noise in the loop (models.decoders.counter_noise)
    from temps (N, V), allowed (N, V) uint8 or empty (all), out_bias (V,) and key (uint32), with `noise`
    empty. threads > 1 decodes chunks of rows in parallel (the same results). segments > 1 decodes
    bar-linked rows: `length` steps per segment, cond (N, segments, C), every other array's L being
    segments x length; a segment starts from its cond's state and the token before it (no `end`, no
    counter noise). top_k > 0 (sample 2 or 3 only) leaves each step of a row only the classes among the
    k largest logits (W_out h + b) of its allowed classes, ties to the lowest index.
    Raises ValueError on a buffer of the wrong size,
    IndexError on a given token outside 0..vocab, MemoryError."""

def mt_uniforms(key: npt.NDArray[np.uint32], pos: int, out: _F32, /) -> int:
    """torch.rand's float32 uniforms for a CPU generator: MT19937 continued from `key` (624,) (updated in
    place) at position `pos` (0..624; 624 twists first), written to `out`; returns the new position.
    Raises ValueError on a key of the wrong size or a position outside 0..624."""
