"""The replayed bug classes of issue 12, each on a small file built here: one reader, one writer,
nothing dropped without a word."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

import mido
import pytest

from engine.data.dataset import song_arrays
from engine.midi.files import read_midi, read_song
from engine.midi.smf import parse_smf
from engine.midi.writer import events_of, midi_bytes
from engine.music.pattern import Meter, Note, Pattern, Role, Track
from engine.playback.timeline import TimelineError, timeline_from_midi, timeline_from_pattern
from tests.engine.midi import midi_cases as mc


def source_events(data: bytes) -> list[tuple[int, int, bytes]]:
    """Every event of a file as (track, tick, raw bytes), in file order."""
    return [(i, tick, raw) for i, t in enumerate(parse_smf(data).tracks) for tick, raw in t.events]


def key_sequences(events: list[tuple[float, mido.Message]]) -> dict[tuple[int, int], list[tuple]]:
    """Per (channel, pitch) the on/off sequence as (position, "on"/"off")."""
    out: dict[tuple[int, int], list[tuple]] = {}
    for pos, m in events:
        if m.type in ("note_on", "note_off"):
            kind = "on" if m.type == "note_on" and m.velocity else "off"
            out.setdefault((m.channel, m.note), []).append((pos, kind))
    return out


def assert_alternates(events: list[tuple[float, mido.Message]]) -> None:
    """Each key goes on, off, on, off ...: no note-off meets a note it did not start."""
    for key, seq in key_sequences(events).items():
        assert [k for _, k in seq] == ["on", "off"] * (len(seq) // 2), (key, seq)


# ---- 1. one reader for render and play ------------------------------------------------------------
def test_undecodable_key_signature_reads_everywhere_and_is_written_back(tmp_path: Path) -> None:
    bad_key = mido.UnknownMetaMessage(0x59, data=(0xFE, 0xFF))  # sharps/flats -2, mode 255
    path = mc.save(
        tmp_path / "key.mid", [[(0, bad_key), mc.tempo(0, 120)], mc.note(0, 480, 60) + mc.note(480, 480, 64)]
    )
    result = read_midi(path)
    assert result.pattern.note_count == 2
    assert read_song(path).segments
    timeline = timeline_from_midi(path)
    assert sum(m.type == "note_on" for _, m in timeline.events) == 2
    assert b"\xff\x59\x02\xfe\xff" in midi_bytes(result.pattern)


def test_division_zero_is_a_reason_for_play_and_render(tmp_path: Path) -> None:
    path = mc.save(tmp_path / "zero.mid", [mc.note(0, 480, 60)])
    data = bytearray(path.read_bytes())
    data[12:14] = struct.pack(">H", 0)
    path.write_bytes(bytes(data))
    with pytest.raises(TimelineError, match="0 ticks per beat"):
        timeline_from_midi(path)


def test_a_late_controller_does_not_make_the_render_long(tmp_path: Path, soundfont: Path) -> None:
    from synth.fluid_render import MAX_TAIL_SECONDS, render_audio

    events = [e for k in range(4) for e in mc.note(k * 480, 400, 60 + k)]  # four notes in 2 s at 120 BPM
    events.append((180 * 2 * 480, mido.Message("control_change", control=7, value=100)))  # 180 s
    path = mc.save(tmp_path / "late_cc.mid", [[mc.tempo(0, 120)], events])
    audio, music = render_audio(path, soundfont, 22050)
    last_release = (3 * 480 + 400) / 960
    assert music == pytest.approx(last_release)
    assert len(audio) / 22050 <= last_release + MAX_TAIL_SECONDS + 0.05
    assert abs(audio[-2048:].astype(int)).max() < 8, "the render ends in silence after the ring-out"


def test_renders_have_a_duration_cap_with_a_clear_message(tmp_path: Path, monkeypatch, soundfont) -> None:
    import synth.fluid_render as fr

    monkeypatch.setattr(fr, "MAX_RENDER_SECONDS", 60.0)
    path = mc.save(
        tmp_path / "long.mid", [[mc.tempo(0, 120)], mc.note(0, 480, 60) + mc.note(200 * 960, 480, 62)]
    )
    with pytest.raises(fr.RenderTooLong, match="lasts 3 minutes; renders stop at 1 minutes"):
        fr.render_audio(path, soundfont, 22050)


# ---- 2. order of events at one instant ------------------------------------------------------------
def test_zero_length_grace_note_is_released_after_it_sounds(tmp_path: Path) -> None:
    grace = [(480, mido.Message("note_on", note=62, velocity=80)), (480, mido.Message("note_off", note=62))]
    path = mc.save(
        tmp_path / "grace.mid", [[mc.tempo(0, 120)], mc.note(0, 480, 60) + grace + mc.note(480, 480, 64)]
    )
    timeline = timeline_from_midi(path)
    assert key_sequences(timeline.events)[(0, 62)] == [(4.0, "on"), (4.0, "off")]
    assert_alternates(list(timeline.events))
    # written back: the zero-length note keeps its exact ticks and its order
    assert source_events(midi_bytes(read_midi(path).pattern)) == source_events(path.read_bytes())


# ---- 3. same-pitch overlaps after micro-timing ----------------------------------------------------
def test_a_note_nudged_early_ends_the_one_before_instead_of_being_choked(tmp_path: Path) -> None:
    clip = read_midi(mc.legato_repeats(tmp_path / "legato.mid")).pattern
    track = clip.tracks[0]
    nudged = [dataclasses.replace(n, offset=-0.3 if i % 2 else 0.0) for i, n in enumerate(track.notes)]
    moved = clip.with_tracks([track.with_notes(nudged)])
    for events in (
        list(timeline_from_pattern(moved).events),
        [(t / 120, m) for t, _, m in _messages(moved)],
        list(timeline_from_pattern(dataclasses.replace(moved, source=None)).events),
    ):
        assert_alternates(events)
        seq = key_sequences(events)[(0, 67)]
        lengths = [b[0] - a[0] for a, b in zip(seq[::2], seq[1::2], strict=True)]
        assert len(lengths) == 8 and min(lengths) >= 1.6, lengths  # no note cut to a few ticks


def _messages(pattern: Pattern) -> list[tuple[int, int, mido.Message]]:
    return [(t, k, mido.Message.from_bytes(raw)) for t, k, raw in events_of(pattern).events if raw[0] < 0xF0]


# ---- 4. a read keeps everything; writing back changes nothing ------------------------------------
@pytest.mark.parametrize(
    "build, notes",
    [
        (mc.piano_with_pedal, 8),
        (mc.drums_with_tempo_change, 80),
        (mc.hats_and_flam, 70),
        (mc.pickup_and_meters, 23),
    ],
)
def test_every_note_and_event_survives_read_and_write(tmp_path: Path, build, notes: int) -> None:
    path = build(tmp_path / "x.mid")
    pattern = read_midi(path).pattern
    assert pattern.note_count == notes
    assert source_events(midi_bytes(pattern)) == source_events(path.read_bytes())


def test_maps_and_meters_are_read(tmp_path: Path) -> None:
    drums = read_midi(mc.drums_with_tempo_change(tmp_path / "d.mid")).pattern
    assert (drums.tempo, drums.tempo_map) == (120.0, ((16.0, 80.0),))
    meters = read_midi(mc.pickup_and_meters(tmp_path / "m.mid")).pattern
    assert meters.meter == Meter(1, 4)
    assert [m for _, m in meters.meter_map] == [Meter(4, 4), Meter(3, 4), Meter(4, 4)]
    assert meters.bar_starts() == (0.0, 4.0, 20.0, 36.0, 48.0, 60.0, 76.0) and meters.bars == 7
    flam = read_midi(mc.hats_and_flam(tmp_path / "f.mid")).pattern
    snares = sorted((n.start, n.offset) for t in flam.tracks for n in t.notes if n.pitch == 38)
    assert len(snares) == 4 and snares[0][0] == 8  # both hits of each flam, on the grid with their offsets
    hats = [n for t in flam.tracks for n in t.notes if n.pitch == 42]
    assert len(hats) == 64 and len({(n.start, n.offset) for n in hats}) == 64


def test_a_pattern_without_source_writes_its_maps(tmp_path: Path) -> None:
    bass = Track((Note(40, 0, 4, 90), Note(43, 16, 20, 90)), 33, role=Role.BASS)
    clip = Pattern((bass,), 32, 120.0, Meter(4, 4), ((16.0, 80.0),), ((16.0, Meter(3, 4)),))
    back = read_midi(midi_bytes(clip)).pattern
    assert (back.tempo, back.tempo_map, back.meter_map) == (120.0, ((16.0, 80.0),), ((16.0, Meter(3, 4)),))


# ---- 5. channel state per file --------------------------------------------------------------------
def test_programs_follow_channels_across_tracks(tmp_path: Path) -> None:
    path = mc.programs_in_tempo_track(tmp_path / "p.mid")
    pattern = read_midi(path).pattern
    assert {(t.channel, t.program) for t in pattern.tracks} == {(1, 33), (2, 73)}
    song = read_song(path)
    assert sorted((t.role.value, t.program) for t in song.tracks) == [("bass", 33), ("lead", 73)]
    fresh = read_midi(midi_bytes(dataclasses.replace(pattern, source=None))).pattern
    assert sorted(t.program for t in fresh.tracks) == [33, 73]


# ---- 7. drums outside channel 10 ------------------------------------------------------------------
def test_a_kit_on_channel_16_named_drums_is_read_as_drums(tmp_path: Path) -> None:
    path = mc.kit_on_channel_16(tmp_path / "kit.mid")
    result = read_midi(path)
    kit = next(t for t in result.pattern.tracks if t.name == "Drums")
    assert kit.is_drum and kit.role == Role.DRUMS and kit.channel == 15
    assert "track 'Drums' on channel 16 read as drums" in result.notices
    song = read_song(path)
    melody = song_arrays(song, "mel_2bar")["melody"]
    assert len(melody) and all(((row >= 2) & (row - 2 + 21 >= 67)).sum() for row in melody)
    drums = song_arrays(song, "drums_2bar")
    assert len(drums["drums"]) == 1


# ---- 8. text ------------------------------------------------------------------------------------
def test_track_names_utf8_first_then_latin1_and_written_whole(tmp_path: Path) -> None:
    def with_name(raw: bytes) -> bytes:
        path = mc.save(tmp_path / "n.mid", [mc.note(0, 480, 60)])
        data = path.read_bytes()
        body = b"\x00\xff\x03" + bytes([len(raw)]) + raw
        at = data.index(b"MTrk")
        length = struct.unpack(">I", data[at + 4 : at + 8])[0]
        return data[:at] + b"MTrk" + struct.pack(">I", length + len(body)) + body + data[at + 8 :]

    assert read_midi(with_name("Bässe".encode())).pattern.tracks[0].name == "Bässe"
    assert read_midi(with_name("Bässe".encode("latin-1"))).pattern.tracks[0].name == "Bässe"
    long = Pattern((Track((Note(60, 0, 4),), name="ä" * 300),), 16)
    names = [raw[raw.index(b"\xc3") :] for _, _, raw in events_of(long).events if raw[:2] == b"\xff\x03"]
    assert len(names) == 1 and len(names[0]) <= 255 and names[0].decode("utf-8") == "ä" * 127


# ---- salvage -------------------------------------------------------------------------------------
def test_a_flipped_data_byte_drops_one_note_and_says_so(tmp_path: Path) -> None:
    path = mc.save(
        tmp_path / "ok.mid",
        [[mc.tempo(0, 120)], [e for k in range(8) for e in mc.note(k * 480, 400, 60 + k)]],
    )
    data = bytearray(path.read_bytes())
    at = data.index(bytes((0x90, 63, 90)))
    data[at + 2] |= 0x80  # the velocity byte of the 4th note
    result = read_midi(bytes(data))
    assert result.pattern.note_count == 7
    assert any("dropped 1 unreadable event" in n for n in result.notices)


def test_a_last_track_cut_short_keeps_what_came_before(tmp_path: Path) -> None:
    path = mc.save(
        tmp_path / "ok.mid",
        [[mc.tempo(0, 120)], [e for k in range(8) for e in mc.note(k * 480, 400, 60 + k)]],
    )
    data = path.read_bytes()
    result = read_midi(data[: len(data) - 12])
    assert 5 <= result.pattern.note_count < 8
    assert any("cut short" in n for n in result.notices)
