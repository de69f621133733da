# SPDX-License-Identifier: MIT
"""The bars of a model's training music, hashed, to tell when a generated bar copies one.

A bar is compared on the model's grid (monophonic lines, drum classes): its notes as (onset step, pitch)
per instrument, velocities and micro-timing ignored. The `whole` key takes every instrument of the bar
together (pitched notes and drum hits), a `single` key one instrument. When training transposes, the
pitched notes are taken relative to the bar's lowest one, so a copy moved to another key is still a copy.
An instrument's bar counts only with at least MIN_COPY_NOTES notes (and MIN_COPY_PITCHES pitches), the
whole bar only with such an instrument: a lone hit, a held chord or a riff on one note copies nothing
(15.8% of the one-pitch melody bars of unseen Freedoom songs recur in the others; 0.0% of the rest).

`build_index(files, config, transposed)` reads the files; `BarIndex.find(clip)` names the training file
and bar each bar of a clip copies; `write_index`/`read_index` keep it in the model folder
(training_bars.npz: hashes, file and bar numbers; about 20 bytes per bar).
"""

from __future__ import annotations

import hashlib
import io
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.data.codec import monophonic
from engine.music.pattern import STEPS_PER_BAR, Pattern
from models.store import atomic_write
from models.vocab import DRUM_CLASS_OF

INDEX_FILE = "training_bars.npz"
INDEX_VERSION = 1
MIN_COPY_NOTES = 4
MIN_COPY_PITCHES = 2
MAX_INDEX_FILES = 1000  # reading takes about 40 ms a song: at most 40 s of a training run


class BarIndexError(ValueError):
    """An index file that cannot be used (damaged, another version or config)."""


@dataclass(frozen=True, slots=True)
class BarCopy:
    """Bar `bar` (0-based) of a clip is bar `source_bar` (1-based, counting the file's 4/4 bars) of
    `file`."""

    bar: int
    file: str
    source_bar: int


@dataclass(frozen=True, slots=True)
class BarKeys:
    """The keys of one bar of a clip: `whole` (None when it has too few notes) and one per instrument
    with enough notes."""

    whole: int | None
    single: tuple[int, ...]


def _digest(values: Sequence[int]) -> int:
    data = np.asarray(sorted(values), dtype=np.int64).tobytes()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little") >> 1  # fits int64


def _hash(values: np.ndarray) -> int:
    """`_digest` of int64 values already sorted."""
    return int.from_bytes(hashlib.blake2b(values.tobytes(), digest_size=8).digest(), "little") >> 1


_CLASS_OF = np.full(128, -1, dtype=np.int64)  # DRUM_CLASS_OF as an array: -1 for a pitch of no class
for _pitch, _klass in DRUM_CLASS_OF.items():
    _CLASS_OF[_pitch] = _klass
_start_of, _pitch_of = operator.attrgetter("start"), operator.attrgetter("pitch")
_NO_NOTE = 1 << 40  # above any pitch


