# SPDX-License-Identifier: MIT
"""The arrangement: parallel lanes (drums, bass, lead, band…) of clips placed on a bar grid, as immutable
values. Every edit returns a new `Arrangement` (so an undo step is just the value before); `render` mixes
the lanes, or a bar range of them, into one `Pattern` to play or export; `to_dict`/`from_dict` are the
session-file form."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from engine.music.clipdict import pattern_from_dict, pattern_to_dict
from engine.music.pattern import STEPS_PER_BAR, Pattern, Role, Track

ARRANGEMENT_FORMAT = 2  # 2: trimmed clips (offset_bar, length_bars) and soloed lanes
DEFAULT_LANES = ("Drums", "Bass", "Lead", "Band")


class ArrangementError(ValueError):
    """An edit or render that cannot be done (bad lane or clip index, empty range); one-line message."""


@dataclass(frozen=True, slots=True)
class Placement:
    """One clip placed in a lane.

    Attributes:
        clip: the clip (its own tempo is ignored: the arrangement plays at one tempo).
        start_bar: the bar (0-based, 4/4 bars of 16 steps) where the placement starts.
        name: what the lane shows.
        offset_bar: bars cut off the clip's start (a trimmed left edge); 0 plays it from its top.
        length_bars: bars played from `offset_bar` on (a trimmed right edge); None plays to the clip's end.
    A trim hides bars, it never changes the clip: dragging an edge back shows them again.
    """

    clip: Pattern
    start_bar: int
    name: str = ""
    offset_bar: int = 0
    length_bars: int | None = None

    def __post_init__(self) -> None:
        if self.start_bar < 0:
            raise ArrangementError(f"a clip cannot start before bar 1 (start bar {self.start_bar})")
        if not 0 <= self.offset_bar < self.clip_bars:
            raise ArrangementError(
                f"{self.name!r} has {self.clip_bars} bar(s): cannot start at its bar {self.offset_bar + 1}"
            )
        if self.length_bars is not None and not 1 <= self.length_bars <= self.clip_bars - self.offset_bar:
            raise ArrangementError(
                f"{self.name!r} has {self.clip_bars - self.offset_bar} bar(s) from its bar "
                f"{self.offset_bar + 1}: cannot play {self.length_bars}"
            )

    @property
    def clip_bars(self) -> int:
        """Bars the whole clip lasts (a partial last bar counts)."""
        return max(1, -(-self.clip.steps // STEPS_PER_BAR))

    @property
    def bars(self) -> int:
        """Bars the placement lasts: the clip's bars less its trims."""
        return self.length_bars if self.length_bars is not None else self.clip_bars - self.offset_bar

    @property
    def trimmed(self) -> bool:
        return self.offset_bar > 0 or self.bars < self.clip_bars

    def audible(self) -> Pattern:
        """The part of the clip that plays: bars [offset_bar, offset_bar + bars) of it, starting at step 0."""
        if not self.trimmed:
            return self.clip
        start = self.offset_bar * STEPS_PER_BAR
        return self.clip.slice(start, min(self.clip.steps, start + self.bars * STEPS_PER_BAR))

    @property
    def end_bar(self) -> int:
        """The first bar after the clip."""
        return self.start_bar + self.bars


@dataclass(frozen=True, slots=True)
class Lane:
    """A named lane of placements that never overlap, sorted by start bar. A muted lane is not rendered;
    when any lane is soloed only the soloed lanes are (solo wins over mute, as in a DAW mixer)."""

    name: str
    placements: tuple[Placement, ...] = ()
    muted: bool = False
    solo: bool = False

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.placements, key=lambda p: p.start_bar))
        object.__setattr__(self, "placements", ordered)
        for a, b in zip(ordered, ordered[1:], strict=False):
            if b.start_bar < a.end_bar:
                raise ArrangementError(f"clips {a.name!r} and {b.name!r} overlap in lane {self.name!r}")

    @property
    def end_bar(self) -> int:
        return self.placements[-1].end_bar if self.placements else 0

    def names(self) -> list[str]:
        return [p.name for p in self.placements]


