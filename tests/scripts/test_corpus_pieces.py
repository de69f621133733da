"""scripts.corpus: the WAD reader, the note hash, the held-out list, POP909 bar lines, the corpus writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.data.dataset import load_examples
from scripts.corpus import freedoom, recorded
from scripts.corpus.piece import (
    Part,
    Piece,
    bars,
    meters_of,
    note_hash,
    note_set,
    read_midi,
    similarity,
    write_midi,
)
from scripts.corpus.wad import Lump, WadError, build_wad, music_lumps, read_lumps
from scripts.corpus.writer import CorpusWriter


def tune(shift: float = 0.0, tempo: float = 120.0, meter: tuple[int, int] = (4, 4)) -> Piece:
    """Four bars: a lead line, a bass and a kick-snare beat."""
    lead = tuple((shift + b, 0.5, 60 + (b % 7), 100) for b in range(16))
    bass = tuple((shift + b, 1.0, 36 + (b // 4), 90) for b in range(0, 16, 2))
    kit = tuple((shift + b, 0.1, 36 if b % 2 == 0 else 38, 110) for b in range(16))
    parts = (Part("lead", 81, False, lead), Part("bass", 33, False, bass), Part("drums", 0, True, kit))
    return Piece(parts, ((0.0, tempo),), ((0.0, *meter),))


def test_a_tiny_wad_gives_its_midi_music_lumps(tmp_path: Path) -> None:
    song = write_midi(tune())
    lumps = [Lump("MAP01", b""), Lump("D_RUNNIN", song), Lump("D_E1M1", b"MUS\x1a" + bytes(20))]
    path = tmp_path / "tiny.wad"
    path.write_bytes(build_wad(lumps, b"IWAD"))
    assert [lump.name for lump in read_lumps(path.read_bytes())] == ["MAP01", "D_RUNNIN", "D_E1M1"]
    found, notes = music_lumps(path)
    assert [(lump.name, lump.data) for lump in found] == [("D_RUNNIN", song)]
    assert notes == ["tiny.wad:D_E1M1 is in MUS format, not MIDI: left out"]
    assert note_hash(read_midi(found[0].data)) == note_hash(tune())


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"PWAD", "too short"),
        (b"ZWAD" + bytes(8), "not a WAD"),
        (build_wad([Lump("A", b"x")])[:-1], "outside"),
    ],
)
def test_a_bad_wad_is_a_plain_error(data: bytes, reason: str) -> None:
    with pytest.raises(WadError, match=reason):
        read_lumps(data)


def test_the_note_hash_sees_notes_not_bytes() -> None:
    a, b = write_midi(tune()), write_midi(tune(tempo=90.0))
    assert a != b and note_hash(read_midi(a)) == note_hash(read_midi(b)) == note_hash(tune())
    assert note_hash(tune(shift=0.25)) != note_hash(tune())
    # a revised version (moved a bar later, its last bar of drums changed) is still the same song
    revised = tune(shift=4.0)
    kit = revised.parts[2].notes[:12] + tuple((s, d, 42, v) for s, d, _, v in revised.parts[2].notes[12:])
    revised = revised.with_parts([*revised.parts[:2], Part("drums", 0, True, kit)])
    assert similarity(note_set(tune()), note_set(revised)) >= freedoom.SAME_SONG
    other = Piece((Part("x", 0, False, tuple((b, 1.0, 70 - b, 90) for b in range(16))),))
    assert similarity(note_set(tune()), note_set(other)) < 0.1


def test_meters_bars_and_tempo_survive_writing() -> None:
    waltz = tune(meter=(3, 4), tempo=150.0)
    back = read_midi(write_midi(waltz))
    assert meters_of(back) == ["3/4"] and bars(back) == 6 and back.tempos == ((0.0, 150.0),)


def test_the_heldout_list_follows_its_rule(midi_dir: Path) -> None:
    """The committed list is the seeded choice from the shared sample, and its note hashes still match."""
    sample = freedoom.sample_songs(midi_dir.parent)
    listed = freedoom.read_heldout()
    assert len(listed) == freedoom.HELDOUT_COUNT == 15
    assert sorted(listed) == freedoom.choose_heldout([s.name for s in sample])
    assert {s.name: s.hash for s in sample if s.name in listed} == listed
    held = freedoom.Heldout(freedoom.heldout_songs(midi_dir.parent))
    kept = next(s for s in sample if s.name not in listed)
    assert held.match(kept.piece, kept.hash) is None
    first = next(s for s in sample if s.name in listed)
    moved = first.piece.shifted(4.0)  # the same song a bar later: other bytes, other hash, still held out
    assert held.match(moved, note_hash(moved)) == first.name


def test_pop909_bar_lines_follow_the_annotated_downbeats() -> None:
    late = tune(shift=1.5)  # the music's bars start at beats 1.5, 5.5, ...
    fixed = recorded._on_bar_lines(late, [1.5, 5.5, 9.5, 13.5, 16.5])  # one annotation is off
    assert fixed.meters == ((0.0, 4, 4),)
    assert note_hash(fixed) == note_hash(tune(shift=0.0))


def test_the_writer_skips_repeats_and_heldout_songs_and_weights_reach_the_trainer(tmp_path: Path) -> None:
    secret = freedoom.Song("secret.mid", "test", tune(shift=0.0), note_hash(tune()))
    writer = CorpusWriter(tmp_path, "c", freedoom.Heldout([secret]), {})
    other = tune(shift=0.0, meter=(4, 4)).with_parts(
        [Part("lead", 81, False, tuple((b, 0.5, 72 - (b % 5), 100) for b in range(32)))]
        + [Part("drums", 0, True, tuple((b, 0.1, 36, 100) for b in range(32)))]
    )
    assert writer.add("real/a.mid", "freedoom", 1.0, other)
    assert not writer.add("real/b.mid", "freedoom", 1.0, other)  # the same notes again
    assert not writer.add("synth/c.mid", "openewld+mma", 0.3, tune(shift=8.0))  # the held-out song, moved
    assert writer.add("synth/d.mid", "hydrogen", 0.3, tune(shift=0.0).with_parts([tune().parts[2]]))
    data = writer.finish()
    assert [s["reason"][:12] for s in data["skipped"]] == ["the same not", "held out: th"]
    assert json.loads((tmp_path / "c" / "corpus.json").read_text())["totals"]["files"] == 2
    assert "CC BY-SA" in (tmp_path / "c" / "CORPUS.md").read_text()
    ex = load_examples(tmp_path / "c", "drums_2bar", transpose=None)
    by_file = {Path(ex.files[i]).parent.name: float(w) for i, w in zip(ex.file_ids, ex.weights, strict=True)}
    assert by_file == {"real": 1.0, "synth": pytest.approx(0.3)}


def test_the_band_corpus_takes_real_drummers_kits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The `band` corpus holds the Groove MIDI Dataset's train split as real music (weight 1.0): the band
    configs learn drums from drummers, where POP909 and the chorales have none. Two real Groove files."""
    from scripts.corpus import corpora, scores

    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "train" / "groove"
    rows = (shared / "info.csv").read_text().splitlines()
    header, train = rows[0], [r for r in rows[1:] if r.endswith(",train") and "_beat_4-4" in r][:2]
    (tmp_path / "train" / "groove").mkdir(parents=True)
    (tmp_path / "train" / "groove" / "info.csv").write_text("\n".join([header, *train]) + "\n")
    for row in train:
        name = next(c for c in row.split(",") if c.endswith(".mid"))
        (tmp_path / "train" / "groove" / "train" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "train" / "groove" / "train" / name).write_bytes((shared / "train" / name).read_bytes())
    src = corpora.Sources(tmp_path)
    src.freedoom, src.pop909, src.bands = [], [], []  # cached properties: only the drummers here
    monkeypatch.setattr(scores, "chorales", lambda: iter(()))
    writer = CorpusWriter(tmp_path / "out", "band", freedoom.Heldout([]), {})
    corpora.band(writer, src)
    data = writer.finish()
    assert [(f["source"], f["weight"]) for f in data["files"]] == [("groove", 1.0)] * 2
    assert "CC BY 4.0" in (tmp_path / "out" / "band" / "CORPUS.md").read_text()
    ex = load_examples(tmp_path / "out" / "band", "band_4bar", transpose=None)
    assert len(ex) > 0 and set(ex.weights.tolist()) == {1.0}
