# SPDX-License-Identifier: MIT
"""The model card, model.json, as frozen values: `ModelCard` with its config, the training music's
`DataSummary` (and its `MusicStats`, with the `GateStats` the sample-quality check measures clips
against), the `TrainState`, the `Checkpoint` list and the Gaussian of the training codes that generation
samples from (`LatentFit`, models/latent.py). One reader, `read_card`.

model.json version 3 writes every key (null where there is nothing); reading it, a missing or unknown
key is a `CardError` naming the file and the key. Older files are read too: version 2 (no latent fit, no
held-out likelihood: such a model samples from N(0, I) as it always did; no gate statistics: the
quality check measures the training folder the first time, or uses general limits) and version 1 of the
release before (which left out keys it had no value for and kept the music statistics flat in "data").
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from models.latent import LatentFit
from models.plain import PlainError, from_plain, to_plain
from models.presets import ModelConfig
from models.spec import DecoderKind
from models.store import FORMAT, CheckpointError
from models.vocab import PROGRAM_CLASSES

CARD = "model.json"
CARD_VERSION = 3


class CardError(CheckpointError):
    """A model.json that cannot be used: damaged, foreign, newer, or with missing or unknown keys."""


@dataclass(frozen=True, slots=True)
class TimingStats:
    """Loudness and micro-timing of a body of notes (engine/data/stats.py): overall, and per 16th of the
    bar (16 values) with the jitter around those means. Velocity in MIDI units, offsets in 16ths."""

    notes: int
    velocity_mean: float
    velocity_std: float
    velocity_jitter: float
    velocity_by_position: tuple[float, ...]
    offset_mean: float
    offset_std: float
    offset_jitter: float
    offset_by_position: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class PartStats:
    """What one part of the training music does in the model's windows, on its grid (measured by
    engine/data/gate_stats.py).

    Attributes:
        part: the role ("lead", "bass", "drums", "other").
        presence: share of the windows in which it plays, 0..1.
        densest_bar: the 99th percentile over those windows of its most note onsets in one bar.
        longest_note: its longest note in 16th steps (drum hits count 1).
        lowest, highest: its pitch range (MIDI; None for drums), as written, before transposition.
    """

    part: str
    presence: float
    densest_bar: float
    longest_note: int
    lowest: int | None
    highest: int | None


@dataclass(frozen=True, slots=True)
class GateStats:
    """The training music as the sample-quality check sees it: how many windows were measured, the
    longest stretch (16ths) in which nothing sounds, and each part's `PartStats`."""

    windows: int
    longest_silence: int
    parts: tuple[PartStats, ...]

    def part(self, name: str) -> PartStats | None:
        return next((p for p in self.parts if p.part == name), None)


@dataclass(frozen=True, slots=True)
class MusicStats:
    """What generation reuses of the training music: timing of its pitched notes and of its drums, its
    key ("D:major") and pitch-class weights (12), its median tempo in BPM, the statistics the
    sample-quality check uses; None where it had none."""

    pitched: TimingStats | None = None
    drums: TimingStats | None = None
    key: str | None = None
    pitch_classes: tuple[float, ...] | None = None
    tempo_median: float | None = None
    gate: GateStats | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def over(self, older: MusicStats) -> MusicStats:
        """These statistics, with `older`'s where these have none."""
        mine = {f.name: getattr(self, f.name) for f in fields(self)}
        return MusicStats(**{k: v if v is not None else getattr(older, k) for k, v in mine.items()})


@dataclass(frozen=True, slots=True)
class DataSummary:
    """The music a model learned from: its folder, file and example counts, the held-out files (paths as
    training spelled them), and its statistics."""

    folder: str = ""
    files: int = 0
    train_files: int = 0
    heldout_files: tuple[str, ...] = ()
    train_examples: int = 0
    train_windows: int = 0
    train_bars: int = 0
    heldout_examples: int = 0
    transposed: bool = False
    music: MusicStats = field(default_factory=MusicStats)


