"""Session files: a round trip of real clips (several arrangement lanes, clips at start bars) equals what
was kept; damaged, older and newer files say why."""

from __future__ import annotations

import json

import pytest

from engine.midi.files import read_midi
from engine.music.arrangement import Arrangement, Lane, Placement
from engine.music.sessionfile import (
    NamedClip,
    SessionData,
    SessionError,
    load_session,
    save_session,
)

FILES = [
    "drums/zharry29-drums-with-llm/drummer1/session1/101_dance-disco_120_beat_4-4.mid",
    "multitrack/freedoom-freedoom/d_dm14.mid",
    "folk/jukedeck-nottingham-dataset/ashover14.mid",
]


@pytest.fixture
def real(midi_dir) -> list:
    found = []
    for name in FILES:
        path = midi_dir / name
        found.append(read_midi(path).pattern)
    return found


def test_round_trip_of_real_clips_equals_what_was_kept(real, tmp_path) -> None:
    drums, multi, folk = real
    session = SessionData(
        clip=NamedClip("roll", multi.slice(0, 64)),
        candidates=(NamedClip("c1", drums.slice(0, 32)), NamedClip("c2", folk)),
        arrangement=Arrangement(
            (
                Lane(
                    "drums",
                    (Placement(drums.slice(0, 32), 0, "beat"), Placement(drums.slice(32, 64), 2, "beat 2")),
                ),
                Lane("bass", muted=True),
                Lane("lead", (Placement(folk, 4, "tune"),)),
                Lane("band", (Placement(multi.slice(0, 64), 1, "band"),), muted=True),
            )
        ),
        morph=(NamedClip("A", drums.slice(0, 32)), None),
        morph_position=0.25,
        blend=(NamedClip("1", drums.slice(0, 32)), None, None, NamedClip("4", drums.slice(64, 96))),
        blend_xy=(0.2, 0.7),
        model="drums_2bar",
        tempo=90.0,
        loop=False,
        sound={"output": "none", "drum_channel": 10},
        generation={"temperature": 0.7, "key": "Bb:major", "feel": True, "amount": 0.3},
    )
    path = save_session(session, tmp_path / "evening.bandmate")
    back = load_session(path)
    assert back == session
    assert back.kept_clips == 4 and not back.is_empty
    lanes = back.arrangement.lanes
    assert [lane.name for lane in lanes] == ["drums", "bass", "lead", "band"]
    assert [[(p.name, p.start_bar) for p in lane.placements] for lane in lanes] == [
        [("beat", 0), ("beat 2", 2)],
        [],
        [("tune", 4)],
        [("band", 1)],
    ]
    assert [lane.muted for lane in lanes] == [False, True, False, True]
    assert lanes[2].placements[0].clip == folk and lanes[3].placements[0].clip == multi.slice(0, 64)
    text = path.read_text()
    assert json.loads(text)["format"] == "bandmate-session" and json.loads(text)["version"] == 2
    assert json.loads(text)["arrangement"] == session.arrangement.to_dict()  # the arrangement's own format
    assert '"start_bar": 2' in text and "\n" in text  # human-readable, indented
    assert all(t.notes for t in lanes[2].placements[0].clip.tracks)


def test_bad_files_give_one_line_reasons(tmp_path) -> None:
    cases = {
        "a.bandmate": "{not json",
        "b.bandmate": json.dumps({"format": "something else"}),
        "c.bandmate": json.dumps({"format": "bandmate-session", "version": 99}),
        "d.bandmate": json.dumps(
            {"format": "bandmate-session", "version": 2, "clip": {"name": "x", "clip": {}}}
        ),
        "e.bandmate": json.dumps(
            {"format": "bandmate-session", "version": 2, "arrangement": {"lanes": [{"name": "x"}]}}
        ),
        "f.bandmate": json.dumps({"format": "bandmate-session", "version": 1}),
    }
    reasons = {}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(SessionError) as err:
            load_session(tmp_path / name)
        reasons[name] = str(err.value)
        assert "\n" not in reasons[name]
    assert "bad JSON" in reasons["a.bandmate"]
    assert "not a Bandmate session" in reasons["b.bandmate"]
    assert "newer Bandmate" in reasons["c.bandmate"]
    assert "damaged" in reasons["d.bandmate"] and "damaged" in reasons["e.bandmate"]
    assert "never shipped" in reasons["f.bandmate"]
    with pytest.raises(SessionError, match="no such file"):
        load_session(tmp_path / "missing.bandmate")
    assert SessionData().is_empty


