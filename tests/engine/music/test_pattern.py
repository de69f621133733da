"""Pattern values: validation, slicing and joining clips in a row."""

from __future__ import annotations

import pytest

from engine.music.pattern import Note, Pattern, Role, Track, make_notes, ordered_track


def _clip(pitch: int, steps: int = 16) -> Pattern:
    lead = Track((Note(pitch, 0, 4, 90), Note(pitch + 2, 8, 12, 70)), program=81, role=Role.LEAD)
    return Pattern((lead,), steps, tempo=100.0)


def test_note_validation() -> None:
    with pytest.raises(ValueError):
        Note(60, 4, 4)
    with pytest.raises(ValueError):
        Note(60, 0, 1, velocity=0)
    with pytest.raises(ValueError):
        Note(60, 0, 1, offset=0.5)


def test_make_notes_gives_the_notes_note_gives() -> None:
    columns = ([60, 0, 127], [0, 3, 7], [1, 9, 8], [1, 127, 64], [-0.5, 0.0, 0.49], [2, 0, 1])
    made = make_notes(*columns)
    plain = tuple(map(Note, *columns))
    assert made == plain and all(type(n) is Note for n in made)
    assert [n.ref for n in made] == [2, 0, 1]
    assert make_notes([], [], [], [], [], []) == ()
    with pytest.raises(ValueError, match="unequal length"):
        make_notes([60], [0], [1], [90], [0.0], [])


@pytest.mark.parametrize(
    ("column", "bad", "message"),
    [
        (0, 128, "pitch 128 outside"),
        (1, -1, "bad note span -1"),
        (2, 3, "bad note span 3..3"),
        (3, 0, "velocity 0 outside"),
        (4, 0.5, "offset 0.5 outside"),
        (4, float("nan"), "offset nan outside"),
    ],
)
def test_make_notes_refuses_what_note_refuses(column: int, bad: float, message: str) -> None:
    columns: list[list] = [[60, 61], [2, 3], [4, 5], [90, 90], [0.0, 0.0], [0, 1]]
    columns[column][1] = bad
    with pytest.raises(ValueError, match=message):
        make_notes(*columns)


def test_ordered_track_is_the_track_without_the_sort() -> None:
    notes = (Note(60, 0, 2, ref=1), Note(60, 0, 3, ref=0), Note(64, 0, 1), Note(55, 4, 8))
    made = ordered_track(notes, 33, False, Role.BASS, "bass", 2)
    assert made == Track(notes, 33, False, Role.BASS, "bass", 2) and made.notes is notes
    with pytest.raises(ValueError, match="program 128"):
        ordered_track(notes, 128)
    with pytest.raises(ValueError, match="channel 16"):
        ordered_track(notes, channel=16)


def test_slice_clips_notes_to_the_window() -> None:
    part = _clip(60).slice(2, 10)
    assert part.steps == 8
    assert [(n.pitch, n.start, n.end) for n in part.tracks[0].notes] == [(62, 6, 8)]


def test_join_plays_clips_in_a_row_on_matching_tracks() -> None:
    joined = Pattern.join([_clip(60), _clip(64), _clip(67)])
    assert joined.steps == 48 and joined.tempo == 100.0
    assert len(joined.tracks) == 1
    assert [(n.pitch, n.start) for n in joined.tracks[0].notes] == [
        (60, 0), (62, 8), (64, 16), (66, 24), (67, 32), (69, 40)
    ]  # fmt: skip
    with pytest.raises(ValueError):
        Pattern.join([])