@dataclass(frozen=True, slots=True)
class TrainState:
    """Where training stands: step, epoch, seed, the last loss/KL, held-out accuracy and held-out bits per
    step (the negative ELBO, engine/evaluation/likelihood.py; the best checkpoint has the lowest), None
    before they are measured, and how it ran (device, processes, batch size, CPU threads)."""

    step: int = 0
    epoch: int = 0
    seed: int = 0
    loss: float | None = None
    kl: float | None = None
    accuracy: float | None = None
    best_accuracy: float | None = None
    bits: float | None = None
    best_bits: float | None = None
    device: str = ""
    world_size: int = 1
    batch_size: int = 0
    threads: int = 0


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One weights file with its sha256, and the optimizer state beside it (newest checkpoint only)."""

    step: int
    weights: str
    sha256: str
    optimizer: str | None = None
    optimizer_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class ModelCard:
    """Everything model.json says: what the model is, what it learned from, where training stands, its
    weights files (the last `checkpoints` and the `best`), and `latent`: the Gaussian of the training
    windows' codes under the best weights (None: sample from N(0, I))."""

    name: str
    config: ModelConfig
    vocabulary: Mapping[str, int]
    data: DataSummary
    training: TrainState
    fine_tuned_from: str | None
    checkpoints: tuple[Checkpoint, ...]
    best: Checkpoint | None
    latent: LatentFit | None = None

    def __post_init__(self) -> None:
        if not self.checkpoints:
            raise ValueError("it lists no checkpoints")

    def to_json(self) -> dict[str, Any]:
        """The version-3 JSON object: every key, null where there is nothing."""
        return {"format": FORMAT, "version": CARD_VERSION, **to_plain(self)}

    @classmethod
    def from_json(cls, values: Any, source: str = CARD) -> ModelCard:
        """Read a version-1, -2 or -3 object; CardError naming `source` and the key for anything else."""
        if not isinstance(values, dict) or values.get("format") != FORMAT:
            raise CardError(f"{source} is not a Bandmate model file (foreign format)")
        version = values.get("version")
        if not isinstance(version, int) or version < 1:
            raise CardError(f"{source} has no valid version")
        if version > CARD_VERSION:
            raise CardError(f"{source} was written by a newer Bandmate (version {version})")
        body = {k: v for k, v in values.items() if k not in ("format", "version")}
        try:
            if version == 1:
                body = _upgrade_v1(body)
            if version <= 2:
                body = _upgrade_v2(body)
            return from_plain(cls, body)
        except PlainError as e:
            raise CardError(f"{source}: {e}") from e


def vocabulary(cfg: ModelConfig) -> dict[str, int]:
    """Token classes per array (a fine-tune must match them)."""
    vocab: dict[str, int] = dict(zip(cfg.tracks, cfg.vocab, strict=True))
    if cfg.decoder is DecoderKind.MULTITRACK:
        vocab["program"] = PROGRAM_CLASSES
    return vocab


def read_card(model_dir: str | Path) -> ModelCard:
    """The model card of a model folder; CardError (a CheckpointError) with the reason."""
    path = Path(model_dir) / CARD
    if not path.is_file():
        raise CardError(f"{Path(model_dir)} is not a Bandmate model folder (no {CARD})")
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CardError(f"{path} is damaged and cannot be read ({e})") from e
    return ModelCard.from_json(values, str(path))


def plain_float(x: float | None) -> float | None:
    """A float for the card: None for a NaN (JSON has no NaN) or None."""
    return None if x is None or math.isnan(x) else float(x)


# ---- versions 1 and 2 (earlier releases) ---------------------------------------------------------------
def _upgrade_v2(body: dict[str, Any]) -> dict[str, Any]:
    """A version-2 model.json in the version-3 layout: no latent fit, no held-out bits, no gate
    statistics (all null)."""
    training = body.get("training")
    if isinstance(training, dict):
        training = {"bits": None, "best_bits": None, **training}
    out = {"latent": None, **body, "training": training}
    data = out.get("data")
    if isinstance(data, dict) and isinstance(data.get("music"), dict):
        out["data"] = {**data, "music": {"gate": None, **data["music"]}}
    return out


_V1_TOP = {"name", "config", "vocabulary", "data", "training", "fine_tuned_from", "checkpoints", "best"}
_TIMING = tuple(f.name for f in fields(TimingStats))
_MUSIC = ("key", "pitch_classes", "tempo_median")


def _upgrade_v1(body: dict[str, Any]) -> dict[str, Any]:
    """A version-1 model.json in the version-2 layout. Version 1 left out keys it had no value for and
    kept the pitched notes' statistics at the top of "data"; the rest is the same."""
    unknown = sorted(set(body) - _V1_TOP)
    if unknown:
        raise PlainError(f"unknown key {', '.join(unknown)}")
    if "config" not in body:
        raise PlainError("missing key config")
    data = dict(body.get("data") or {})
    if not isinstance(data, dict):
        raise PlainError("data: expected an object")
    pitched = {k: data.pop(k) for k in _TIMING if k in data}
    music = {"pitched": pitched or None, "drums": data.pop("drums", None)}
    music.update({k: data.pop(k, None) for k in _MUSIC})
    summary = {**to_plain(DataSummary()), **data, "music": music}
    checkpoints = [_v1_checkpoint(e) for e in body.get("checkpoints") or []]
    cfg = body["config"]
    return {
        "name": body.get("name", ""),
        "config": cfg,
        "vocabulary": body.get("vocabulary") or _vocabulary_of(cfg),
        "data": summary,
        "training": {**to_plain(TrainState()), **(body.get("training") or {})},
        "fine_tuned_from": body.get("fine_tuned_from"),
        "checkpoints": checkpoints,
        "best": _v1_checkpoint(body["best"]) if body.get("best") else None,
    }


def _v1_checkpoint(entry: Any) -> Any:
    return {"optimizer": None, "optimizer_sha256": None, **entry} if isinstance(entry, dict) else entry


def _vocabulary_of(cfg: Any) -> dict[str, int]:
    try:
        return vocabulary(ModelConfig.from_dict(cfg))
    except (TypeError, ValueError, AttributeError) as e:
        raise PlainError(f"config: {e}") from e
