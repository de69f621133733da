"""engine.data.dataset: scanning, per-file reports, the content-keyed cache, stacked examples."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import engine.data.dataset as dataset
from engine.data.cache import PrepareCache
from engine.data.converters import CONVERTERS
from engine.data.dataset import DatasetError, load_examples, prepare, scan_folder

FILES = ["d_dm01.mid", "101_dance-disco_120_beat_4-4.mid", "reelsa-c35.mid", "jigs49.mid"]


@pytest.fixture
def small(midi_dir: Path, tmp_path: Path) -> Path:
    """A folder with four real files (one of them all in 6/8) in a sub-folder, under mixed-case names."""
    folder = tmp_path / "songs"
    (folder / "sub").mkdir(parents=True)
    for i, name in enumerate(FILES):
        target = folder / ("sub" if i % 2 else "") / (name.upper() if i == 2 else name)
        shutil.copy(next(midi_dir.rglob(name)), target)
    (folder / "notes.txt").write_text("not midi")
    return folder


def test_scan_is_recursive_and_case_insensitive(small: Path) -> None:
    (small / "x.KAR").write_bytes(b"")
    (small / "y.midi").write_bytes(b"")
    names = sorted(p.name for p in scan_folder(small))
    assert names == sorted(
        ["d_dm01.mid", "101_dance-disco_120_beat_4-4.mid", "REELSA-C35.MID", "jigs49.mid", "x.KAR", "y.midi"]
    )


def test_prepare_reports_each_file(small: Path) -> None:
    report = prepare(small, [c for c in CONVERTERS if not c.startswith("band_")])  # the 4/4 models
    assert len(report.files) == 4 and report.files_used == 3
    (skipped,) = report.files_skipped
    assert skipped.path.endswith("jigs49.mid") and "6/8" in skipped.reason
    jig = prepare(small, ["band_1bar", "band_4bar"]).files[
        [Path(f.path).name for f in report.files].index("jigs49.mid")
    ]
    assert jig.used and jig.examples["band_1bar"] > 10  # the band models read the 6/8 bars
    report = prepare(small)
    assert report.files_used == 4
    band = next(f for f in report.files if f.path.endswith("d_dm01.mid"))
    assert band.bars == 64 and all(band.examples[c] > 0 for c in report.examples)
    assert {t["role"] for t in band.tracks} == {"drums", "bass", "lead", "other"}
    drums = next(f for f in report.files if "disco" in f.path)
    assert drums.examples["mel_2bar"] == 0 and drums.examples["drums_2bar"] > 50
    assert report.examples == {c: sum(f.examples.get(c, 0) for f in report.files) for c in report.examples}
    payload = report.to_json()
    assert payload["files_used"] == 4 and payload["files_skipped"] == []


def test_second_prepare_reads_the_cache_not_the_files(small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = prepare(small)

    def boom(*_a: object, **_k: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(dataset, "read_song", boom)
    second = prepare(small)
    assert second.examples == first.examples and second.files == first.files
    shutil.copy(small / "d_dm01.mid", small / "renamed copy.mid")  # same content, same cache entry
    again = prepare(small)
    assert again.examples == first.examples and again.files_used == first.files_used
    assert next(f.reason for f in again.files if "renamed" in f.path) == "the same file as d_dm01.mid"
    with pytest.raises(AssertionError, match="parsed again"):
        prepare(small, use_cache=False)


def test_cache_is_versioned_atomic_and_survives_corruption(small: Path) -> None:
    first = prepare(small, ["drums_2bar"])
    root = PrepareCache().root
    assert root.is_dir() and str(root).startswith(str(Path(dataset.os.environ["BANDMATE_CACHE_DIR"])))
    assert not list(root.rglob(".tmp*"))
    for entry in root.rglob("*"):
        if entry.is_file():
            entry.write_bytes(b"garbage")
    assert prepare(small, ["drums_2bar"]).examples == first.examples
    wider = prepare(small)  # a config not cached yet is computed and added to the record
    assert wider.examples["drums_2bar"] == first.examples["drums_2bar"] and wider.examples["mel_2bar"] > 0


def test_cache_entries_are_the_bytes_safetensors_writes(small: Path) -> None:
    """The cache writes its entries itself, without safetensors' copies: the same bytes as
    `safetensors.numpy.save`, for every config's arrays of real songs and for odd shapes and dtypes."""
    from safetensors.numpy import save as st_save

    from engine.data.cache import content_key, safetensors_parts
    from engine.midi.files import load_bytes

    odd = {
        "z.empty": np.zeros((0, 5), dtype=np.uint8),
        "z.flags": np.array([True, False, True]),
        "a.x": np.arange(6, dtype=np.int16).reshape(2, 3),
        "a.y": np.ones(3, dtype=np.float64),
    }
    meta = {"record": json.dumps({"name": 'Bässe "1"\n', "n": [1, 2.5, None]})}
    assert b"".join(safetensors_parts(odd, meta) or []) == st_save(odd, metadata=meta)
    prepare(small)
    cache = PrepareCache()
    for path in scan_folder(small):
        key = content_key(load_bytes(path))
        record, configs = cache.load_entry(key)
        assert record is not None and (configs == set(CONVERTERS) or record["reason"] is not None)
        tensors = {f"{c}.{k}": a for c in configs for k, a in (cache.load_arrays(key, c) or {}).items()}
        meta = {"record": json.dumps(record)}
        assert b"".join(safetensors_parts(tensors, meta) or []) == st_save(tensors, metadata=meta)
        assert cache._path(key).read_bytes() == st_save(tensors, metadata=meta)
    assert safetensors_parts({"x": np.zeros(2, dtype=">i8")}, {}) is None  # safetensors' own save then


