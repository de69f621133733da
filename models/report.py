# SPDX-License-Identifier: MIT
"""The report card, report.json, as frozen values: `Report` with its `Reconstruction`s, `StyleScores`
and the `GrooveSpread` that generation adds back. One reader, `read_report`.

report.json sits in the model folder beside model.json, so its types live here with the card's
(the generation wing reads the groove spread and may not import the evaluation wing, which measures
and renders the report: engine/evaluation/). Version 2 writes every key (null where there is
nothing); reading it, a missing or unknown key is a `ReportError` naming the file and the key.
Version-2 files (without the sample checks) and version-1 files of an older release (which left out
keys it had no value for) are read too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.plain import PlainError, from_plain, to_plain

REPORT = "report.json"
REPORT_VERSION = 3


@dataclass(frozen=True, slots=True)
class GrooveSpread:
    """The standard deviation of real notes around a head's prediction, per class (9 drum classes, or 1
    for a per-note velocity head): velocity in MIDI units, offset in 16ths (None: the head predicts no
    timing), and how many held-out notes each class had (empty when it is not measured but stands in)."""

    hits: tuple[int, ...]
    velocity: tuple[float, ...]
    offset: tuple[float, ...] | None = None


class ReportError(ValueError):
    """A report.json that cannot be read; str(e) names the file and the key."""


@dataclass(frozen=True, slots=True)
class KeyScores:
    """Token accuracy of one array: teacher-forced and sampled (argmax), overall and per step."""

    teacher_forced: float
    sampled: float
    per_step_teacher_forced: tuple[float, ...]
    per_step_sampled: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Reconstruction:
    """How well the model rebuilds a set of examples (engine/evaluation/recon.py): token accuracy (means
    over the arrays, and per array), KL in nats per example, and for a velocity/timing head its mean
    error (MIDI velocity units, 16ths) and spread; None for a model without that head."""

    examples: int
    teacher_forced: float
    sampled: float
    kl: float
    keys: Mapping[str, KeyScores]
    velocity_error: float | None = None
    offset_error: float | None = None
    groove_spread: GrooveSpread | None = None


@dataclass(frozen=True, slots=True)
class FeatureScore:
    """One Yang & Lerch feature: overlap area 0..1, KL divergence, the reference's and the set's mean."""

    overlap: float
    kld: float
    reference_mean: float
    mean: float


@dataclass(frozen=True, slots=True)
class SetScores:
    """A set of clips against the reference music: the mean overlap and each feature's (None: the set
    never shows that feature)."""

    mean_overlap: float | None
    features: Mapping[str, FeatureScore | None]


@dataclass(frozen=True, slots=True)
class StyleScores:
    """Samples per temperature, the random baseline and real unseen music, each against the reference
    music (`reference` says which); empty with fewer than 3 reference clips."""

    reference_clips: int
    reference: str
    temperatures: Mapping[str, SetScores]
    best_temperature: float | None
    baseline: SetScores | None
    held_out_music: SetScores | None


@dataclass(frozen=True, slots=True)
class CheckedSamples:
    """The sample-quality gate and the copy check on one temperature's samples: how many were drawn,
    the share that passes the gate, the first fault of those that fail (label -> count), and the share
    of their bars (all instruments together; one instrument) that copy a bar of the training music
    (None: no training bars to compare with, or no bar telling enough)."""

    temperature: float
    samples: int
    passed: float
    faults: Mapping[str, int]
    copied_bars: float | None
    copied_instrument_bars: float | None


@dataclass(frozen=True, slots=True)
class SampleChecks:
    """The gate and the copy check on the report card's samples, per temperature, beside the same
    figures for real unseen music (the shares any song of the band would get); `general_limits` when
    the gate had no statistics of the training music."""

    general_limits: bool
    temperatures: tuple[CheckedSamples, ...]
    real: CheckedSamples | None


@dataclass(frozen=True, slots=True)
class ReportData:
    """How much music the model learned from and how much it was tested on."""

    train_files: int
    train_bars: int
    train_examples: int
    heldout_files: int
    heldout_examples: int
    transposed: bool


@dataclass(frozen=True, slots=True)
class Report:
    """Every number of a report card; `to_json()` is what report.json and `evaluate --json` hold."""

    model: str
    config: str
    source: str
    data: ReportData
    held_out: Reconstruction | None
    train: Reconstruction | None
    style: StyleScores
    seed: int = 0
    device: str = "cpu"
    seconds: float = 0.0
    verdict: tuple[str, ...] = ()
    checks: SampleChecks | None = None

    def to_json(self) -> dict[str, Any]:
        """The version-3 JSON object: every key, null where there is nothing."""
        return {"version": REPORT_VERSION, **to_plain(self)}

    @classmethod
    def from_json(cls, values: Any, source: str = "report.json") -> Report:
        """Read a version-1, -2 or -3 object; ReportError naming `source` and the key for anything else."""
        if not isinstance(values, dict):
            raise ReportError(f"{source} is not a report card")
        version = values.get("version", 1)  # version 1 wrote no version
        if version not in (1, 2, REPORT_VERSION):
            raise ReportError(f"{source} has version {version!r}; this Bandmate reads 1 to {REPORT_VERSION}")
        body = {k: v for k, v in values.items() if k != "version"}
        try:
            body = _upgrade_v1(body) if version == 1 else body
            return from_plain(cls, body if version == REPORT_VERSION else {"checks": None, **body})
        except PlainError as e:
            raise ReportError(f"{source}: {e}") from e


def read_report(path: str | Path) -> Report:
    """The report card in a report.json file; ReportError (or OSError) with the reason."""
    path = Path(path)
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReportError(f"{path} is damaged and cannot be read ({e})") from e
    return Report.from_json(values, str(path))


def _upgrade_v1(body: dict[str, Any]) -> dict[str, Any]:
    """A version-1 report in the version-2 layout: keys it left out (a model without a velocity head,
    a style section without enough reference clips) become null."""
    out = dict(body)
    for side in ("held_out", "train"):
        if isinstance(out.get(side), dict):
            recon = {"velocity_error": None, "offset_error": None, "groove_spread": None, **out[side]}
            if isinstance(recon["groove_spread"], dict):
                recon["groove_spread"] = {"offset": None, **recon["groove_spread"]}
            out[side] = recon
    if isinstance(out.get("style"), dict):
        out["style"] = {"reference": "", "best_temperature": None, **out["style"]}
    return out
