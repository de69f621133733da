"""One tempo for everything exported: the MIDI tempo event, whole-bar WAVs and stems, on real files."""

from __future__ import annotations

import io
import wave

import mido
import pytest

from cli import render as render_cmd
from engine.midi.files import midi_bytes, read_midi, write_midi
from synth.fluid_render import render_stems, render_wav

DRUMS = "drums/zharry29-drums-with-llm/drummer1/session1/101_dance-disco_120_beat_4-4.mid"
MULTI = "multitrack/freedoom-freedoom/d_dm14.mid"


def _frames(path) -> tuple[int, int]:
    with wave.open(str(path)) as w:
        return w.getnframes(), w.getframerate()


def _tempos(data: bytes) -> list[tuple[int, float]]:
    midi = mido.MidiFile(file=io.BytesIO(data))
    return [
        (m.time, round(mido.tempo2bpm(m.tempo), 3)) for t in midi.tracks for m in t if m.type == "set_tempo"
    ]


@pytest.mark.parametrize("name", [DRUMS, MULTI])
def test_midi_export_at_a_tempo_writes_that_tempo_and_keeps_everything_else(midi_dir, name) -> None:
    clip = read_midi(midi_dir / name).pattern
    original = midi_bytes(clip)
    assert _tempos(original) == _tempos((midi_dir / name).read_bytes())  # unchanged: the file's own
    moved = midi_bytes(clip.at_tempo(90))
    assert _tempos(moved) == [(0, 90.0)]
    before = mido.MidiFile(file=io.BytesIO(original))
    after = mido.MidiFile(file=io.BytesIO(moved))

    def notes(m: mido.MidiFile) -> list[tuple[str, int, int]]:
        return [
            (x.type, x.note, x.velocity) for t in m.tracks for x in t if x.type in ("note_on", "note_off")
        ]

    assert notes(before) == notes(after)  # ticks, notes and everything else stay: only the tempo moved


def test_fresh_clip_keeps_one_tempo_event(midi_dir, tmp_path) -> None:
    clip = read_midi(midi_dir / MULTI).pattern.slice(0, 32).at_tempo(90)
    write_midi(clip, tmp_path / "c.mid")
    assert _tempos((tmp_path / "c.mid").read_bytes()) == [(0, 90.0)]
    assert read_midi(tmp_path / "c.mid").pattern.tempo == pytest.approx(90.0, abs=1e-3)


def test_two_bars_at_90_bpm_render_to_exactly_5_333_seconds(midi_dir, soundfont, tmp_path) -> None:
    clip = read_midi(midi_dir / DRUMS).pattern.slice(0, 32)  # a 120 BPM file: 2 bars
    result = render_wav(clip.at_tempo(90), tmp_path / "a.wav", soundfont, 44100, whole_bars=True)
    frames, rate = _frames(result.path)
    assert frames == round(2 * 4 * 60 / 90 * 44100) == 235200
    with_tail = render_wav(clip.at_tempo(90), tmp_path / "b.wav", soundfont, 44100, whole_bars=True, tail=1.5)
    assert _frames(with_tail.path)[0] == 235200 + round(1.5 * 44100)


def test_stems_are_one_wav_per_track_all_the_same_length(midi_dir, soundfont, tmp_path) -> None:
    clip = read_midi(midi_dir / MULTI).pattern.slice(0, 64).at_tempo(120)
    results = render_stems(clip, tmp_path, "song", soundfont, 22050)
    assert len(results) == len(clip.tracks) >= 2
    assert {_frames(r.path)[0] for r in results} == {round(4 * 4 * 60 / 120 * 22050)}
    assert all(r.path.name.startswith("song-0") for r in results)


def test_cli_render_bpm_and_stems(midi_dir, soundfont, tmp_path, capsys) -> None:
    import argparse

    p = argparse.ArgumentParser()
    render_cmd.add_arguments(p)
    clip = read_midi(midi_dir / DRUMS).pattern.slice(0, 32)
    write_midi(clip, tmp_path / "two.mid")
    assert (
        render_cmd.run(p.parse_args([str(tmp_path / "two.mid"), str(tmp_path / "x.wav"), "--bpm", "90"])) == 0
    )
    assert _frames(tmp_path / "x.wav")[0] == 235200
    args = p.parse_args([str(midi_dir / MULTI), str(tmp_path / "m.wav"), "--stems", "--bpm", "100"])
    assert render_cmd.run(args) == 0
    assert len(list(tmp_path.glob("m-*.wav"))) >= 2
    with pytest.raises(SystemExit) as refused:  # argparse refuses it before any work: exit 2, one line
        p.parse_args([str(tmp_path / "two.mid"), str(tmp_path / "y.wav"), "--bpm", "5"])
    assert refused.value.code == 2
    assert "'5': write a number from 20 to 300 beats per minute" in capsys.readouterr().err
