# SPDX-License-Identifier: MIT
"""MIDI folder → training data: folder scan, per-file reasons, the cache, example arrays for training.

`prepare` reports what each file gives; `load_examples` stacks one config's examples (with transposition
augmentation) for training and evaluation. Parsed files are cached by content (see engine.data.cache).
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import multiprocessing.context
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np

from engine.data.cache import PrepareCache, content_key
from engine.data.converter import MEMO
from engine.data.converters import CONVERTERS, Converter
from engine.data.coverage import Coverage, coverages
from engine.data.examples import Examples, FileReport, PrepareReport
from engine.midi.files import MidiError, Song, load_bytes, read_song

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
PARALLEL_MIN_FILES = 8  # files to parse per extra process, at least
CHUNK_FILES = 16  # files per task sent to a process, at most (smaller chunks balance long files)
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
    reports = [r for r, _ in _prepare_files(paths, names, use_cache, None, progress)]
    examples = {c: sum(r.examples.get(c, 0) for r in reports) for c in names}
    covered = {c: sum((r.coverage.get(c, Coverage()) for r in reports), Coverage()) for c in names}
    return PrepareReport(str(folder), reports, examples, time.perf_counter() - t0, covered)


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
    paths = _midi_files(folder)
    parts: list[dict[str, np.ndarray]] = []
    files: list[str] = []
    for path, (_, arrays) in zip(paths, _prepare_files(paths, [name], True, name, progress), strict=True):
        if arrays is not None and len(arrays["tempo"]):
            parts.append({**arrays, "file_id": np.full(len(arrays["tempo"]), len(files), dtype=np.int64)})
            files.append(str(path))
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


def workers_for(files: int) -> int:
    """How many processes read `files` files that need parsing: $BANDMATE_PREPARE_WORKERS when set (1:
    in this process), else one per CPU this process may use, with at least PARALLEL_MIN_FILES files
    each (starting a process costs more than parsing a few files)."""
    env = os.environ.get("BANDMATE_PREPARE_WORKERS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise DatasetError(f"BANDMATE_PREPARE_WORKERS={env!r} is not a whole number") from None
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, files // PARALLEL_MIN_FILES))


def _prepare_files(
    paths: Sequence[Path],
    names: list[str],
    use_cache: bool,
    want: str | None,
    progress: Progress | None,
) -> list[tuple[FileReport, dict[str, np.ndarray] | None]]:
    """Each path's report, and its arrays for config `want`, in the order of `paths`.

    Cached files are answered here; the others are parsed in chunks by `workers_for` processes (or in
    this process), which also fill the cache. Copies (the same bytes as an earlier path) are skipped, so
    that the same music never lands in both the training and the held-out files. The result does not
    depend on the number of processes.
    """
    cache = PrepareCache()
    seen: dict[str, Path] = {}
    out: list[tuple[FileReport, dict[str, np.ndarray] | None] | None] = [None] * len(paths)
    todo: list[int] = []
    sizes: list[int] = []  # bytes of each file in todo
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, len(paths))

    for i, path in enumerate(paths):
        try:
            data = load_bytes(path)
            key = content_key(data)
        except MidiError as exc:
            out[i] = (FileReport.skipped(path, str(exc)), None)
            tick()
            continue
        if key in seen:
            out[i] = (FileReport.skipped(path, f"the same file as {seen[key].name}"), None)
            tick()
            continue
        seen[key] = path
        cached = _from_cache(path, key, names, cache, want) if use_cache else None
        if cached is not None:
            out[i] = cached
            tick()
        else:
            todo.append(i)
            sizes.append(len(data))
    jobs = [(paths[i], names, use_cache, want, str(cache.root)) for i in todo]
    for i, result in zip(todo, _run_jobs(jobs, workers_for(len(jobs)), tick, sizes), strict=True):
        out[i] = result
    return [r for r in out if r is not None]


def _from_cache(
    path: Path, key: str, names: list[str], cache: PrepareCache, want: str | None
) -> tuple[FileReport, dict[str, np.ndarray] | None] | None:
    """The file's report (and `want` arrays) from the cache, or None when it must be parsed."""
    record, cached = cache.load_entry(key)
    if record is None or not _complete(record, names, cached):
        return None
    arrays = cache.load_arrays(key, want) if want and record.get("reason") is None else None
    if arrays is not None or not want or record.get("reason") is not None:
        return FileReport.from_record(path, record, names), arrays
    return None


