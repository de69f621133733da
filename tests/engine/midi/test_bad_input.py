"""Bad input: every broken file gets a one-line reason (bounded work) and the run carries on."""

from __future__ import annotations

import os
import random
import shutil
import struct
from pathlib import Path

import pytest

from engine.data.dataset import DatasetError, prepare
from engine.midi.files import MidiError, read_song
from engine.midi.smf import MAX_EVENTS


def smf(tracks: list[bytes], tpq: int = 480, fmt: int = 1) -> bytes:
    head = b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), tpq)
    return head + b"".join(b"MTrk" + struct.pack(">I", len(t)) + t for t in tracks)


def varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.insert(0, 0x80 | (value & 0x7F))
        value >>= 7
    return bytes(out)


NOTE = b"\x00\x90\x3c\x64" + b"\x83\x60\x80\x3c\x00"  # a quarter note C4 at tpq 480
END = b"\x00\xff\x2f\x00"


def bad_files(folder: Path, real: Path) -> dict[str, str]:
    """Write the bad files; returns file name -> a word its reason must contain."""
    cases = {
        "empty.mid": (b"", "empty"),
        "no_status.mid": (smf([b"\x00\x3c\x64" + END]), "data byte without a status"),
        "picture.mid": (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a MIDI file"),
        "zero_tpq.mid": (smf([NOTE + END], tpq=0), "0 ticks per beat"),
        "smpte.mid": (smf([NOTE + END], tpq=0xE728), "SMPTE"),
        "hours.mid": (
            smf([b"\x00\x90\x3c\x64" + varlen(0x0FFFFFFF) + b"\x80\x3c\x00" + END], tpq=24),
            "hours",
        ),
        "far_note.mid": (
            smf([(varlen(0x0FFFFFFF) + b"\xff\x01\x00") * 3 + b"\x00\x90\x3c\x64\x10\x80\x3c\x00" + END]),
            "hours",
        ),
        "silent.mid": (smf([b"\x00\xff\x51\x03\x07\xa1\x20" + END]), "no notes"),
        "header_only.mid": (b"MThd" + struct.pack(">IHHH", 6, 1, 1, 480), "cut short"),
        # two million running-status note events (6 MB): refused at the event cap, not parsed to the end
        "millions.mid": (smf([b"\x00\x90\x3c\x64" + b"\x00\x3c\x64" * 2_000_000 + END]), "events"),
    }
    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    with open(folder / "huge.mid", "wb") as fh:  # 20 MB of nothing: refused from its size, never read
        fh.truncate(20 * 2**20)
    (folder / "folder.mid").mkdir()
    os.symlink(folder / "gone.mid", folder / "broken.mid")
    os.mkfifo(folder / "pipe.mid")  # opening it for reading would wait forever
    words = {name: word for name, (_, word) in cases.items()}
    return {
        **words,
        "huge.mid": "too large",
        "folder.mid": "folder",
        "broken.mid": "broken link",
        "pipe.mid": "not a regular file",
    }


def salvaged_files(folder: Path, real: Path) -> dict[str, str]:
    """Damaged files whose readable part is kept; returns file name -> a word its notice must contain."""
    good = real.read_bytes()
    cases = {
        "truncated.mid": (good[: len(good) // 2], "cut short"),
        "corrupt.mid": (smf([b"\x00\x90\x3c\x64\x00\xf4\x01\x02" + END]), "dropped"),
        "crazy_length.mid": (
            b"MThd" + struct.pack(">IHHH", 6, 1, 1, 480) + b"MTrk\xff\xff\xff\xff" + NOTE,
            "cut short",
        ),
    }
    for name, (data, _) in cases.items():
        (folder / name).write_bytes(data)
    return {name: word for name, (_, word) in cases.items()}


@pytest.fixture
def bad_folder(tmp_path: Path, midi_dir: Path) -> tuple[Path, dict[str, str]]:
    real = next(midi_dir.rglob("reelsa-c35.mid"))
    folder = tmp_path / "bad"
    folder.mkdir()
    expected = bad_files(folder, real)
    salvaged_files(folder, real)
    shutil.copy(real, folder / "good.mid")
    return folder, expected


def test_each_bad_file_gets_a_one_line_reason_and_the_run_carries_on(bad_folder: tuple[Path, dict]) -> None:
    folder, expected = bad_folder
    report = prepare(folder)
    reasons = {Path(f.path).name: f.reason for f in report.files_skipped}
    used = {Path(f.path).name: f for f in report.files if f.used}
    # a cut-short file and one with an unreadable event keep what reads cleanly and say what was dropped
    assert set(used) == {"good.mid", "truncated.mid", "corrupt.mid", "crazy_length.mid"}
    assert report.examples["mel_2bar"] > 0
    for name, word in salvaged_files(folder.parent, Path(used["good.mid"].path)).items():
        assert any(word in part for part in used[name].notices), (name, used[name].notices)
    assert set(reasons) == set(expected)
    for name, word in expected.items():
        assert word in reasons[name], (name, reasons[name])
        assert "\n" not in reasons[name] and len(reasons[name]) < 200
    again = prepare(folder)  # cached reasons come back the same
    assert {Path(f.path).name: f.reason for f in again.files_skipped} == reasons


def test_read_song_raises_midi_error_not_anything_else(bad_folder: tuple[Path, dict]) -> None:
    folder, expected = bad_folder
    assert MAX_EVENTS < 2_000_000
    for name in expected:
        if name == "millions.mid":  # covered above; slow-ish, as it parses MAX_EVENTS events first
            continue
        with pytest.raises(MidiError):
            read_song(folder / name)


def test_random_damage_gives_midi_errors_only(midi_dir: Path) -> None:
    """300 randomly damaged copies of a real file: each reads or fails with MidiError, nothing else."""
    original = next(midi_dir.rglob("reelsa-c35.mid")).read_bytes()
    rng = random.Random(7)
    outcomes = {"read": 0, "refused": 0}
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            if rng.random() < 0.7:
                data[at] = rng.randrange(256)
            else:
                del data[at : at + rng.randint(1, 20)]
        try:
            read_song("damaged.mid", bytes(data))
            outcomes["read"] += 1
        except MidiError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
    assert outcomes["read"] > 0 and outcomes["refused"] > 0


def test_folder_without_midi(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(DatasetError, match="no MIDI files"):
        prepare(tmp_path)
