"""Redrawing until the asked number of clips pass: places kept, bounded draws, the same seed the same
clips, and the musician's line; on a tiny model trained on real grooves, the gate and --novel."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch

from engine.data.bar_index import INDEX_FILE, BarCopy, build_index, write_index
from engine.generation.checking import NO_INDEX, copy_words
from engine.generation.gate import Defect
from engine.generation.generator import Generator
from engine.generation.redraw import MAX_DRAWS_PER_CLIP, keep_passing, redraw_note
from engine.midi.files import write_midi
from engine.music.pattern import Note, Pattern, Role, Track
from engine.training.train import train
from tests.realmusic import BEATS, GROOVES

NO_MELODY = Defect("empty part", "no melody", "no melody; the music has melody in 90% of its clips")
TOO_HIGH = Defect("out of range", "bass out of range", "bass up to C8; the music's bass spans E1-G3")


def numbered(count: int, seed: int) -> list[Pattern]:
    """`count` one-note clips whose pitch says (seed, position): 100 * (seed % 100) + i, folded to 0..127."""
    return [
        Pattern((Track((Note((seed % 100 + 7 * i) % 128, 0, 1),), role=Role.LEAD),), 16) for i in range(count)
    ]


def pitch(clip: Pattern) -> int:
    return clip.tracks[0].notes[0].pitch


def test_passing_clips_keep_their_places_and_failures_are_redrawn() -> None:
    calls: list[tuple[int, int]] = []

    def draw(count: int, seed: int) -> Sequence[Pattern]:
        calls.append((count, seed))
        return numbered(count, seed)

    def check(clip: Pattern) -> tuple[Defect, ...]:
        return (NO_MELODY,) if pitch(clip) % 2 else ()  # odd pitches fail

    kept = keep_passing(draw, 4, 10, check)
    first = numbered(4, 10)  # pitches 10, 17, 24, 31: two pass
    assert calls[0] == (4, 10)  # the first round is the plain draw: a clean run gives the same clips
    assert kept.clips[0] == first[0] and len(kept.clips) == 4
    assert all(not check(c) for c in kept.clips)
    assert kept.rejected == (NO_MELODY,) * len(kept.rejected) and len(kept.rejected) >= 2
    assert kept.drawn == sum(n for n, _ in calls) <= MAX_DRAWS_PER_CLIP * 4
    assert keep_passing(draw, 4, 10, check) == kept  # the same seed, the same clips


def test_draws_are_bounded_and_what_passed_is_given() -> None:
    def never(clip: Pattern) -> tuple[Defect, ...]:
        return (TOO_HIGH,) if pitch(clip) != 10 else ()

    kept = keep_passing(numbered, 3, 10, never)
    assert kept.drawn == 12 and [pitch(c) for c in kept.clips] == [10]
    assert len(kept.rejected) == 11
    note = redraw_note(3, len(kept.clips), kept.drawn, kept.rejected)
    assert note == (
        "only 1 of 3 clips passed the checks in 12 draws; 11 set aside: bass out of range (11). "
        "Another temperature may pass more (the report card lists each one's share)"
    )


def test_copies_in_words_group_runs_and_repeats_of_one_bar() -> None:
    copies = [BarCopy(0, "a/x.mid", 11), BarCopy(1, "a/x.mid", 11), BarCopy(2, "a/y.mid", 5),
              BarCopy(3, "a/y.mid", 6), BarCopy(5, "a/x.mid", 11), BarCopy(7, "a/y.mid", 1)]  # fmt: skip
    assert copy_words(copies) == (
        "bars 1, 2 and 6 are bar 11 of x.mid; bars 3-4 are bars 5-6 of y.mid; bar 8 is bar 1 of y.mid"
    )


def test_the_note_counts_the_reasons() -> None:
    assert redraw_note(8, 8, 8, ()) is None
    note = redraw_note(8, 8, 11, (NO_MELODY, TOO_HIGH, NO_MELODY))
    assert note == (
        "3 clips failed the checks and were redrawn (8 asked, 11 drawn in all): no melody (2), "
        "bass out of range (1)"
    )
    assert redraw_note(8, 8, 10, (NO_MELODY,)) == (
        "1 clip failed the checks and was redrawn (8 asked, 10 drawn in all): no melody (1)"
    )


@pytest.fixture(scope="module")
def drums(tmp_path_factory: pytest.TempPathFactory) -> Generator:
    """A tiny drums_2bar trained for 40 steps on six real grooves (its card measures them)."""
    folder = tmp_path_factory.mktemp("beats")
    for rel in BEATS:
        shutil.copy(GROOVES / rel, folder / Path(rel).name)
    out = tmp_path_factory.mktemp("models") / "tiny-drums"
    with torch.random.fork_rng():
        train(folder, "drums_2bar", out, size="tiny", steps=40, device="cpu", report=False)
    return Generator.load(out)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_training_measures_the_music_and_indexes_its_bars(drums: Generator) -> None:
    assert drums.path is not None and (drums.path / INDEX_FILE).is_file()
    stats = drums.summary.music.gate
    assert stats is not None and stats.part("drums") is not None and stats.part("lead") is None
    assert not drums.checker.limits().general and drums.checker.notes == ()


def counted(why: str) -> int:
    """The clips a note's reasons add up to: "drums too busy (5), long silence (3)" -> 8."""
    return sum(int(m) for m in re.findall(r"\((\d+)\)", why))


