"""Huge counts (events, notes, parts, bars) are refused or capped with a one-line reason in every operation
(prepare, render, humanize), on small files built here. The fuzz run (tests/fuzz_midi.py "huge count")
found a render of 40,000 zero-length strikes of one key at one instant taking 10 s."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from engine.data.converters import MAX_TRIO_COMBINATIONS, trio_parts
from engine.data.dataset import song_arrays
from engine.generation.generator import Generator
from engine.generation.humanize import MAX_WINDOWS, _Windows
from engine.midi.files import MidiError, read_clip, read_song
from engine.midi.reader import read_midi
from engine.midi.smf import MAX_EVENTS
from engine.midi.writer import midi_bytes
from engine.music.pattern import Note, Pattern, Role, Track
from engine.playback.timeline import TimelineError
from synth.fluid_render import render_audio
from synth.soundfont import SoundError, find_soundfont

TPQ = 480
END = b"\x00\xff\x2f\x00"
KICK_BAR = b"".join(  # one bar of four quarter-note kicks on channel 10, 16th-long
    b"\x00\x99\x24\x64" + b"\x78\x89\x24\x00" + b"\x82\x68" + b"\xff\x01\x00" for _ in range(4)
)


def smf(tracks: list[bytes], tpq: int = TPQ) -> bytes:
    head = b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks), tpq)
    return head + b"".join(b"MTrk" + struct.pack(">I", len(t)) + t for t in tracks)


def strikes(count: int) -> bytes:
    """`count` zero-length strikes of C4 at one instant, in running status (as the fuzz inserts them)."""
    return b"\x00\x90\x3c\x40" + b"\x00\x3c\x00" + b"\x00\x3c\x40\x00\x3c\x00" * (count - 1)


def melody(bars: int = 2) -> bytes:
    """Quarter notes C4 D4 E4 F4 for `bars` bars, channel 1."""
    out = b""
    for i in range(4 * bars):
        key = (60, 62, 64, 65)[i % 4]
        out += b"\x00\x90" + bytes((key, 90)) + b"\x83\x60\x80" + bytes((key, 0))
    return out


def soundfont() -> Path:
    try:
        return find_soundfont()
    except SoundError as e:
        pytest.skip(str(e))


def test_too_many_events_are_refused_with_one_line_in_every_op(tmp_path: Path) -> None:
    path = tmp_path / "stack.mid"
    path.write_bytes(smf([melody() + strikes(MAX_EVENTS // 2 + 1) + END]))
    with pytest.raises(MidiError) as prepare_error:
        read_song(path)
    with pytest.raises(TimelineError) as render_error:
        render_audio(path, soundfont(), 8000, limit=2.0)
    with pytest.raises(MidiError) as humanize_error:
        read_clip(path)
    for e in (prepare_error, render_error, humanize_error):
        assert f"more than {MAX_EVENTS:,} events" in str(e.value) and "\n" not in str(e.value)


def test_a_stack_of_strikes_under_the_cap_renders_the_music_after_it(tmp_path: Path) -> None:
    """5,000 zero-length strikes of C4 at the start, then a melody: the strikes sound once, the melody
    after them sounds (the offs of the skipped strikes release nothing), and the WAV ends with the music."""
    path = tmp_path / "stack.mid"
    path.write_bytes(smf([strikes(5000) + melody(2) + END]))
    song = read_song(path)
    assert sum(t.notes for t in song.tracks) == 5000 + 8
    audio, music = render_audio(path, soundfont(), 8000)
    assert music == pytest.approx(4.0, abs=0.01)  # two bars at 120 BPM, to the last note-off
    assert 4.0 * 8000 <= len(audio) <= (4.0 + 2.0) * 8000  # plus the ring-out, at most 2 s
    level = [
        int(np.abs(audio[int(s * 8000) : int((s + 0.4) * 8000)].astype(np.int32)).max())
        for s in (0.1, 2.1, 3.6)
    ]
    assert min(level) > 300, level  # the melody sounds in its first and second bar and at its last note


def test_trio_reads_at_most_max_combinations_of_a_file_with_many_parts(tmp_path: Path) -> None:
    """40 melody tracks and 40 bass tracks (1,600 combinations): the trio reads 16, in track order, and
    prepare's trio examples stay bounded."""
    tracks = [KICK_BAR * 16 + END]
    for i in range(80):
        channel, key = (1, i - 4) if i >= 40 else (0, 60 + i)  # basses: channel 2, program 33
        notes = b"".join(
            b"\x00" + bytes((0x90 | channel, key, 80)) + b"\x8f\x00" + bytes((0x80 | channel, key, 0))
            for _ in range(16)
        )
        tracks.append(b"\x00" + bytes((0xC0 | channel, 33 if i >= 40 else 0)) + notes + END)
    path = tmp_path / "parts.mid"
    path.write_bytes(smf(tracks))
    song = read_song(path)
    segment = song.segments[0]
    leads = [t for t in segment.tracks if not t.is_drum and t.program != 33]
    basses = [t for t in segment.tracks if not t.is_drum and t.program == 33]
    assert len(leads) == 40 and len(basses) == 40
    parts = trio_parts(segment)
    assert len(parts) == MAX_TRIO_COMBINATIONS
    assert [p[0].name for p in parts] == [leads[0].name] * MAX_TRIO_COMBINATIONS  # the first lead, each bass
    assert [p[1].notes[0].pitch for p in parts] == [b.notes[0].pitch for b in basses[:MAX_TRIO_COMBINATIONS]]
    assert len(song_arrays(song, "trio_16bar")["tempo"]) <= MAX_TRIO_COMBINATIONS


