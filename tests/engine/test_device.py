"""engine.device: picking the device, and the context managers that own torch's process-wide settings."""

from __future__ import annotations

import pytest
import torch

from engine.device import (
    DeviceError,
    aten_lstm,
    decoding_threads,
    idle_threads,
    pick_device,
    torch_threads,
    training_threads,
)


def test_pick_device() -> None:
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device("auto").type in ("cuda", "mps", "cpu")
    assert pick_device(torch.device("cpu")) == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="no CUDA"):
            pick_device("cuda")


def test_thread_settings_are_restored_on_the_way_out() -> None:
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
        with pytest.raises(RuntimeError), torch_threads(2):
            raise RuntimeError("a failing call restores the setting too")
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with decoding_threads("cpu"):
        assert torch.get_num_threads() == 1
    with training_threads("cpu"):
        assert torch.get_num_threads() == idle_threads() >= 1
    with torch_threads(None):
        assert torch.get_num_threads() == before
    assert torch.get_num_threads() == before


def test_aten_lstm_is_scoped() -> None:
    before = torch.backends.mkldnn.enabled
    with aten_lstm():
        assert not torch.backends.mkldnn.enabled
    assert torch.backends.mkldnn.enabled == before
