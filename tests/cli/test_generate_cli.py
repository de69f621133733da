"""The generation commands end to end through main.py: files written, determinism, one-line errors, what
the quality check redrew and which clips copy. The untrained models write noise: the tests of other
things take every clip (--unchecked)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import mido
import pytest
import torch

import main
from engine.data.bar_index import build_index, write_index
from engine.midi.files import read_clip
from models.checkpoint import save_checkpoint
from models.musicvae import MusicVAE
from models.presets import tiny_config
from tests.cards import summary
from tests.conftest import MIDI_DIR

FOLK = [MIDI_DIR / f"folk/jukedeck-nottingham-dataset/{n}.mid" for n in ("reelsa-c35", "reelsd-g8")]
DRUM_DIR = MIDI_DIR / "drums/zharry29-drums-with-llm"
DRUMS = [
    DRUM_DIR / "drummer3/session2/31_hiphop_92_beat_4-4.mid",
    DRUM_DIR / "drummer3/session2/32_hiphop_92_beat_4-4.mid",
    DRUM_DIR / "drummer4/session1/4_latin-brazilian_92_beat_4-4.mid",
    DRUM_DIR / "drummer4/session1/6_blues-shuffle_134_beat_4-4.mid",
]
WALTZ = MIDI_DIR / "bach_chorales/craigsapp-bach-370-chorales/chor001.mid"  # 3/4 only
SUMMARY = summary(velocity_mean=90.0, velocity_std=12.0, offset_std=0.05, key="D:major")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny untrained models saved as real model folders."""
    root = tmp_path_factory.mktemp("models")
    out = {}
    for config in ("mel_2bar", "drums_2bar"):
        torch.manual_seed(0)
        save_checkpoint(root / config, MusicVAE(tiny_config(config)), step=1, data=SUMMARY, best=True)
        out[config] = root / config
    return out


def run(*argv: str | Path) -> int:
    return main.main([str(a) for a in argv])


def written(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("*.mid"))