def whole_keys(clip: Pattern, transposed: bool) -> list[int | None]:
    """`[k.whole for k in bar_keys(clip, transposed)]` (what `BarIndex.find` looks up) at once in NumPy,
    without hashing the single-instrument keys (a 16-bar clip's 48 hashes): the copy check of every
    generated clip runs it."""
    bars = max(clip.bars, 1)
    limit = bars * STEPS_PER_BAR
    bar_parts, code_parts = [], []  # per instrument: each note's bar and its code before the low pitch
    low = np.full(bars, _NO_NOTE, dtype=np.int64)  # each bar's lowest pitch (when transposed)
    telling = np.zeros(bars, dtype=bool)  # a bar with a single key (see `_keys`)
    drum_bar, drum_code = [], []
    for t in clip.tracks:
        if not t.notes:
            continue
        count = len(t.notes)
        start = np.fromiter(map(_start_of, t.notes), dtype=np.int64, count=count)
        pitch = np.fromiter(map(_pitch_of, t.notes), dtype=np.int64, count=count)
        value = _CLASS_OF[pitch] if t.is_drum else pitch
        keep = (value >= 0) & (start < limit)
        start, value = start[keep], value[keep]
        bar, step = start // STEPS_PER_BAR, start % STEPS_PER_BAR
        if t.is_drum:
            drum_bar.append(bar)
            drum_code.append(2_000_000 + 1000 * step + value)
            continue
        if not len(bar):
            continue
        notes = np.bincount(bar, minlength=bars)
        pitches = np.bincount(np.unique(bar * 128 + value) // 128, minlength=bars)
        telling |= (notes >= MIN_COPY_NOTES) & (pitches >= MIN_COPY_PITCHES)
        if transposed:
            np.minimum.at(low, bar, value)
        bar_parts.append(bar)
        code_parts.append(1_000_000 + 1000 * step + value)
    if drum_bar:  # each (step, class) of a bar once, as `_keys` takes a set of them
        cells = np.unique(np.concatenate(drum_bar) * 10_000_000 + np.concatenate(drum_code))
        bar_parts.append(cells // 10_000_000)
        code_parts.append(cells % 10_000_000)
        telling |= np.bincount(cells // 10_000_000, minlength=bars) >= MIN_COPY_NOTES
    out: list[int | None] = [None] * bars
    if not bar_parts:
        return out
    bar = np.concatenate(bar_parts)
    code = np.concatenate(code_parts)
    if transposed:  # pitches from the bar's lowest one (0 in a bar without pitched notes: drums only)
        low[low == _NO_NOTE] = 0
        code = np.where(code < 2_000_000, code - low[bar], code)
    order = np.lexsort((code, bar))
    bar, code = bar[order], code[order]
    edges = np.searchsorted(bar, np.arange(bars + 1))
    for b in np.flatnonzero(telling).tolist():
        out[b] = _hash(code[edges[b] : edges[b + 1]])
    return out


def bar_keys(clip: Pattern, transposed: bool) -> list[BarKeys]:
    """One `BarKeys` per bar of the clip (onsets in the bar; notes held over from before do not count)."""
    bars = max(clip.bars, 1)
    pitched: list[list[list[tuple[int, int]]]] = [[] for _ in range(bars)]  # bar -> track -> (step, pitch)
    drums: list[list[tuple[int, int]]] = [[] for _ in range(bars)]
    for t in clip.tracks:
        per_bar: list[list[tuple[int, int]]] = [[] for _ in range(bars)]
        for n in t.notes:
            value = DRUM_CLASS_OF.get(n.pitch) if t.is_drum else n.pitch
            if value is not None and n.start < bars * STEPS_PER_BAR:
                per_bar[n.start // STEPS_PER_BAR].append((n.start % STEPS_PER_BAR, value))
        for b in range(bars):
            if t.is_drum:
                drums[b] += per_bar[b]
            elif per_bar[b]:
                pitched[b].append(per_bar[b])
    return [_keys(pitched[b], drums[b], transposed) for b in range(bars)]


def _keys(lines: list[list[tuple[int, int]]], hits: list[tuple[int, int]], transposed: bool) -> BarKeys:
    low = min((p for line in lines for _, p in line), default=0) if transposed else 0
    codes = [1_000_000 + 1000 * s + p - low for line in lines for s, p in line]
    drum_codes = sorted({2_000_000 + 1000 * s + k for s, k in hits})
    single = []
    for line in lines:  # a line of one repeated pitch is a riff every band plays: never a copy alone
        if len(line) >= MIN_COPY_NOTES and len({p for _, p in line}) >= MIN_COPY_PITCHES:
            own = min(p for _, p in line) if transposed else 0
            single.append(_digest([1_000_000 + 1000 * s + p - own for s, p in line]))
    if len(drum_codes) >= MIN_COPY_NOTES:
        single.append(_digest(drum_codes))
    whole = _digest(codes + drum_codes) if single else None  # at least one telling instrument
    return BarKeys(whole, tuple(single))


def model_views(segment: Pattern, config: str) -> list[Pattern]:
    """A 4/4 segment of a song as the model of `config` sees it, bar for bar: one clip per melody for a
    melody model (each pitched track's top line), else one clip of the converter's parts."""
    from engine.data.converters import CONVERTERS

    conv = CONVERTERS[config]
    if conv.spec.converter == "melody":
        lines = [t.with_notes(monophonic(t.notes)) for t in segment.tracks if not t.is_drum and t.notes]
        return [segment.with_tracks([line]) for line in lines]
    parts = conv.parts(segment)
    if conv.steps != STEPS_PER_BAR:
        return [parts]
    # one-bar windows (multitrack): the converter's own choice of instruments and lines, bar by bar
    bars = [conv.from_tensors(conv.to_tensors(parts.slice(b * STEPS_PER_BAR, (b + 1) * STEPS_PER_BAR)))
            for b in range(parts.bars)]  # fmt: skip
    return [Pattern.join(bars)] if bars else []


@dataclass(frozen=True, slots=True)
class BarIndex:
    """The training bars of one model: for each key the (file number, bar) of its first bar."""

    config: str
    transposed: bool
    files: tuple[str, ...]
    whole: dict[int, tuple[int, int]]
    single: dict[int, tuple[int, int]]

    def find(self, clip: Pattern) -> list[BarCopy]:
        """The bars of `clip` whose whole content is a training bar's."""
        found = []
        for b, whole in enumerate(whole_keys(clip, self.transposed)):
            ref = self.whole.get(whole) if whole is not None else None
            if ref is not None:
                found.append(BarCopy(b, self.files[ref[0]], ref[1]))
        return found

    def shares(self, clips: Sequence[Pattern]) -> tuple[float | None, float | None]:
        """(share of the clips' bars that copy a training bar, share of their single-instrument bars that
        copy one), among the bars that count (see the module); None where there are none."""
        whole = [k.whole in self.whole for c in clips for k in bar_keys(c, self.transposed) if k.whole]
        single = [s in self.single for c in clips for k in bar_keys(c, self.transposed) for s in k.single]
        return (float(np.mean(whole)) if whole else None, float(np.mean(single)) if single else None)


def build_index(files: Sequence[str | Path], config: str, transposed: bool) -> BarIndex:
    """The index of the 4/4 bars of `files` (unreadable files are left out, as training leaves them)."""
    from engine.midi.files import MidiError, read_song

    whole: dict[int, tuple[int, int]] = {}
    single: dict[int, tuple[int, int]] = {}
    names = tuple(str(f) for f in files)
    for i, path in enumerate(names):
        try:
            song = read_song(path)
        except (MidiError, OSError, ValueError):
            continue
        for bar, keys in _song_keys(song.segments, config, transposed):
            if keys.whole is not None:
                whole.setdefault(keys.whole, (i, bar))
            for key in keys.single:
                single.setdefault(key, (i, bar))
    return BarIndex(config, transposed, names, whole, single)


def _song_keys(segments: Sequence[Pattern], config: str, transposed: bool) -> Iterator[tuple[int, BarKeys]]:
    """(bar number counting the song's 4/4 bars from 1, keys) of every bar of every view."""
    first = 1
    for segment in segments:
        for view in model_views(segment, config):
            for b, keys in enumerate(bar_keys(view, transposed)):
                yield first + b, keys
        first += segment.bars


def write_index(folder: Path, index: BarIndex) -> Path:
    """Write the index into a model folder, atomically (models.store.atomic_write)."""
    buf = io.BytesIO()
    arrays: dict[str, np.ndarray] = {
        "version": np.array(INDEX_VERSION, dtype=np.int64),
        "config": np.array(index.config, dtype=np.str_),
        "transposed": np.array(index.transposed, dtype=np.bool_),
        "files": np.array(index.files, dtype=np.str_),
        **_arrays("whole", index.whole),
        **_arrays("single", index.single),
    }
    np.savez_compressed(buf, allow_pickle=False, **arrays)  # read_index reads without pickles too
    path = folder / INDEX_FILE
    atomic_write(path, buf.getvalue())
    return path


def _arrays(name: str, table: dict[int, tuple[int, int]]) -> dict[str, np.ndarray]:
    keys = np.fromiter(table, dtype=np.int64, count=len(table))
    refs = np.array(list(table.values()), dtype=np.int32).reshape(len(table), 2)
    return {f"{name}_keys": keys, f"{name}_refs": refs}


def read_index(folder: Path, config: str) -> BarIndex | None:
    """The index in a model folder; None when there is none. BarIndexError for one that cannot be used."""
    path = folder / INDEX_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            if int(z["version"]) != INDEX_VERSION or str(z["config"]) != config:
                raise BarIndexError(f"{path} is for another model or Bandmate version")
            tables = [
                dict(zip(z[f"{n}_keys"].tolist(), map(tuple, z[f"{n}_refs"].tolist()), strict=True))
                for n in ("whole", "single")
            ]
            return BarIndex(config, bool(z["transposed"]), tuple(z["files"].tolist()), *tables)
    except (OSError, ValueError, KeyError) as e:
        raise BarIndexError(f"{path} cannot be read ({e})") from e
