"""Whole-song complete and infill (engine/generation/infill.py) on real MIDI files: windows that cover
every bar once, the rest of the song left exactly as it was, new notes only where asked, one-line
refusals, and BachBot's test with the bundled multitrack model."""

from __future__ import annotations

import functools

import pytest
import torch

from engine.generation.fit import GenerationError
from engine.generation.generator import Generator
from engine.generation.infill import Window, bar_span, parse_bars, plan_windows
from engine.midi.files import read_clip
from engine.midi.roles import with_roles
from engine.music.keys import detect_key
from engine.music.pattern import Pattern, Role
from models.musicvae import MusicVAE
from models.presets import tiny_config
from tests.cards import summary
from tests.conftest import MIDI_DIR

BAND = "multitrack/freedoom-freedoom/d_dm15.mid"  # drums, bass, lead and more, 4/4, 37 bars
CHORALE = "bach_chorales/craigsapp-bach-370-chorales/chor146.mid"  # SATB, 4/4, 9 bars
LONG_CHORALE = "bach_chorales/craigsapp-bach-370-chorales/chor235.mid"  # SATB, 4/4, 17 bars
FOLK = "folk/jukedeck-nottingham-dataset/reelsa-c35.mid"
SUMMARY = summary(velocity_mean=92.0, velocity_std=14.0, offset_std=0.06, key="G:major")

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def quick_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few latent-fit steps: what is tested with tiny models does not depend on how many."""
    monkeypatch.setattr("engine.generation.infill.FIT_STEPS", 3)


@functools.cache
def clip(rel: str) -> Pattern:
    return read_clip(MIDI_DIR / rel)


@functools.cache
def tiny(config: str) -> Generator:
    torch.manual_seed(0)
    return Generator(MusicVAE(tiny_config(config)), SUMMARY)


def without(song: Pattern, name: str) -> Pattern:
    """The song without a track, its roles found again as reading the file without it would."""
    return song.with_tracks(with_roles([t for t in song.tracks if t.name != name]))


# ---- windows -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps", [16, 32, 256])
def test_windows_write_every_step_once_inside_the_run_with_context(steps: int) -> None:
    spans = [(0, 37 * 16), (40 * 16, 50 * 16)]
    todo = [(0, 37 * 16), (40 * 16, 43 * 16)]
    windows = plan_windows(todo, spans, steps)
    written = sorted(s for w in windows for s in range(w.write_lo, w.write_hi))
    assert written == [s for lo, hi in todo for s in range(lo, hi)]  # every step once
    for w in windows:
        p, q = w.span
        assert w.start <= w.write_lo < w.write_hi <= w.start + steps
        assert p <= w.start and (w.start + steps <= q or q - p <= steps)
    later = [w for w in windows if w.span == spans[0] and w.write_lo > 0]
    assert all(w.write_lo - w.start >= min(steps // 2, 16 * (steps // 32)) for w in later)  # sees before


def test_a_short_region_is_centred_so_the_bars_after_it_are_seen_too() -> None:
    (w,) = plan_windows([(8 * 16, 12 * 16)], [(0, 37 * 16)], 256)
    assert w == Window(2 * 16, 8 * 16, 12 * 16, (0, 37 * 16))  # 6 bars before, 6 after


def test_bars_parse_and_map_to_steps() -> None:
    assert parse_bars("9-12") == (9, 12) and parse_bars(" 5 ") == (5, 5)
    for bad in ("x", "12-9", "0-3", "3-"):
        with pytest.raises(ValueError, match="--bars"):
            parse_bars(bad)
    song = clip(BAND)
    assert bar_span(song, (9, 12)) == (8 * 16, 12 * 16) and bar_span(song, None) == (0, song.steps)
    waltz = clip("bach_chorales/craigsapp-bach-370-chorales/chor001.mid")  # 3/4: 12 steps a bar
    assert bar_span(waltz, (2, 3)) == (12, 36)
    with pytest.raises(GenerationError, match="has 37 bars"):
        bar_span(song, (40, 41))


# ---- infill --------------------------------------------------------------------------------------------
def test_infill_rewrites_only_the_region_of_the_named_parts(quick_fit: None) -> None:
    gen = tiny("trio_16bar")
    song = clip(BAND)
    result = gen.infill(song, (9, 12), "bass,drums", seed=3, temperature=1.0)
    done = result.clip
    lo, hi = 8 * 16, 12 * 16
    assert len(done.tracks) == len(song.tracks) and done.steps == song.steps
    for old, new in zip(song.tracks, done.tracks, strict=True):
        if old.role != Role.BASS and not old.is_drum:
            assert new == old  # melody and the other instruments: every note as it was
            continue
        assert (new.name, new.channel, new.program) == (old.name, old.channel, old.program)
        outside = [n for n in old.notes if not lo <= n.start < hi]
        kept = [n for n in new.notes if n.ref != -1]
        assert [n for n in kept if not lo <= n.start < hi] == [
            n if n.end <= lo or n.start >= lo else n for n in outside
        ][: len(kept)]
        assert all(lo <= n.start < hi and n.end <= hi for n in new.notes if n.ref == -1)
        assert not any(lo <= n.start < hi for n in kept)
    drums = [n for t in done.tracks if t.is_drum for n in t.notes if n.ref == -1]
    assert {n.start // 16 for n in drums} == {8, 9, 10, 11}  # a beat in every bar of the region
    assert any("bars 9-12" in n for n in result.notices)


def test_notes_before_the_region_are_kept_and_cut_at_its_start(quick_fit: None) -> None:
    gen = tiny("mel_2bar")
    tune = clip(FOLK)
    done = gen.infill(tune, (3, 4), "melody", seed=1, temperature=1.0).clip
    i = next(i for i, t in enumerate(tune.tracks) if t.role == Role.LEAD)
    old, new = tune.tracks[i], done.tracks[i]
    assert [t for j, t in enumerate(done.tracks) if j != i] == [
        t for j, t in enumerate(tune.tracks) if j != i
    ]
    before = [n for n in old.notes if n.start < 32]
    after = [n for n in old.notes if n.start >= 64]
    assert [(n.pitch, n.start) for n in new.notes if n.start < 32] == [(n.pitch, n.start) for n in before]
    assert [n for n in new.notes if n.start >= 64] == after
    assert all(n.end <= 32 for n in new.notes if n.start < 32)
    assert any(32 <= n.start < 64 for n in new.notes)


@pytest.mark.parametrize(
    ("config", "tracks", "message"),
    [
        ("drums_2bar", "melody", "drums_2bar writes drums only; it cannot write melody"),
        ("mel_2bar", "drums", "mel_2bar writes melody only; it cannot write drums"),
        ("trio_16bar", "strings", "unknown part or track 'strings'"),
    ],
)
def test_what_a_model_cannot_write_is_refused_in_one_line(config: str, tracks: str, message: str) -> None:
    with pytest.raises(GenerationError, match=message) as e:
        tiny(config).infill(clip(BAND), (9, 12), tracks, seed=1)
    assert "\n" not in str(e.value)


def test_infill_by_track_name_with_a_multitrack_model_keeps_its_program(quick_fit: None) -> None:
    gen = tiny("multitrack_1bar")
    song = clip(CHORALE)
    done = gen.infill(song, (3, 5), "Tenor", seed=2, temperature=1.0).clip
    i = next(i for i, t in enumerate(song.tracks) if t.name == "Tenor")
    assert [t for j, t in enumerate(done.tracks) if j != i] == [
        t for j, t in enumerate(song.tracks) if j != i
    ]
    new = [n for n in done.tracks[i].notes if n.ref == -1]
    assert new and all(32 <= n.start < 80 for n in new)
    assert done.tracks[i].program == song.tracks[i].program


# ---- complete for whole songs --------------------------------------------------------------------------
def test_complete_with_a_multitrack_model_writes_every_bar_and_adds_no_drums(quick_fit: None) -> None:
    gen = tiny("multitrack_1bar")
    song = without(clip(LONG_CHORALE), "Soprano")
    result = gen.complete(song, "melody", seed=1, temperature=1.0)
    done = result.clip
    assert done.tracks[: len(song.tracks)] == song.tracks  # alto, tenor, bass exactly as they were
    (new,) = done.tracks[len(song.tracks) :]
    assert not new.is_drum and new.role == Role.LEAD
    assert {n.start // 16 for n in new.notes} == set(range(song.bars))  # 17 bars, not 1
    assert not any(t.is_drum for t in done.tracks)
    nothing = gen.complete(song, None, seed=1)  # no --parts: a choir lacks no drums
    assert nothing.clip is song and "nothing was written" in nothing.notices[-1]


def test_complete_says_why_when_the_model_writes_no_notes(quick_fit: None, monkeypatch) -> None:
    gen = tiny("trio_16bar")
    beat = clip("drums/zharry29-drums-with-llm/drummer7/session3/65_funk_112_beat_4-4.mid")

    def silent(*args, **kwargs):  # a decoder that never plays a note
        out = real(*args, **kwargs)
        out["melody"][:] = 0
        return out

    real = gen.runner.decode
    monkeypatch.setattr(gen.runner, "decode", silent)
    result = gen.complete(beat, "melody", seed=1)
    assert result.clip is beat or result.clip.tracks == beat.tracks
    assert not any(n.startswith("wrote") for n in result.notices)
    assert any("melody got no notes in bars 1-38" in n for n in result.notices)


# ---- BachBot's test: a real chorale, the bundled multitrack model ---------------------------------------
def test_bachbot_a_chorale_without_its_soprano_gets_one_in_key_in_every_bar() -> None:
    """Alto, tenor and bass in, a soprano out. multitrack_1bar is the model for it: it hears all three
    voices as instruments (trio_16bar would hear only the bass, and no drums, which it never saw without)
    and adds the soprano as a new voice above them."""
    chorale = clip(CHORALE)
    key = detect_key(chorale)  # the chorale's key, from all four voices
    song = without(chorale, "Soprano")
    gen = Generator.load("multitrack_1bar")
    done = gen.complete(song, "melody", seed=1).clip  # default: the song's key
    assert done.tracks[: len(song.tracks)] == song.tracks
    (soprano,) = done.tracks[len(song.tracks) :]
    assert {n.start // 16 for n in soprano.notes} == set(range(chorale.bars))  # a note in every bar
    in_key = sum(key.contains(n.pitch) for n in soprano.notes) / len(soprano.notes)
    assert key is not None and in_key >= 0.9
    alto = next(t for t in song.tracks if t.name == "Alto")
    assert (
        sorted(n.pitch for n in soprano.notes)[len(soprano.notes) // 2]
        >= sorted(n.pitch for n in alto.notes)[len(alto.notes) // 2]
    )  # a soprano: above the alto