def _first_by_sorting(arrays: list[np.ndarray], count: int) -> np.ndarray | None:
    rows = np.concatenate([np.ascontiguousarray(a).reshape(count, -1).view(np.uint8) for a in arrays], axis=1)
    _, first = np.unique(rows.view(np.dtype((np.void, rows.shape[1]))).ravel(), return_index=True)
    return None if len(first) == count else np.sort(first)


@pytest.mark.parametrize("wide", [False, True])
def test_first_of_each_is_sorting_whole_rows(wide: bool, small: Path) -> None:
    """Distinct examples by sums first (wide rows) give the indices sorting whole rows gives: with
    repeats, with rows whose sums collide but whose bytes differ, and on every config's real examples."""
    from engine.data.dataset import WIDE_ROW_BYTES, first_of_each

    width = WIDE_ROW_BYTES // 8 + 3 if wide else 5
    base = np.random.default_rng(0).integers(0, 50, size=(6, width), dtype=np.int64)
    swapped = base[2].copy()
    swapped[[0, 1]] = swapped[[1, 0]]  # the same words in another order: equal sums, other bytes
    cases = [
        np.stack([base[0], base[1], base[0], base[2], base[1], base[0]]),
        np.stack([base[2], swapped, base[2], swapped]),
        np.stack([swapped, base[2], base[3]]),
        base,
    ]
    for table in cases:
        tempo = np.zeros(len(table), dtype=np.float32)
        got, want = first_of_each([table, tempo], len(table)), _first_by_sorting([table, tempo], len(table))
        assert (got is None and want is None) or np.array_equal(got, want), table[:, :2]
    for name in CONVERTERS:
        ex = load_examples(small, name, transpose=(-3, 4) if name != "drums_2bar" else None)
        arrays = list(ex.arrays.values())
        got, want = first_of_each(arrays, len(ex)), _first_by_sorting(arrays, len(ex))
        assert (got is None and want is None) or np.array_equal(got, want), name


def test_load_examples_shapes_and_file_ids(small: Path) -> None:
    ex = load_examples(small, "trio_16bar", transpose=None)
    n = len(ex)
    assert n > 0 and ex.arrays["melody"].shape == (n, 256) and ex.arrays["drums"].dtype == np.int64
    assert ex.tempos.shape == (n,) and (ex.tempos > 0).all()
    assert set(ex.file_ids.tolist()) <= set(range(len(ex.files)))
    multi = load_examples(small, "multitrack_1bar", transpose=None)
    assert multi.arrays["program"].shape[1:] == (8,) and multi.arrays["tokens"].shape[1:] == (8, 16)
    assert multi.arrays["velocity"].dtype == np.float32
    train, held = multi.split_by_file(0.3, seed=1)
    assert len(train) + len(held) == len(multi) and len(held) > 0
    assert not set(train.file_ids.tolist()) & set(held.file_ids.tolist())


def test_transposition_moves_pitched_parts_only(small: Path) -> None:
    plain = load_examples(small, "mel_2bar", transpose=None)
    moved = load_examples(small, "mel_2bar", transpose=(-5, 6))
    assert len(plain) < len(moved) <= 11 * len(plain)
    assert np.array_equal(moved.arrays["melody"][: len(plain)], plain.arrays["melody"])
    tokens = moved.arrays["melody"]
    assert tokens.min() >= 0 and tokens.max() <= 89
    assert len(np.unique(moved.file_ids)) == len(plain.files)
    drums = load_examples(small, "drums_2bar", transpose=(-5, 6))
    assert len(drums) == len(load_examples(small, "drums_2bar", transpose=None))


def test_errors_for_folders_that_give_nothing(tmp_path: Path, midi_dir: Path) -> None:
    with pytest.raises(DatasetError, match="no such folder"):
        prepare(tmp_path / "missing")
    with pytest.raises(DatasetError, match="no MIDI files"):
        prepare(tmp_path)
    shutil.copy(next(midi_dir.rglob("reelsa-c35.mid")), tmp_path / "tune.mid")
    none = load_examples(tmp_path, "drums_2bar")
    assert len(none) == 0 and none.arrays["hits"].shape == (0, 32, 9) and none.files == []
    with pytest.raises(DatasetError, match="unknown config"):
        prepare(tmp_path, ["mel_4bar"])


