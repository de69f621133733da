# SPDX-License-Identifier: MIT
"""Piano-roll state without painting: rows (drum lanes, then pitches), zoom, scroll, selection, hit-tests.

Coordinates are widget pixels: a ruler on top, key labels on the left, the velocity lane at the bottom.
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass

from engine.music.pattern import Meter, Note, Pattern
from models.vocab import DRUM_CLASS_NAMES, DRUM_PITCHES, NOTE_NAMES

RULER_H = 20
KEYS_W = 72
VEL_H = 56
# The model's 9 drum classes (models/vocab.py): lane name and GM keys, first key written back.
DRUM_LANES: tuple[tuple[str, tuple[int, ...]], ...] = tuple(zip(DRUM_CLASS_NAMES, DRUM_PITCHES, strict=True))
_LANE_OF = {p: i for i, (_, keys) in enumerate(DRUM_LANES) for p in keys}


def drum_lane(pitch: int) -> int:
    """Lane index of a GM drum key; unknown keys share the last lane (ride/other)."""
    return _LANE_OF.get(pitch, len(DRUM_LANES) - 1)


def pitch_name(pitch: int) -> str:
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


@dataclass(frozen=True, slots=True)
class NoteRef:
    """A note of the clip: the index of its track and its value (notes are immutable)."""

    track: int
    note: Note


@dataclass(frozen=True, slots=True)
class Row:
    """One horizontal row: a drum lane (`key` = lane index) or a pitch (`key` = MIDI pitch)."""

    drum: bool
    key: int
    label: str


class PianoRollModel:
    """Zoom, scroll, selection and geometry of a piano roll over one `Pattern`."""

    def __init__(self) -> None:
        self.pattern = Pattern()
        self.px_per_step = 14.0
        self.row_h = 12.0
        self.scroll_x = 0.0
        self.scroll_y = 0.0
        self.width = 800
        self.height = 400
        self.selection: set[NoteRef] = set()
        self.rows: list[Row] = []
        self.playhead: float | None = None
        self.grid = 1  # steps per grid cell (16ths): moves snap to it, new notes are this long
        self.auto_fit = True  # fit the clip on resize until the user zooms or scrolls
        self.dimmed: set[int] = set()  # tracks painted faint (muted, or not soloed)
        self.resize_by = 0  # steps added to the selected notes' length during a drag (preview)
        self._notes: list[NoteRef] = []
        self._notes_of: Pattern | None = None
        self._layout()

    # --- content -------------------------------------------------------------------------------
    def set_pattern(self, pattern: Pattern) -> None:
        """Show `pattern`; rows are re-laid out and selection keeps only notes that still exist."""
        self.pattern = pattern
        alive = {NoteRef(i, n) for i, t in enumerate(pattern.tracks) for n in t.notes}
        self.selection &= alive
        top = self._top_anchor()
        self._layout()
        if top is not None:  # the row that was at the top stays there (zoom and scroll keep their place)
            index, inside = top
            if index in self._row_index:
                self.scroll_y = self._tops[self._row_index[index]] + inside
        self._clamp()

    def _top_anchor(self) -> tuple[tuple[bool, int], float] | None:
        if not self.rows or not self.pattern.tracks:
            return None
        i = max(0, bisect.bisect_right(self._tops, self.scroll_y) - 1)
        return (self.rows[i].drum, self.rows[i].key), self.scroll_y - self._tops[i]

    def _layout(self) -> None:
        rows: list[Row] = []
        if any(t.is_drum for t in self.pattern.tracks):
            rows += [Row(True, i, name) for i, (name, _) in enumerate(DRUM_LANES)]
        pitches = [n.pitch for t in self.pattern.tracks if not t.is_drum for n in t.notes]
        if pitches or not rows:
            lo, hi = (min(pitches), max(pitches)) if pitches else (48, 72)
            lo, hi = max(0, lo - 3), min(127, hi + 3)
            while hi - lo < 24:
                lo, hi = max(0, lo - 1), min(127, hi + 1)
            rows += [Row(False, p, pitch_name(p)) for p in range(hi, lo - 1, -1)]
        self.rows = rows
        self._row_index = {(r.drum, r.key): i for i, r in enumerate(rows)}
        self._offsets()

    def _offsets(self) -> None:
        """Row tops relative to the first row; drum lanes are taller so their names stay readable."""
        tops, y = [], 0.0
        for r in self.rows:
            tops.append(y)
            y += self.height_of_row(r)
        self._tops = tops
        self._total = y

    def height_of_row(self, row: Row) -> float:
        return max(self.row_h * 1.6, 15.0) if row.drum else self.row_h

    def row_of(self, ref: NoteRef) -> int:
        drum = self.pattern.tracks[ref.track].is_drum
        key = drum_lane(ref.note.pitch) if drum else ref.note.pitch
        return self._row_index.get((drum, key), 0)

    def pitch_for_row(self, row: int) -> int:
        r = self.rows[row]
        return DRUM_LANES[r.key][1][0] if r.drum else r.key

    def notes(self) -> list[NoteRef]:
        """Every note of the clip in paint order (cached per pattern)."""
        if self._notes_of is not self.pattern:
            self._notes = [NoteRef(i, n) for i, t in enumerate(self.pattern.tracks) for n in t.notes]
            self._notes_of = self.pattern
        return self._notes

    # --- geometry ------------------------------------------------------------------------------
    def set_viewport(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._clamp()

    @property
    def grid_bottom(self) -> float:
        return self.height - VEL_H

    def x_of(self, step: float) -> float:
        return KEYS_W + step * self.px_per_step - self.scroll_x

    def y_of(self, row: int) -> float:
        return RULER_H + self._tops[row] - self.scroll_y if self.rows else RULER_H

    def row_height(self, row: int) -> float:
        return self.height_of_row(self.rows[row])

    def step_at(self, x: float) -> float:
        return (x - KEYS_W + self.scroll_x) / self.px_per_step

    def row_at(self, y: float) -> int | None:
        if not RULER_H <= y < self.grid_bottom:
            return None
        offset = y - RULER_H + self.scroll_y
        if offset >= self._total:
            return None
        return max(0, bisect.bisect_right(self._tops, offset) - 1)

    def note_rect(self, ref: NoteRef) -> tuple[float, float, float, float]:
        """(x, y, w, h) of a note in widget pixels; drum hits are one step wide."""
        drum = self.pattern.tracks[ref.track].is_drum
        length = 1 if drum else ref.note.duration
        if self.resize_by and not drum and ref in self.selection:
            length = self.resized(ref, self.resize_by).duration
        x = self.x_of(ref.note.start + ref.note.offset)
        row = self.row_of(ref)
        return x, self.y_of(row) + 1, length * self.px_per_step - 1, self.row_height(row) - 2

    def edge_hit(self, x: float, y: float, grip: float = 5.0) -> NoteRef | None:
        """A pitched note whose right edge is under (x, y): its last `grip` pixels (a third of a short note)
        or 2 pixels past it. Dragging there changes the length."""
        if x < KEYS_W or self.row_at(y) is None:
            return None
        for ref in reversed(self.notes()):
            if self.pattern.tracks[ref.track].is_drum:
                continue
            nx, ny, nw, nh = self.note_rect(ref)
            right = nx + nw
            if right - min(grip, nw / 3) <= x <= right + 2 and ny - 1 <= y < ny + nh + 1:
                return ref
        return None

    def resized(self, ref: NoteRef, dlen: int) -> Note:
        """The note made `dlen` steps longer (at least one step, ending inside the clip)."""
        end = max(ref.note.start + 1, min(self.pattern.steps, ref.note.end + dlen))
        return dataclasses.replace(ref.note, end=end)

    def hit_test(self, x: float, y: float) -> NoteRef | None:
        """The topmost note under (x, y) in the grid, or None."""
        if x < KEYS_W or self.row_at(y) is None:
            return None
        for ref in reversed(self.notes()):
            nx, ny, nw, nh = self.note_rect(ref)
            if nx <= x < nx + max(nw, 3) and ny - 1 <= y < ny + nh + 1:
                return ref
        return None

    def velocity_hit(self, x: float) -> list[NoteRef]:
        """Notes whose velocity bar is under x (in the velocity lane)."""
        step = int(self.step_at(x))
        return [r for r in self.notes() if r.note.start == step]

    # --- zoom, scroll, selection ---------------------------------------------------------------
    @property
    def content_width(self) -> float:
        return self.pattern.steps * self.px_per_step

    @property
    def content_height(self) -> float:
        return self._total

    def zoom_x(self, factor: float, anchor_x: float | None = None) -> None:
        """Horizontal zoom keeping the step under `anchor_x` in place."""
        self.auto_fit = False
        anchor_x = KEYS_W if anchor_x is None else anchor_x
        step = self.step_at(anchor_x)
        self.px_per_step = min(80.0, max(2.0, self.px_per_step * factor))
        self.scroll_x = KEYS_W + step * self.px_per_step - anchor_x
        self._clamp()

    def zoom_y(self, factor: float) -> None:
        self.auto_fit = False
        self.row_h = min(40.0, max(5.0, self.row_h * factor))
        self._offsets()
        self._clamp()

    def fit(self) -> None:
        """Zoom so the whole clip fits the width and as many rows as possible fit the height."""
        self.px_per_step = max(2.0, (self.width - KEYS_W - 4) / max(1, self.pattern.steps))
        rows_h = self.grid_bottom - RULER_H
        drums = sum(r.drum for r in self.rows)
        pitched = len(self.rows) - drums
        if pitched:
            self.row_h = min(18.0, max(5.0, (rows_h - drums * 15.0) / pitched))
        else:  # a drum grid alone fills the height
            self.row_h = min(40.0, max(5.0, rows_h / (1.6 * max(1, drums))))
        self._offsets()
        self.scroll_x = self.scroll_y = 0.0
        self.auto_fit = True
        self._clamp()

    def scroll_by(self, dx: float, dy: float) -> None:
        if dx or dy:
            self.auto_fit = False
        self.scroll_x += dx
        self.scroll_y += dy
        self._clamp()

    def _clamp(self) -> None:
        max_x = max(0.0, self.content_width - (self.width - KEYS_W))
        max_y = max(0.0, self.content_height - (self.grid_bottom - RULER_H))
        self.scroll_x = min(max(0.0, self.scroll_x), max_x)
        self.scroll_y = min(max(0.0, self.scroll_y), max_y)

    def select(self, refs: set[NoteRef], add: bool = False) -> None:
        self.selection = (self.selection | refs) if add else set(refs)

    def select_rect(self, x0: float, y0: float, x1: float, y1: float) -> None:
        lx, hx, ly, hy = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        picked = set()
        for ref in self.notes():
            nx, ny, nw, nh = self.note_rect(ref)
            if nx < hx and nx + nw > lx and ny < hy and ny + nh > ly:
                picked.add(ref)
        self.selection = picked

    # --- edits as values (the commands apply them) ---------------------------------------------
    def moved(self, ref: NoteRef, dstep: int, drow: int) -> Note | None:
        """The note moved by whole steps and rows, or None where it would leave the clip or the rows."""
        note = ref.note
        start = note.start + dstep
        if start < 0 or start >= self.pattern.steps:
            return None
        if not dstep and not drow:
            return note
        row = self.row_of(ref) + drow
        if not 0 <= row < len(self.rows) or self.rows[row].drum != self.pattern.tracks[ref.track].is_drum:
            return None
        end = min(self.pattern.steps, start + note.duration)
        return dataclasses.replace(note, pitch=self.pitch_for_row(row), start=start, end=end)

    def track_for_row(self, row: int, preferred: int = 0) -> int | None:
        """The track a new note on `row` goes to: `preferred` if it fits the row, else the first that does."""
        drum = self.rows[row].drum
        tracks = self.pattern.tracks
        if 0 <= preferred < len(tracks) and tracks[preferred].is_drum == drum:
            return preferred
        return next((i for i, t in enumerate(tracks) if t.is_drum == drum), None)

    def bar_lines(self) -> list[tuple[float, bool]]:
        """Visible (x, is_bar) for each beat line, in the clip's meters: bars where its meter map puts
        them (12 steps in 3/4, 14 in 7/8), beats every quarter (/4), dotted quarter (6/8, 9/8, 12/8) or
        eighth (5/8, 7/8)."""
        lo, hi = self.step_at(KEYS_W) - 1, self.step_at(self.width) + 1
        out = []
        for start, end, meter in self.pattern.meter_regions():
            bar, beat = meter.bar_steps, _beat_steps(meter)
            step = start
            while step <= min(end, self.pattern.steps):
                if lo <= step <= hi:
                    out.append(
                        (self.x_of(step), abs(((step - start) / bar) - round((step - start) / bar)) < 1e-6)
                    )
                step += beat
        return out

    def bar_number(self, step: float) -> int:
        """The 1-based bar that `step` lies in, in the clip's meters."""
        return bisect.bisect_right(self.pattern.bar_starts(), step + 1e-6)

    # --- what other panels read ------------------------------------------------------------------
    def selected_region(self) -> tuple[tuple[int, int], list[int]] | None:
        """The bars (first, last; 1-based, both included) and the track indices (0-based) of the selected
        notes, or None without a selection: what the Complete panel's Infill fills."""
        if not self.selection:
            return None
        starts = self.pattern.bar_starts() or (0.0,)
        bars = [bisect.bisect_right(starts, ref.note.start) for ref in self.selection]
        return (min(bars), max(bars)), sorted({ref.track for ref in self.selection})


def _beat_steps(meter: Meter) -> float:
    """Steps between beat lines: a quarter in x/4, a dotted quarter in compound x/8 (6/8, 9/8, 12/8), an
    eighth in other x/8 meters."""
    if meter.denominator == 8 and meter.numerator % 3 == 0:
        return 6.0
    return 16.0 / meter.denominator if meter.denominator >= 4 else 4.0
