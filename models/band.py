# SPDX-License-Identifier: MIT
"""The band model's parts (band_1bar, band_4bar, band_16bar): its encoder, and the decoder's training
pass and sampling, which `models.musicvae.MusicVAE` calls for a `DecoderKind.BAND` config.

The arrays (engine/data/band.py): `program` (B, slots), `meter` (B,), `events` (B, bars, slots, L).
Decoder, after Magenta's hierarchical multi-instrument performance model (`hier-multiperf_vel_1bar`):
z and the meter's embedding give each slot its program (a linear head over [z, meter, slot]) and a
conductor LSTM one embedding per bar; a categorical LSTM writes the events of every (bar, slot)
conditioned on [the bar's embedding, the slot's program, the slot, the meter], all (bar, slot) sequences
in parallel. Only played slots are decoded (an empty slot is all END), sequences are packed to their
length, and the loss stops at each sequence's END. The meter conditions the conductor, the programs
and every sequence, and masks the positions a bar of that meter lacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models import fast_decode
from models.decoders import CoreDecoder, sampling_noise, scheduled_inputs
from models.presets import ModelConfig
from models.vocab import (
    BAND_DUR,
    BAND_END,
    BAND_MAX_BAR_STEPS,
    BAND_PITCH,
    BAND_POS,
    BAND_VEL,
    DRUM_KIT,
    EMPTY_SLOT,
    METER_CLASSES,
    PROGRAM_CLASSES,
    VELOCITY_BINS,
    meter_steps,
    part_of_program,
)

Temperature = float | Mapping[str, float]


def as_long(batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """The batch with its band token arrays as int64 (they are stored as uint8: 249 classes, 8x smaller
    in memory than int64 for a folder's transposed examples)."""
    return {k: v.long() if k in ("events", "program", "meter") and v.dtype != torch.long else v
            for k, v in batch.items()}  # fmt: skip


def sequence_lengths(events: Tensor) -> Tensor:
    """Positions each sequence's loss covers: its events and the END after them (L at most). (...,)"""
    return ((events != BAND_END).sum(-1) + 1).clamp_max(events.shape[-1])


DECODE_ROWS = 256  # (bar, instrument) sequences sampled in one call
LENGTH_GROUPS = (12, 24, 48)  # sequences are run in groups cut to these lengths (then the rest)


def length_groups(lengths: Tensor) -> list[tuple[Tensor, int]]:
    """Rows (index tensors) of sequences by length, each with the length its group is cut to: most
    (bar, slot) sequences are short, and an LSTM runs every step of the longest in its batch. Padded,
    not packed: a packed LSTM's backward on the CPU costs time steps x batch in slice copies."""
    out, lo = [], 0
    longest = int(lengths.max()) if len(lengths) else 0
    for edge in (*LENGTH_GROUPS, longest):
        group = ((lengths > lo) & (lengths <= edge)).nonzero(as_tuple=True)[0]
        if len(group):
            out.append((group, min(edge, longest)))
        lo = edge
        if edge >= longest:
            break
    return out


_METER_POSITIONS: dict[tuple[int, torch.device], Tensor] = {}  # (V, device) -> (meter classes, V)


def meter_positions(meter: Tensor, vocab: int) -> Tensor:
    """bool (B, V): the event classes a bar of each meter class allows (no POS past its last step)."""
    key = (vocab, meter.device)
    table = _METER_POSITIONS.get(key)
    if table is None:  # every meter class's row once (building it took ~0.15 ms of each band decode)
        steps = torch.tensor([meter_steps(m) for m in range(METER_CLASSES)], device=meter.device)
        classes = torch.arange(vocab, device=meter.device)
        pos = (classes >= BAND_POS) & (classes < BAND_POS + BAND_MAX_BAR_STEPS)  # (V,)
        table = _METER_POSITIONS[key] = ~(pos & (classes - BAND_POS >= steps.unsqueeze(1)))  # (classes, V)
    return table[meter]


class BandEncoder(nn.Module):
    """q(z | band arrays): a BiLSTM over each (bar, slot)'s events (with its program and the meter),
    the slots of a bar joined, a BiLSTM over the bars -> mu, sigma (B, Z)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        e = cfg.embed_size
        self.embed = nn.Embedding(cfg.vocab[0], e)
        self.program_embed = nn.Embedding(PROGRAM_CLASSES, e)
        self.meter_embed = nn.Embedding(METER_CLASSES, e)
        self.rnn = nn.LSTM(3 * e, cfg.enc_size, cfg.enc_layers, batch_first=True, bidirectional=True)
        self.join = nn.Linear(cfg.slots * 2 * cfg.enc_size, 2 * cfg.enc_size)
        self.bar_rnn = nn.LSTM(2 * cfg.enc_size, cfg.enc_size, 1, batch_first=True, bidirectional=True)
        self.to_mu = nn.Linear(2 * cfg.enc_size, cfg.z_size)
        self.to_sigma = nn.Linear(2 * cfg.enc_size, cfg.z_size)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        batch = as_long(batch)
        events, program = batch["events"], batch["program"]  # (B, bars, slots, L), (B, slots)
        b, bars, slots, _ = events.shape
        meter = _meter(batch, b, events.device)
        played = (program != EMPTY_SLOT).unsqueeze(1).expand(-1, bars, -1)  # (B, bars, slots)
        rows = played.nonzero(as_tuple=True)
        summary = events.new_zeros(b, bars, slots, 2 * self.cfg.enc_size, dtype=torch.float32)
        if len(rows[0]):
            seqs = events[rows]  # (N, L): only played sequences
            context = torch.cat(
                [
                    self.program_embed(program.unsqueeze(1).expand(-1, bars, -1)[rows]),
                    self.meter_embed(meter[rows[0]]),
                ],
                dim=-1,
            )  # (N, 2E)
            states = summary.new_zeros(len(seqs), 2 * self.cfg.enc_size)
            for group, cut in length_groups(sequence_lengths(seqs)):
                seq = seqs[group, :cut]
                x = torch.cat([self.embed(seq), context[group].unsqueeze(1).expand(-1, cut, -1)], dim=-1)
                _, (h, _) = self.rnn(self.drop(x))  # h: (layers * 2, n, H)
                states = states.index_put((group,), torch.cat([h[-2], h[-1]], dim=-1))
            summary = summary.index_put(rows, states)
        h = torch.tanh(self.join(summary.reshape(b, bars, -1)))  # (B, bars, 2H)
        _, (h, _) = self.bar_rnn(h)
        h = torch.cat([h[-2], h[-1]], dim=-1)  # (B, 2H)
        return self.to_mu(h), F.softplus(self.to_sigma(h)) + 1e-5


class BandDecoderParts(nn.Module):
    """What the band decoder adds to the conductor and the event LSTM: the meter, slot and program
    embeddings and the program head."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        e = cfg.embed_size
        self.meter_embed = nn.Embedding(METER_CLASSES, e)
        self.slot_embed = nn.Embedding(cfg.slots, e)
        self.program_embed = nn.Embedding(PROGRAM_CLASSES, e)
        self.program_out = nn.Linear(cfg.z_size + 2 * e, PROGRAM_CLASSES)
        # [bar embedding, program, slot, meter] -> what the event LSTM reads at every step and starts from
        self.cond_proj = nn.Sequential(nn.Linear(cfg.cond_size + 3 * e, 2 * e), nn.Tanh())


class BandModel(Protocol):
    """What the band functions read of a MusicVAE with a BAND decoder (models/musicvae.py)."""

    @property
    def cfg(self) -> ModelConfig: ...
    @property
    def band(self) -> BandDecoderParts: ...
    @property
    def decoders(self) -> nn.ModuleList: ...
    @property
    def conductor(self) -> nn.Module: ...


def _meter(batch: Mapping[str, Tensor], b: int, device: torch.device) -> Tensor:
    if "meter" in batch:
        return batch["meter"].reshape(b).long().to(device)
    return torch.zeros(b, dtype=torch.long, device=device)  # 4/4


def program_logits(parts: BandDecoderParts, zm: Tensor, slots: int) -> Tensor:
    """[z, meter] (B, Z + E) -> program logits (B, slots, 130)."""
    b = zm.shape[0]
    slot = parts.slot_embed.weight.unsqueeze(0).expand(b, -1, -1)  # (B, slots, E)
    out: Tensor = parts.program_out(torch.cat([zm.unsqueeze(1).expand(-1, slots, -1), slot], dim=-1))
    return out


def sequence_conditions(
    parts: BandDecoderParts, bar_cond: Tensor, program: Tensor, meter_e: Tensor
) -> Tensor:
    """The condition of every (bar, slot): (B, bars, slots, C + 3E)."""
    b, bars, _ = bar_cond.shape
    slots = program.shape[1]
    return torch.cat(
        [
            bar_cond.unsqueeze(2).expand(-1, -1, slots, -1),
            parts.program_embed(program).unsqueeze(1).expand(-1, bars, -1, -1),
            parts.slot_embed.weight[None, None].expand(b, bars, -1, -1),
            meter_e[:, None, None].expand(-1, bars, slots, -1),
        ],
        dim=-1,
    )


def teacher_forced_logits(
    model: BandModel, z: Tensor, batch: Mapping[str, Tensor], sampling: float = 0.0
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """The teacher-forced pass: program logits (B, slots, 130); event logits (N, L, V) of the played
    (bar, slot) rows, their targets (N, L), a bool (N, L) of the positions up to each END, and the
    batch index of each row (N,). `sampling` (training mode only): scheduled sampling's share of the
    event inputs drawn by the decoder itself (models/decoders.py `scheduled_inputs`)."""
    cfg, parts, dec = model.cfg, model.band, cast(CoreDecoder, model.decoders[0])
    batch = as_long(batch)
    events, program = batch["events"], batch["program"]
    b = z.shape[0]
    meter_e = parts.meter_embed(_meter(batch, b, z.device))  # (B, E)
    zm = torch.cat([z, meter_e], dim=-1)
    prog_logits = program_logits(parts, zm, cfg.slots)
    cond = sequence_conditions(parts, model.conductor(zm), program, meter_e)  # (B, bars, slots, D)
    played = (program != EMPTY_SLOT).unsqueeze(1).expand(-1, cfg.bars, -1)  # (B, bars, slots)
    rows = played.nonzero(as_tuple=True)
    target, cond = events[rows], cond[rows]  # (N, L), (N, D)
    n, length = target.shape
    lengths = sequence_lengths(target)
    if n == 0:
        empty = torch.zeros(0, length, dec.vocab, device=z.device)
        return prog_logits, empty, target, torch.zeros_like(target, dtype=torch.bool), rows[0]
    logits = torch.full((n, length, dec.vocab), -30.0, device=z.device)
    logits[..., BAND_END] = 30.0  # past every END: END, surely (masked from the loss anyway)
    cond = parts.cond_proj(cond)  # (N, 2E)
    for group, cut in length_groups(lengths):
        tgt, c = target[group, :cut], cond[group]
        start = torch.full((len(group), 1), dec.vocab, dtype=tgt.dtype, device=tgt.device)
        prev = torch.cat([start, tgt[:, :-1]], dim=1)
        if sampling > 0.0 and dec.training:
            with torch.no_grad():
                prev = scheduled_inputs(prev, dec.out(dec.drop(dec.lstm_outputs(prev, c))), sampling)
        out = dec.out(dec.drop(dec.lstm_outputs(prev, c)))  # (n, cut, V); zeros after the cut (argmax: END)
        logits = logits.index_put((group,), F.pad(out, (0, 0, 0, length - cut)))
    valid = torch.arange(length, device=z.device).unsqueeze(0) < lengths.to(z.device).unsqueeze(1)
    return prog_logits, logits, target, valid, rows[0]


def nll_terms(
    model: BandModel,
    z: Tensor,
    batch: Mapping[str, Tensor],
    weights: Mapping[str, Tensor] | None = None,
    sampling: float = 0.0,
) -> tuple[dict[str, Tensor], Tensor, Tensor]:
    """Negative log-likelihood per example {"program": (B,), "events": (B,)} and correct/total event
    counts (played sequences, up to their END).

    `weights["program"]` (B, slots) weighs each slot's program term and `weights["events"]`
    (B, bars, slots) each (bar, slot) sequence's (0 leaves it out: infilling counts only the sequences it
    knows; the sequences are independent given z, so a whole bar of an instrument is known or not).
    `sampling`: scheduled sampling in training (`teacher_forced_logits`)."""
    b, weights = z.shape[0], weights or {}
    prog_logits, logits, target, valid, row_batch = teacher_forced_logits(model, z, batch, sampling)
    program = batch["program"].long()
    prog_ce = F.cross_entropy(
        prog_logits.reshape(-1, prog_logits.shape[-1]), program.reshape(-1), reduction="none"
    ).view(b, -1)  # (B, slots)
    if "program" in weights:
        prog_ce = prog_ce * weights["program"].to(prog_ce)
    terms = {"program": prog_ce.sum(1)}
    ce = (F.cross_entropy(logits.transpose(1, 2), target, reduction="none") * valid).sum(1)  # (N,)
    if "events" in weights:
        played = (program != EMPTY_SLOT).unsqueeze(1).expand(-1, model.cfg.bars, -1)
        ce = ce * weights["events"].to(ce)[played.nonzero(as_tuple=True)]
    terms["events"] = torch.zeros(b, device=z.device, dtype=ce.dtype).index_add(0, row_batch, ce)
    correct = ((logits.argmax(-1) == target) & valid).sum().float()
    return terms, correct, valid.sum().float()


def program_log_probs(model: BandModel, z: Tensor, meter: Tensor) -> Tensor:
    """log p(program | z, meter) of every slot: z (B, Z), meter classes (B,) -> (B, slots, 130)."""
    parts = model.band
    zm = torch.cat([z, parts.meter_embed(meter.long().to(z.device))], dim=-1)
    return F.log_softmax(program_logits(parts, zm, model.cfg.slots).float(), dim=-1)


def pick_programs(
    logits: Tensor, temperature: float, generator: torch.Generator | None, allowed: Tensor | None = None
) -> Tensor:
    """Each slot's program, slot after slot, at most one drum kit (the converter merges all drums into
    one slot): logits (B, slots, 130) -> (B, slots)."""
    b, slots, v = logits.shape
    noisy = logits.float() + sampling_noise((b, slots, v), temperature, allowed, generator, logits.device)
    # every slot's pick with the kit still free and with it taken (its score -inf), then the slots in turn
    # take one or the other: the same comparisons as a loop over the slots (argmax: the first largest, a
    # NaN first, as torch's), at a few us where torch's ops per slot took ~50 (16 slots: 0.8 ms)
    scores = noisy.cpu().numpy()
    taken = scores.copy()
    taken[..., DRUM_KIT] = -np.inf
    # a slot left nothing to take (a second kit where only kits are allowed) stays empty
    free_pick, taken_pick = (
        np.where(np.isinf(s).all(-1), EMPTY_SLOT, s.argmax(-1)).tolist() for s in (scores, taken)
    )
    picks = []
    for free_row, taken_row in zip(free_pick, taken_pick, strict=True):
        kit, row = False, []
        for free, took in zip(free_row, taken_row, strict=True):
            p = took if kit else free
            kit = kit or p == DRUM_KIT
            row.append(p)
        picks.append(row)
    return torch.tensor(picks, dtype=torch.long, device=logits.device).reshape(b, slots)


def row_temperatures(program: Tensor, temperature: Temperature) -> float | Tensor:
    """One temperature per row (an instrument of a band bar, a multitrack slot) from the part its GM
    program plays, (N,); a float stays one. Raises KeyError when a played part has no temperature."""
    if not isinstance(temperature, Mapping):
        return float(temperature)
    parts = [part_of_program(int(p)) for p in program.tolist()]
    missing = sorted({p for p in parts if p not in temperature})
    if missing:
        raise KeyError(f"no temperature for {', '.join(missing)}")
    return torch.tensor([float(temperature[p]) for p in parts], device=program.device)


def program_temperature(temperature: Temperature) -> float:
    """Instruments are drawn at the mean of the parts' temperatures (they choose which parts play); a
    "velocity" entry is not a part and is left out."""
    if isinstance(temperature, Mapping):
        parts = [float(t) for p, t in temperature.items() if p != VELOCITY]
        return sum(parts) / max(len(parts), 1)
    return float(temperature)


VELOCITY = "velocity"  # the name of the velocity temperature in a temperature mapping
# The velocity classes' own temperature when a call gives none, chosen by measurement (issue 13;
# `python -m benchmarks.run band_velocity`: the bundled band_4bar with its parts at 0.3, 2 x 64 samples,
# against 256 band_4bar windows of its training songs, BENCHMARKS.md). The training music is itself
# nearly flat: 2.5 distinct velocities per instrument and 4-bar window (drums 3.7, bass 1.2, others 2.5),
# velocity spread 0.011 of 127 per pitched instrument, 0.067 for the drums. With the VEL classes at the
# parts' 0.3 the samples have 2.1 (drums 2.6) and a drum spread of 0.054; at 0.4, 2.5 (drums 3.4) and
# 0.074; at 1.0, 6.2 (drums 11.7) and 0.197. The pitched spread's overlap with the music is 0.45 at 0.3
# and 0.4, 0.43 at 0.5, 0.21 at 1.0. So 0.4; a musician who wants livelier dynamics than the training
# music raises it (--part-temperature velocity=0.8).
VELOCITY_TEMPERATURE = 0.4


def velocity_temperature(temperature: Temperature) -> float:
    """The temperature the VEL classes are drawn at: `temperature["velocity"]`, else VELOCITY_TEMPERATURE
    (a single number sets the parts' notes, not their loudness)."""
    if isinstance(temperature, Mapping) and VELOCITY in temperature:
        return float(temperature[VELOCITY])
    return VELOCITY_TEMPERATURE


def class_temperatures(
    rows: float | Tensor, n: int, vocab: int, velocity: float, device: torch.device
) -> Tensor:
    """Each row's temperature for every event class, (N, V): the row's own (its part's, `row_temperatures`)
    and `velocity` for the VEL classes. Gumbel-max with per-class noise scales: among the VEL classes
    the bin is drawn exactly from softmax(logits / velocity) (the argmax of a group and its maximum are
    independent), while whether a VEL event comes at all is decided by the group maxima."""
    t = torch.as_tensor(rows, dtype=torch.float32, device=device).reshape(-1)
    out = t.unsqueeze(1).expand(n if t.numel() == 1 else t.numel(), vocab).clone()
    out[:, BAND_VEL : BAND_VEL + VELOCITY_BINS] = float(velocity)
    return out


@torch.no_grad()
def decode(
    model: BandModel,
    z: Tensor,
    temperature: Temperature,
    mask: Mapping[str, Tensor],
    given: Mapping[str, Tensor],
    generator: torch.Generator | None,
    top_k: int = 0,
) -> dict[str, Tensor]:
    """z (B, Z) -> {"program": (B, slots), "meter": (B,), "events": (B, bars, slots, L)}.

    `given["meter"]` (B,) sets the meter (default 4/4), `given["program"]` the instruments,
    `given["events"]` teacher-forces the events; `mask["program"]` (130,) limits the instruments drawn,
    `mask["events"]` (V,) the events of pitched slots (a key: its PITCH classes), or (slots, V) each slot's
    (infilling: a new top line above the song's other parts, a new bass below them). `top_k` > 0:
    each event is drawn from the k likeliest allowed events only (`CoreDecoder.sample`; 0 = off).
    """
    cfg, parts, dec = model.cfg, model.band, cast(CoreDecoder, model.decoders[0])
    b, device, given = z.shape[0], z.device, as_long(given)
    meter = _meter(given, b, device)
    meter_e = parts.meter_embed(meter)
    zm = torch.cat([z, meter_e], dim=-1)
    if "program" in given:
        program = given["program"].reshape(b, cfg.slots).long()
    else:
        logits = program_logits(parts, zm, cfg.slots)
        program = pick_programs(logits, program_temperature(temperature), generator, mask.get("program"))
    cond = sequence_conditions(parts, model.conductor(zm), program, meter_e)  # (B, bars, slots, D)
    length = cfg.bar_steps
    events = torch.zeros(b, cfg.bars, cfg.slots, length, dtype=torch.long, device=device)
    played = (program != EMPTY_SLOT).unsqueeze(1).expand(-1, cfg.bars, -1)
    rows = played.nonzero(as_tuple=True)
    if len(rows[0]):
        row_program = program.unsqueeze(1).expand(-1, cfg.bars, -1)[rows]  # (N,)
        allowed = meter_positions(meter, dec.vocab)[rows[0]]  # (N, V)
        if "events" in mask:
            user = mask["events"].to(device).bool()
            classes = torch.arange(dec.vocab, device=device)
            pitch = (classes >= BAND_PITCH) & (classes < BAND_DUR)
            keyed = (row_program < DRUM_KIT).unsqueeze(1) & pitch.unsqueeze(0)  # (N, V)
            user = user[rows[2]] if user.ndim == 2 else user.unsqueeze(0)  # (N, V) or (1, V)
            allowed = allowed & (~keyed | user)
        forced = given["events"].to(device)[rows] if "events" in given else None
        row_cond = parts.cond_proj(cond[rows])
        row_t = class_temperatures(
            row_temperatures(row_program, temperature), len(row_program), dec.vocab,
            velocity_temperature(temperature), device,
        )  # fmt: skip
        chunks, threads = [], fast_decode.row_threads()  # the rows are independent sequences
        # a chunk of rows at a time: off the C kernel the sampling noise of all rows at once is (L, rows, V)
        # floats, 400 MB for the report card's 32 sixteen-bar samples. The noise is `counter_noise`: the
        # kernel draws it for the steps a row runs (a bar's part is ~25 of its 96 events), and each row
        # stops at its END, so a decode costs the events written, not bars x parts x 96 steps
        for lo in range(0, len(row_program), DECODE_ROWS):
            sl = slice(lo, lo + DECODE_ROWS)
            toks, _ = dec.sample(  # everything after a sequence's first END is END (it is over)
                row_cond[sl], length, row_t[sl], allowed[sl], forced if forced is None else forced[sl],
                generator, end=BAND_END, counter=True, threads=threads, top_k=top_k,
            )  # fmt: skip
            chunks.append(toks.to(device))
        events[rows] = torch.cat(chunks)
    return {"program": program, "meter": meter, "events": events}
