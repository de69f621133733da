# SPDX-License-Identifier: MIT
"""Fitting a musician's clip to a model: the 4/4 part a model can read (a whole file may hold other
meters), the window of it the model reads (from its first bar that plays, past a sparse intro:
`choose_window`), its length (cut or loop, with a note saying so) and clear errors for clips the model
cannot use (empty, no 4/4 bar, drums only for a melody model, no drums for a drum model).
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.data.converter import Converter
from engine.generation.chain import loop_to
from engine.midi.regions import band_meter, regions
from engine.music.pattern import FOUR_FOUR, STEPS_PER_BAR, Meter, Note, Pattern, Track
from models.spec import DecoderKind, ModelSpec
from models.vocab import EMPTY_SLOT, FIRST_PITCH_TOKEN

SPARSE = 0.5  # a leading bar with fewer notes than this share of the clip's typical bar is skipped


class GenerationError(ValueError):
    """A request the model cannot serve; str(e) is one plain line for the musician."""


@dataclass(frozen=True, slots=True)
class FittedClip:
    """A clip cut or looped to the model's length, its tensors (one example) and notes for the user.

    `start` is the step of the clip where the model's window begins (its first readable 4/4 bar).
    """

    pattern: Pattern
    arrays: dict[str, np.ndarray]
    notices: tuple[str, ...]
    start: int = 0


def _has_onset(track: Track, start: int, end: int) -> bool:
    """Whether a note of `track` (sorted by start) begins in [start, end): by bisection."""
    i = bisect.bisect_left(track.notes, start, key=_start)
    return i < len(track.notes) and track.notes[i].start < end


def _start(note: Note) -> int:
    return note.start


@dataclass(frozen=True, slots=True)
class Span:
    """Steps [start, end) of a clip: one run of whole bars in one meter that holds notes.

    `first_bar` is its first bar's number counted from the clip's start (1-based), `bar` its bar length
    in steps."""

    start: int
    end: int
    meter: Meter
    first_bar: int

    @property
    def bar(self) -> int:
        return round(self.meter.bar_steps)


def readable_runs(
    clip: Pattern, label: str = "the clip", any_meter: bool = False
) -> tuple[list[Span], tuple[str, ...]]:
    """The clip's runs of 4/4 bars with notes (`any_meter`, the band models: runs of bars in any band
    meter, 2/4 ... 12/8, each run in one meter), and a notice naming the bars in other meters (left as
    they were). GenerationError when no such bar holds a note."""
    spans, other = [], []
    for region in regions(clip):
        readable = band_meter(region.meter) if any_meter else region.common_time
        if not readable:
            other.append(region.describe())
        elif region.bars and any(_has_onset(t, region.start, region.end) for t in clip.tracks):
            spans.append(Span(region.start, min(region.end, clip.steps), region.meter, region.first_bar))
    if not spans:
        if any_meter:
            why = "; ".join(other) or "no notes"
            raise GenerationError(f"{label} has no bars with notes in a meter the band models read ({why})")
        why = "; ".join(other) or "no notes in 4/4 bars"
        raise GenerationError(f"{label} has no 4/4 bars with notes ({why}); the models read 4/4 only")
    if not other:
        return spans, ()
    if any_meter:
        return spans, (f"{label}: {'; '.join(other)}; the band models do not read those meters, so those "
                       "bars were left as they were",)  # fmt: skip
    return spans, (
        f"{label}: {'; '.join(other)}; the model reads 4/4 only, so those bars were left as they were",
    )


def readable_spans(
    clip: Pattern, label: str = "the clip", any_meter: bool = False
) -> tuple[list[tuple[int, int]], tuple[str, ...]]:
    """`readable_runs` as step spans [start, end): the clip's runs of 4/4 bars with notes (`any_meter`,
    the band models: of bars in any band meter), and a notice naming the bars in other meters.
    GenerationError when no such bar holds a note."""
    runs, notices = readable_runs(clip, label, any_meter)
    return [(r.start, r.end) for r in runs], notices


def bar_onsets(clip: Pattern, span: Span, reads: Callable[[Track], bool]) -> np.ndarray:
    """(bars,) int: how many notes of the tracks `reads` accepts begin in each bar of `span`."""
    bars = -(-(span.end - span.start) // span.bar)
    starts = np.array(
        [n.start for t in clip.tracks if reads(t) for n in t.notes if span.start <= n.start < span.end],
        dtype=np.int64,
    )
    return np.bincount((starts - span.start) // span.bar, minlength=bars)[:bars]


@dataclass(frozen=True, slots=True)
class WindowChoice:
    """Where the model's window of a clip starts: `span` (the run it lies in), `bar` (bars into the run),
    and the leading bars skipped as sparse (clip bar numbers, first and last; None when none were)."""

    span: Span
    bar: int
    skipped: tuple[int, int] | None
    typical: float

    @property
    def start(self) -> int:
        return self.span.start + self.bar * self.span.bar

    @property
    def first_bar(self) -> int:
        return self.span.first_bar + self.bar


def choose_window(
    clip: Pattern, spans: Sequence[Span], window_steps: Callable[[Meter], int], reads: Callable[[Track], bool]
) -> WindowChoice:
    """The start of the window a model reads from a clip: the clip's first bar that plays, skipping
    leading bars that are empty or nearly empty (an intro, a count-in, a pickup).

    Rule: onsets are counted per bar (notes of the tracks `reads` accepts, in the readable `spans`);
    the typical bar is the median count of the bars that hold a note; the window starts at the first
    bar (in time order) with at least SPARSE x that median. Where the window would then run past the end
    of its run of bars, it starts as many whole bars earlier as it needs, though not before the run's
    start (a run shorter than the window is looped from its start, see `fit_length`). A clip with no
    such bar keeps its first run's start. `window_steps(meter)` is the window's length in steps.
    """
    counts = [bar_onsets(clip, s, reads) for s in spans]
    played = np.concatenate(counts)
    played = played[played > 0]
    typical = float(np.median(played)) if played.size else 0.0
    passed = 0  # bars of the runs before the chosen one
    for span, c in zip(spans, counts, strict=True):
        full = np.flatnonzero(c >= SPARSE * typical) if typical else np.array([], dtype=np.int64)
        if full.size:
            k = int(full[0])
            last = (span.end - span.start - window_steps(span.meter)) // span.bar  # latest start that fits
            k = max(0, min(k, last))
            skipped_bars = passed + k
            first = spans[0].first_bar
            skipped = (first, span.first_bar + k - 1) if skipped_bars else None
            return WindowChoice(span, k, skipped, typical)
        passed += len(c)
    return WindowChoice(spans[0], 0, None, typical)


def carry_maps(clips: list[Pattern], window: Pattern) -> list[Pattern]:
    """Generated clips with the tempo and meter map of the window they came from (within their length)."""
    return [
        dataclasses.replace(
            c,
            tempo=window.tempo,
            meter=window.meter,
            tempo_map=tuple(t for t in window.tempo_map if t[0] < c.steps),
            meter_map=tuple(m for m in window.meter_map if m[0] < c.steps),
        )
        for c in clips
    ]


def _bars(steps: int, bar_steps: float = STEPS_PER_BAR) -> str:
    bars = steps / bar_steps
    return f"{bars:.3g} bar" + ("" if bars == 1 else "s")


def check_content(clip: Pattern, spec: ModelSpec, label: str = "the clip") -> None:
    """Raise GenerationError when `clip` has nothing a model of `spec` can read."""
    if clip.note_count == 0:
        raise GenerationError(f"{label} has no notes")
    pitched = sum(len(t.notes) for t in clip.tracks if not t.is_drum)
    drums = sum(len(t.notes) for t in clip.tracks if t.is_drum)
    if not spec.reads_drums and pitched == 0:
        raise GenerationError(
            f"{label} has only drums, but this is a melody model ({spec.name}); give it a clip with a melody"
        )
    if not spec.reads_pitched and drums == 0:
        raise GenerationError(
            f"{label} has no drums (MIDI channel 10), but this is a drum model ({spec.name}); give it a beat"
        )


def fit_length(
    clip: Pattern, steps: int, label: str = "the clip", first_bar: int = 1, lead: int = 0
) -> tuple[Pattern, tuple[str, ...]]:
    """Cut a longer clip to its first `steps` steps or loop a shorter one, with a note saying so (bars
    counted in the clip's meter). `first_bar`: the clip's first bar's number in the file it came from;
    `lead`: bars of the file's run before it that were passed over (counted in the length named)."""
    if clip.steps == steps:
        return clip, ()
    bar = clip.meter.bar_steps
    if clip.steps > steps:
        n = round(steps / bar)
        if lead == 0:
            used = "the first bar was" if steps == bar else f"the first {_bars(steps, bar)} were"
        else:
            used = f"bar {first_bar} was" if n <= 1 else f"bars {first_bar}-{first_bar + n - 1} were"
        note = (f"{label} is {_bars(clip.steps + round(lead * bar), bar)} long; the model plays "
                f"{_bars(steps, bar)}, so only {used} used")  # fmt: skip
        return clip.slice(0, steps), (note,)
    note = f"{label} is {_bars(clip.steps, bar)} long; it was looped to the model's {_bars(steps, bar)}"
    return loop_to(clip, steps), (note,)


def has_content(arrays: dict[str, np.ndarray], spec: ModelSpec) -> bool:
    """Whether the model's tensors of a clip hold any event: a note-on in a pitched array, a hit in a
    drum array (any token but 0), or a played slot with a token."""
    if spec.decoder is DecoderKind.MULTITRACK:
        return bool((arrays["program"] != EMPTY_SLOT).any() and (arrays["tokens"] != 0).any())
    if spec.decoder is DecoderKind.BAND:
        return bool((arrays["program"] != EMPTY_SLOT).any() and (arrays["events"] != 0).any())
    return any(
        bool((arrays[k] >= (FIRST_PITCH_TOKEN if k in spec.maskable else 1)).any()) for k in spec.tracks
    )


def reads_track(spec: ModelSpec) -> Callable[[Track], bool]:
    """Whether a model of `spec` reads a track: drum tracks for models that read drums, pitched tracks
    for models that read pitched parts."""
    return lambda t: spec.reads_drums if t.is_drum else spec.reads_pitched


def fit_clip(clip: Pattern, converter: Converter, label: str = "the clip") -> FittedClip:
    """Check `clip`, choose the model's window in its readable bars (`choose_window`: from its first bar
    that plays, past a sparse intro), cut or loop it to the model's length and convert it to one
    example's arrays. GenerationError (one line) for a clip the model cannot read."""
    spec = converter.spec
    check_content(clip, spec, label)
    spans, notices = readable_runs(clip, label, spec.any_meter)

    def window_steps(meter: Meter) -> int:
        return converter.window_steps(meter) if spec.any_meter else converter.steps

    choice = choose_window(clip, spans, window_steps, reads_track(spec))
    span, start = choice.span, choice.start
    # the run is in one meter (a meter change a fraction of a step before its first bar is not a bar of it)
    meter = clip.meter_at(span.start + 0.5) if spec.any_meter else FOUR_FOUR
    region = dataclasses.replace(clip.slice(start, span.end), meter=meter, meter_map=())
    if len(spans) > 1:
        runs = "bars in one meter" if spec.any_meter else "4/4 bars"
        which = "the first" if span is spans[0] else f"the one from bar {span.first_bar}"
        notices += (f"{label} has {len(spans)} runs of {runs}; the model reads {which}",)
    if choice.skipped is not None:
        a, b = choice.skipped
        bars = f"bar {a} plays" if a == b else f"bars {a}-{b} play"
        notices += (f"{label}: {bars} few notes (an intro?) against {choice.typical:g} in a typical bar, "
                    f"so the model reads from bar {choice.first_bar}",)  # fmt: skip
    window, cut = fit_length(region, window_steps(meter), label, choice.first_bar, choice.bar)
    check_content(window, spec, f"the part of {label} the model reads")
    arrays = converter.to_tensors(window)
    if not has_content(arrays, spec):
        raise GenerationError(f"{label} has no notes that a {spec.name} model can read")
    return FittedClip(window, arrays, notices + cut, start)
