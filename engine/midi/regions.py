# SPDX-License-Identifier: MIT
"""The parts of a Pattern a model can read: runs of whole 4/4 (or 2/2) bars for the 4/4 models, runs of
whole bars in any band meter (2/4 ... 12/8) for the band models, and plain words for the bars left out
("bars 3-5 are in 3/4")."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass

from engine.music.pattern import Meter, Pattern
from models.vocab import meter_class


@dataclass(frozen=True, slots=True)
class Region:
    """Steps [start, end) in one meter; `first_bar` counts bars from the clip's start (1-based)."""

    start: int
    end: int
    meter: Meter
    first_bar: int
    bars: int

    @property
    def common_time(self) -> bool:
        return self.meter.is_common_time

    def describe(self) -> str:
        """ "bars 3-5 are in 3/4" / "bar 3 is in 3/4"."""
        first, last = self.first_bar, self.first_bar + max(self.bars, 1) - 1
        where = f"bars {first}-{last} are" if last > first else f"bar {first} is"
        return f"{where} in {self.meter}"


def regions(pattern: Pattern) -> list[Region]:
    """Meter runs covering the pattern, each cut to whole bars: a run that stops mid-bar (a meter
    change) loses its partial bar, except the last run, whose last bar is padded to a whole one."""
    out, bar = [], 1
    runs = pattern.meter_regions()
    for i, (start, end, meter) in enumerate(runs):
        length = (end - start) / meter.bar_steps
        last = i + 1 == len(runs)
        bars = math.ceil(length - 1e-9) if last else int(length + 1e-6)
        first = round(start)
        out.append(Region(first, first + round(bars * meter.bar_steps), meter, bar, bars))
        bar += max(bars, 1 if length > 0 else 0)
    return out


def common_time_segments(pattern: Pattern) -> tuple[list[Pattern], list[str]]:
    """The pattern's 4/4 runs with notes, as patterns of whole 16-step bars, and why other bars were
    left out."""
    return metered_segments(pattern, lambda meter: meter.is_common_time)


def band_meter(meter: Meter) -> bool:
    """Whether the band models read bars of `meter` (models.vocab.BAND_METERS: 2/4 ... 12/8, 2/2)."""
    return meter_class(meter.numerator, meter.denominator) is not None


def metered_segments(pattern: Pattern, readable: Callable[[Meter], bool]) -> tuple[list[Pattern], list[str]]:
    """The pattern's runs of whole bars in the meters `readable` accepts, with notes, each a pattern in
    its own meter (steps = bars x the meter's bar steps), and why other bars were left out."""
    segments, skipped = [], []
    for region in regions(pattern):
        if not readable(region.meter):
            skipped.append(region.describe())
            continue
        segment = _region_segment(pattern, region)
        if segment is not None:
            segments.append(segment)
    return segments, skipped


def song_segments(pattern: Pattern) -> tuple[list[Pattern], list[str], list[Pattern], list[str]]:
    """`common_time_segments(pattern)` and `metered_segments(pattern, band_meter)` in one pass over the
    regions; a 4/4 run is one Pattern object in both lists (what is computed from a segment can be
    kept for it: engine.data.converter.MEMO)."""
    common, common_skipped, metered, metered_skipped = [], [], [], []
    for region in regions(pattern):
        is_common, is_band = region.meter.is_common_time, band_meter(region.meter)
        if not is_common:
            common_skipped.append(region.describe())
        if not is_band:
            metered_skipped.append(region.describe())
        segment = _region_segment(pattern, region) if is_common or is_band else None
        if segment is not None:
            if is_common:
                common.append(segment)
            if is_band:
                metered.append(segment)
    return common, common_skipped, metered, metered_skipped


def _region_segment(pattern: Pattern, region: Region) -> Pattern | None:
    """The region's whole bars as a pattern in its one meter, or None when it holds no notes."""
    steps = round(region.bars * region.meter.bar_steps)
    if steps <= 0:
        return None
    segment = _window(pattern, region.start, steps)
    # one meter: a meter change a fraction of a step before the run's first bar is not one of its bars
    segment = dataclasses.replace(segment, meter=region.meter, meter_map=())
    return segment if segment.note_count else None


def _window(pattern: Pattern, start: int, steps: int) -> Pattern:
    """Steps [start, start + steps), padded with rest past the pattern's end."""
    if start == 0 and steps == pattern.steps:
        return pattern
    part = pattern.slice(start, min(start + steps, pattern.steps))
    if part.steps == steps:
        return part
    return Pattern(part.tracks, steps, part.tempo, part.meter, part.tempo_map, part.meter_map)
