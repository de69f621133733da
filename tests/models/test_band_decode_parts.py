"""Parts of the band decoder (models/band.py): the instrument draw (`pick_programs`), whose NumPy slot
pass picks what a loop of torch ops over the slots picks (the code before it), kits, masks and empty
slots included; and each meter's allowed event classes (`meter_positions`, a table built once)."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

from models import band
from models.decoders import sampling_noise
from models.vocab import (
    BAND_MAX_BAR_STEPS,
    BAND_POS,
    BAND_VOCAB,
    DRUM_KIT,
    EMPTY_SLOT,
    METER_CLASSES,
    PROGRAM_CLASSES,
    meter_steps,
)


def _reference(
    logits: Tensor, temperature: float, generator: torch.Generator, allowed: Tensor | None
) -> Tensor:
    """pick_programs as torch ops, slot after slot (the loop it replaced)."""
    b, slots, v = logits.shape
    noisy = logits.float() + sampling_noise((b, slots, v), temperature, allowed, generator, logits.device)
    kit = torch.zeros(b, dtype=torch.bool)
    picks = []
    for slot in range(slots):
        row = noisy[:, slot].clone()
        row[:, DRUM_KIT] = torch.where(kit, float("-inf"), row[:, DRUM_KIT])
        p = torch.where(torch.isinf(row).all(-1), EMPTY_SLOT, row.argmax(-1))
        kit = kit | (p == DRUM_KIT)
        picks.append(p)
    return torch.stack(picks, dim=1)


def _masks() -> list[Tensor | None]:
    only_kit = torch.zeros(PROGRAM_CLASSES, dtype=torch.bool)
    only_kit[DRUM_KIT] = True  # every slot wants a kit: the second and later stay empty
    kit_or_two = only_kit.clone()
    kit_or_two[[0, 33]] = True
    return [None, only_kit, kit_or_two]


@pytest.mark.parametrize("temperature", [0.0, 0.5, 1.5])
@pytest.mark.parametrize("mask", range(3))
def test_picks_match_the_slot_loop(temperature: float, mask: int) -> None:
    allowed = _masks()[mask]
    for seed in range(6):
        g = torch.Generator().manual_seed(seed)
        logits = torch.randn(5, 16, PROGRAM_CLASSES, generator=g) * 3
        logits[0, :, DRUM_KIT] += 20  # one clip whose slots all lean to the drums
        logits[1, 3:, :] = float("-inf")  # and slots with nothing left (empty unless masks unmask them)
        got = band.pick_programs(logits, temperature, torch.Generator().manual_seed(seed), allowed)
        want = _reference(logits, temperature, torch.Generator().manual_seed(seed), allowed)
        assert got.dtype == torch.long and got.shape == (5, 16)
        assert torch.equal(got, want)
        assert int((got == DRUM_KIT).sum(1).max()) <= 1


def test_no_clips_pick_nothing() -> None:
    picks = band.pick_programs(torch.zeros(0, 4, PROGRAM_CLASSES), 1.0, torch.Generator().manual_seed(0))
    assert picks.shape == (0, 4)


def test_meter_positions_allow_the_positions_of_each_meters_bar() -> None:
    meters = torch.tensor([*range(METER_CLASSES), 0, METER_CLASSES - 1])
    allowed = band.meter_positions(meters, BAND_VOCAB)
    assert allowed.shape == (len(meters), BAND_VOCAB) and allowed.dtype == torch.bool
    for row, m in zip(allowed, meters.tolist(), strict=True):
        pos = row[BAND_POS : BAND_POS + BAND_MAX_BAR_STEPS]
        assert pos.tolist() == [p < meter_steps(m) for p in range(BAND_MAX_BAR_STEPS)]
        assert bool(row[:BAND_POS].all()) and bool(row[BAND_POS + BAND_MAX_BAR_STEPS :].all())
    want = allowed.clone()
    allowed[:] = False  # the caller's copy: the next call is not changed by it
    assert torch.equal(band.meter_positions(meters, BAND_VOCAB), want)
