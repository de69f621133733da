# SPDX-License-Identifier: MIT
"""The sample-quality gate and the copy check of one loaded model, as generation runs them.

`ClipChecker` finds what they compare with, once: the gate's limits (the model card's statistics of the
training music; else measured in the training folder if it is still there; else general limits, and it
says so) and the index of the training bars (the model folder's training_bars.npz; else built from the
training folder and kept there). `ClipChecker.run(draw, n, seed, novel, notices)` draws until n clips
pass (engine/generation/redraw.py) and returns them with a `Checked` record for the musician.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.data.bar_index import (
    MAX_INDEX_FILES,
    BarCopy,
    BarIndex,
    BarIndexError,
    build_index,
    read_index,
    write_index,
)
from engine.generation.gate import Defect, Limits, limits_for
from engine.generation.redraw import keep_passing, redraw_note
from engine.music.pattern import Pattern
from models.card import DataSummary, GateStats
from models.spec import ModelSpec

NO_INDEX = (
    f"copies cannot be checked: the model's training music is not here (or has more than {MAX_INDEX_FILES} "
    "files, too many to index)"
)
Notices = list[str]  # as engine/generation/runner.py (which imports this module)


@dataclass(frozen=True, slots=True)
class Checked:
    """What the checks did in one generation call: clips asked for and drawn, the first defect of each
    clip set aside, and for each clip given the training bars it copies (empty: none, or not known)."""

    asked: int
    drawn: int
    rejected: tuple[Defect, ...]
    copies: tuple[tuple[BarCopy, ...], ...]

    @property
    def note(self) -> str | None:
        """ "3 clips failed the checks and were redrawn (8 asked, 11 drawn in all): no melody (2), ...",
        or None (see redraw_note)."""
        return redraw_note(self.asked, len(self.copies), self.drawn, self.rejected)

    def copy_note(self, i: int) -> str | None:
        """What clip i copies, in words ("bars 3-4 are bars 12-13 of d_dm05.mid"), or None."""
        return copy_words(self.copies[i]) if i < len(self.copies) and self.copies[i] else None


def copy_words(copies: Sequence[BarCopy]) -> str:
    """ "bars 3-4 are bars 12-13 of d_dm05.mid; bars 1, 6 and 9 are bar 11 of riff.mid": runs of bars
    that copy a run of a song together, then bars that copy one and the same bar together."""
    runs: list[list[BarCopy]] = []
    for c in copies:
        last = runs[-1][-1] if runs else None
        if last and c.file == last.file and (c.bar, c.source_bar) == (last.bar + 1, last.source_bar + 1):
            runs[-1].append(c)
        else:
            runs.append([c])
    same: dict[tuple[str, int], list[int]] = {}  # (file, source bar) -> our bars, for runs of one bar
    parts: list[tuple[int, str]] = []
    for run in runs:
        first, last = run[0], run[-1]
        if len(run) == 1:
            same.setdefault((first.file, first.source_bar), []).append(first.bar + 1)
        else:
            name, ours = Path(first.file).name, f"{first.bar + 1}-{last.bar + 1}"
            parts.append((first.bar, f"bars {ours} are bars {first.source_bar}-{last.source_bar} of {name}"))
    for (file, source), bars in same.items():
        which = f"bar {bars[0]} is" if len(bars) == 1 else f"bars {_listed(bars)} are"
        parts.append((bars[0] - 1, f"{which} bar {source} of {Path(file).name}"))
    return "; ".join(text for _, text in sorted(parts))


def _listed(numbers: Sequence[int]) -> str:
    """1, 6 and 9."""
    words = [str(n) for n in numbers]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class ClipChecker:
    """The gate and the copy check for one model: `spec`, the card's `summary` of its training music and
    the model `folder` (where the bar index is kept; None for a model built in memory)."""

    def __init__(self, spec: ModelSpec, summary: Callable[[], DataSummary], folder: Path | None) -> None:
        self.spec, self._summary, self.folder = spec, summary, folder
        self._limits: Limits | None = None
        self._index: BarIndex | None | bool = None  # False once known to be unavailable
        self._notes: dict[str, None] = {}  # where the limits and the index came from, when not the card's

    @property
    def notes(self) -> tuple[str, ...]:
        """What the musician should know about what the checks compare with (said on every call, so the
        same seed gives the same result): limits measured in the training folder or general ones, an
        index built from the training folder."""
        return tuple(self._notes)

    # ---- what the checks compare with ------------------------------------------------------------
    def limits(self) -> Limits:
        """The gate's limits: the card's statistics, else measured in the training folder, else general."""
        if self._limits is None:
            summary = self._summary()
            stats = summary.music.gate
            if stats is None and _folder(summary) is not None:
                stats = _measure(summary, self.spec.name)
                self._note(f"the quality check measured the training music in {summary.folder}")
            self._limits = limits_for(self.spec, stats, summary.transposed)
            if self._limits.general:
                self._note(
                    "clips are checked against general limits: the model's card records no statistics of "
                    "its training music and its training folder is not here"
                )
        return self._limits

    def index(self) -> BarIndex | None:
        """The training bars' index (see the module), or None when the training music is not here."""
        if self._index is None:
            self._index = self._find_index() or False
        return self._index if isinstance(self._index, BarIndex) else None

    def _find_index(self) -> BarIndex | None:
        if self.folder is not None:
            try:
                found = read_index(self.folder, self.spec.name)
            except BarIndexError as e:
                self._note(f"{e}; built it again")
                found = None
            if found is not None:
                return found
        summary = self._summary()
        folder = _folder(summary)
        if folder is None:
            return None
        files = training_files(folder, summary.heldout_files)
        if len(files) > MAX_INDEX_FILES:
            return None
        index = build_index(files, self.spec.name, summary.transposed)
        self._note(f"the copy check indexed the bars of the {len(files)} training files in {folder}")
        if self.folder is not None:
            try:
                write_index(self.folder, index)
            except OSError:  # a read-only model folder: the index is built again next time
                pass
        return index

    def _note(self, text: str) -> None:
        self._notes[text] = None

    # ---- checking -------------------------------------------------------------------------------
    def defects(self, clip: Pattern, novel: bool) -> tuple[Defect, ...]:
        """The gate's defects of the clip, and with `novel` a copied bar as one more."""
        found = self.limits().check(clip)
        index = self.index() if novel else None
        if index is not None:
            copies = index.find(clip)
            if copies:
                found += (Defect("copy", "copies your music", copy_words(copies)),)
        return found

    def copies(self, clips: Sequence[Pattern]) -> tuple[tuple[BarCopy, ...], ...]:
        """The training bars each clip copies (all empty when the training music is not here)."""
        index = self.index()
        return tuple(tuple(index.find(c)) if index else () for c in clips)

    def run(
        self,
        draw: Callable[[int, int], Sequence[Pattern]],
        n: int,
        seed: int,
        novel: bool,
        notices: Notices,
    ) -> tuple[tuple[Pattern, ...], Checked]:
        """Up to n clips that pass (see engine/generation/redraw.py), with what the checks did; the
        checker's `notes` go first into `notices`."""
        self.limits(), self.index()
        notices.extend(self.notes)
        if novel and self.index() is None:
            notices.append(NO_INDEX)
        kept = keep_passing(draw, n, seed, lambda clip: self.defects(clip, novel))
        return kept.clips, Checked(n, kept.drawn, kept.rejected, self.copies(kept.clips))


def _folder(summary: DataSummary) -> Path | None:
    folder = Path(summary.folder) if summary.folder else None
    return folder if folder is not None and folder.is_dir() else None


def training_files(folder: Path, heldout: Sequence[str]) -> list[Path]:
    """The MIDI files of the training folder that training learned from (the held-out ones left out,
    matched by path, or by name when training ran from elsewhere)."""
    from engine.data.dataset import scan_folder

    held = {Path(h).resolve() for h in heldout}
    names = {Path(h).name for h in heldout}
    return [f for f in scan_folder(folder) if f.resolve() not in held and f.name not in names]


def _measure(summary: DataSummary, config: str) -> GateStats | None:
    """The gate statistics of the training folder's files (held-out files left out)."""
    from engine.data.dataset import DatasetError, load_examples
    from engine.data.gate_stats import examples_gate_stats

    folder = Path(summary.folder)
    try:
        examples = load_examples(folder, config, transpose=None)
    except DatasetError:
        return None
    learned = {str(f) for f in training_files(folder, summary.heldout_files)}
    keep = [i for i, f in enumerate(examples.files) if f in learned]
    return examples_gate_stats(examples.select(np.isin(examples.file_ids, keep)))
