"""The window of a musician's clip a model reads (engine/generation/fit.py `choose_window`): past a sparse
intro bar, on the bundled example beats, so blends and morphs of them have notes (trial report item 1), and
the one-line warning when a decoded clip is silent although its inputs had notes."""

from __future__ import annotations

import pytest
import torch

from engine.data.converters import CONVERTERS
from engine.generation.fit import fit_clip
from engine.generation.generator import Generator, silence_notice
from engine.midi.files import read_clip
from engine.music.pattern import STEPS_PER_BAR, Pattern
from tests.conftest import ROOT

GROOVE = ROOT / "resources" / "examples" / "groove"
CORNERS = [
    GROOVE / f"{n}_beat_4-4.mid"
    for n in ("10_country_114", "31_hiphop_92", "4_latin-brazilian_92", "7_dance-disco_120")
]
DISCO, FUNK = CORNERS[3], GROOVE / "65_funk_112_beat_4-4.mid"


@pytest.fixture(scope="module")
def gen() -> Generator:
    torch.set_num_threads(1)
    return Generator.load("drums_2bar")


def _bar_notes(clip: Pattern, bar: int) -> int:
    start, end = bar * STEPS_PER_BAR, (bar + 1) * STEPS_PER_BAR
    return sum(start <= n.start < end for t in clip.tracks for n in t.notes)


def test_a_sparse_intro_bar_is_skipped() -> None:
    clip = read_clip(DISCO)
    assert _bar_notes(clip, 0) == 5 and _bar_notes(clip, 1) == 20  # the file: a 5-note intro bar
    fitted = fit_clip(clip, CONVERTERS["drums_2bar"], "clip 4")
    assert fitted.start == STEPS_PER_BAR  # bars 2-3
    assert fitted.pattern == clip.slice(STEPS_PER_BAR, 3 * STEPS_PER_BAR)
    assert fitted.notices == (
        "clip 4: bar 1 plays few notes (an intro?) against 23 in a typical bar, so the model reads from "
        "bar 2",
        "clip 4 is 30 bars long; the model plays 2 bars, so only bars 2-3 were used",
    )


def test_clips_that_play_from_the_start_keep_their_first_bars() -> None:
    for path in (*CORNERS[:3], FUNK):
        clip = read_clip(path)
        fitted = fit_clip(clip, CONVERTERS["drums_2bar"])
        assert fitted.start == 0 and fitted.pattern == clip.slice(0, 2 * STEPS_PER_BAR), path.name
        assert not any("intro" in n for n in fitted.notices)


def test_a_clip_too_short_to_skip_its_intro_is_read_whole() -> None:
    clip = read_clip(DISCO).slice(0, 2 * STEPS_PER_BAR)  # the intro bar and one full bar: no room to skip
    fitted = fit_clip(clip, CONVERTERS["drums_2bar"])
    assert fitted.start == 0 and fitted.pattern == clip and fitted.notices == ()


@pytest.mark.parametrize("temperature", [None, 0.0])
def test_blend_corners_of_the_example_beats_have_notes(gen: Generator, temperature: float | None) -> None:
    corners = [read_clip(p) for p in CORNERS]
    result = gen.blend_grid(corners, 5, temperature, seed=1)
    grid = {(i, j): result.clips[i * 5 + j].note_count for i in range(5) for j in range(5)}
    assert min(grid[c] for c in ((0, 0), (4, 0), (0, 4), (4, 4), (4, 3), (3, 4))) >= 20, grid
    assert not any(n.startswith("warning:") for n in result.notices)


def test_interpolation_ends_at_the_disco_beat(gen: Generator) -> None:
    result = gen.interpolate(read_clip(FUNK), read_clip(DISCO), 4, seed=1)
    assert [c.note_count for c in result.clips][-1] >= 20
    assert all(c.note_count for c in result.clips)


def test_variations_of_the_disco_beat_are_not_silent(gen: Generator) -> None:
    result = gen.variations(read_clip(DISCO), 8, amount=0.0, seed=1)
    assert len(result.clips) == 8 and all(c.note_count >= 20 for c in result.clips)
    assert result.checked is not None and result.checked.note is None  # nothing redrawn


def test_silent_clips_are_named_in_one_warning() -> None:
    beat = read_clip(FUNK).slice(0, 2 * STEPS_PER_BAR)
    silent = beat.with_tracks(t.with_notes([]) for t in beat.tracks)
    assert silence_notice([beat, beat], ["step 1", "step 2"], "A and B") is None
    line = silence_notice([beat, silent, silent], ["x0_y0", "x3_y4", "x4_y3"], "the corners")
    assert line == (
        "warning: 2 of 3 clips came out silent (0 notes) though the corners have notes: x3_y4, x4_y3; "
        "another temperature or seed may give notes"
    )
