"""engine.data.converters: the four MusicVAE representations, hand-built cases and real-file round trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.data.codec import monophonic
from engine.data.converters import CONVERTERS
from engine.midi.files import midi_bytes, read_clip, read_song
from engine.music.pattern import Note, Pattern, Role, Track
from models.vocab import DRUM_PITCHES, DRUM_VOCAB, MELODY_VOCAB

REAL = ["d_dm01.mid", "101_dance-disco_120_beat_4-4.mid", "chor066.mid", "reelsa-c35.mid"]


def _song(midi_dir: Path, name: str):  # noqa: ANN202
    return read_song(next(midi_dir.rglob(name)))


def lead(*notes: Note, program: int = 0) -> Track:
    return Track(tuple(notes), program, False, Role.LEAD)


def test_vocabularies_match_the_contract() -> None:
    assert MELODY_VOCAB == 90 and DRUM_VOCAB == 512 and len(DRUM_PITCHES) == 9
    assert DRUM_PITCHES[0][0] == 36 and DRUM_PITCHES[1][0] == 38 and DRUM_PITCHES[8][0] == 51


def test_melody_tokens_by_hand() -> None:
    window = Pattern((lead(Note(60, 0, 2), Note(62, 4, 8), Note(21, 8, 9), Note(108, 31, 32)),), 32)
    tokens = CONVERTERS["mel_2bar"].to_tensors(window)["melody"]
    expected = np.zeros(32, dtype=np.int64)
    expected[[0, 2, 4, 8, 9, 31]] = [2 + 39, 1, 2 + 41, 2, 1, 89]
    assert tokens.dtype == np.int64 and tokens.tolist() == expected.tolist()


def test_polyphony_is_reduced_to_the_top_line() -> None:
    chord = [Note(60, 0, 8), Note(64, 0, 8), Note(67, 0, 4), Note(55, 2, 4), Note(72, 4, 6)]
    line = monophonic(chord)
    assert [(n.pitch, n.start, n.end) for n in line] == [(67, 0, 4), (72, 4, 6)]
    bass = monophonic(chord, top=False)
    assert [(n.pitch, n.start, n.end) for n in bass] == [(60, 0, 2), (55, 2, 4), (72, 4, 6)]


def test_drums_keep_velocity_and_micro_timing() -> None:
    kit = Track(
        (Note(36, 0, 1, 127, -0.25), Note(42, 0, 1, 64, 0.1), Note(35, 0, 1, 10), Note(99, 3, 4)), 0, True
    )
    arrays = CONVERTERS["drums_2bar"].to_tensors(Pattern((kit,), 32, 90.0))
    assert arrays["drums"][0] == 0b101 and arrays["drums"][3] == 0  # pitch 99 is outside the map
    assert arrays["hits"].shape == (32, 9) and arrays["hits"][0].tolist()[:3] == [1, 0, 1]
    assert arrays["velocity"][0, 0] == pytest.approx(1.0) and arrays["offset"][0, 0] == pytest.approx(-0.25)
    assert arrays["offset"][0, 2] == pytest.approx(0.1) and float(arrays["tempo"]) == 90.0
    back = CONVERTERS["drums_2bar"].from_tensors(arrays)
    notes = back.tracks[0].notes
    assert back.tracks[0].is_drum and [(n.pitch, n.velocity) for n in notes] == [(36, 127), (42, 64)]
    assert notes[0].offset == pytest.approx(-0.25) and back.tempo == 90.0


def test_multitrack_slots() -> None:
    tracks = [lead(Note(40 + i, 0, 4, 50 + i), program=i) for i in range(9)]
    tracks.append(Track((Note(38, 2, 3, 100),), 0, True, Role.DRUMS))
    arrays = CONVERTERS["multitrack_1bar"].to_tensors(Pattern(tuple(tracks), 16))
    assert arrays["program"].shape == (8,) and arrays["tokens"].shape == (8, 16)
    assert arrays["program"][-1] == 128 and arrays["tokens"][-1, 2] == 90 + 2
    assert arrays["velocity"][-1, 2] == pytest.approx(100 / 127)
    sparse = CONVERTERS["multitrack_1bar"].to_tensors(Pattern((tracks[0],), 16))
    assert sparse["program"].tolist() == [0] + [129] * 7


def test_windows_follow_magentas_rules() -> None:
    mel = CONVERTERS["mel_2bar"]
    gap = Pattern((lead(Note(60, 0, 1), Note(62, 20, 21), Note(64, 40, 48), Note(65, 50, 52)),), 64)
    # bars 1-2 and bars 2-3 each hold 19 silent steps in a row (more than a bar); bars 3-4 at most 12
    assert [w.tracks[0].notes[0].start for w in mel.windows(gap)] == [8]
    drums_only = Pattern((Track((Note(36, 0, 1),) * 1, 0, True, Role.DRUMS),), 256)
    assert CONVERTERS["trio_16bar"].windows(drums_only) == []
    assert len(CONVERTERS["drums_2bar"].windows(Pattern((), 32))) == 0


def test_trio_without_melody_leaves_the_melody_empty() -> None:
    bass = Track((Note(40, 0, 4, 90),), 33, False, Role.BASS)
    kit = Track((Note(36, 0, 1, 90),), 0, True, Role.DRUMS)
    arrays = CONVERTERS["trio_16bar"].to_tensors(Pattern((bass, kit), 256))
    assert not arrays["melody"].any() and arrays["bass"][0] == 2 + 40 - 21 and arrays["drums"][0] == 1
    back = CONVERTERS["trio_16bar"].from_tensors(arrays)
    assert [t.role for t in back.tracks] == [Role.LEAD, Role.BASS, Role.DRUMS] and not back.tracks[0].notes
    melody = CONVERTERS["mel_2bar"].to_tensors(Pattern((bass,), 32))["melody"]
    assert melody[0] == 2 + 40 - 21  # a bass line alone is still a melody for mel_2bar


def _bars_of(pitch: int, bars: range, program: int = 0, role: Role = Role.OTHER) -> Track:
    """A track playing one whole-bar note in each of `bars`."""
    notes = tuple(Note(pitch, 16 * b, 16 * b + 16) for b in bars)
    return Track(notes, program, False, role)


def test_trio_windows_are_complete_and_try_every_melodic_track() -> None:
    """Magenta's rule: all three parts in every bar (rests of up to 2 bars allowed), every melodic track
    as the melody; a window with a silent part is never an example."""
    conv, bars = CONVERTERS["trio_16bar"], 20
    kit = Track(tuple(Note(36, 16 * b, 16 * b + 1) for b in range(bars)), 0, True, Role.DRUMS)
    bass = _bars_of(40, range(bars), program=33, role=Role.BASS)
    flute = _bars_of(80, range(bars), program=73, role=Role.LEAD)
    piano = _bars_of(70, [b for b in range(bars) if b not in (5, 6)], program=0)  # rests 2 bars: kept
    pad = _bars_of(90, range(bars), program=90)  # a pad: a melody only when nothing else plays
    examples = conv.examples(Pattern((kit, bass, flute, piano, pad), 16 * bars))
    assert len(examples) == 2 * (bars - 16 + 1)  # flute and piano, each in all 5 windows
    melodies = {int(e["melody"][0]) for e in examples}
    assert melodies == {2 + 80 - 21, 2 + 70 - 21}
    assert all(e["melody"].any() and e["bass"].any() and e["drums"].any() for e in examples)
    gappy = _bars_of(70, [b for b in range(bars) if b not in (5, 6, 7, 8, 9)], program=0)
    assert conv.examples(Pattern((kit, bass, gappy), 16 * bars)) == []  # 5 silent bars: no example
    assert conv.examples(Pattern((kit, flute, piano), 16 * bars)) == []  # no bass: no example


def test_transpose_only_moves_pitched_parts_and_masks_range() -> None:
    conv = CONVERTERS["trio_16bar"]
    arrays = {
        "melody": np.array([[2 + 100 - 21] + [0] * 255]),
        "bass": np.array([[1] * 256]),
        "drums": np.array([[5] * 256]),
        "tempo": np.array([120.0]),
    }
    up, ok = conv.transpose(arrays, 5)
    assert up["melody"][0, 0] == 2 + 105 - 21 and ok.tolist() == [True]
    assert (up["drums"] == 5).all() and (up["bass"] == 1).all()
    _, ok = conv.transpose(arrays, 9)
    assert ok.tolist() == [False]


@pytest.mark.parametrize("name", list(CONVERTERS))
def test_real_windows_round_trip_through_tensors_and_midi(midi_dir: Path, name: str) -> None:
    conv, seen = CONVERTERS[name], 0
    for file in REAL:
        for segment in _song(midi_dir, file).segments:
            for window in conv.windows(segment)[::7]:
                arrays = conv.to_tensors(window)
                pattern = conv.from_tensors(arrays)
                assert pattern.steps == conv.steps
                again = conv.to_tensors(pattern)
                assert set(again) == set(arrays)
                for key in arrays:
                    assert again[key].dtype == arrays[key].dtype
                    np.testing.assert_allclose(again[key], arrays[key], atol=1e-6, err_msg=f"{name}:{key}")
                seen += 1
    assert seen >= 5


def test_trio_fast_examples_equal_encoding_each_window(midi_dir: Path) -> None:
    conv, seen = CONVERTERS["trio_16bar"], 0
    for file in ("d_dm01.mid", "d_map13.mid", "d_dm17.mid"):
        for segment in _song(midi_dir, file).segments:
            fast = conv.examples(segment)
            slow = [conv.to_tensors(w) for w in conv.windows(segment)]
            assert len(fast) == len(slow)
            for a, b in zip(fast, slow, strict=True):
                assert set(a) == set(b) and all(np.array_equal(a[k], b[k]) for k in a)
            seen += len(fast)
    assert seen > 50


@pytest.mark.parametrize("name", list(CONVERTERS))
def test_decoded_patterns_survive_a_midi_file(name: str, tmp_path: Path, midi_dir: Path) -> None:
    conv = CONVERTERS[name]
    segment = _song(midi_dir, "d_dm01.mid").segments[0]
    arrays = conv.to_tensors(conv.windows(segment)[3])
    (tmp_path / "x.mid").write_bytes(midi_bytes(conv.from_tensors(arrays, tempo=100.0)))
    clip = read_clip(tmp_path / "x.mid")
    clip = (
        Pattern(clip.tracks, conv.steps, clip.tempo) if clip.steps < conv.steps else clip.slice(0, conv.steps)
    )
    again = conv.to_tensors(clip)
    if "offset" in arrays:  # a file cannot start before tick 0: early hits on step 0 land on the grid
        arrays["offset"][0] = np.maximum(arrays["offset"][0], 0)
    for key in arrays:
        np.testing.assert_allclose(again[key], arrays[key], atol=1 / 120, err_msg=f"{name}:{key}")