def lane_kind(clip: Pattern) -> str:
    """The default lane for a clip by what it holds: "Drums" (drums only), "Bass" (bass only), "Lead"
    (one pitched line) or "Band" (several parts)."""
    if len(clip.tracks) == 1:
        track = clip.tracks[0]
        if track.is_drum:
            return "Drums"
        return "Bass" if track.role == Role.BASS else "Lead"
    return "Band"


@dataclass(frozen=True, slots=True)
class Arrangement:
    """Lanes of placed clips. Lanes and placements are addressed by index (lane, index in the lane)."""

    lanes: tuple[Lane, ...] = tuple(Lane(name) for name in DEFAULT_LANES)

    # --- reading ---------------------------------------------------------------------------------
    @property
    def bars(self) -> int:
        """Bars up to the end of the last clip (0 when empty)."""
        return max((lane.end_bar for lane in self.lanes), default=0)

    @property
    def clip_count(self) -> int:
        return sum(len(lane.placements) for lane in self.lanes)

    def is_empty(self) -> bool:
        return self.clip_count == 0

    def audible_lanes(self) -> list[int]:
        """Indices of the lanes that sound: the soloed ones when any lane is soloed, else the unmuted ones."""
        soloed = [i for i, lane in enumerate(self.lanes) if lane.solo]
        return soloed if soloed else [i for i, lane in enumerate(self.lanes) if not lane.muted]

    def placement(self, lane: int, index: int) -> Placement:
        """The placement; ArrangementError for a bad address."""
        try:
            return self._lane(lane).placements[index]
        except IndexError:
            raise ArrangementError(f"lane {lane + 1} has no clip {index + 1}") from None

    def lane_index(self, name: str) -> int | None:
        return next((i for i, lane in enumerate(self.lanes) if lane.name == name), None)

    def _lane(self, lane: int) -> Lane:
        if not 0 <= lane < len(self.lanes):
            raise ArrangementError(f"no lane {lane + 1} (the arrangement has {len(self.lanes)})")
        return self.lanes[lane]

    # --- edits (each returns a new arrangement) -----------------------------------------------------
    def place(self, lane: int, clip: Pattern, name: str, start_bar: int | None = None) -> Arrangement:
        """`clip` put in `lane` at `start_bar` (None: after the lane's last clip); see `_insert`."""
        target = self._lane(lane)
        at = target.end_bar if start_bar is None else start_bar
        return self._with(lane, _insert(target, Placement(clip, at, name)))

    def add(self, clip: Pattern, name: str) -> tuple[Arrangement, int]:
        """`clip` appended to the lane of its kind (`lane_kind`; a lane is made if missing): (new, lane)."""
        kind = lane_kind(clip)
        index = self.lane_index(kind)
        arr = self if index is not None else self.add_lane(kind)
        index = arr.lane_index(kind)
        assert index is not None
        return arr.place(index, clip, name), index

    def remove(self, lane: int, index: int) -> Arrangement:
        """Without the placement (the gap it leaves stays)."""
        self.placement(lane, index)
        old = self.lanes[lane]
        kept = old.placements[:index] + old.placements[index + 1 :]
        return self._with(lane, dataclasses.replace(old, placements=kept))

    def move(self, lane: int, index: int, to_lane: int, start_bar: int) -> Arrangement:
        """The placement moved to `to_lane` at `start_bar`. Clips it lands on make room (see `_insert`),
        so dragging a clip before its neighbour swaps their order."""
        moving = self.placement(lane, index)
        arr = self.remove(lane, index)
        target = arr._lane(to_lane)
        return arr._with(to_lane, _insert(target, dataclasses.replace(moving, start_bar=max(0, start_bar))))

    def add_lane(self, name: str) -> Arrangement:
        return Arrangement((*self.lanes, Lane(name)))

    def remove_lane(self, lane: int) -> Arrangement:
        self._lane(lane)
        return Arrangement(self.lanes[:lane] + self.lanes[lane + 1 :])

    def move_lane(self, lane: int, to: int) -> Arrangement:
        """Lane `lane` moved to position `to` (lanes reorder top to bottom)."""
        self._lane(lane)
        lanes = list(self.lanes)
        moved = lanes.pop(lane)
        lanes.insert(max(0, min(to, len(lanes))), moved)
        return Arrangement(tuple(lanes))

    def rename_lane(self, lane: int, name: str) -> Arrangement:
        return self._with(lane, dataclasses.replace(self._lane(lane), name=name))

    def set_muted(self, lane: int, muted: bool) -> Arrangement:
        return self._with(lane, dataclasses.replace(self._lane(lane), muted=muted))

    def set_solo(self, lane: int, solo: bool) -> Arrangement:
        return self._with(lane, dataclasses.replace(self._lane(lane), solo=solo))

    def trim(self, lane: int, index: int, start_bar: int, end_bar: int) -> Arrangement:
        """The placement trimmed (or un-trimmed) to bars [start_bar, end_bar) of the arrangement, as when
        its left or right edge is dragged: the clip stays where it is in time, only the bars shown change.
        Raises ArrangementError when the range reaches past the clip's own bars or onto a neighbour."""
        p = self.placement(lane, index)
        clip_start = p.start_bar - p.offset_bar  # where the clip's bar 1 sits
        offset, length = start_bar - clip_start, end_bar - start_bar
        if offset < 0 or length < 1 or offset + length > p.clip_bars:
            raise ArrangementError(
                f"{p.name!r} covers bars {clip_start + 1}..{clip_start + p.clip_bars}: "
                f"cannot show bars {start_bar + 1}..{end_bar}"
            )
        full = offset + length == p.clip_bars
        new = dataclasses.replace(
            p, start_bar=start_bar, offset_bar=offset, length_bars=None if full else length
        )
        old = self.lanes[lane]
        kept = old.placements[:index] + (new,) + old.placements[index + 1 :]
        return self._with(lane, dataclasses.replace(old, placements=kept))  # Lane checks for overlaps

    def _with(self, lane: int, new: Lane) -> Arrangement:
        return Arrangement(self.lanes[:lane] + (new,) + self.lanes[lane + 1 :])

    # --- rendering -------------------------------------------------------------------------------
    def render(self, start_bar: int = 0, end_bar: int | None = None, tempo: float | None = None) -> Pattern:
        """The audible lanes (`audible_lanes`: soloed, else unmuted) mixed into one clip over bars
        [start_bar, end_bar) (default: all of it); trimmed clips play only their shown bars.

        Each lane's parts become tracks named "lane: part"; tracks of one lane with the same role,
        program and drum flag are merged. `tempo` (BPM) defaults to the first clip's.
        Raises ArrangementError when the arrangement (or the range) is empty.
        """
        end_bar = self.bars if end_bar is None else end_bar
        if self.is_empty():
            raise ArrangementError("the arrangement is empty: keep clips (Ctrl+K) to place them in lanes")
        if not 0 <= start_bar < end_bar:
            raise ArrangementError(f"bad bar range {start_bar + 1}..{end_bar} (bars are 1..{self.bars})")
        if tempo is None:
            first = min((p for lane in self.lanes for p in lane.placements), key=lambda p: p.start_bar)
            tempo = first.clip.tempo
        tracks: dict[tuple[int, Role, int, bool], Track] = {}
        audible = set(self.audible_lanes())
        for li, lane in enumerate(self.lanes):
            if li not in audible:
                continue
            for p in lane.placements:
                shift = p.start_bar * STEPS_PER_BAR
                for t in p.audible().tracks:
                    key = (li, t.role, t.program, t.is_drum)
                    notes = tuple(n.shifted(shift) for n in t.notes)
                    base = tracks.get(key)
                    if base is None:
                        label = f"{lane.name}: {t.name or t.role.value}"
                        tracks[key] = Track(notes, t.program, t.is_drum, t.role, label, None)
                    else:
                        tracks[key] = base.with_notes(base.notes + notes)
        whole = Pattern(tuple(tracks.values()), max(end_bar, self.bars) * STEPS_PER_BAR, tempo)
        part = whole.slice(start_bar * STEPS_PER_BAR, end_bar * STEPS_PER_BAR)
        if not part.note_count:
            why = "" if audible else " (every lane is muted)"
            raise ArrangementError(f"bars {start_bar + 1}..{end_bar} hold no notes{why}")
        return part

    # --- plain data --------------------------------------------------------------------------------
    def to_dict(self, clip_to: Callable[[Pattern], Any] = pattern_to_dict) -> dict[str, Any]:
        """`{"format": 2, "lanes": [{"name", "muted", "solo", "clips": [{"name", "start_bar", "clip",
        "offset_bar"?, "length_bars"?}]}]}` (the trim keys only on trimmed clips); `clip_to` turns a clip
        into data (default: the whole clip, `pattern_to_dict`)."""
        return {
            "format": ARRANGEMENT_FORMAT,
            "lanes": [
                {
                    "name": lane.name,
                    "muted": lane.muted,
                    "solo": lane.solo,
                    "clips": [_placement_dict(p, clip_to) for p in lane.placements],
                }
                for lane in self.lanes
            ],
        }

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], clip_from: Callable[[Any], Pattern] = pattern_from_dict
    ) -> Arrangement:
        """The arrangement `to_dict` wrote; ArrangementError (one line) for damaged or newer data."""
        try:
            if data.get("format", ARRANGEMENT_FORMAT) > ARRANGEMENT_FORMAT:
                raise ArrangementError(f"arrangement format {data['format']} is newer than this Bandmate")
            return cls(
                tuple(
                    Lane(
                        str(lane["name"]),
                        tuple(
                            Placement(
                                clip_from(c["clip"]),
                                int(c["start_bar"]),
                                str(c["name"]),
                                int(c.get("offset_bar", 0)),
                                None if c.get("length_bars") is None else int(c["length_bars"]),
                            )
                            for c in lane["clips"]
                        ),
                        bool(lane.get("muted", False)),
                        bool(lane.get("solo", False)),
                    )
                    for lane in data["lanes"]
                )
            )
        except (KeyError, TypeError) as e:
            raise ArrangementError(f"arrangement data is damaged ({type(e).__name__}: {e})") from None


