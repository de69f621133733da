"""`python main.py prepare`: the table, the --json object, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import main
from tests.conftest import ROOT


@pytest.fixture
def folder(tmp_path: Path, midi_dir: Path) -> Path:
    for name in ("d_dm14.mid", "chor207.mid"):
        shutil.copy(next(midi_dir.rglob(name)), tmp_path / name)
    (tmp_path / "broken.mid").write_bytes(b"MThd\x00")
    return tmp_path


def test_json_is_one_object_with_the_agreed_keys(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["prepare", str(folder), "--json"]) == 0
    out = capsys.readouterr().out
    payload = json.loads(out)  # exactly one JSON document on stdout
    assert {"files_used", "files_skipped", "examples", "seconds"} <= set(payload)
    assert payload["files_used"] == 2  # the 3/4 chorale: by the band models only
    assert set(payload["examples"]) == {
        "mel_2bar", "drums_2bar", "trio_16bar", "multitrack_1bar", "band_1bar", "band_4bar", "band_16bar"
    }  # fmt: skip
    assert all(n > 0 for n in payload["examples"].values())
    skipped = {Path(s["path"]).name: s["reason"] for s in payload["files_skipped"]}
    assert set(skipped) == {"broken.mid"}
    chorale = next(f for f in payload["files"] if f["path"].endswith("chor207.mid"))
    assert chorale["examples"]["band_4bar"] > 0 and chorale["examples"]["mel_2bar"] == 0
    assert any("3/4" in part for part in chorale["skipped_parts"])  # what the 4/4 models leave out
    assert len(payload["files"]) == 3 and payload["seconds"] >= 0
    # issue 13: per config, the notes in usable bars and how many of them its examples keep
    cover = payload["coverage"]
    assert set(cover) == set(payload["examples"])
    assert all(set(v) == {"notes", "kept"} and 0 < v["kept"] <= v["notes"] for v in cover.values())
    assert len({v["notes"] for v in cover.values()}) == 1  # d_dm14's usable bars, whatever the config
    assert cover["multitrack_1bar"]["kept"] > cover["mel_2bar"]["kept"]
    # coverage counts the 4/4 bars: the 3/4 chorale (used by the band models) adds none, so d_dm14's
    # counts are the folder's
    dm14 = next(f for f in payload["files"] if f["path"].endswith("d_dm14.mid"))
    assert dm14["used"] and dm14["coverage"] == cover


def test_one_config_and_no_cache(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["prepare", str(folder), "--json", "--config", "drums_2bar", "--no-cache"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert list(payload["examples"]) == ["drums_2bar"] and payload["examples"]["drums_2bar"] > 0


def test_table_lists_every_file(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["prepare", str(folder)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.endswith(".mid") or ".mid " in line}
    assert "used" in lines["d_dm14.mid"] and "lead(" in lines["d_dm14.mid"] and "drums" in lines["d_dm14.mid"]
    assert "skipped" in lines["broken.mid"] and "cut short" in lines["broken.mid"]
    assert "2 of 3 files used, 1 skipped" in out
    kept = next(line for line in out.splitlines() if line.startswith("notes in usable bars"))
    assert "multitrack_1bar" in kept and "%" in kept and " of " in kept


@pytest.mark.parametrize("make", ["missing", "empty", "config"])
def test_exit_code_2_with_a_clear_message(
    tmp_path: Path, make: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "nope" if make == "missing" else tmp_path
    extra = ["--config", "jazz_9bar"] if make == "config" else []
    assert main.main(["prepare", str(target), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("prepare: ") and err.count("\n") == 1


def test_runs_as_a_command(folder: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "main.py", "prepare", str(folder), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["files_used"] == 2


def test_table_shows_programs_set_in_another_track_and_drums_found_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.engine.midi import midi_cases as mc

    mc.programs_in_tempo_track(tmp_path / "programs.mid")
    mc.kit_on_channel_16(tmp_path / "kit.mid")
    assert main.main(["prepare", str(tmp_path), "--no-cache"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines() if ".mid" in line}
    assert "bass(33), lead(73)" in rows["programs.mid"]
    assert "drums" in rows["kit.mid"] and "track 'Drums' on channel 16 read as drums" in rows["kit.mid"]
