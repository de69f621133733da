"""Bad input on the command line (the fresh-user trial's list): every refusal is one line, exit 2 for bad
arguments, and comes before the long work (loading a model, generating, training). Real files: the
bundled example beats and songs, the test MIDI folder, the bundled models."""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import tempfile
from pathlib import Path

import pytest

import main
from cli import common
from engine.midi.files import read_midi, write_midi
from tests.conftest import MIDI_DIR

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
BEAT = EXAMPLES / "groove" / "10_country_114_beat_4-4.mid"
BEAT_B = EXAMPLES / "groove" / "31_hiphop_92_beat_4-4.mid"
SONG = EXAMPLES / "freedoom" / "d_dm14.mid"  # melody, bass and drums
DRUM_DIR = MIDI_DIR / "drums/zharry29-drums-with-llm"
GROOVES = [
    DRUM_DIR / "drummer3/session2/31_hiphop_92_beat_4-4.mid",
    DRUM_DIR / "drummer4/session1/4_latin-brazilian_92_beat_4-4.mid",
]

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def run(*argv: str | Path) -> int:
    """main.main's exit code, argparse's refusals (SystemExit) included."""
    try:
        return main.main([str(a) for a in argv])
    except SystemExit as e:
        return int(e.code or 0)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    """What the command said on stderr, checked to be exactly one line and no traceback."""
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err, err
    return err


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh BANDMATE_HOME, so that no test sees or writes the user's models."""
    monkeypatch.setenv("BANDMATE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("sample", "drums_2bar", "--bars", "0"), "--bars: '0': write a whole number from 1 to 5000"),
        (("sample", "drums_2bar", "--bars", "-4"), "argument --bars: '-4'"),
        (("sample", "drums_2bar", "--bars", "9999999"), "from 1 to 5000"),
        (("jam", "--bars", "0", "--out", "OUT/j.mid"), "argument --bars: '0'"),
        (("sample", "drums_2bar", "--n", "100000"), "--n: '100000': write a whole number from 1 to 1000"),
        (("sample", "drums_2bar", "--n", "0"), "argument --n: '0'"),
        (("sample", "drums_2bar", "--bpm", "0"), "argument --bpm: '0': write a number from 20 to 300"),
        (("interpolate", "drums_2bar", BEAT, BEAT, "--steps", "100000"), "from 2 to 64"),
        (("blend", "drums_2bar", BEAT, BEAT, BEAT, BEAT, "--grid", "1000"), "argument --grid"),
        (("variations", "drums_2bar", BEAT, "--amount", "3"), "--amount: '3': write a number from 0 to 1"),
        (("variations", "drums_2bar", BEAT, "--amount", "nan"), "argument --amount"),
        (("humanize", "drums_2bar", BEAT, "--amount", "-1"), "argument --amount"),
        (("render", BEAT, "OUT/x.wav", "--tail", "-1"), "argument --tail: '-1': write a number of 0 or more"),
        (("render", BEAT, "OUT/x.wav", "--bpm", "1000"), "argument --bpm"),
        (("record", "OUT/r.mid", "--bars", "0"), "argument --bars"),
    ],
)  # fmt: skip
def test_out_of_range_numbers_are_refused_in_one_line_before_any_work(
    argv: tuple[str | Path, ...], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = tuple(str(a).replace("OUT", str(out)) for a in argv)
    assert run(*argv, *(() if "--out" in argv or argv[0] in ("render", "record") else ("--out", out))) == 2
    err = one_line(capsys)
    assert said in err and "--help lists the options" in err, err
    assert "model:" not in capsys.readouterr().out
    assert not out.exists()


def _under_a_file(tmp_path: Path) -> Path:
    """A folder that cannot be made: its parent is a file (a read-only place even for root)."""
    (tmp_path / "afile").write_text("not a folder")
    return tmp_path / "afile" / "sub"


@pytest.mark.parametrize(
    "argv",
    [
        ("sample", "drums_2bar", "--n", "2", "--out", "BAD"),
        ("variations", "drums_2bar", BEAT, "--n", "2", "--out", "BAD"),
        ("interpolate", "drums_2bar", BEAT, BEAT_B, "--steps", "3", "--out", "BAD"),
        ("blend", "drums_2bar", BEAT, BEAT_B, BEAT, BEAT_B, "--grid", "2", "--out", "BAD"),
        ("humanize", "drums_2bar", BEAT, "--out", "BAD/h.mid"),
        ("complete", "trio_16bar", SONG, "--out", "BAD"),
        ("infill", "trio_16bar", SONG, "--tracks", "bass", "--out", "BAD/i.mid"),
        ("jam", "--bars", "4", "--out", "BAD/j.mid"),
    ],
)
def test_an_unwritable_out_is_named_as_given_before_the_model_loads(
    argv: tuple[str | Path, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _under_a_file(tmp_path)
    argv = tuple(str(a).replace("BAD", str(bad)) for a in argv)
    given = argv[argv.index("--out") + 1]
    assert run(*argv) == 2
    err = one_line(capsys)
    assert err == f"error: --out {given}: {tmp_path / 'afile'} is a file, so no folder can be made there"
    assert "model:" not in capsys.readouterr().out  # refused before loading: no generation at all


def test_a_read_only_folder_is_refused_with_its_name_not_a_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only disk (root ignores chmod, so the disk's refusal is what tempfile raises there)."""
    real = tempfile.TemporaryFile

    def read_only(*args, dir=None, **kwargs):  # noqa: ANN002, ANN003, ANN202, A002
        if dir is not None and Path(dir).resolve() == (tmp_path / "ro").resolve():
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(Path(dir) / ".tmpabc123"))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    (tmp_path / "ro").mkdir()
    ro = tmp_path / "ro"
    cases = [
        ("sample", "drums_2bar", "--n", "1", "--out", ro),
        ("sample", "drums_2bar", "--n", "1", "--out", ro / "new" / "deeper"),  # made under ro: refused too
        ("humanize", "drums_2bar", BEAT, "--out", ro / "h.mid"),
    ]
    for argv in cases:
        assert run(*argv) == 2
        err = one_line(capsys)
        given = argv[argv.index("--out") + 1]
        assert err == f"error: --out {given}: cannot write into {ro} (Read-only file system)", err
        assert ".tmp" not in err
    assert run("render", BEAT, ro / "x.wav") == 1  # the sound commands' own prefix and exit code
    err = one_line(capsys)
    assert err == f"bandmate render: {ro / 'x.wav'}: cannot write into {ro} (Read-only file system)"
    assert list(ro.iterdir()) == []


def test_the_check_makes_nothing_and_a_writable_out_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common.check_writable(tmp_path / "a" / "b", "a/b")
    assert list(tmp_path.iterdir()) == []  # no folder made, no probe file left
    out = tmp_path / "new" / "clips"
    assert run("sample", "drums_2bar", "--n", "2", "--bars", "2", "--seed", "1", "--out", out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["sample_01.mid", "sample_02.mid"]
    assert "wrote" in capsys.readouterr().out


def test_train_refuses_an_unwritable_out_before_saying_what_it_will_do(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "beats"
    folder.mkdir()
    for f in GROOVES:
        (folder / f.name).write_bytes(f.read_bytes())
    bad = _under_a_file(tmp_path) / "model"
    assert run("train", folder, "--minutes", "0.2", "--out", bad) == 2
    err = one_line(capsys)
    assert (
        err == f"bandmate train: --out {bad}: {tmp_path / 'afile'} is a file, so no folder can be made there"
    )
    assert "fine-tuning" not in err and "starting from" not in err
    assert not home.exists()


def test_train_on_a_folder_without_usable_midi_says_so_first(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "nonmidi"
    folder.mkdir()
    (folder / "fake.mid").write_text("this is not MIDI")
    (folder / "readme.mid").write_bytes(b"MThd")
    (folder / "notes.txt").write_text("hello")
    (folder / "beat.wav").write_bytes(b"RIFF....WAVE")
    assert run("train", folder, "--minutes", "0.2") == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith(
        f"bandmate train: no usable MIDI files for drums_2bar in {folder}: 2 skipped; first: "
    )
    assert "not a MIDI file" in err and f"python main.py prepare {folder}" in err
    assert "starting from the bundled" not in captured.out + captured.err
    assert not (home / "models").exists()


def test_a_second_ctrl_c_aborts_training_quietly(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two real SIGINTs while training runs: the first asks it to stop after the step, the second aborts
    at once with one line and exit 130 (what train does in between is stood in for: no training here)."""
    import engine.training.start

    def interrupted_twice(*args, cancel, **kwargs):  # noqa: ANN002, ANN003, ANN202
        os.kill(os.getpid(), signal.SIGINT)
        assert cancel.is_set()  # the first Ctrl-C: stop after this step
        os.kill(os.getpid(), signal.SIGINT)
        raise AssertionError("the second Ctrl-C should have stopped training")

    monkeypatch.setattr(engine.training.start, "train_from_start", interrupted_twice)
    before = signal.getsignal(signal.SIGINT)
    out = tmp_path / "model"
    assert run("train", GROOVES[0].parent, "--minutes", "0.2", "--out", out) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "stopping after this step and saving (Ctrl-C again to abort)",
        f"bandmate train: aborted; the last checkpoint saved in {out} is kept",
    ], err
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl-C is the terminal's again


def test_infill_lists_each_part_or_track_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A song whose tracks are named like the parts (as Bandmate writes them) used to list them twice."""
    song = read_midi(SONG).pattern
    names = iter(("melody", "bass", "drums"))
    renamed = [dataclasses.replace(t, name=next(names, t.name)) for t in song.tracks]
    path = tmp_path / "named.mid"
    write_midi(song.with_tracks(renamed), path)
    assert run("infill", "trio_16bar", path, "--tracks", "tuba", "--out", tmp_path / "o.mid") == 2
    err = one_line(capsys)
    assert err.startswith("error: unknown part or track 'tuba'; choose from melody, bass, drums"), err
    listed = err.split("choose from ")[1].split(", ")
    assert len(listed) == len(set(listed)), listed


def test_help_says_where_models_go_and_what_out_takes(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("train", "--help") == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "$BANDMATE_HOME/models/<config>-<folder>" in text and "default: 10" in text
    assert run("sample", "--help") == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "a .mid file for one clip" not in text and "the folder for the clips" in text
    assert "1 to 1000" in text and "1 to 5000" in text
    assert run("humanize", "--help") == 0
    assert "a .mid file to write, or a folder for it" in " ".join(capsys.readouterr().out.split())
