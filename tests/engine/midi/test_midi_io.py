"""engine.midi.files: reading real and built files into 4/4 segments, roles, writing back."""

from __future__ import annotations

import io
import operator
from pathlib import Path

import mido
import pytest

from engine.midi.files import midi_bytes, read_clip, read_midi, read_song, write_midi
from engine.music.pattern import Meter, Note, Pattern, Role, Track

REAL = [
    "multitrack/freedoom-freedoom/d_dm01.mid",
    "multitrack/freedoom-freedoom/d_map03.mid",
    "drums/zharry29-drums-with-llm/101_dance-disco_120_beat_4-4.mid",
    "bach_chorales/craigsapp-bach-370-chorales/chor066.mid",
    "folk/jukedeck-nottingham-dataset/reelsa-c35.mid",
]
_order = operator.attrgetter("start", "pitch", "end")  # Track's note order


def _find(midi_dir: Path, rel: str) -> Path:
    path = midi_dir / rel
    if not path.exists():  # the sample may be laid out differently: find it by name
        path = next(midi_dir.rglob(Path(rel).name))
    return path


def build_file(path: Path, *, meters: list[tuple[int, int, int]] = (), tpq: int = 480, bars: int = 4) -> Path:
    """A type-1 file: a tempo track with the given (bar, num, den) meters and a quarter-note melody."""
    mid = mido.MidiFile(type=1, ticks_per_beat=tpq)
    head = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=600_000)])
    now = 0
    for tick, num, den in meters:
        head.append(mido.MetaMessage("time_signature", numerator=num, denominator=den, time=tick - now))
        now = tick
    mid.tracks.append(head)
    melody = mido.MidiTrack([mido.Message("program_change", program=73)])
    for i in range(bars * 4):
        melody.append(mido.Message("note_on", note=60 + i % 12, velocity=90, time=0))
        melody.append(mido.Message("note_off", note=60 + i % 12, velocity=0, time=tpq))
    mid.tracks.append(melody)
    mid.save(path)
    return path


@pytest.mark.parametrize("rel", REAL)
def test_real_files_keep_most_notes_on_the_16th_grid(midi_dir: Path, rel: str) -> None:
    song = read_song(_find(midi_dir, rel))
    kept = sum(s.note_count for s in song.segments)
    # measured: 100% of d_dm01, chor066 and reelsa-c35, 96.9% of d_map03, 97.7% of the disco groove; over
    # all 64 sample files 97.8% of the notes in 4/4 bars survive (two onsets of one pitch on one 16th
    # merge into the louder one); hand-played grooves lose the most (78% of a New Orleans funk beat)
    assert song.segments and kept >= 0.95 * song.notes_in_segments > 0
    for seg in song.segments:
        assert seg.steps % 16 == 0 and 1 <= seg.tempo <= 1000


@pytest.mark.parametrize("rel", REAL)
def test_write_and_read_back_keeps_every_note(midi_dir: Path, rel: str, tmp_path: Path) -> None:
    segment = read_song(_find(midi_dir, rel)).segments[0]
    write_midi(segment, tmp_path / "out.mid")
    again = read_clip(tmp_path / "out.mid")
    assert again.steps == segment.steps and again.tempo == pytest.approx(segment.tempo, rel=1e-4)

    def notes(p: Pattern) -> list[tuple]:
        return sorted(
            (t.is_drum, t.program, n.pitch, n.start, n.end, n.velocity) for t in p.tracks for n in t.notes
        )

    assert notes(again) == notes(segment)
    offsets = sorted(round(n.offset * 120) for t in again.tracks for n in t.notes)
    assert offsets == sorted(round(n.offset * 120) for t in segment.tracks for n in t.notes)


def test_every_track_read_holds_its_notes_in_track_order(midi_dir: Path) -> None:
    """The reader builds its tracks without sorting again (`ordered_track`): their notes must already be
    in the order Track's own sort gives, in every sample file."""
    for path in sorted(midi_dir.rglob("*.mid")):
        for track in read_midi(path).pattern.tracks:
            assert track == Track(
                track.notes, track.program, track.is_drum, track.role, track.name, track.channel
            )
            assert [n.ref for n in track.notes] == [n.ref for n in sorted(track.notes, key=_order)], path


