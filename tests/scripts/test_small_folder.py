# SPDX-License-Identifier: MIT
"""The small-folder benchmark's pieces (scripts/small_folder.py, which bench_small_folder runs): the
fixed split of the held-out band, and the figure rows of a tiny run (two training steps a start on the
real songs, measured by the report card)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from scripts import small_folder as small


def test_the_split_holds_out_every_third_song_in_name_order() -> None:
    songs = small.band_songs()
    assert len(songs) == 15 and len({p.name for p in songs}) == 15
    train, held = small.split(list(reversed(songs)))  # the order given does not matter
    names = sorted(p.name for p in songs)
    assert [p.name for p in held] == names[2::3] == ["d_dm06.mid", "d_dm15.mid", "d_dm27.mid", "d_dm30.mid",
                                                       "d_map13.mid"]  # fmt: skip
    assert len(train) == 10 and not set(train) & set(held)


def test_a_missing_base_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no base drums_2bar model in"):
        small.train_start("drums_2bar", tmp_path, tmp_path / "m", "fine-tuned", tmp_path / "none", steps=1)


@pytest.mark.usefixtures("one_torch_thread")
def test_a_tiny_run_gives_every_row_with_its_target(tmp_path: Path) -> None:
    r = small.measure_config("drums_2bar", small.BUNDLED, tmp_path, steps=2)
    assert r["train_songs"] and len(r["heldout_songs"]) == 5
    for start in small.STARTS:
        m = r[start]
        assert m["steps"] == 2 and m["default_start"] == "fine-tune"  # what `train` does on this folder
        assert 0 < m["best_step"] <= 2  # the checkpoint measured: the one `sample` loads
        assert m["bits"] > 0 and 0 <= m["onset_f1"]["drums"] <= 1
        assert 0 < m["baseline"] < 1 and 0 < m["real"] < 1 and 0 < m["overlap"] <= 1
        assert 0 <= m["copied"] <= 1 and m["samples"] > 0
    # two steps from the bundled model keep most of what it knows; two from scratch know nothing
    assert r["fine-tuned"]["bits"] < r["from scratch"]["bits"]
    rows = {f["name"]: f for f in small.rows(r)}
    bits = rows["drums_2bar, fine-tuned: held-out bits per step (negative ELBO)"]
    assert bits["target"] == f"< from scratch ({r['from scratch']['bits']:.3f})" and bits["note"].startswith(
        "met;"
    )
    assert f"2 steps, the best at {r['fine-tuned']['best_step']} in" in bits["note"]
    for start in small.STARTS:
        label = f"drums_2bar, {start}"
        above = rows[f"{label}: mean style overlap at its default T minus the random baseline's"]
        assert math.isclose(above["values"][0], r[start]["overlap"] - r[start]["baseline"])
        assert above["target"] == ">= 0.08"
        near = rows[f"{label}: mean style overlap at its default T minus real unseen music's"]
        assert near["note"].split(";")[0] == ("met" if abs(near["values"][0]) <= 0.02 else "MISSED")
        assert near["note"].endswith(
            f"per part, samples / unseen songs: drums {r[start]['part_overlap']['drums']:.2f} / "
            f"{r[start]['part_real']['drums']:.2f}"
        )
        copies = rows[f"{label}: sampled bars that copy a training bar, all instruments together"]
        assert copies["target"] == "<= 5%" and copies["values"][0] == pytest.approx(100 * r[start]["copied"])
        assert f"{label}: drums onset F1, guided, held-out" in rows
    # one part at one temperature: the overlap at the defaults is that temperature's row of the report card
    from engine.evaluation.evaluate import evaluate, overlap_at_defaults

    model, unseen = tmp_path / "drums_2bar" / "fine-tuned", tmp_path / "drums_2bar" / "unseen"
    report = evaluate(model, unseen)
    (t,) = report.style.part_temperatures.values()
    at = overlap_at_defaults(model, report)
    assert at is not None and at.mean_overlap == report.style.temperatures[str(t)].mean_overlap
    assert at.mean_overlap == r["fine-tuned"]["overlap"]


def _run(overlap: float, f1: float, t: float, scratch_f1: float = 0.47) -> dict:
    def start(overlap: float, f1: float, bits: float, t: float) -> dict:
        return {
            "steps": 2000, "seconds": 240.0, "load": 1.0, "default_start": "fine-tune", "bits": bits,
            "onset_f1": {"melody": f1}, "temperatures": {"melody": t}, "top_k": 16, "top_k_overlaps": {},
            "overlap": overlap, "baseline": 0.54, "real": 0.944, "part_overlap": {"melody": overlap},
            "part_real": {"melody": 0.944}, "copied": 0.0, "copied_single": 0.0, "samples": 128,
            "heldout_examples": 193,
        }  # fmt: skip

    return {
        "config": "mel_2bar", "heldout_songs": ["a"] * 5, "core": [0],
        "fine-tuned": start(overlap, f1, 1.9, t), "from scratch": start(0.93, scratch_f1, 1.95, 1.0),
    }  # fmt: skip


def test_several_runs_give_each_figure_their_values_judged_on_the_medians() -> None:
    runs = [_run(0.906, 0.43, 0.8), _run(0.939, 0.51, 1.0), _run(0.930, 0.50, 0.9)]
    rows = {f["name"]: f for f in small.rows_of(runs)}
    near = rows["mel_2bar, fine-tuned: mean style overlap at its default T minus real unseen music's"]
    assert near["values"] == pytest.approx((0.906 - 0.944, 0.939 - 0.944, 0.930 - 0.944))
    assert near["note"].startswith("met;") and near["note"].endswith("median of 3 runs")  # median 0.930
    f1 = rows["mel_2bar, fine-tuned: melody onset F1, guided, held-out"]
    assert f1["values"] == pytest.approx((43.0, 51.0, 50.0)) and f1["note"].startswith("met")  # 50 > 47
    above = rows["mel_2bar, fine-tuned: mean style overlap at its default T minus the random baseline's"]
    assert "T melody 0.9, top-k 16" in above["note"]  # the choices of the run with the median overlap
    # one run alone reads as before; a missed median is MISSED whatever the best run did
    assert small.rows_of(runs[:1]) == small.rows(runs[0])
    worse = {f["name"]: f for f in small.rows_of([_run(0.906, 0.43, 0.8), _run(0.910, 0.44, 0.8), runs[1]])}
    assert worse[near["name"]]["note"].startswith("MISSED;")
    assert worse[f1["name"]]["note"].startswith("MISSED")
    with pytest.raises(ValueError, match="one config"):
        small.combine([runs[0], {**runs[1], "config": "drums_2bar"}])
