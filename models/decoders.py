# SPDX-License-Identifier: MIT
"""MusicVAE decoder parts: the autoregressive categorical LSTM (`CoreDecoder`) and the `Conductor`.

A CoreDecoder decodes one segment conditioned on a vector (z itself for the flat 2-bar decoders, or a
conductor embedding per bar / per track slot): the vector sets the initial LSTM state and is concatenated
to every input, as in Magenta's `CategoricalLstmDecoder`. Segments start from a learned start token, so
all bars of a hierarchical model decode in parallel.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def pick(logits: Tensor, temperature: float, generator: torch.Generator | None = None) -> Tensor:
    """Sample classes from (N, V) logits at a temperature; temperature 0 means argmax. Returns (N,)."""
    if temperature <= 0.0:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)  # (N, V)
    return torch.multinomial(probs, 1, generator=generator).squeeze(1)  # (N,)


def apply_mask(logits: Tensor, allowed: Tensor | None) -> Tensor:
    """Forbid classes where `allowed` (V,) or (N, V) is False; rows with nothing allowed stay unmasked."""
    if allowed is None:
        return logits
    allowed = allowed.to(logits.device).expand_as(logits)  # (N, V)
    empty = ~allowed.any(dim=-1, keepdim=True)  # (N, 1)
    return logits.masked_fill(~(allowed | empty), float("-inf"))


class CoreDecoder(nn.Module):
    """Categorical LSTM over `vocab` classes with an optional per-step regression head.

    The head sees the LSTM output and the embedding of the step's own token (given or sampled), so that
    velocity and micro-timing are predicted for known hits (humanize).
    """

    def __init__(
        self, vocab: int, cond_size: int, embed_size: int, hidden: int, layers: int, head_size: int = 0
    ) -> None:
        super().__init__()
        self.vocab, self.hidden, self.layers = vocab, hidden, layers
        self.embed = nn.Embedding(vocab + 1, embed_size)  # index `vocab` is the start token
        self.init = nn.Linear(cond_size, 2 * layers * hidden)
        self.rnn = nn.LSTM(embed_size + cond_size, hidden, layers, batch_first=True)
        self.out = nn.Linear(hidden, vocab)
        self.head = nn.Linear(hidden + embed_size, head_size) if head_size else None

    def initial_state(self, cond: Tensor) -> tuple[Tensor, Tensor]:
        n = cond.shape[0]
        state = torch.tanh(self.init(cond)).view(n, 2, self.layers, self.hidden)  # (N, 2, layers, H)
        h = state[:, 0].transpose(0, 1).contiguous()  # (layers, N, H)
        c = state[:, 1].transpose(0, 1).contiguous()  # (layers, N, H)
        return h, c

    def forward(self, tokens: Tensor, cond: Tensor) -> tuple[Tensor, Tensor | None]:
        """Teacher-forced pass: tokens (N, L), cond (N, C) -> logits (N, L, V), head (N, L, K) or None."""
        n, length = tokens.shape
        start = torch.full((n, 1), self.vocab, dtype=tokens.dtype, device=tokens.device)
        prev = torch.cat([start, tokens[:, :-1]], dim=1)  # (N, L)
        cond_steps = cond.unsqueeze(1).expand(-1, length, -1)  # (N, L, C)
        x = torch.cat([self.embed(prev), cond_steps], dim=-1)  # (N, L, E + C)
        h, _ = self.rnn(x, self.initial_state(cond))  # (N, L, H)
        logits = self.out(h)  # (N, L, V)
        head = None
        if self.head is not None:
            head = self.head(torch.cat([h, self.embed(tokens)], dim=-1))  # (N, L, K)
        return logits, head

    def sample(
        self,
        cond: Tensor,
        length: int,
        temperature: float,
        allowed: Tensor | None = None,
        given: Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> tuple[Tensor, Tensor | None]:
        """Autoregressive decoding: cond (N, C) -> tokens (N, L), head (N, L, K) or None.

        `allowed` (V,) or (N, V) masks classes; `given` (N, L) teacher-forces the tokens instead.
        """
        n = cond.shape[0]
        state = self.initial_state(cond)
        prev = torch.full((n,), self.vocab, dtype=torch.long, device=cond.device)  # (N,)
        tokens, heads = [], []
        for t in range(length):
            x = torch.cat([self.embed(prev), cond], dim=-1).unsqueeze(1)  # (N, 1, E + C)
            h, state = self.rnn(x, state)  # (N, 1, H)
            logits = apply_mask(self.out(h[:, 0]), allowed)  # (N, V)
            tok = given[:, t].to(cond.device) if given is not None else pick(logits, temperature, generator)
            if self.head is not None:
                heads.append(self.head(torch.cat([h[:, 0], self.embed(tok)], dim=-1)))  # (N, K)
            tokens.append(tok)
            prev = tok
        head = torch.stack(heads, dim=1) if heads else None  # (N, L, K)
        return torch.stack(tokens, dim=1), head  # (N, L)


class Conductor(nn.Module):
    """Top-level LSTM of the hierarchical decoder: z (B, Z) -> one embedding per segment (B, bars, C)."""

    def __init__(self, z_size: int, hidden: int, layers: int, segments: int) -> None:
        super().__init__()
        self.hidden, self.layers, self.segments = hidden, layers, segments
        self.init = nn.Linear(z_size, 2 * layers * hidden)
        self.rnn = nn.LSTM(z_size, hidden, layers, batch_first=True)

    def forward(self, z: Tensor) -> Tensor:
        b = z.shape[0]
        state = torch.tanh(self.init(z)).view(b, 2, self.layers, self.hidden)  # (B, 2, layers, C)
        h0 = state[:, 0].transpose(0, 1).contiguous()  # (layers, B, C)
        c0 = state[:, 1].transpose(0, 1).contiguous()  # (layers, B, C)
        x = z.unsqueeze(1).expand(-1, self.segments, -1)  # (B, bars, Z)
        out, _ = self.rnn(x, (h0, c0))  # (B, bars, C)
        return out