@pytest.fixture(scope="module")
def drums_model() -> Generator:
    return Generator.load("drums_2bar")


def _kicks(bars: list[int]) -> Pattern:
    notes = tuple(Note(36, 16 * b + q * 4, 16 * b + q * 4 + 1, 80) for b in bars for q in range(4))
    return Pattern((Track(notes, 0, True, Role.DRUMS, "drums"),), 16 * (max(bars) + 1), 120.0)


def test_humanize_of_a_long_sparse_clip_reads_only_the_bars_with_notes(drums_model: Generator) -> None:
    """Kicks in bar 1 and bar 4,000: two windows are read, not 2,000, and every note comes back."""
    clip = _kicks([0, 3999])
    assert _Windows(clip, 32, [(0, clip.steps)]).starts == [0, 16 * 3998]
    done = drums_model.humanize(clip, 1.0, seed=1)
    notes = done.clips[0].tracks[0].notes
    assert [(n.pitch, n.start, n.end) for n in notes] == [
        (n.pitch, n.start, n.end) for n in clip.tracks[0].notes
    ]
    assert any(n.velocity != 80 for n in notes)  # both bars were humanized
    assert any(n.velocity != 80 for n in notes if n.start >= 16 * 3999)
    assert not any("left as they were" in n for n in done.notices)


def test_humanize_of_a_clip_longer_than_the_cap_moves_its_start_and_says_where_it_stopped(
    drums_model: Generator, tmp_path: Path
) -> None:
    """Kicks in every bar of a 2 x MAX_WINDOWS + 10 bar clip (read from a file): the first 2 x MAX_WINDOWS
    bars are humanized, the last 10 come back as they were, and a notice names them."""
    bars = 2 * MAX_WINDOWS + 10
    path = tmp_path / "long.mid"
    path.write_bytes(smf([KICK_BAR * bars + END]))
    clip = read_clip(path)
    done = drums_model.humanize(clip, 1.0, seed=1)
    first = 2 * MAX_WINDOWS + 1
    assert f"bars {first}-{bars} were left as they were" in " ".join(done.notices)
    old, new = clip.tracks[0].notes, done.clips[0].tracks[0].notes
    late = [(a, b) for a, b in zip(old, new, strict=True) if a.start >= 16 * (first - 1)]
    assert len(late) == 40 and all((a.velocity, a.offset) == (b.velocity, b.offset) for a, b in late)
    assert sum(a.velocity != b.velocity for a, b in zip(old, new, strict=True)) > len(old) // 2
    written = read_midi(midi_bytes(done.clips[0])).pattern  # the file written back holds every note
    assert written.note_count == clip.note_count