def test_sample_writes_n_files_deterministically(models: dict[str, Path], tmp_path: Path, capsys) -> None:
    for name in ("a", "b"):
        assert (
            run("sample", models["mel_2bar"], "--n", 3, "--seed", 5, "--unchecked", "--out", tmp_path / name)
            == 0
        )
    assert written(tmp_path / "a") == ["sample_01.mid", "sample_02.mid", "sample_03.mid"]
    for f in written(tmp_path / "a"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert f"wrote {tmp_path / 'a' / 'sample_01.mid'}" in capsys.readouterr().out
    assert (
        run("sample", models["drums_2bar"], "--n", 1, "--bars", 8, "--unchecked", "--out", tmp_path / "c")
        == 0
    )
    piece = read_clip(tmp_path / "c" / "sample_01.mid")
    # a late hit on the last 16th may spill a few ticks into a 9th bar when the file is read back
    assert piece.steps in (128, 144) and max(n.start for t in piece.tracks for n in t.notes) < 128
    assert "add --seed" in capsys.readouterr().out


def test_sample_writes_only_clips_that_pass_and_says_what_it_redrew(
    models: dict[str, Path], tmp_path: Path, capsys
) -> None:
    assert run("sample", models["mel_2bar"], "--n", 3, "--seed", 1, "--out", tmp_path / "m") == 0
    out = capsys.readouterr().out
    assert "note: clips are checked against general limits" in out  # its card measured no music
    said = re.search(r"note: only (\d) of 3 clips passed the checks in 12 draws; (\d+) set aside: ", out)
    assert said is not None and len(written(tmp_path / "m")) == int(said[1]) < 3
    assert run("sample", models["drums_2bar"], "--n", 2, "--seed", 1, "--out", tmp_path / "d") == 1
    captured = capsys.readouterr()
    assert "error: no clip passed the checks; try another --temperature (or --unchecked)" in captured.err
    assert "only 0 of 2 clips passed" in captured.out and not (tmp_path / "d").exists()


def test_sample_names_the_training_bars_a_clip_copies_and_novel_redraws_it(
    models: dict[str, Path], tmp_path: Path, capsys
) -> None:
    music = tmp_path / "music"
    assert run("sample", models["mel_2bar"], "--n", 3, "--seed", 1, "--out", music) == 0
    model = tmp_path / "model"  # a model whose training music is its own samples
    shutil.copytree(models["mel_2bar"], model)
    write_index(model, build_index(sorted(music.glob("*.mid")), "mel_2bar", transposed=True))
    capsys.readouterr()
    assert run("sample", model, "--n", 3, "--seed", 1, "--out", tmp_path / "again") == 0
    out = capsys.readouterr().out
    assert "note: sample_01.mid copies your training music: bars 1-2 are bars 1-2 of sample_01.mid" in out
    assert run("sample", model, "--n", 3, "--seed", 1, "--novel", "--out", tmp_path / "novel") == 1
    assert "copies your music" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        run("sample", model, "--novel", "--unchecked")


def test_variations_interpolate_with_key(models: dict[str, Path], tmp_path: Path, capsys) -> None:
    m = models["mel_2bar"]
    argv = (
        "variations",
        m,
        FOLK[0],
        "--n",
        2,
        "--seed",
        1,
        "--key",
        "auto",
        "--unchecked",
        "--out",
        tmp_path,
    )
    assert run(*argv) == 0
    out = capsys.readouterr().out
    assert "only the first 2 bars were used" in out and "--key auto: using" in out
    assert written(tmp_path) == ["reelsa-c35_var_01.mid", "reelsa-c35_var_02.mid"]
    assert (
        run("interpolate", m, *FOLK, "--steps", 4, "--seed", 1, "--key", "A:minor", "--out", tmp_path / "i")
        == 0
    )
    names = written(tmp_path / "i")
    assert names == ["interp_01.mid", "interp_02.mid", "interp_03.mid", "interp_04.mid", "interp_all.mid"]
    joined = read_clip(tmp_path / "i" / "interp_all.mid")
    assert joined.steps == 4 * 32


def test_blend_grid_and_point(models: dict[str, Path], tmp_path: Path) -> None:
    m = models["drums_2bar"]
    assert run("blend", m, *DRUMS, "--grid", 3, "--seed", 2, "--out", tmp_path) == 0
    assert written(tmp_path) == [f"blend_x{i}_y{j}.mid" for i in range(3) for j in range(3)]
    assert run("blend", m, *DRUMS, "--at", "0.25,0.75", "--out", tmp_path / "at") == 0
    assert written(tmp_path / "at") == ["blend_at_0.25_0.75.mid"]
    assert run("blend", m, *DRUMS, "--at", "half", "--out", tmp_path / "at") == 2


def test_humanize_drums_and_melody(models: dict[str, Path], tmp_path: Path, capsys) -> None:
    assert run("humanize", models["drums_2bar"], DRUMS[3], "--seed", 0, "--out", tmp_path / "h.mid") == 0
    before, after = read_clip(DRUMS[3]), read_clip(tmp_path / "h.mid")
    assert after.note_count == before.note_count
    assert run("humanize", models["mel_2bar"], FOLK[1], "--seed", 0, "--out", tmp_path) == 0
    assert (tmp_path / "reelsd-g8_humanized.mid").is_file()
    assert "statistics of its training music" in capsys.readouterr().out


def _empty_midi(path: Path) -> Path:
    mid = mido.MidiFile()
    mid.tracks.append(mido.MidiTrack([mido.MetaMessage("end_of_track", time=0)]))
    mid.save(path)
    return path


def test_bad_input_is_one_line_and_exit_2(models: dict[str, Path], tmp_path: Path, capsys) -> None:
    m = models["mel_2bar"]
    cases = [
        (("variations", m, DRUMS[0]), "only drums, but this is a melody model"),
        (("variations", m, _empty_midi(tmp_path / "empty.mid")), "error: "),
        (("variations", m, WALTZ), "4/4"),
        (("variations", m, tmp_path / "missing.mid"), "no such file"),
        (("variations", m, tmp_path), "is a folder; give a MIDI file"),
        (("sample", "no-such-model"), "no model called 'no-such-model'"),
        (("sample", m, "--key", "H:dorian"), "cannot read the key"),
        (("sample", "no-such-model", "--key", "H:dorian"), "argument --key: cannot read the key"),  # first
        (("sample", "no-such-model", "--meter", "5/3"), "argument --meter: meter '5/3' is not a time"),
        (("complete", m, FOLK[0]), "complete needs a model with several parts"),
    ]
    if not torch.cuda.is_available():
        cases.append((("sample", m, "--device", "cuda"), "no CUDA GPU"))
    for argv, message in cases:
        capsys.readouterr()
        try:
            code = run(*argv, "--out", tmp_path / "x")
        except SystemExit as e:  # argparse's refusal (--key): before any model loads
            code = int(e.code or 0)
        assert code == 2, argv
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err and "Traceback" not in err, (argv, err)
    assert not (tmp_path / "x").exists()


def test_models_lists_user_models(
    models: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    home = tmp_path / "home"
    (home / "models").mkdir(parents=True)
    (home / "models" / "my-drums").symlink_to(models["drums_2bar"], target_is_directory=True)
    monkeypatch.setenv("BANDMATE_HOME", str(home))
    assert run("models") == 0
    out = capsys.readouterr().out
    assert "my-drums" in out and "drums_2bar" in out and "user" in out
    assert run("sample", "my-drums", "--n", 1, "--seed", 0, "--unchecked", "--out", tmp_path / "s") == 0


def test_flat_writes_every_new_note_at_velocity_100_on_the_grid(
    models: dict[str, Path], tmp_path: Path
) -> None:
    m = models["mel_2bar"]
    assert run("sample", m, "--n", 2, "--seed", 1, "--unchecked", "--out", tmp_path / "feel") == 0
    assert run("sample", m, "--n", 2, "--seed", 1, "--unchecked", "--flat", "--out", tmp_path / "flat") == 0
    feel = [read_clip(tmp_path / "feel" / f) for f in written(tmp_path / "feel")]
    flat = [read_clip(tmp_path / "flat" / f) for f in written(tmp_path / "flat")]
    assert {n.velocity for c in flat for t in c.tracks for n in t.notes} == {100}
    assert len({n.velocity for c in feel for t in c.tracks for n in t.notes}) > 3
    assert [[n.pitch for t in c.tracks for n in t.notes] for c in feel] == [
        [n.pitch for t in c.tracks for n in t.notes] for c in flat
    ]


def test_part_temperatures_on_the_command_line(models: dict[str, Path], tmp_path: Path, capsys) -> None:
    """Without --temperature each part takes the model's own (said on the way); --temperature sets every
    part and --part-temperature single ones; a part the model lacks or an unreadable one is an error."""
    m = models["mel_2bar"]
    assert run("sample", m, "--n", 2, "--seed", 3, "--out", tmp_path / "own") == 0
    assert "temperature: melody 0.5 (the model's own" in capsys.readouterr().out
    assert run("sample", m, "--n", 2, "--seed", 3, "--temperature", 0.5, "--out", tmp_path / "same") == 0
    assert written(tmp_path / "own") == written(tmp_path / "same")
    for f in written(tmp_path / "own"):
        assert (tmp_path / "own" / f).read_bytes() == (tmp_path / "same" / f).read_bytes()
    args = ("--n", 2, "--seed", 3, "--temperature", 1.5, "--part-temperature", "melody=0.5")
    assert run("sample", m, *args, "--out", tmp_path / "part") == 0
    for f in written(tmp_path / "own"):  # the part's own value wins over --temperature
        assert (tmp_path / "own" / f).read_bytes() == (tmp_path / "part" / f).read_bytes()
    capsys.readouterr()
    assert run("sample", m, "--part-temperature", "drums=0.5", "--out", tmp_path / "x") == 2
    assert "mel_2bar has no part 'drums'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run("sample", m, "--part-temperature", "melody=hot")
    assert "write part=temperature" in capsys.readouterr().err


def test_top_k_is_a_generation_option(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """--top-k N on the bundled melody model: a whole number 0..999 (else one error line, exit 2), and
    it changes what a seed draws; 0 is the model's own sampling (its report card chose none)."""
    args = ("sample", "mel_2bar", "--n", 4, "--seed", 3, "--unchecked", "--temperature", 1.5)
    for bad in ("-1", "eight", "1000"):
        with pytest.raises(SystemExit) as e:
            run(*args, "--top-k", bad, "--out", tmp_path / "x")
        assert e.value.code == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err, err  # one line, no usage block
        assert f"argument --top-k: '{bad}': write a whole number from 0 (off) to 999;" in err
    for name, k in (("off", "0"), ("own", None), ("k2", "2")):
        assert run(*args, *(("--top-k", k) if k else ()), "--out", tmp_path / name) == 0
    files = written(tmp_path / "off")
    assert files == written(tmp_path / "k2") and len(files) == 4
    same = [(tmp_path / "off" / f).read_bytes() == (tmp_path / "own" / f).read_bytes() for f in files]
    cut = [(tmp_path / "off" / f).read_bytes() == (tmp_path / "k2" / f).read_bytes() for f in files]
    assert all(same) and not all(cut)


def test_sample_moves_new_clips_into_the_training_music_s_keys_and_key_none_does_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("sample", "mel_2bar", "--n", 4, "--seed", 4, "--unchecked", "--temperature", 1.0)
    assert run(*args, "--out", tmp_path / "fitted") == 0
    said = capsys.readouterr()
    assert "moved into the training music's keys" in said.out + said.err
    assert run(*args, "--key", "none", "--out", tmp_path / "drawn") == 0
    said = capsys.readouterr()
    assert "moved into the training music's keys" not in said.out + said.err
    assert run(*args, "--key", "c minor", "--out", tmp_path / "named") == 0
    said = capsys.readouterr()
    assert "keeping new notes in C minor" in said.out + said.err  # the key it read, confirmed
    shifts = []
    for name in written(tmp_path / "fitted"):
        a, b = (read_clip(tmp_path / d / name) for d in ("fitted", "drawn"))
        notes_a = sorted((n.start, n.pitch) for t in a.tracks for n in t.notes)
        notes_b = sorted((n.start, n.pitch) for t in b.tracks for n in t.notes)
        moved = {pa - pb for (sa, pa), (sb, pb) in zip(notes_a, notes_b, strict=True) if sa == sb}
        assert [s for s, _ in notes_a] == [s for s, _ in notes_b] and len(moved) == 1  # one shift a clip
        shifts.append(moved.pop())
    assert all(-5 <= s <= 5 for s in shifts) and any(shifts)
