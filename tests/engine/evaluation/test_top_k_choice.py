"""The report card's top-k (issue 14): tried for a model of pitched lines (ModelSpec.pitched_melody_tokens)
on the bundled mel_2bar against real tunes, never for a drum model; kept in report.json (version 3 files
read as no top-k), said in a musician's words, and what the generator samples with."""

from __future__ import annotations

import dataclasses
import functools
import json

import pytest
import torch

from engine.data.converters import CONVERTERS
from engine.evaluation.report import render_markdown, verdict
from engine.evaluation.style import TOP_K_MARGIN, TOP_KS, recommend_top_k
from engine.generation.fit import GenerationError
from engine.generation.generator import Generator
from engine.music.pattern import Pattern
from models.report import Report, read_report
from tests.conftest import ROOT
from tests.realmusic import tunes

pytestmark = pytest.mark.usefixtures("one_torch_thread")
MEL = ROOT / "resources" / "models" / "mel_2bar"


@functools.cache
def _tune_windows() -> list[Pattern]:
    """2-bar windows of real folk tunes and chorales: the reference music."""
    conv = CONVERTERS["mel_2bar"]
    return [w for t in tunes(12) for w in conv.windows(t)][:96]


@pytest.mark.parametrize("temperature", [0.8, 1.0])
def test_a_melody_model_gets_the_top_k_whose_samples_match_the_music(temperature: float) -> None:
    runner = Generator.load("mel_2bar").runner
    k, temps, overlaps = recommend_top_k(runner, _tune_windows(), {"melody": temperature}, 0)
    assert list(overlaps)[:4] == [str(t) for t in TOP_KS]
    assert all(v is not None and 0.0 < v <= 1.0 for v in overlaps.values())
    first = {key: v or 0.0 for key, v in list(overlaps.items())[:4]}
    if k:
        assert first[str(k)] == max(first.values()) >= first["0"] + TOP_K_MARGIN
    else:
        assert max(first.values()) < first["0"] + TOP_K_MARGIN
    if temperature == 1.0:  # hot samples leap; cutting the tail brings them closer to the tunes
        assert k and temps == {"melody": 1.0} and len(overlaps) == 4  # nothing hotter to try
    elif k:  # one temperature hotter was tried at that k, and kept only when it scored higher
        assert list(overlaps)[4:] == [f"{k}@1"]
        hotter = overlaps[f"{k}@1"] >= overlaps[str(k)] + TOP_K_MARGIN
        assert temps == ({"melody": 1.0} if hotter else {"melody": temperature})
    else:
        assert temps == {"melody": temperature} and len(overlaps) == 4


def test_a_drum_model_is_not_given_a_top_k() -> None:
    runner = Generator.load("drums_2bar").runner
    assert not runner.spec.pitched_melody_tokens
    assert recommend_top_k(runner, _tune_windows(), {"drums": 0.5}, 0) == (0, {"drums": 0.5}, {})


def test_the_generator_samples_with_the_report_cards_top_k(tmp_path) -> None:  # noqa: ANN001
    import shutil

    folder = tmp_path / "mel"
    shutil.copytree(MEL, folder)
    plain = Generator.load(folder)
    assert plain.top_k == plain.recommended_top_k == 0  # the bundled report card chose none
    report = json.loads((folder / "report.json").read_text())
    report["style"]["top_k"] = 2
    (folder / "report.json").write_text(json.dumps(report))
    cut = Generator.load(folder)
    assert cut.top_k == cut.recommended_top_k == 2
    z = torch.randn(6, cut.z_size, generator=torch.Generator().manual_seed(1))
    a = cut.runner.decode(z, 1.5, None, 4, [])
    assert (a["melody"] == plain.runner.decode(z, 1.5, None, 4, [], top_k=2)["melody"]).all()
    assert not (a["melody"] == plain.runner.decode(z, 1.5, None, 4, [])["melody"]).all()
    cut.top_k = 0
    assert (
        cut.runner.decode(z, 1.5, None, 4, [])["melody"] == plain.runner.decode(z, 1.5, None, 4, [])["melody"]
    ).all()
    for bad in (-1, 1000, 2.5, True):
        with pytest.raises(GenerationError, match="must be a whole number from 0"):
            cut.top_k = bad  # type: ignore[assignment]


def test_version_3_reports_read_as_no_top_k() -> None:
    report = read_report(MEL / "report.json")
    v3 = report.to_json()
    assert v3["version"] == 4 and v3["style"]["top_k"] == 0 and v3["style"]["top_k_overlaps"] == {}
    del v3["style"]["top_k"], v3["style"]["top_k_overlaps"]
    assert Report.from_json({**v3, "version": 3}) == report


def test_the_report_says_the_top_k_in_a_musicians_words() -> None:
    report = read_report(MEL / "report.json")
    tried = {"0": 0.872, "16": 0.89, "8": 0.904, "4": 0.88, "8@1": 0.91}
    chosen = dataclasses.replace(
        report, style=dataclasses.replace(report.style, top_k=8, top_k_overlaps=tried)
    )
    words = " ".join(verdict(chosen))
    assert "Top-k 8: each note is drawn from only the 8 likeliest at its step, so fewer wild leaps" in words
    assert "(its samples match your music 0.91 with it, 0.87 without)" in words
    md = render_markdown(chosen)
    assert "off 0.872, 16 0.890, 8 0.904, 4 0.880, 8 at temperature 1 0.910; chosen: 8." in md
    assert "## What each part does in its samples at melody 1, top-k 8" in md
    off = dataclasses.replace(chosen, style=dataclasses.replace(chosen.style, top_k=0))
    assert "Top-k: off (drawing each note from only the likeliest few did not bring" in " ".join(verdict(off))
    assert "Top-k" not in " ".join(verdict(report))  # not tried: not mentioned
