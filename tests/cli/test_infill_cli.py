"""`infill` and whole-song `complete` end to end through main.py with the bundled models on real files:
only the asked bars of the asked parts change (every other event of the file comes back byte for byte),
"wrote" means notes were written, and what a model cannot do is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

import main
from engine.midi.files import read_clip
from engine.midi.smf import parse_smf
from tests.conftest import MIDI_DIR

pytestmark = pytest.mark.usefixtures("one_torch_thread")
BAND = MIDI_DIR / "multitrack/freedoom-freedoom/d_dm15.mid"
BEAT = MIDI_DIR / "drums/zharry29-drums-with-llm/drummer4/session1/4_latin-brazilian_92_beat_4-4.mid"


def run(*argv: str | Path) -> int:
    return main.main([str(a) for a in argv])


def note_events(data: bytes) -> list[tuple[int, int, bytes]]:
    """(track, tick, raw) of every note-on/off of a file."""
    return [
        (i, tick, raw)
        for i, t in enumerate(parse_smf(data).tracks)
        for tick, raw in t.events
        if raw[0] & 0xF0 in (0x80, 0x90)
    ]


def other_events(data: bytes) -> list[tuple[int, int, bytes]]:
    """(track, tick, raw) of every event that is not a note: tempo, meter, programs, names, controllers."""
    return [
        (i, tick, raw)
        for i, t in enumerate(parse_smf(data).tracks)
        for tick, raw in t.events
        if raw[0] & 0xF0 not in (0x80, 0x90)
    ]


def test_infill_changes_only_the_bars_and_parts_asked_for(tmp_path: Path, capsys) -> None:
    out = tmp_path / "filled.mid"
    assert run("infill", "trio_16bar", BAND, "--bars", "9-12", "--tracks", "bass,drums", "--seed", 1,
               "--out", out) == 0  # fmt: skip
    said = capsys.readouterr().out
    assert "in bars 9-12" in said and "wrote bass" in said and out.is_file()
    before, after = BAND.read_bytes(), out.read_bytes()
    song, done = read_clip(BAND), read_clip(out)
    changed = {i for i, t in enumerate(song.tracks) if t.is_drum or t.role.value == "bass"}
    channels = {song.tracks[i].channel for i in changed}
    assert other_events(after) == other_events(before)  # tempo, meter, programs, names: untouched
    for events in (note_events(before), note_events(after)):
        assert events  # both files have notes
    untouched = [e for e in note_events(before) if (e[2][0] & 0x0F) not in channels]
    assert [e for e in note_events(after) if (e[2][0] & 0x0F) not in channels] == untouched
    # the rewritten parts: outside bars 9-12 their notes are the file's own
    outside = [(n.pitch, n.start) for i in changed for n in song.tracks[i].notes if not 128 <= n.start < 192]
    assert sorted(outside) == sorted(
        (n.pitch, n.start) for i in changed for n in done.tracks[i].notes if not 128 <= n.start < 192
    )
    new = [n for i in changed for n in done.tracks[i].notes if 128 <= n.start < 192]
    assert new and {n.start // 16 for n in new} == {8, 9, 10, 11}


def test_complete_writes_the_melody_for_every_bar_of_a_beat(tmp_path: Path, capsys) -> None:
    assert run("complete", "trio_16bar", BEAT, "--parts", "melody", "--seed", 1, "--out", tmp_path) == 0
    said = capsys.readouterr().out
    beat, done = read_clip(BEAT), read_clip(tmp_path / f"{BEAT.stem}_completed.mid")
    added = done.note_count - beat.note_count
    assert added > 0 and f"wrote melody ({added} notes) in bars 1-9" in said
    melody = [n for t in done.tracks if not t.is_drum for n in t.notes]
    assert len({n.start // 16 for n in melody}) >= 5  # the whole song, not one window
    assert [t for t in done.tracks if t.is_drum][0].notes == beat.tracks[0].notes  # the beat as it was


def test_complete_out_may_name_the_file(tmp_path: Path, capsys) -> None:
    """`--out song.mid` is that file (a fresh user's `--out c.mid` became a folder c.mid holding the clip);
    commands that write several clips refuse a file name in one line, before any work."""
    out = tmp_path / "done.mid"
    assert run("complete", "trio_16bar", BEAT, "--parts", "melody", "--seed", 1, "--out", out) == 0
    assert out.is_file() and read_clip(out).note_count > read_clip(BEAT).note_count
    assert f"wrote {out} " in capsys.readouterr().out
    for argv in (("sample", "drums_2bar"), ("variations", "drums_2bar", BEAT)):
        assert run(*argv, "--out", tmp_path / "many.mid") == 2
        err = capsys.readouterr().err.strip()
        assert err.endswith("this command writes several clips, so --out names a folder") and "\n" not in err
    assert not (tmp_path / "many.mid").exists()


def test_band_model_infill_changes_only_those_bars_and_tracks(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr("engine.generation.infill.FIT_STEPS", 6)  # which notes change, not how good
    out = tmp_path / "filled.mid"
    assert run("infill", "band_4bar", BAND, "--bars", "5-8", "--tracks", "drums,bass", "--seed", 1,
               "--out", out) == 0  # fmt: skip
    said = capsys.readouterr().out
    assert "in bars 5-8" in said and "wrote drums" in said
    before, after = BAND.read_bytes(), out.read_bytes()
    song, done = read_clip(BAND), read_clip(out)
    changed = {i for i, t in enumerate(song.tracks) if t.is_drum or t.role.value == "bass"}
    channels = {song.tracks[i].channel for i in changed}
    assert other_events(after) == other_events(before)  # tempo, meter, programs, names: untouched
    untouched = [e for e in note_events(before) if (e[2][0] & 0x0F) not in channels]
    assert [e for e in note_events(after) if (e[2][0] & 0x0F) not in channels] == untouched
    lo, hi = 4 * 16, 8 * 16
    outside = [
        (n.pitch, n.start, n.velocity)
        for i in changed
        for n in song.tracks[i].notes
        if not lo <= n.start < hi
    ]
    assert sorted(outside) == sorted(
        (n.pitch, n.start, n.velocity)
        for i in changed
        for n in done.tracks[i].notes
        if not lo <= n.start < hi
    )
    for i in changed:  # each rewritten track plays in every bar of the region
        assert {n.start // 16 for n in done.tracks[i].notes if lo <= n.start < hi} == {4, 5, 6, 7}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("infill", "drums_2bar", BAND, "--bars", "9-12", "--tracks", "melody"),
         "error: drums_2bar writes drums only; it cannot write melody"),
        (("infill", "trio_16bar", BAND, "--bars", "12-9", "--tracks", "bass"),
         "error: --bars '12-9': bars count from 1 and the range must not run backwards"),
        (("infill", "trio_16bar", BAND, "--bars", "50-52", "--tracks", "bass"),
         "error: bars 50-52: the song has 37 bars"),
        (("infill", "mel_2bar", BAND, "--tracks", "Nobody"), "error: unknown part or track 'nobody'"),
        (("complete", "mel_2bar", BAND, "--parts", "melody"), "error: complete needs a model with several"),
    ],
)  # fmt: skip
def test_what_cannot_be_done_is_one_line_and_writes_nothing(
    argv, message: str, tmp_path: Path, capsys
) -> None:
    assert run(*argv, "--out", tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not list(tmp_path.iterdir())