def test_sample_gives_only_clips_that_pass_and_says_what_it_redrew(drums: Generator) -> None:
    result = drums.sample(8, 0.5, seed=2)  # a model 40 steps old: many of its beats are far too busy
    checked = result.checked
    assert checked is not None and checked.asked == 8 and len(result.clips) == 8
    limits = drums.checker.limits()
    assert all(limits.check(c) == () for c in result.clips)
    assert checked.rejected and 8 + len(checked.rejected) <= checked.drawn <= 32
    pattern = r"(\d+) clips? failed the checks and w\w+ redrawn \(8 asked, (\d+) drawn in all\): (.+)"
    said = re.fullmatch(pattern, checked.note or "")
    assert said is not None and int(said[1]) == len(checked.rejected) and int(said[2]) == checked.drawn
    assert counted(said[3]) == len(checked.rejected)
    assert drums.sample(8, 0.5, seed=2) == result  # --seed still gives the same clips
    unchecked = drums.sample(8, 0.5, seed=2, checked=False)
    assert unchecked.checked is None and len(unchecked.clips) == 8
    passing = [i for i, c in enumerate(unchecked.clips) if not limits.check(c)]
    assert 0 < len(passing) < 8
    assert all(result.clips[i] == unchecked.clips[i] for i in passing)  # they keep their places


def test_when_too_few_pass_it_gives_those_and_says_so(drums: Generator) -> None:
    result = drums.sample(8, 2.0, seed=0)  # the wildest temperature of an untrained beat model
    checked = result.checked
    assert checked is not None and len(result.clips) < 8 and checked.drawn == 32
    said = re.fullmatch(
        r"only (\d+) of 8 clips passed the checks in 32 draws; (\d+) set aside: (.+)\. "
        r"Another temperature may pass more \(the report card lists each one's share\)",
        checked.note or "",
    )
    assert said is not None and int(said[1]) == len(result.clips) and counted(said[3]) == int(said[2])


def test_novel_redraws_clips_that_copy_the_training_bars(drums: Generator, tmp_path: Path) -> None:
    plain = drums.sample(6, 0.3, seed=2)
    assert plain.checked is not None and len(plain.clips) >= 4
    for i, clip in enumerate(plain.clips):  # make its own samples the training music: every one copies
        write_midi(clip, tmp_path / f"copied_{i}.mid")
    model = tmp_path / "model"
    shutil.copytree(drums.path, model)
    write_index(model, build_index(sorted(tmp_path.glob("copied_*.mid")), "drums_2bar", False))
    gen = Generator.load(model)
    again = gen.sample(6, 0.3, seed=2)
    assert again.clips == plain.clips  # without --novel the clips stay, marked
    assert all(again.checked.copies[i] for i in range(len(again.clips)))
    where = again.checked.copy_note(0) or ""
    assert re.fullmatch(r"(bar [12] is bar [12]|bars 1-2 are bars 1-2) of copied_\d\.mid", where), where
    novel = gen.sample(6, 0.3, seed=2, novel=True)
    assert not any(novel.checked.copies)  # every clip given is new
    assert any(d.check == "copy" and "copied_" in d.detail for d in novel.checked.rejected)
    assert "copies your music" in novel.checked.note


def test_without_the_training_music_copies_cannot_be_checked(drums: Generator) -> None:
    orphan = Generator(drums.model, dataclasses.replace(drums.summary, folder="/no/such/folder"))
    result = orphan.sample(2, 0.5, seed=1, novel=True)
    assert NO_INDEX in result.notices and NO_INDEX.startswith(
        "copies cannot be checked: the model's training"
    )
    assert result.checked is not None
    assert result.checked.copies == ((),) * len(result.clips)
