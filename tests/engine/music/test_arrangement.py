"""The arrangement model on real MIDI files: lanes, placing, moving (reordering), removing, rendering a
range, and the session-file form."""

from __future__ import annotations

import json

import pytest

from engine.midi.files import read_clip, write_midi
from engine.music.arrangement import Arrangement, ArrangementError, lane_kind
from engine.music.clipdict import pattern_from_dict, pattern_to_dict
from engine.music.pattern import STEPS_PER_BAR, Pattern
from tests.conftest import MIDI_DIR

DRUMS = MIDI_DIR / "drums/zharry29-drums-with-llm/drummer1/session1/101_dance-disco_120_beat_4-4.mid"
TUNE = MIDI_DIR / "folk/jukedeck-nottingham-dataset/reelsa-c35.mid"
BAND = MIDI_DIR / "multitrack/freedoom-freedoom/d_dm01.mid"


def bars(path, first: int, count: int) -> Pattern:  # noqa: ANN001
    return read_clip(path).slice(first * STEPS_PER_BAR, (first + count) * STEPS_PER_BAR)


@pytest.fixture(scope="module")
def clips() -> dict[str, Pattern]:
    tune = bars(TUNE, 0, 4)  # its melody only (the file also has a chord part)
    return {
        "beat": bars(DRUMS, 0, 2),
        "fill": bars(DRUMS, 4, 1),
        "tune": tune.with_tracks(tune.tracks[:1]),
        "band": bars(BAND, 8, 2),
    }


def test_clips_go_to_the_lane_of_their_kind(clips: dict[str, Pattern]) -> None:
    assert lane_kind(clips["beat"]) == "Drums" and lane_kind(clips["tune"]) == "Lead"
    assert lane_kind(clips["band"]) == "Band"
    arr = Arrangement()
    for name in ("beat", "fill", "tune"):
        arr, _ = arr.add(clips[name], name)
    drums = arr.lanes[arr.lane_index("Drums")]
    assert [(p.name, p.start_bar) for p in drums.placements] == [("beat", 0), ("fill", 2)]
    assert arr.lanes[arr.lane_index("Lead")].placements[0].start_bar == 0
    assert arr.bars == 4


def test_moving_a_clip_before_its_neighbour_reorders_the_lane(clips: dict[str, Pattern]) -> None:
    arr = Arrangement().place(0, clips["beat"], "beat").place(0, clips["fill"], "fill")
    moved = arr.move(0, 1, 0, 0)
    assert moved.lanes[0].names() == ["fill", "beat"]
    assert [p.start_bar for p in moved.lanes[0].placements] == [0, 1]
    # into another lane, at bar 5: the source lane closes no gap, the target keeps its clips
    across = arr.move(0, 0, 2, 5)
    assert across.lanes[0].names() == ["fill"] and across.lanes[2].placements[0].start_bar == 5
    # a clip dropped into the middle of another snaps to its end
    assert arr.move(0, 1, 0, 1).lanes[0].placements[1].start_bar == 2


def test_remove_and_bad_addresses(clips: dict[str, Pattern]) -> None:
    arr = Arrangement().place(1, clips["tune"], "tune")
    assert arr.remove(1, 0).is_empty()
    with pytest.raises(ArrangementError, match="no clip 2"):
        arr.remove(1, 1)
    with pytest.raises(ArrangementError, match="no lane 9"):
        arr.place(8, clips["tune"], "x")


def test_render_mixes_lanes_in_parallel_and_a_range_keeps_only_its_bars(
    clips: dict[str, Pattern], tmp_path
) -> None:  # noqa: ANN001
    arr, _ = Arrangement().add(clips["beat"], "beat")
    arr, _ = arr.add(clips["tune"], "tune")
    whole = arr.render(tempo=120.0)
    assert whole.steps == 4 * STEPS_PER_BAR and whole.tempo == 120.0
    assert whole.note_count == clips["beat"].note_count + clips["tune"].note_count
    assert sorted(t.name.split(":")[0] for t in whole.tracks) == ["Drums", "Lead"]
    part = arr.render(2, 4)
    tune_late = sum(1 for n in clips["tune"].tracks[0].notes if n.start >= 2 * STEPS_PER_BAR)
    assert part.steps == 2 * STEPS_PER_BAR and part.note_count == tune_late
    muted = arr.set_muted(arr.lane_index("Drums"), True).render()
    assert muted.note_count == clips["tune"].note_count
    path = tmp_path / "arr.mid"
    write_midi(whole, path)
    back = read_clip(path)
    assert back.note_count == whole.note_count


def test_an_empty_arrangement_says_why_it_renders_nothing() -> None:
    with pytest.raises(ArrangementError, match="empty"):
        Arrangement().render()


def test_to_dict_round_trips_through_json(clips: dict[str, Pattern]) -> None:
    arr = Arrangement()
    for name in ("beat", "tune", "band", "fill"):
        arr, _ = arr.add(clips[name], name)
    arr = arr.move(0, 1, 0, 6).set_muted(1, True)
    back = Arrangement.from_dict(json.loads(json.dumps(arr.to_dict())))
    assert back == arr
    assert pattern_from_dict(json.loads(json.dumps(pattern_to_dict(clips["band"])))) == clips["band"]
    with pytest.raises(ArrangementError, match="damaged"):
        Arrangement.from_dict({"lanes": [{"clips": []}]})
