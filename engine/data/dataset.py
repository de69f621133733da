# SPDX-License-Identifier: MIT
"""MIDI folder → training data: folder scan, per-file reasons, the cache, example arrays for training.

`prepare` reports what each file gives; `load_examples` stacks one config's examples (with transposition
augmentation) for training and evaluation. Parsed files are cached by content (see engine.data.cache).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.data.cache import PrepareCache, content_key
from engine.data.converters import CONVERTERS, Converter
from engine.data.examples import Examples, FileReport, PrepareReport
from engine.midi.files import MidiError, Song, load_bytes, read_song
from engine.music.pattern import Pattern

__all__ = [
    "DatasetError",
    "Examples",
    "FileReport",
    "PrepareReport",
    "file_weights",
    "load_examples",
    "prepare",
    "scan_folder",
]

MIDI_SUFFIXES = (".mid", ".midi", ".kar")
Progress = Callable[[int, int], None]


class DatasetError(Exception):
    """A folder that gives nothing to work with (missing, no MIDI files, no examples); one-line reason."""


def scan_folder(folder: str | Path) -> list[Path]:
    """Every .mid/.midi/.kar path under `folder` (recursive, case-insensitive, sorted), including the ones
    that will turn out unreadable (folders named x.mid, broken links) so that they get a reason."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"no such folder: {folder}")
    found = []
    for root, dirs, files in os.walk(folder, onerror=None, followlinks=False):
        for name in files + dirs:
            if name.lower().endswith(MIDI_SUFFIXES):
                found.append(Path(root) / name)
    return sorted(found)


def _midi_files(folder: str | Path) -> list[Path]:
    paths = scan_folder(folder)
    if not paths:
        raise DatasetError(f"no MIDI files (.mid, .midi, .kar) in {folder}")
    return paths


def _configs(configs: Iterable[str] | str | None) -> list[str]:
    names = (
        list(CONVERTERS) if configs in (None, "all") else [configs] if isinstance(configs, str) else configs
    )
    unknown = [c for c in names if c not in CONVERTERS]
    if unknown:
        raise DatasetError(f"unknown config {', '.join(unknown)}; choose from {', '.join(CONVERTERS)} or all")
    return list(names)


