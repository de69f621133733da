"""`main.py jam --bars N --out FILE` on the bundled models and real grooves: the file, the key, the mix."""

from __future__ import annotations

import pytest

import main
from engine.midi.files import read_clip
from engine.music.keys import parse_key
from engine.music.pattern import Role
from tests.conftest import MIDI_DIR

DRUM_DIR = MIDI_DIR / "drums/zharry29-drums-with-llm"
BEATS = [
    DRUM_DIR / "drummer3/session2/31_hiphop_92_beat_4-4.mid",
    DRUM_DIR / "drummer4/session1/4_latin-brazilian_92_beat_4-4.mid",
    DRUM_DIR / "drummer7/session3/65_funk_112_beat_4-4.mid",
    DRUM_DIR / "drummer5/session1/18_afrocuban_128_beat_4-4.mid",
]
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_offline_jam_writes_n_bars_in_the_key(tmp_path, capsys) -> None:
    out = tmp_path / "jam.mid"
    args = ["jam", *map(str, BEATS), "--bars", "16", "--out", str(out), "--key", "A:minor", "--seed", "3"]
    assert main.main(args) == 0
    clip = read_clip(out)
    assert clip.bars == 16
    roles = {t.role: t for t in clip.tracks}
    assert set(roles) == {Role.DRUMS, Role.BASS, Role.LEAD}
    scale = set(parse_key("A:minor").pitch_classes)
    for role in (Role.BASS, Role.LEAD):
        notes = roles[role].notes
        assert len(notes) > 8 and {n.pitch % 12 for n in notes} <= scale, role
    assert max(n.pitch for n in roles[Role.BASS].notes) <= 55 < max(n.pitch for n in roles[Role.LEAD].notes)
    # something in every bar: the jam never falls silent
    assert {n.start // 16 for t in clip.tracks for n in t.notes} == set(range(16))
    assert "real time" in capsys.readouterr().out


def test_offline_jam_is_the_same_for_the_same_seed_and_mutes_parts(tmp_path) -> None:
    a, b, c = (tmp_path / f"{n}.mid" for n in "abc")
    common = ["--bars", "8", "--seed", "11"]
    assert main.main(["jam", *map(str, BEATS), *common, "--out", str(a)]) == 0
    assert main.main(["jam", *map(str, BEATS), *common, "--out", str(b)]) == 0
    assert main.main(["jam", *map(str, BEATS), *common, "--out", str(c), "--parts", "drums"]) == 0
    assert a.read_bytes() == b.read_bytes()
    only = read_clip(c)
    assert [t.role for t in only.tracks] == [Role.DRUMS]
    assert only.tracks[0].notes == {t.role: t for t in read_clip(a).tracks}[Role.DRUMS].notes


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--phrase", "4", "--at", "2,2"], "square"), (["--key", "H:minor"], "H:minor")],
)
def test_offline_jam_mistakes_are_one_line(tmp_path, capsys, extra, message) -> None:
    args = ["jam", *map(str, BEATS), "--bars", "4", "--out", str(tmp_path / "x.mid"), *extra]
    assert main.main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_offline_jam_needs_four_beats(tmp_path, capsys) -> None:
    assert main.main(["jam", *map(str, BEATS[:3]), "--bars", "4", "--out", str(tmp_path / "x.mid")]) == 2
    assert "four beats" in capsys.readouterr().err
