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
    """Sample classes from (N, V) logits at a temperature; temperature 0 means argmax. Returns (N,).

    Inverse-CDF sampling with one uniform per row: at batch 1 it costs a fraction of torch.multinomial.
    """
    if temperature <= 0.0:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)  # (N, V)
    u = torch.rand(probs.shape[0], 1, generator=generator, device=probs.device)  # (N, 1)
    idx = (probs.cumsum(dim=-1) < u * probs.sum(dim=-1, keepdim=True)).sum(dim=-1)  # (N,)
    return idx.clamp_(max=probs.shape[-1] - 1)


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
        h, c = (list(s.unbind(0)) for s in self.initial_state(cond))  # layers x (N, H)
        w_embed, cond_gates = self._step_inputs(cond)  # (4H, E), (N, 4H)
        prev = torch.full((n,), self.vocab, dtype=torch.long, device=cond.device)  # (N,)
        tokens, outputs = [], []
        for t in range(length):
            x = torch.addmm(cond_gates, self.embed(prev), w_embed.t())  # (N, 4H): layer 0's input projection
            for k in range(self.layers):
                if k:
                    x = torch.addmm(self._bias(k), h[k - 1], self._w_ih(k).t())  # (N, 4H)
                h[k], c[k] = _lstm_cell(x, h[k], c[k], self._w_hh(k))
            logits = apply_mask(self.out(h[-1]), allowed)  # (N, V)
            tok = given[:, t].to(cond.device) if given is not None else pick(logits, temperature, generator)
            outputs.append(h[-1])
            tokens.append(tok)
            prev = tok
        toks = torch.stack(tokens, dim=1)  # (N, L)
        head = None
        if self.head is not None:  # the head does not feed back, so it runs once over all steps
            head = self.head(torch.cat([torch.stack(outputs, dim=1), self.embed(toks)], dim=-1))  # (N, L, K)
        return toks, head

    # The step-by-step loop runs the LSTM's own weights as plain matrix products: nn.LSTM costs about
    # 1 ms per call at batch 1 on a CPU, over half of which is per-call overhead, not arithmetic.
    def _w_ih(self, k: int) -> Tensor:
        return getattr(self.rnn, f"weight_ih_l{k}")

    def _w_hh(self, k: int) -> Tensor:
        return getattr(self.rnn, f"weight_hh_l{k}")

    def _bias(self, k: int) -> Tensor:
        return getattr(self.rnn, f"bias_ih_l{k}") + getattr(self.rnn, f"bias_hh_l{k}")

    def _step_inputs(self, cond: Tensor) -> tuple[Tensor, Tensor]:
        """Layer 0's input weights split into the token part and the per-sequence constant (cond + biases)."""
        embed_size = self.embed.embedding_dim
        w = self._w_ih(0)  # (4H, E + C)
        cond_gates = torch.addmm(self._bias(0), cond, w[:, embed_size:].t())  # (N, 4H)
        return w[:, :embed_size], cond_gates


def _lstm_cell(x: Tensor, h: Tensor, c: Tensor, w_hh: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step in PyTorch's gate order (i, f, g, o); x (N, 4H) already holds input and biases."""
    gates = torch.addmm(x, h, w_hh.t())  # (N, 4H)
    i, f, g, o = gates.chunk(4, dim=1)  # each (N, H)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)  # (N, H)
    return torch.sigmoid(o) * torch.tanh(c), c


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
