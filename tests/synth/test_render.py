"""Offline FluidSynth rendering with a real GM soundfont: sound, length, drums, errors."""

from __future__ import annotations

import subprocess
import sys
import wave

import mido
import numpy as np
import pytest

from engine.music.pattern import Note, Pattern, Role, Track
from engine.playback.timeline import timeline_from_midi
from synth.fluid_render import MAX_TAIL_SECONDS, render_audio, render_wav
from synth.soundfont import ENV_VAR, SoundError, find_soundfont
from tests.conftest import ROOT

DRUMS = "drums/zharry29-drums-with-llm/drummer3/session2/31_hiphop_92_beat_4-4.mid"
MULTI = "multitrack/freedoom-freedoom/d_dm14.mid"


def _read(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (2, 2)
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2)
        return data, w.getframerate()


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) if len(audio) else 0.0


@pytest.mark.parametrize("name", [DRUMS, MULTI])
def test_render_real_clip_is_loud_enough_and_the_right_length(midi_dir, soundfont, tmp_path, name) -> None:
    timeline = timeline_from_midi(midi_dir / name).head(64)
    result = render_wav(timeline, tmp_path / "out.wav", soundfont, rate=22050)
    audio, rate = _read(result.path)
    assert rate == 22050
    assert timeline.duration <= len(audio) / rate <= timeline.duration + MAX_TAIL_SECONDS + 0.1
    assert _rms(audio) > 300, "the render is (nearly) silent"
    seconds = [_rms(audio[i : i + rate]) for i in range(0, int(timeline.duration) * rate, rate)]
    assert min(seconds) > 30, "a silent second inside the music"


def test_drums_sound_on_channel_10_and_programs_differ(soundfont) -> None:
    kick = Track((Note(36, 0, 2, 120),), 0, True, Role.DRUMS)
    piano = Track((Note(36, 0, 2, 120),), 0, False, Role.OTHER)
    organ = Track((Note(36, 0, 2, 120),), 19, False, Role.OTHER)
    renders = {
        name: render_audio(Pattern((t,), 4, 120.0), soundfont, 22050)[0][:4000, 0].astype(float)
        for name, t in (("kick", kick), ("piano", piano), ("organ", organ))
    }
    assert all(_rms(a) > 200 for a in renders.values()), "every part is audible"
    for a, b in (("kick", "piano"), ("piano", "organ")):
        corr = np.corrcoef(renders[a], renders[b])[0, 1]
        assert abs(corr) < 0.9, f"{a} and {b} sound the same: the drum kit / program was not selected"


def test_tail_is_kept_and_tempo_changes_move_notes(soundfont, tmp_path) -> None:
    mid = mido.MidiFile(ticks_per_beat=96)
    track = mido.MidiTrack()
    track += [mido.MetaMessage("set_tempo", tempo=500000), mido.Message("note_on", note=60, velocity=110)]
    track += [mido.Message("note_off", note=60, time=96), mido.MetaMessage("set_tempo", tempo=1000000)]
    track += [mido.Message("note_on", note=72, velocity=110), mido.Message("note_off", note=72, time=96)]
    mid.tracks.append(track)
    mid.save(tmp_path / "tempo.mid")
    audio, music = render_audio(tmp_path / "tempo.mid", soundfont, 22050)
    assert music == pytest.approx(1.5)  # one beat at 120, one at 60 BPM
    after_end = audio[int(1.5 * 22050) :]
    assert len(after_end) > 0 and _rms(after_end[:2205]) > 10, "the release tail was cut off"
    second_note = audio[int(0.5 * 22050) : int(0.55 * 22050)]
    assert _rms(second_note) > 100


def test_missing_soundfont_says_how_to_get_one(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(SoundError, match="apt-get install fluid-soundfont-gm"):
        find_soundfont(None, search=())
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "gone.sf2"))
    with pytest.raises(SoundError, match="gone.sf2"):
        find_soundfont()
    fake = tmp_path / "fake.sf2"
    fake.write_bytes(b"not a soundfont")
    with pytest.raises(SoundError, match="not a SoundFont"):
        find_soundfont(fake)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_cli_render_writes_a_wav(midi_dir, tmp_path) -> None:
    out = tmp_path / "beat.wav"
    result = _cli("render", str(midi_dir / DRUMS), str(out), "--rate", "22050")
    assert result.returncode == 0, result.stderr
    audio, rate = _read(out)
    assert rate == 22050 and len(audio) / rate > 12.9 and _rms(audio) > 300


def test_cli_render_bad_input_is_one_clear_line(midi_dir, tmp_path) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_text("hello")
    cases = [
        (("render", str(bad), str(tmp_path / "a.wav")), "not a readable MIDI file"),
        (("render", str(midi_dir / DRUMS), str(tmp_path / "b.wav"), "--soundfont", "/nope.sf2"), "nope.sf2"),
        (("render", str(midi_dir / DRUMS), str(tmp_path / "no" / "c.wav")), "no such folder"),
    ]
    for args, reason in cases:
        result = _cli(*args)
        assert result.returncode == 1, result
        assert reason in result.stderr and "Traceback" not in result.stderr, result.stderr


def _dbfs(audio: np.ndarray) -> float:
    return 20 * float(np.log10(_rms(audio) / 32768))


def test_a_full_band_render_never_clips_and_keeps_its_loudness(soundfont, tmp_path) -> None:
    from synth.fluid_render import CEILING

    band = ROOT / "resources" / "examples" / "freedoom" / "d_dm14.mid"  # peaked at 1.33 of full scale
    audio, _ = _read(render_wav(band, tmp_path / "band.wav", soundfont, rate=22050).path)
    peak = int(np.abs(audio.astype(np.int32)).max())
    assert int((np.abs(audio.astype(np.int32)) >= 32735).sum()) == 0, "clipped samples"
    assert peak == pytest.approx(CEILING * 32767, abs=2)  # scaled down to -1 dBFS, not below
    assert -19.0 < _dbfs(audio) < -13.0
    beat = ROOT / "resources" / "examples" / "groove" / "65_funk_112_beat_4-4.mid"  # peaks at 0.75: as is
    drums, _ = _read(render_wav(beat, tmp_path / "beat.wav", soundfont, rate=22050).path)
    assert 0.6 * 32767 < int(np.abs(drums.astype(np.int32)).max()) < CEILING * 32767
    assert -33.0 < _dbfs(drums) < -26.0


def test_loudness_rule_scales_down_only_and_stems_share_one_factor(soundfont, tmp_path) -> None:
    from synth.fluid_render import CEILING, limit_scale, render_stems, to_pcm16

    loud, quiet = np.array([[1.5, -0.3]], np.float32), np.array([[0.2, -0.1]], np.float32)
    assert limit_scale(loud) == pytest.approx(CEILING / 1.5) and limit_scale(quiet) == 1.0
    assert limit_scale(quiet, loud) == limit_scale(loud)  # one factor for all
    assert to_pcm16(loud).tolist() == [[round(CEILING * 32767), round(-0.3 * CEILING / 1.5 * 32767)]]
    assert to_pcm16(quiet).tolist() == [[round(0.2 * 32767), round(-0.1 * 32767)]]
    from engine.midi.files import read_clip

    song = read_clip(ROOT / "resources" / "examples" / "freedoom" / "d_dm14.mid").slice(0, 8 * 16)
    stems = [_read(r.path)[0] for r in render_stems(song, tmp_path, "s", soundfont, rate=22050)]
    peaks = [int(np.abs(s.astype(np.int32)).max()) for s in stems]
    assert max(peaks) <= CEILING * 32767 + 1 and min(peaks) > 0