def _placement_dict(p: Placement, clip_to: Callable[[Pattern], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "start_bar": p.start_bar, "clip": clip_to(p.clip)}
    if p.offset_bar:
        out["offset_bar"] = p.offset_bar
    if p.length_bars is not None:
        out["length_bars"] = p.length_bars
    return out


def _insert(lane: Lane, new: Placement) -> Lane:
    """`lane` with `new` added. A clip that starts before `new` and runs into it pushes `new` to its
    end; clips from `new`'s start on are pushed later, each just after the one before, as needed."""
    before = [p for p in lane.placements if p.start_bar < new.start_bar]
    after = [p for p in lane.placements if p.start_bar >= new.start_bar]
    if before and before[-1].end_bar > new.start_bar:
        new = dataclasses.replace(new, start_bar=before[-1].end_bar)
    placed: list[Placement] = [*before, new]
    for p in after:
        start = max(p.start_bar, placed[-1].end_bar)
        placed.append(dataclasses.replace(p, start_bar=start))
    return dataclasses.replace(lane, placements=tuple(placed))


def arrangement_of(clips: Iterable[tuple[Pattern, str]]) -> Arrangement:
    """An arrangement with each (clip, name) appended to the lane of its kind, in order."""
    arr = Arrangement()
    for clip, name in clips:
        arr, _ = arr.add(clip, name)
    return arr
