"""DistributedDataParallel: `torchrun --nproc_per_node 2 main.py train ...` on CPU with gloo; ranks agree."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from engine.training.distributed import from_env
from models.card import read_card
from tests.conftest import ROOT
from tests.engine.training.train_helpers import DRUM_FILES, copy_files


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_processes_train_the_same_model(midi_dir: Path, tmp_path: Path) -> None:
    folder = copy_files(midi_dir, DRUM_FILES, tmp_path / "drums")
    out, hashes = tmp_path / "model", tmp_path / "hashes"
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "--master_addr", "127.0.0.1", "--master_port", str(_free_port()),
        "main.py", "train", str(folder), "--config", "drums_2bar", "--size", "tiny", "--steps", "4",
        "--out", str(out), "--device", "cpu",
    ]  # fmt: skip
    env = {**os.environ, "BANDMATE_TEST_PARAM_HASH_DIR": str(hashes), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    rank0, rank1 = (hashes / "rank0.txt").read_text().split(), (hashes / "rank1.txt").read_text().split()
    assert rank0[0] == rank1[0] == "4"  # both stopped at the same step
    assert rank0[1] == rank1[1]  # ... with identical weights
    card = read_card(out)
    assert card.training.step == 4 and card.training.world_size == 2
    assert (out / "report.json").is_file()
    assert proc.stdout.count("model: ") == 1  # only rank 0 prints
    assert "x 2 processes" in proc.stderr


def test_without_torchrun_there_is_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    info = from_env()
    assert (info.world, info.rank, info.enabled, info.is_main) == (1, 0, False, True)
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert (from_env().world, from_env().rank, from_env().is_main) == (4, 2, False)
