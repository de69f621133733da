"""Issue 12 end to end through main.py with the bundled models: an operation changes only what it exists
to change, and every other event of the source comes back exactly."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

import main
from engine.generation.generator import Generator
from engine.midi.files import read_clip
from engine.midi.smf import parse_smf
from engine.midi.writer import midi_bytes
from tests.conftest import MIDI_DIR
from tests.engine.midi import midi_cases as mc

pytestmark = pytest.mark.usefixtures("one_torch_thread")
SAMPLES = sorted(MIDI_DIR.rglob("*.mid"))


def run(*argv: str | Path) -> int:
    return main.main([str(a) for a in argv])


def events(data: bytes) -> list[tuple[int, int, bytes]]:
    """(track, tick, raw bytes) of every event of a file, in file order."""
    return [(i, tick, raw) for i, t in enumerate(parse_smf(data).tracks) for tick, raw in t.events]


def kinds(data: bytes, status: int) -> list[tuple[int, bytes]]:
    return [(tick, raw) for _, tick, raw in events(data) if raw[0] & 0xF0 == status]


def tempos(data: bytes) -> list[tuple[int, int]]:
    return [
        (tick, int.from_bytes(raw[3:6], "big")) for _, tick, raw in events(data) if raw[:2] == b"\xff\x51"
    ]


@pytest.fixture(scope="module")
def bundled() -> dict[str, Generator]:
    return {name: Generator.load(name) for name in ("drums_2bar", "mel_2bar", "trio_16bar")}


def test_humanize_amount_0_and_complete_with_nothing_to_write_change_no_event_of_any_sample(bundled) -> None:
    """All 64 sample files: the written result is the source, event for event (track, tick, bytes)."""
    changed = []
    for path in SAMPLES:
        clip = read_clip(path)
        drums_only = all(t.is_drum for t in clip.tracks)
        gen = bundled["drums_2bar" if drums_only else "mel_2bar"]
        completed = bundled["trio_16bar"].complete(clip, [], seed=1)
        for done in (gen.humanize(clip, 0.0, seed=1).clip, completed.clip):
            if events(midi_bytes(done)) != events(path.read_bytes()):
                changed.append(path.name)
        assert any("nothing was written" in n for n in completed.notices)
    assert not changed and len(SAMPLES) == 64


def test_complete_of_a_full_band_file_returns_it_unchanged_with_a_notice(tmp_path: Path, capsys) -> None:
    song = MIDI_DIR / "multitrack/freedoom-freedoom/d_dm09.mid"
    assert run("complete", "trio_16bar", song, "--seed", 1, "--out", tmp_path) == 0
    assert "already has melody, bass and drums" in capsys.readouterr().out
    assert events((tmp_path / "d_dm09_completed.mid").read_bytes()) == events(song.read_bytes())


def test_humanize_amount_0_keeps_pedal_bends_tempo_map_flams_and_odd_meters(tmp_path: Path) -> None:
    cases = [
        (mc.piano_with_pedal, "mel_2bar"),
        (mc.drums_with_tempo_change, "drums_2bar"),
        (mc.hats_and_flam, "drums_2bar"),
        (mc.pickup_and_meters, "mel_2bar"),
    ]
    for build, model in cases:
        src = build(tmp_path / f"{build.__name__}.mid")
        out = tmp_path / f"{build.__name__}_out.mid"
        assert run("humanize", model, src, "--amount", 0, "--seed", 1, "--out", out) == 0
        assert events(out.read_bytes()) == events(src.read_bytes()), build.__name__
    pedal = (tmp_path / "piano_with_pedal_out.mid").read_bytes()
    assert len([e for e in kinds(pedal, 0xB0) if e[1][1] == 64]) == 8 and len(kinds(pedal, 0xE0)) == 2
    assert tempos((tmp_path / "drums_with_tempo_change_out.mid").read_bytes()) == [
        (0, 500000),
        (1920, 750000),
    ]
    hats = mido.MidiFile(tmp_path / "hats_and_flam_out.mid")
    assert sum(m.type == "note_on" and m.velocity > 0 for t in hats.tracks for m in t) == 70
    meters = mido.MidiFile(tmp_path / "pickup_and_meters_out.mid")
    assert sum(m.type == "note_on" and m.velocity > 0 for t in meters.tracks for m in t) == 23


def test_humanize_moves_only_notes_and_keeps_every_other_event(tmp_path: Path, capsys) -> None:
    src = mc.pickup_and_meters(tmp_path / "odd.mid")
    out = tmp_path / "odd_out.mid"
    assert run("humanize", "mel_2bar", src, "--amount", 1, "--seed", 1, "--out", out) == 0
    said = capsys.readouterr().out
    assert "bars 4-5 are in 3/4" in said and "left as they were" in said
    before, after = events(src.read_bytes()), events(out.read_bytes())
    assert [e for e in before if e[2][0] & 0xF0 not in (0x80, 0x90)] == [
        e for e in after if e[2][0] & 0xF0 not in (0x80, 0x90)
    ]
    notes_in = sorted(raw[1] for _, _, raw in before if raw[0] & 0xF0 == 0x90)
    assert sorted(raw[1] for _, _, raw in after if raw[0] & 0xF0 == 0x90) == notes_in  # 23 pitches, none lost


def test_variations_keep_the_tempo_change(tmp_path: Path) -> None:
    src = mc.drums_with_tempo_change(tmp_path / "beat.mid")
    assert run("variations", "drums_2bar", src, "--n", 2, "--seed", 1, "--out", tmp_path / "v") == 0
    for f in sorted((tmp_path / "v").glob("*.mid")):
        assert tempos(f.read_bytes()) == [(0, 500000), (1920, 750000)]


def _alternates_and_lengths(data: bytes) -> list[int]:
    """Per key on/off alternate (no off meets a note it did not start); returns every note's length."""
    lengths, open_at = [], {}
    for _, tick, raw in sorted(events(data), key=lambda e: e[1]):
        kind, key = raw[0] & 0xF0, (raw[0] & 0x0F, raw[1] if len(raw) > 1 else 0)
        if kind == 0x90 and raw[2]:
            assert key not in open_at, f"{key} sounds again at {tick} before its note-off"
            open_at[key] = tick
        elif kind in (0x80, 0x90):
            lengths.append(tick - open_at.pop(key))
    return lengths


def test_humanized_legato_repeats_are_not_choked(tmp_path: Path) -> None:
    src = mc.legato_repeats(tmp_path / "legato.mid")
    out = tmp_path / "legato_out.mid"
    assert run("humanize", "mel_2bar", src, "--amount", 1, "--seed", 1, "--out", out) == 0
    lengths = _alternates_and_lengths(out.read_bytes())
    assert len(lengths) == 8 and min(lengths) >= 300, lengths  # a 16th of nudge either side at most


def test_sampled_melodies_never_overlap_one_key(tmp_path: Path) -> None:
    assert run("sample", "mel_2bar", "--n", 16, "--seed", 1, "--out", tmp_path) == 0
    files = sorted(tmp_path.glob("*.mid"))
    assert len(files) == 16
    for f in files:
        _alternates_and_lengths(f.read_bytes())
