"""The report card's sample checks: a tiny model trained on real grooves gets the share of its samples
that pass the quality check and of its bars that copy, beside real unseen music, in report.md's words;
version-2 report cards (without them) are still read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from engine.evaluation.checks import check_lines, checked, temperature_words
from engine.evaluation.report import render_markdown
from engine.evaluation.style import N_SAMPLES
from engine.generation.gate import general_limits
from engine.generation.generator import Generator
from engine.training.train import train
from models.report import REPORT_VERSION, Report, read_report
from models.spec import SPECS
from tests.realmusic import BEATS, GROOVES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("beats")
    for rel in BEATS:
        shutil.copy(GROOVES / rel, folder / Path(rel).name)
    out = tmp_path_factory.mktemp("models") / "drums"
    with torch.random.fork_rng():
        train(folder, "drums_2bar", out, size="tiny", steps=30, device="cpu")
    return out


def test_training_writes_the_checks_into_the_report_card(trained: Path) -> None:
    report = read_report(trained / "report.json")
    checks = report.checks
    assert checks is not None and not checks.general_limits
    assert [c.temperature for c in checks.temperatures] == [0.2, 0.3, 0.5, 0.8, 1.0]
    for c in checks.temperatures:
        assert c.samples == N_SAMPLES and 0.0 <= c.passed <= 1.0
        assert sum(c.faults.values()) == round((1 - c.passed) * c.samples)
        assert c.copied_bars is not None and 0.0 <= c.copied_bars <= 1.0  # its training bars are indexed
    assert checks.real is not None and checks.real.passed >= 0.95  # the held-out groove passes
    # the verdict speaks of what `sample` gives: the model's default temperatures
    at = checks.default
    assert at is not None and at.samples == N_SAMPLES and 0.0 <= at.passed <= 1.0
    defaults = Generator.load(trained).runner.default_temperatures
    assert (at.parts or {p: at.temperature for p in defaults}) == defaults
    said = f"{100 * at.passed:.0f}% of its samples at {temperature_words(at)} pass the quality check"
    assert any(line.startswith(said) for line in report.verdict)
    text = (trained / "report.md").read_text()
    assert "## Quality check and copies" in text and "| real unseen music |" in text
    assert "| samples at its defaults (" in text
    assert "`sample --novel` redraws them" in text


def test_version_2_reports_have_no_checks_and_say_nothing_of_them(trained: Path) -> None:
    values = json.loads((trained / "report.json").read_text())
    assert values["version"] == REPORT_VERSION == 4
    del values["checks"]
    old = Report.from_json({**values, "version": 2})
    assert old.checks is None and check_lines(old) == []
    assert "## Quality check" not in render_markdown(old)


def test_checked_counts_the_first_fault_of_each_failing_clip() -> None:
    from engine.music.pattern import Pattern

    limits = general_limits(SPECS["drums_2bar"])
    result = checked([Pattern((), 32), Pattern((), 32)], 0.5, limits, None)
    assert result.passed == 0.0 and result.faults == {"silent": 2} and result.copied_bars is None
