"""The one atomic file write: all or nothing, no temporary files left, one error type with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import store
from models.store import WriteError, atomic_write


def test_atomic_write_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    atomic_write(target, b"old")
    atomic_write(target, b"new", durable=False)
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_failed_write_keeps_the_old_file_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "clip.mid"
    atomic_write(target, b"old")

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", no_space)
    with pytest.raises(
        WriteError, match=r"could not write clip.mid \(No space left on device; is the disk full\?\); kept"
    ):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["clip.mid"]
    with pytest.raises(OSError, match="No such file or directory\\)$"):  # WriteError is an OSError
        atomic_write(tmp_path / "missing" / "x.mid", b"")  # nothing was there: no "kept the previous one"
    monkeypatch.undo()  # the disk has room again; the target is a folder
    (tmp_path / "a-folder.wav").mkdir()
    with pytest.raises(WriteError, match=r"could not write a-folder.wav \(Is a directory\)$"):
        atomic_write(tmp_path / "a-folder.wav", b"")