def prepare(
    folder: str | Path,
    configs: Sequence[str] | str | None = None,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> PrepareReport:
    """Scan `folder` and report per file what it gives (or why not); fills the cache as it goes.

    Raises DatasetError for a missing folder or one without MIDI files; bad files are reported, not raised.
    """
    t0 = time.perf_counter()
    names, paths = _configs(configs), _midi_files(folder)
    cache, seen = PrepareCache(), {}
    reports = []
    for i, path in enumerate(paths):
        reports.append(_prepare_file(path, names, cache, use_cache, seen)[0])
        if progress:
            progress(i + 1, len(paths))
    examples = {c: sum(r.examples.get(c, 0) for r in reports) for c in names}
    return PrepareReport(str(folder), reports, examples, time.perf_counter() - t0)


def load_examples(
    folder: str | Path,
    config: str,
    *,
    transpose: tuple[int, int] | None = (-5, 6),
    progress: Progress | None = None,
) -> Examples:
    """All of one config's examples in `folder`, stacked on axis 0, from the cache where possible.

    Zero examples is not an error (len() == 0, arrays shaped (0, ...)); a missing folder, a folder without
    MIDI files or an unknown config raise DatasetError.

    `transpose=(lo, hi)` adds copies moved by every shift in range(lo, hi) semitones (pitched arrays only;
    copies that would leave 21..108 are dropped), at most the spec's `transpose` each way (the band
    configs: 3); drums_2bar is never transposed. None: no copies.
    Each example carries its file's weight from the folder's corpus.json (`file_weights`).
    """
    (name,) = _configs([config])
    paths, cache, seen = _midi_files(folder), PrepareCache(), {}
    parts: list[dict[str, np.ndarray]] = []
    files: list[str] = []
    for i, path in enumerate(paths):
        report, arrays = _prepare_file(path, [name], cache, True, seen, want=name)
        if arrays is not None and len(arrays["tempo"]):
            parts.append({**arrays, "file_id": np.full(len(arrays["tempo"]), len(files), dtype=np.int64)})
            files.append(str(path))
        if progress:
            progress(i + 1, len(paths))
    if not parts:  # callers check len(); the empty arrays still have the contract's trailing shapes
        parts.append({**_empty(CONVERTERS[name]), "file_id": np.zeros(0, dtype=np.int64)})
    stacked = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    stacked = _augment(name, stacked, transpose)
    ids = stacked.pop("file_id")
    weights = file_weights(folder, files)[ids] if len(files) else np.zeros(0, dtype=np.float32)
    return Examples(name, stacked, ids, files, stacked["tempo"].astype(np.float32), weights)


def file_weights(folder: str | Path, files: Sequence[str]) -> np.ndarray:
    """float32 (len(files),): each file's sampling weight from `folder/corpus.json` (written by
    scripts/corpus: {"files": [{"file": relative path, "weight": w}, ...]}); 1.0 for files it does not
    list, and for all when there is no corpus.json. A corpus.json that cannot be read raises DatasetError.
    """
    weights = np.ones(len(files), dtype=np.float32)
    path = Path(folder) / "corpus.json"
    if not path.is_file():
        return weights
    try:
        listed = {e["file"]: float(e["weight"]) for e in json.loads(path.read_text())["files"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{path} cannot be read ({type(exc).__name__}: {exc})") from None
    for i, file in enumerate(files):
        rel = Path(file).relative_to(folder).as_posix() if Path(file).is_relative_to(folder) else file
        weight = listed.get(rel, 1.0)
        if not weight >= 0:  # also catches NaN
            raise DatasetError(f"{path}: the weight of {rel} is {weight}; weights are 0 or more")
        weights[i] = weight
    return weights


def _augment(
    name: str, arrays: dict[str, np.ndarray], transpose: tuple[int, int] | None
) -> dict[str, np.ndarray]:
    conv = CONVERTERS[name]
    most = conv.spec.transpose  # semitones each way the config takes at most
    shifts = [s for s in range(*transpose) if s != 0 and abs(s) <= most] if transpose else []
    if not shifts or not conv.pitched or len(arrays["tempo"]) == 0:
        return arrays
    # the moved copies go straight into arrays of the final size: concatenating a list of them held every
    # example twice (a 16-bar band folder: 700 MB at the peak for 174 MB of examples)
    masks = [conv.transpose(arrays, shift)[1] for shift in shifts]
    total = len(arrays["tempo"]) + sum(int(m.sum()) for m in masks)
    out = {k: np.empty((total, *v.shape[1:]), dtype=v.dtype) for k, v in arrays.items()}
    at = len(arrays["tempo"])
    for k, v in arrays.items():
        out[k][:at] = v
    for shift, ok in zip(shifts, masks, strict=True):
        moved, _ = conv.transpose(arrays, shift)
        n = int(ok.sum())
        for k in arrays:
            out[k][at : at + n] = moved[k][ok]
        at += n
    return out


def _prepare_file(
    path: Path,
    names: list[str],
    cache: PrepareCache,
    use_cache: bool,
    seen: dict[str, Path],
    want: str | None = None,
) -> tuple[FileReport, dict[str, np.ndarray] | None]:
    """The file's report, and its arrays for config `want`, from the cache or by parsing it once.

    `seen` maps content keys to the first path with that content: copies are skipped, so that the same
    music never lands in both the training and the held-out files.
    """
    try:
        data = load_bytes(path)
    except MidiError as exc:
        return FileReport.skipped(path, str(exc)), None
    key = content_key(data)
    if key in seen:
        return FileReport.skipped(path, f"the same file as {seen[key].name}"), None
    seen[key] = path
    record = cache.load_record(key) if use_cache else None
    if record is not None and _complete(record, names, cache, key):
        arrays = cache.load_arrays(key, want) if want and record.get("reason") is None else None
        if arrays is not None or not want or record.get("reason") is not None:
            return FileReport.from_record(path, record, names), arrays
    record, computed = _parse(path, data, names, record or {})
    for config, arrays in computed.items():
        _try(cache.save_arrays, key, config, arrays)
    _try(cache.save_record, key, record)
    return FileReport.from_record(path, record, names), computed.get(want) if want else None


def _complete(record: dict[str, Any], names: list[str], cache: PrepareCache, key: str) -> bool:
    if record.get("reason") is not None:
        return True
    return all(c in record.get("examples", {}) and cache.has_arrays(key, c) for c in names)


def _parse(
    path: Path, data: bytes, names: list[str], old: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, np.ndarray]]]:
    try:
        song = read_song(path, data)
        computed = {c: song_arrays(song, c) for c in names}
    except MidiError as exc:
        return {"reason": str(exc)}, {}
    except (ValueError, IndexError, KeyError, OverflowError, MemoryError, RecursionError) as exc:
        # a file that trips a bug of ours must not stop the run: it is skipped with a reason like any other
        return {"reason": f"could not be read ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"}, {}
    examples = {**old.get("examples", {}), **{c: int(len(a["tempo"])) for c, a in computed.items()}}
    tracks = [
        {"name": t.name, "program": t.program, "drums": t.is_drum, "role": t.role.value, "notes": t.notes}
        for t in song.tracks
    ]
    record = {
        "reason": None,
        "bars": song.bars,
        "tracks": tracks,
        "skipped_parts": list(song.skipped),
        "notices": list(song.notices),
    }
    return {**record, "examples": examples}, computed


def song_arrays(song: Song, config: str) -> dict[str, np.ndarray]:
    """The distinct examples of one song for `config`, stacked (N, ...), with `tempo` (N,)."""
    conv = CONVERTERS[config]
    seen: set[bytes] = set()
    examples = []
    for segment in song.segments_for(conv.spec.any_meter):
        for arrays in conv.examples(segment):
            fingerprint = b"".join(np.ascontiguousarray(a).tobytes() for a in arrays.values())
            if fingerprint not in seen:  # repeated sections and doubled tracks give one example
                seen.add(fingerprint)
                examples.append(arrays)
    if not examples:
        return _empty(conv)
    return {k: np.stack([e[k] for e in examples]) for k in examples[0]}


def _empty(conv: Converter) -> dict[str, np.ndarray]:
    """Zero examples of `conv`, shaped (0, ...)."""
    return {k: np.asarray(v)[None][:0] for k, v in conv.to_tensors(Pattern((), conv.steps)).items()}


def _try(func: Callable[..., None], *args: Any) -> None:
    try:
        func(*args)
    except OSError:  # a read-only or full cache only costs speed next time
        pass