def test_the_arrangement_is_its_lanes_placed_at_their_bars(real) -> None:
    from engine.music.sessionfile import arrangement_pattern

    drums, _multi, folk = real
    beat = drums.slice(0, 32)
    session = SessionData(
        arrangement=Arrangement(
            (
                Lane("drums", (Placement(beat, 0, "a"), Placement(beat, 2, "b"))),
                Lane("lead", (Placement(folk.slice(0, 32), 1, "tune"),)),
                Lane("muted", (Placement(folk.slice(0, 32), 0, "not heard"),), muted=True),
            )
        ),
        tempo=90.0,
    )
    song = arrangement_pattern(session)
    assert song is not None and song.steps == 4 * 16 and song.tempo == 90.0
    assert song.note_count == 2 * beat.note_count + folk.slice(0, 32).note_count
    lead = [t for t in song.tracks if not t.is_drum]
    assert lead and min(n.start for t in lead for n in t.notes) >= 16  # the tune starts on bar 2
    assert arrangement_pattern(SessionData()) is None


def test_cli_session_shows_and_exports_at_the_session_tempo(real, tmp_path, soundfont, capsys) -> None:
    import argparse
    import wave

    import mido

    from cli import session as session_cmd

    beat = real[0].slice(0, 32)
    path = save_session(
        SessionData(
            arrangement=Arrangement((Lane("drums", (Placement(beat, 0, "a"), Placement(beat, 2, "b"))),)),
            tempo=90.0,
        ),
        tmp_path / "s.bandmate",
    )
    p = argparse.ArgumentParser()
    session_cmd.add_arguments(p)
    out = tmp_path / "song"
    args = p.parse_args([str(path), "--midi", f"{out}.mid", "--wav", f"{out}.wav"])
    assert session_cmd.run(args) == 0
    assert "2 clips in 1 lane(s), 4 bars" in capsys.readouterr().out
    tempos = [m.tempo for t in mido.MidiFile(f"{out}.mid").tracks for m in t if m.type == "set_tempo"]
    assert [round(mido.tempo2bpm(t), 3) for t in tempos] == [90.0]
    with wave.open(f"{out}.wav") as w:
        assert w.getnframes() == round(4 * 4 * 60 / 90 * 44100)
    (tmp_path / "bad.bandmate").write_text("nope")
    assert session_cmd.run(p.parse_args([str(tmp_path / "bad.bandmate")])) == 2


def test_trims_and_solo_survive_a_round_trip_and_the_cli_exports_what_sounds(real, tmp_path, capsys) -> None:
    """A trimmed clip plays only its shown bars, a soloed lane silences the others (solo wins over mute),
    both survive the session file, and `session --bars` exports only those bars of what sounds."""
    import argparse

    from cli import session as session_cmd
    from engine.midi.files import read_clip
    from engine.music.arrangement import ArrangementError

    drums, _, folk = real
    beat, tune = drums.slice(0, 64), folk.slice(0, 64)  # 4 bars each
    arr = Arrangement(
        (Lane("Drums", (Placement(beat, 0, "beat"),)), Lane("Lead", (Placement(tune, 0, "tune"),)))
    )
    arr = arr.trim(0, 0, 1, 3)  # the beat shows its bars 2-3 only, where they were
    p = arr.lanes[0].placements[0]
    assert (p.start_bar, p.offset_bar, p.length_bars, p.end_bar) == (1, 1, 2, 3)
    in_trim = sum(1 for t in beat.tracks for n in t.notes if 16 <= n.start < 48)
    assert arr.render().note_count == in_trim + tune.note_count
    with pytest.raises(ArrangementError, match="cannot show bars"):
        arr.trim(0, 0, 0, 5)  # past the clip's own 4 bars
    arr = arr.set_muted(1, True)
    assert arr.render().note_count == in_trim
    arr = arr.set_solo(1, True)  # solo wins over the lane's own mute, and silences the drums
    assert arr.render().note_count == tune.note_count and arr.audible_lanes() == [1]
    path = save_session(SessionData(arrangement=arr, tempo=120.0), tmp_path / "trim.bandmate")
    back = load_session(path).arrangement
    assert back == arr and back.lanes[0].placements[0].length_bars == 2 and back.lanes[1].solo
    parser = argparse.ArgumentParser()
    session_cmd.add_arguments(parser)
    out = tmp_path / "range.mid"
    assert session_cmd.run(parser.parse_args([str(path), "--midi", str(out), "--bars", "2-3"])) == 0
    assert "solo" in capsys.readouterr().out
    got = read_clip(out)
    assert got.steps == 32 and got.note_count == sum(
        1 for t in tune.tracks for n in t.notes if 16 <= n.start < 48
    )
    assert session_cmd.run(parser.parse_args([str(path), "--midi", str(out), "--bars", "3-x"])) == 2
    assert "give bars as A-B" in capsys.readouterr().err
