# SPDX-License-Identifier: MIT
"""The report card, report.json, as frozen values: `Report` with its `Reconstruction`s (held-out
likelihood and per-part scores), `StyleScores` (per-part style overlaps and the recommended temperature
of each part), the part statistics of samples beside the music's (`SampleSet`), and the `GrooveSpread`
that generation adds back. One reader, `read_report`.

report.json sits in the model folder beside model.json, so its types live here with the card's
(the generation wing reads the groove spread and the temperatures and may not import the evaluation
wing, which measures and renders the report: engine/evaluation/). Version 4 writes every key (null
where there is nothing); reading it, a missing or unknown key is a `ReportError` naming the file and the
key. Older files are read too: version 3 (no top-k), version 2 (no likelihood, per-part scores, sample
statistics or sample checks) and version 1 (which left out keys it had no value for).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.plain import PlainError, from_plain, to_plain

REPORT = "report.json"
REPORT_VERSION = 4


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
class PartScores:
    """One part's reconstruction of a set of examples (engine/evaluation/likelihood.py).

    Attributes:
        steps: the 16th steps it was scored on (multitrack: the steps of the slots that play it).
        bits: its negative log-likelihood, teacher-forced with z drawn from q(z|x), in bits per step.
        unigram_bits: the same for a model that only knows how often each token occurs in the training
            music: the baseline `bits` must beat.
        no_event: share of its steps with no event: the accuracy of always predicting "no event".
        accuracy: its teacher-forced token accuracy (compare with `no_event`).
        onset_f1: F1 of its onsets (a note: pitch and step; a drum hit: class and step), teacher-forced;
            always predicting "no event" scores 0.
        own_onset_f1: the same when the model rebuilds the example on its own (argmax from the code).
    """

    steps: int
    bits: float
    unigram_bits: float
    no_event: float
    accuracy: float
    onset_f1: float | None
    own_onset_f1: float | None


@dataclass(frozen=True, slots=True)
class Reconstruction:
    """How well the model rebuilds a set of examples (engine/evaluation/recon.py): token accuracy (means
    over the arrays, and per array), KL in nats per example, and for a velocity/timing head its mean
    error (MIDI velocity units, 16ths) and spread; None for a model without that head. Version 3 adds
    the negative ELBO in bits per step (and the KL's share), per-part scores, and the latent dimensions
    in use (mean KL above 0.01 nats) out of z_size."""

    examples: int
    teacher_forced: float
    sampled: float
    kl: float
    keys: Mapping[str, KeyScores]
    velocity_error: float | None = None
    offset_error: float | None = None
    groove_spread: GrooveSpread | None = None
    bits_per_step: float | None = None
    kl_bits_per_step: float | None = None
    parts: Mapping[str, PartScores] = field(default_factory=dict)
    active_dims: int | None = None
    z_size: int | None = None


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
    never shows that feature). Version 3 scores each part on its own ("melody: pitch_range") and gives
    each part's mean in `parts` (0 for a part the set never plays)."""

    mean_overlap: float | None
    features: Mapping[str, FeatureScore | None]
    parts: Mapping[str, float | None] = field(default_factory=dict)


def top_k_key(k: int, temperatures: Mapping[str, float]) -> str:
    """The key of `StyleScores.top_k_overlaps` for top-k `k` at the parts' `temperatures` (a "velocity"
    entry left out): "16@1" for one part at 1.0, "8@0.8,1" for two."""
    return f"{k}@" + ",".join(f"{t:g}" for p, t in temperatures.items() if p != "velocity")


@dataclass(frozen=True, slots=True)
class StyleScores:
    """Samples per temperature, the random baseline and real unseen music, each against the reference
    music (`reference` says which); empty with fewer than 3 reference clips. `top_k` is the recommended
    top-k of sampling (0 = off, `CoreDecoder.sample`), `top_k_overlaps` the samples' mean overlap at
    the recommended temperatures with each k tried ("0", "16", ...; empty where none were tried), and
    at one temperature hotter with the chosen k under `top_k_key`'s key ("16@1", ...)."""

    reference_clips: int
    reference: str
    temperatures: Mapping[str, SetScores]
    best_temperature: float | None
    baseline: SetScores | None
    held_out_music: SetScores | None
    part_temperatures: Mapping[str, float] = field(default_factory=dict)
    sampled_from: str = ""
    baseline_kind: str = ""
    top_k: int = 0
    top_k_overlaps: Mapping[str, float | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.top_k < 0:
            raise ValueError(f"top_k {self.top_k} is negative")


@dataclass(frozen=True, slots=True)
class PartStats:
    """One part over a set of clips (engine/evaluation/parts.py).

    Attributes:
        presence: share of clips in which it plays at all.
        notes_per_bar: mean over the clips in which it plays.
        pitch_low, pitch_high: median of those clips' lowest and highest pitch (None for drums).
        off_range: share of its notes outside the music's pitch range (1st-99th percentile).
        too_dense: share of the clips it plays in that are denser than 99% of the music's clips.
    """

    presence: float
    notes_per_bar: float | None
    pitch_low: float | None
    pitch_high: float | None
    off_range: float | None
    too_dense: float | None


@dataclass(frozen=True, slots=True)
class SampleSet:
    """What each part does in one set of clips: the music itself, or clips decoded at the recommended
    temperatures from real codes, from the Gaussian of the training codes, or from N(0, I)."""

    name: str
    clips: int
    parts: Mapping[str, PartStats]


@dataclass(frozen=True, slots=True)
class CheckedSamples:
    """The sample-quality gate and the copy check on one temperature's samples: how many were drawn,
    the share that passes the gate, the first fault of those that fail (label -> count), and the share
    of their bars (all instruments together; one instrument) that copy a bar of the training music
    (None: no training bars to compare with, or no bar telling enough). `parts`: each part's own
    temperature where they differ (the model's defaults); empty: `temperature` for every part."""

    temperature: float
    samples: int
    passed: float
    faults: Mapping[str, int]
    copied_bars: float | None
    copied_instrument_bars: float | None
    parts: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SampleChecks:
    """The gate and the copy check on the report card's samples, per temperature and at the model's
    default temperatures (`default`: what `sample` and the app use unless the musician chooses), beside
    the same figures for real unseen music (the shares any song of the band would get);
    `general_limits` when the gate had no statistics of the training music."""

    general_limits: bool
    temperatures: tuple[CheckedSamples, ...]
    real: CheckedSamples | None
    default: CheckedSamples | None = None


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
    samples: tuple[SampleSet, ...] = ()
    checks: SampleChecks | None = None

    def to_json(self) -> dict[str, Any]:
        """The version-4 JSON object: every key, null where there is nothing."""
        return {"version": REPORT_VERSION, **to_plain(self)}

    @classmethod
    def from_json(cls, values: Any, source: str = "report.json") -> Report:
        """Read a version-1 to -4 object; ReportError naming `source` and the key for anything else."""
        if not isinstance(values, dict):
            raise ReportError(f"{source} is not a report card")
        version = values.get("version", 1)  # version 1 wrote no version
        if version not in (1, 2, 3, REPORT_VERSION):
            raise ReportError(f"{source} has version {version!r}; this Bandmate reads 1 to {REPORT_VERSION}")
        body = {k: v for k, v in values.items() if k != "version"}
        try:
            if version == 1:
                body = _upgrade_v1(body)
            if version <= 2:
                body = _upgrade_v2(body)
            if version <= 3:
                body = _upgrade_v3(body)
            return from_plain(cls, body)
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


def _upgrade_v3(body: dict[str, Any]) -> dict[str, Any]:
    """A version-3 report in the version-4 layout: no top-k was tried or recommended."""
    out = dict(body)
    if isinstance(out.get("style"), dict):
        out["style"] = {"top_k": 0, "top_k_overlaps": {}, **out["style"]}
    return out


def _upgrade_v2(body: dict[str, Any]) -> dict[str, Any]:
    """A version-2 report in the version-3 layout: no likelihood, per-part scores, sample statistics or
    sample checks."""
    out = {"samples": [], "checks": None, **body}
    for side in ("held_out", "train"):
        if isinstance(out.get(side), dict):
            extra: dict[str, Any] = dict(
                bits_per_step=None, kl_bits_per_step=None, parts={}, active_dims=None, z_size=None
            )
            out[side] = {**extra, **out[side]}
    style = out.get("style")
    if isinstance(style, dict):
        style = {"part_temperatures": {}, "sampled_from": "", "baseline_kind": "", **style}
        sets = {k: v for k, v in style.items() if k in ("baseline", "held_out_music") and isinstance(v, dict)}
        style.update({k: {"parts": {}, **v} for k, v in sets.items()})
        if isinstance(style.get("temperatures"), dict):
            style["temperatures"] = {
                t: {"parts": {}, **v} if isinstance(v, dict) else v for t, v in style["temperatures"].items()
            }
        out["style"] = style
    return out


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
