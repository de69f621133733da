# SPDX-License-Identifier: MIT
"""The MusicVAE encoder: embeds a config's arrays per step, a bidirectional LSTM, then mu and sigma.

Configs cut into segments (trio bars, multitrack slots) use a two-level encoder: a BiLSTM over the steps
of each segment, then a BiLSTM over the segment summaries, which keeps the sequential depth short on CPU.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models.presets import ModelConfig
from models.spec import DecoderKind
from models.vocab import DRUM_CLASSES, PROGRAM_CLASSES

GROOVE_CHANNELS = DRUM_CLASSES  # drum classes with velocity and offset (GrooVAE)


def last_states(rnn: nn.LSTM, x: Tensor) -> Tensor:
    """Final hidden states of the top layer of a bidirectional LSTM, both directions: (N, 2H)."""
    _, (h, _) = rnn(x)  # h: (layers * 2, N, H)
    return torch.cat([h[-2], h[-1]], dim=-1)  # (N, 2H)


class Encoder(nn.Module):
    """Maps a batch of a config's arrays to the posterior q(z|x) = N(mu, sigma^2), both (B, Z)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        e = cfg.embed_size
        self.embeds = nn.ModuleList(nn.Embedding(v, e) for v in cfg.vocab)
        in_size = e * len(cfg.vocab)
        if cfg.groove:
            in_size += 2 * GROOVE_CHANNELS
        if cfg.decoder is DecoderKind.MULTITRACK:
            self.program_embed = nn.Embedding(PROGRAM_CLASSES, e)
            in_size += e + 1
        self.rnn = nn.LSTM(in_size, cfg.enc_size, cfg.enc_layers, batch_first=True, bidirectional=True)
        if cfg.bars > 1:
            self.bar_rnn = nn.LSTM(2 * cfg.enc_size, cfg.enc_size, 1, batch_first=True, bidirectional=True)
        self.to_mu = nn.Linear(2 * cfg.enc_size, cfg.z_size)
        self.to_sigma = nn.Linear(2 * cfg.enc_size, cfg.z_size)
        self.drop = nn.Dropout(cfg.dropout)  # training only: the inputs, as Magenta's dropout_keep_prob

    def features(self, batch: dict[str, Tensor]) -> Tensor:
        """Per-step input features, (B, bars, L, D) with L = cfg.bar_steps."""
        cfg = self.cfg
        parts = []
        for track, embed in zip(cfg.tracks, self.embeds, strict=True):
            parts.append(embed(batch[track]))  # (B, S, E) or (B, 8, 16, E)
        first = batch[cfg.tracks[0]]
        if cfg.groove:
            zeros = torch.zeros(*first.shape, GROOVE_CHANNELS, device=first.device)
            parts.append(batch.get("velocity", zeros).float())  # (B, S, 9)
            parts.append(batch.get("offset", zeros).float())  # (B, S, 9)
        if cfg.decoder is DecoderKind.MULTITRACK:
            prog = self.program_embed(batch["program"])  # (B, 8, E)
            parts.append(prog.unsqueeze(2).expand(-1, -1, first.shape[2], -1))  # (B, 8, 16, E)
            vel = batch.get("velocity", torch.zeros(first.shape, device=first.device))
            parts.append(vel.float().unsqueeze(-1))  # (B, 8, 16, 1)
        x = torch.cat(parts, dim=-1)
        return x.reshape(first.shape[0], cfg.bars, cfg.bar_steps, x.shape[-1])  # (B, bars, L, D)

    def forward(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        x = self.drop(self.features(batch))  # (B, bars, L, D)
        b, bars, length, d = x.shape
        h = last_states(self.rnn, x.reshape(b * bars, length, d))  # (B * bars, 2H)
        if bars > 1:
            h = last_states(self.bar_rnn, h.reshape(b, bars, -1))  # (B, 2H)
        mu = self.to_mu(h)  # (B, Z)
        sigma = F.softplus(self.to_sigma(h)) + 1e-5  # (B, Z), > 0
        return mu, sigma