def test_roles_of_a_band_file(midi_dir: Path) -> None:
    song = read_song(_find(midi_dir, REAL[0]))
    roles = [t.role for t in song.tracks]
    assert roles.count(Role.LEAD) == 1 and roles.count(Role.BASS) == 1 and Role.DRUMS in roles
    bass = next(t for t in song.tracks if t.role == Role.BASS)
    assert 32 <= bass.program <= 39
    assert all(t.role == Role.DRUMS for t in song.tracks if t.is_drum)


def test_chorale_soprano_is_lead_and_lowest_voice_is_bass(midi_dir: Path) -> None:
    song = read_song(_find(midi_dir, REAL[3]))
    roles = [t.role for t in song.tracks]
    assert roles[0] == Role.LEAD and roles[-1] == Role.BASS


def test_other_meters_are_skipped_per_segment(tmp_path: Path) -> None:
    path = build_file(
        tmp_path / "m.mid", meters=[(0, 4, 4), (1920 * 2, 3, 4), (1920 * 2 + 1440, 4, 4)], bars=5
    )
    song = read_song(path)
    # 2 bars of 4/4, a 3/4 bar, then 9 quarters of 4/4 (the last, partial bar is kept, padded with rest)
    assert [s.bars for s in song.segments] == [2, 3]
    assert song.skipped == ("bar 3 is in 3/4",)
    assert sum(s.note_count for s in song.segments) == 20 - 3


def test_no_time_signature_means_four_four(tmp_path: Path) -> None:
    song = read_song(build_file(tmp_path / "plain.mid", bars=3))
    assert len(song.segments) == 1 and song.segments[0].bars == 3 and not song.skipped
    assert song.segments[0].tempo == pytest.approx(100.0)
    assert song.segments[0].tracks[0].program == 73


def test_all_other_meter_gives_a_whole_clip_no_model_can_read(tmp_path: Path) -> None:
    from engine.generation.fit import GenerationError, readable_spans

    path = build_file(tmp_path / "waltz.mid", meters=[(0, 3, 4)])
    clip = read_clip(path)
    assert clip.meter == Meter(3, 4) and clip.note_count == 16 and clip.bars == 6
    assert not read_song(path).segments
    with pytest.raises(GenerationError, match="3/4"):
        readable_spans(clip)


def test_micro_timing_and_drum_channel_survive_writing() -> None:
    drums = Track((Note(36, 0, 1, 110, -0.25), Note(38, 4, 5, 64, 0.2)), 0, True, Role.DRUMS)
    bass = Track((Note(40, 0, 8, 80),), 34, False, Role.BASS)
    data = midi_bytes(Pattern((drums, bass), 16, 96.0))
    mid = mido.MidiFile(file=io.BytesIO(data))
    channels = {m.channel for t in mid.tracks for m in t if m.type == "note_on"}
    programs = {m.program for t in mid.tracks for m in t if m.type == "program_change"}
    assert channels == {9, 0} and programs == {34}
    tempo = next(m.tempo for t in mid.tracks for m in t if m.type == "set_tempo")
    assert mido.tempo2bpm(tempo) == pytest.approx(96.0)


def test_a_late_last_hit_keeps_the_clip_its_length(tmp_path: Path) -> None:
    """A humanized hit on the last 16th played late must not make the file a bar longer (a DAW would loop
    an extra empty bar); it still starts late and ends at the clip's end."""
    drums = Track((Note(36, 0, 1, 100), Note(42, 31, 32, 90, 0.4)), 0, True, Role.DRUMS)
    bass = Track((Note(40, 24, 32, 80, 0.3),), 34, False, Role.BASS)
    write_midi(Pattern((drums, bass), 32, 120.0), tmp_path / "late.mid")
    mid = mido.MidiFile(tmp_path / "late.mid")
    assert mid.length == pytest.approx(4.0)  # two bars at 120 BPM
    back = read_clip(tmp_path / "late.mid")
    assert back.steps == 32
    hat = next(n for t in back.tracks for n in t.notes if n.pitch == 42)
    assert (hat.start, hat.offset) == (31, pytest.approx(0.4, abs=0.01))
