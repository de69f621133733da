"""Small MIDI files built with mido for the replayed bug classes of issue 12 (no third-party content)."""

from __future__ import annotations

from pathlib import Path

import mido

TPQ = 480


def save(path: Path, tracks: list[list[tuple[int, mido.Message | mido.MetaMessage]]], tpq: int = TPQ) -> Path:
    """A type-1 file from per-track lists of (absolute tick, message); returns `path`."""
    mid = mido.MidiFile(type=1, ticks_per_beat=tpq)
    for events in tracks:
        track, now = mido.MidiTrack(), 0
        for tick, msg in sorted(events, key=lambda e: e[0]):
            track.append(msg.copy(time=tick - now))
            now = tick
        mid.tracks.append(track)
    mid.save(path)
    return path


def note(tick: int, length: int, pitch: int, velocity: int = 90, channel: int = 0) -> list[tuple]:
    return [
        (tick, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity)),
        (tick + length, mido.Message("note_off", channel=channel, note=pitch, velocity=0)),
    ]


def tempo(tick: int, bpm: float) -> tuple:
    return (tick, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))


def meter(tick: int, num: int, den: int) -> tuple:
    return (tick, mido.MetaMessage("time_signature", numerator=num, denominator=den))


def piano_with_pedal(path: Path) -> Path:
    """2 bars of piano: 8 sustain-pedal events and 2 pitch bends among 8 notes."""
    events = [(0, mido.Message("program_change", program=0))]
    for bar in range(2):
        for beat in range(4):
            events += note(bar * 1920 + beat * 480, 400, 60 + beat)
        for k, value in enumerate((127, 0, 127, 0)):
            events.append(
                (bar * 1920 + k * 480 + 10, mido.Message("control_change", control=64, value=value))
            )
    events += [(960, mido.Message("pitchwheel", pitch=2000)), (1440, mido.Message("pitchwheel", pitch=0))]
    return save(path, [[tempo(0, 100)], events])


def drums_with_tempo_change(path: Path) -> Path:
    """4 bars of a beat on channel 10, tempo 120 then 80 BPM from bar 2."""
    events = []
    for step in range(64):
        events += note(step * 120, 60, 42, 80, 9)
        if step % 8 == 0:
            events += note(step * 120, 60, 36, 110, 9)
        if step % 8 == 4:
            events += note(step * 120, 60, 38, 100, 9)
    return save(path, [[tempo(0, 120), tempo(1920, 80)], events])


def hats_and_flam(path: Path) -> Path:
    """2 bars: 32nd-note hi-hats (32 per bar) on channel 10 and a snare flam (two hits 20 ticks apart)."""
    events = []
    for k in range(64):
        events += note(k * 60, 30, 42, 70 + k % 3 * 10, 9)
    for bar in range(2):
        events += note(bar * 1920 + 960 - 20, 30, 38, 60, 9) + note(bar * 1920 + 960, 30, 38, 110, 9)
    events += note(0, 60, 36, 120, 9) + note(1920, 60, 36, 120, 9)
    return save(path, [[tempo(0, 110)], events])


def pickup_and_meters(path: Path) -> Path:
    """A 1/4 pickup, 2 bars of 4/4, 2 bars of 3/4, 2 bars of 4/4: 23 quarter notes."""
    head = [
        meter(0, 1, 4),
        meter(480, 4, 4),
        meter(480 + 2 * 1920, 3, 4),
        meter(480 + 2 * 1920 + 2 * 1440, 4, 4),
    ]
    events = [(0, mido.Message("program_change", program=73))]
    for k in range(23):
        events += note(k * 480, 400, 60 + k % 12)
    return save(path, [[tempo(0, 100), *head], events])


def programs_in_tempo_track(path: Path) -> Path:
    """Program changes for bass (channel 2, program 33) and flute (channel 3, program 73) in track 0; the
    notes in tracks of their own."""
    head = [
        tempo(0, 120),
        (0, mido.Message("program_change", channel=1, program=33)),
        (0, mido.Message("program_change", channel=2, program=73)),
    ]
    bass = [e for k in range(8) for e in note(k * 480, 400, 36 + k % 5, 90, 1)]
    flute = [e for k in range(16) for e in note(k * 240, 200, 72 + k % 7, 80, 2)]
    return save(path, [head, bass, flute])


def kit_on_channel_16(path: Path) -> Path:
    """A drum kit on channel 16 in a track named "Drums", plus a melody on channel 1."""
    kit = [(0, mido.MetaMessage("track_name", name="Drums"))]
    for step in range(32):
        kit += note(step * 120, 60, 42, 80, 15)
        if step % 4 == 0:
            kit += note(step * 120, 60, 36 if step % 8 == 0 else 38, 110, 15)
    melody = [(0, mido.MetaMessage("track_name", name="Melody"))]
    melody += [e for k in range(8) for e in note(k * 480, 400, 67 + k % 5)]
    return save(path, [[tempo(0, 120)], kit, melody])


def legato_repeats(path: Path) -> Path:
    """8 legato repeated notes (each ends exactly where the next of the same pitch starts)."""
    events = [(0, mido.Message("program_change", program=73))]
    for k in range(8):
        events += note(k * 480, 480, 67)
    return save(path, [[tempo(0, 120)], events])