_Job = tuple[Path, list[str], bool, str | None, str]
_Result = tuple[FileReport, dict[str, np.ndarray] | None]


def _run_jobs(
    jobs: list[_Job], workers: int, tick: Callable[[], None], sizes: Sequence[int] | None = None
) -> list[_Result]:
    """`_prepare_job` of each job, in order: in this process, or in chunks on `workers` processes, the
    largest files (`sizes`, bytes) first so that no long file is left to one process at the end. A pool
    that breaks (a worker killed for memory) leaves the rest of the files to this process."""
    if workers <= 1 or len(jobs) < 2:
        serial = []
        for job in jobs:
            serial.append(_prepare_job(job))
            tick()
        return serial
    order = sorted(range(len(jobs)), key=lambda i: -sizes[i]) if sizes else list(range(len(jobs)))
    size = max(1, min(CHUNK_FILES, -(-len(jobs) // (workers * 8))))
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    results: list[_Result | None] = [None] * len(jobs)

    def done(chunk: list[int], answers: list[_Result]) -> None:
        for i, answer in zip(chunk, answers, strict=True):
            results[i] = answer
            tick()

    finished: set[int] = set()
    try:
        with ProcessPoolExecutor(workers, mp_context=_context(), initializer=_worker_start) as pool:
            futures = {
                pool.submit(_prepare_chunk, [jobs[i] for i in chunk]): n for n, chunk in enumerate(chunks)
            }
            for future in as_completed(futures):
                done(chunks[futures[future]], future.result())
                finished.add(futures[future])
    except BrokenProcessPool:
        for n, chunk in enumerate(chunks):
            if n not in finished:
                done(chunk, _prepare_chunk([jobs[i] for i in chunk]))
    return [r for r in results if r is not None]


def _context() -> multiprocessing.context.BaseContext:
    """fork (cheap: the workers start with every module already imported) when this process runs no
    other thread; forkserver otherwise (forking a process with running threads, such as the app's worker
    pool or Qt's own, can deadlock the child)."""
    methods = multiprocessing.get_all_start_methods()
    alone = threading.current_thread() is threading.main_thread() and threading.active_count() == 1
    if "fork" in methods and alone and "PySide6.QtCore" not in sys.modules:  # Qt runs threads of its own
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _prepare_chunk(jobs: list[_Job]) -> list[_Result]:
    return [_prepare_job(job) for job in jobs]


def _worker_start() -> None:
    """A worker's set-up: what it inherited (every imported module: tens of thousands of objects) is
    left out of garbage collection for good, which also keeps those pages shared with the parent."""
    gc.freeze()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a file is parsed: reading makes ~10^5 short-lived objects
    without cycles (notes, events), whose allocations would start full collections that walk every
    object of the process (torch's included); measured 1.4-1.8x faster. Reference counting still frees
    them; the collector's previous state is restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _prepare_job(job: _Job) -> _Result:
    """Parse one file (read again here: only the path travels between processes), fill the cache."""
    path, names, use_cache, want, root = job
    cache = PrepareCache.at(Path(root))
    try:
        data = load_bytes(path)
    except MidiError as exc:  # it changed since the scan
        return FileReport.skipped(path, str(exc)), None
    key = content_key(data)
    old = cache.load_record(key) if use_cache else None
    with _gc_paused():
        try:
            record, computed = _parse(path, data, names, old or {})
        finally:
            MEMO.clear()  # the song's objects go now, before the collector is back
    _try(cache.save, key, record, computed)
    return FileReport.from_record(path, record, names), computed.get(want) if want else None


def _complete(record: dict[str, Any], names: list[str], cached: set[str]) -> bool:
    """Whether a cached record (and the configs whose arrays are `cached`) answers for `names`."""
    if record.get("reason") is not None:
        return True
    examples, covered = record.get("examples", {}), record.get("coverage", {})
    return all(c in examples and c in covered and c in cached for c in names)


def _parse(
    path: Path, data: bytes, names: list[str], old: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, dict[str, np.ndarray]]]:
    try:
        song = read_song(path, data)
        computed = {c: song_arrays(song, c) for c in names}
        covered = dict(zip(names, coverages(song.segments, [CONVERTERS[c] for c in names]), strict=True))
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
    notes_kept = {**old.get("coverage", {}), **{c: [v.notes, v.kept] for c, v in covered.items()}}
    record = {
        "reason": None,
        "coverage": notes_kept,
        "bars": song.bars,
        "tracks": tracks,
        "skipped_parts": list(song.skipped),
        "notices": list(song.notices),
    }
    return {**record, "examples": examples}, computed


def song_arrays(song: Song, config: str) -> dict[str, np.ndarray]:
    """The distinct examples of one song for `config`, stacked (N, ...), with `tempo` (N,), in the order
    they first occur (repeated sections and doubled tracks give one example)."""
    conv = CONVERTERS[config]
    parts = [conv.stacked_examples(segment) for segment in song.segments_for(conv.spec.any_meter)]
    parts = [p for p in parts if len(p["tempo"])]
    if not parts:
        return _empty(conv)
    stacked = parts[0] if len(parts) == 1 else {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    keep = first_of_each(list(stacked.values()), len(stacked["tempo"]))
    return stacked if keep is None else {k: v[keep] for k, v in stacked.items()}


WIDE_ROW_BYTES = 8192  # examples this wide (band_16bar: 12 kB) are told apart by sums first


def first_of_each(arrays: Sequence[np.ndarray], count: int) -> np.ndarray | None:
    """The index of the first row of each distinct example, ascending (an example: row i of every array,
    all its bytes side by side, compared byte for byte); None when all `count` rows differ.

    Narrow rows are sorted whole (np.unique). Wide rows (WIDE_ROW_BYTES or more) are first summed per
    array (uint64 words, wrapping: one pass at memory speed): equal rows have equal sums, so a row whose
    sums no other row shares is distinct; a row that shares them is compared with the first row that
    has them, and the rows are sorted whole only when one differs from it. Sorting band_16bar's 12 kB
    rows whole took 2.4x longer. The same indices either way (a test checks)."""
    flats = [np.ascontiguousarray(a).reshape(count, -1).view(np.uint8) for a in arrays]
    if sum(f.shape[1] for f in flats) >= WIDE_ROW_BYTES:
        sums = np.empty((count, len(flats)), dtype=np.uint64)
        for j, flat in enumerate(flats):
            words = flat.view(np.uint64) if flat.shape[1] % 8 == 0 else flat
            sums[:, j] = words.sum(axis=1, dtype=np.uint64)
        _, group, counts = np.unique(_rows(sums), return_inverse=True, return_counts=True)
        group = group.ravel()
        shared = np.flatnonzero(counts[group] > 1)
        if not len(shared):
            return None
        _, lead_at, lead_of = np.unique(group[shared], return_index=True, return_inverse=True)
        leader = shared[lead_at][lead_of.ravel()]
        if all((f[shared] == f[leader]).all() for f in flats):
            keep = np.ones(count, dtype=bool)
            keep[shared] = leader == shared
            return np.flatnonzero(keep)
    _, first = np.unique(_rows(np.concatenate(flats, axis=1)), return_index=True)
    return None if len(first) == count else np.sort(first)


def _rows(table: np.ndarray) -> np.ndarray:
    """A 2-D array's rows as one void scalar each (compared and sorted as their bytes)."""
    table = np.ascontiguousarray(table)
    return table.view(np.dtype((np.void, table.shape[1] * table.itemsize))).ravel()


def _empty(conv: Converter) -> dict[str, np.ndarray]:
    """Zero examples of `conv`, shaped (0, ...)."""
    return conv.empty_arrays()


def _try(func: Callable[..., None], *args: Any) -> None:
    try:
        func(*args)
    except OSError:  # a read-only or full cache only costs speed next time
        pass