def test_examples_carry_their_files_weight_from_corpus_json(small: Path) -> None:
    """scripts/corpus writes corpus.json beside the files; each example gets its file's weight."""
    plain = load_examples(small, "drums_2bar", transpose=None)
    assert plain.weights.dtype == np.float32 and (plain.weights == 1.0).all()
    listed = [{"file": "sub/101_dance-disco_120_beat_4-4.mid", "weight": 0.3}]
    (small / "corpus.json").write_text(json.dumps({"files": listed}))
    weighted = load_examples(small, "drums_2bar", transpose=None)
    names = [Path(weighted.files[i]).name for i in weighted.file_ids]
    expected = [0.3 if n == "101_dance-disco_120_beat_4-4.mid" else 1.0 for n in names]
    assert np.allclose(weighted.weights, expected) and 0.3 in expected and 1.0 in expected
    train, held = weighted.split_by_file(0.5)
    assert len(train.weights) == len(train) and len(held.weights) == len(held)


def test_transposed_copies_keep_the_weight(small: Path) -> None:
    (small / "corpus.json").write_text(json.dumps({"files": [{"file": "d_dm01.mid", "weight": 0.5}]}))
    ex = load_examples(small, "mel_2bar", transpose=(-1, 2))
    from_dm01 = np.array([Path(ex.files[i]).name == "d_dm01.mid" for i in ex.file_ids])
    assert from_dm01.any() and (ex.weights[from_dm01] == 0.5).all() and (ex.weights[~from_dm01] == 1).all()


BAD_CORPUS_JSON = [
    "{not json",
    '{"files": [{"file": "d_dm01.mid"}]}',
    '{"files": [{"file": "d_dm01.mid", "weight": -1}]}',
]


@pytest.mark.parametrize("text", BAD_CORPUS_JSON)
def test_a_bad_corpus_json_is_a_plain_error(small: Path, text: str) -> None:
    (small / "corpus.json").write_text(text)
    with pytest.raises(DatasetError, match="corpus.json"):
        load_examples(small, "mel_2bar", transpose=None)


def _same_folder_results(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> tuple[list, dict, dataset.Examples]:
    monkeypatch.setenv("BANDMATE_PREPARE_WORKERS", str(workers))
    monkeypatch.setenv("BANDMATE_CACHE_DIR", str(tmp_path / f"cache-{workers}"))  # cold: every file parsed
    report = prepare(folder)
    monkeypatch.setenv("BANDMATE_CACHE_DIR", str(tmp_path / f"cache-{workers}-b"))
    examples = load_examples(folder, "trio_16bar", transpose=None)
    files = [f.to_json() for f in report.files]
    return files, report.examples, examples


def test_parallel_processes_give_the_serial_result(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, midi_dir: Path
) -> None:
    for name in ("chor001.mid", "d_dm01.mid", "65_funk_112_beat_4-4.mid", "d_e1m2.mid"):
        shutil.copy(next(midi_dir.rglob(name)), small / f"again_{name}")  # a copy: skipped as the same file
    header = b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0"
    (small / "broken.mid").write_bytes(header + b"MTrk\x00\x00\x00\x09\x00\x90")
    (small / "empty.mid").write_bytes(b"")
    serial = _same_folder_results(small, tmp_path, monkeypatch, 1)
    parallel = _same_folder_results(small, tmp_path, monkeypatch, 3)  # 3 processes, several chunks
    assert serial[0] == parallel[0] and serial[1] == parallel[1]
    assert any("the same file as" in (f["reason"] or "") for f in serial[0])
    assert any(f["path"].endswith("broken.mid") and f["reason"] for f in serial[0])
    a, b = serial[2], parallel[2]
    assert len(a) > 0 and a.files == b.files and np.array_equal(a.file_ids, b.file_ids)
    assert a.arrays.keys() == b.arrays.keys()
    assert all(np.array_equal(a.arrays[k], b.arrays[k]) for k in a.arrays)


def test_workers_follow_the_files_and_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BANDMATE_PREPARE_WORKERS", raising=False)
    assert dataset.workers_for(1) == 1 and dataset.workers_for(dataset.PARALLEL_MIN_FILES - 1) == 1
    assert 1 <= dataset.workers_for(10_000) <= (os.cpu_count() or 1)
    monkeypatch.setenv("BANDMATE_PREPARE_WORKERS", "4")
    assert dataset.workers_for(1) == 4
    monkeypatch.setenv("BANDMATE_PREPARE_WORKERS", "many")
    with pytest.raises(DatasetError, match="BANDMATE_PREPARE_WORKERS"):
        dataset.workers_for(10)


def test_a_process_with_threads_reads_in_forkserver_workers(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app prepares from a worker thread: forking a process with running threads is not safe."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert dataset._context().get_start_method() == "forkserver"
        monkeypatch.setenv("BANDMATE_PREPARE_WORKERS", "2")
        report = prepare(small)
    finally:
        stop.set()
        thread.join()
    monkeypatch.setenv("BANDMATE_PREPARE_WORKERS", "1")
    monkeypatch.setenv("BANDMATE_CACHE_DIR", str(tmp_path / "serial"))
    assert [f.to_json() for f in report.files] == [f.to_json() for f in prepare(small).files]
