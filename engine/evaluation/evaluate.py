# SPDX-License-Identifier: MIT
"""The model's report card: held-out reconstruction (likelihood in bits per step, per-part onset F1 beside
a "no event" baseline, token accuracy, KL, active latent dimensions), how its samples compare with the
training music part by part (Yang & Lerch overlaps beside a baseline of random notes), what each part
does in samples from real codes, from the Gaussian of the training codes and from N(0, I) beside the
music, the temperature each part suits best, and a verdict.

`report_for_training` is called by engine/training/train.py at the end of training with its own split;
`evaluate` loads a model folder and a MIDI folder; `write_report` writes report.json + report.md.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import torch

from engine.evaluation.checks import sample_checks
from engine.evaluation.recon import reconstruction
from engine.evaluation.report import Report, ReportData, render_markdown, with_verdict
from engine.evaluation.style import TEMPERATURES, caps, sample_sets, scores_at, style_scores, to_patterns
from engine.generation.gate import limits_for
from engine.generation.runner import Runner
from models.card import DataSummary, ModelCard
from models.latent import LatentFit
from models.musicvae import MusicVAE
from models.report import SampleChecks, SetScores
from models.store import atomic_write

if TYPE_CHECKING:
    from engine.data.bar_index import BarIndex
    from engine.data.dataset import Examples

Progress = Callable[[int, int], None]


class EvaluateError(Exception):
    """The model or the folder cannot be evaluated; str(e) is a one-line reason for a musician."""


def _subset(examples: Examples | None, cap: int, seed: int) -> dict[str, np.ndarray]:
    """At most `cap` examples' arrays, picked at random (always the same for a seed)."""
    if examples is None or len(examples.file_ids) == 0:
        return {}
    n = len(examples.file_ids)
    idx = np.sort(np.random.default_rng(seed).permutation(n)[:cap])
    out = {k: v[idx] for k, v in examples.arrays.items()}
    out["tempo"] = np.asarray(examples.tempos, dtype=np.float32)[idx]
    return out


def report_for_training(
    model: MusicVAE,
    data: DataSummary | None,
    heldout: Examples | None,
    train: Examples | None,
    device: str | torch.device = "cpu",
    *,
    name: str = "",
    seed: int = 0,
    source: str = "held-out files of the training folder",
    progress: Progress | None = None,
    index: BarIndex | None = None,
    latent: LatentFit | None = None,
    fine_tuned_from: str | None = None,
) -> Report:
    """The report card of `model` given its held-out and training examples (arrays as in CONTRIBUTING).

    `data` is the training music's summary from the model card (None: unknown), `name` the model's,
    `latent` its Gaussian of the training codes (None: samples from N(0, I), as such a model samples).
    Either side may be None or empty: its numbers are then None. `source` says in the report which music
    was held out; `progress(done, total)` is called after each stage; `index` holds the training bars
    for the copy check (None: copies are not measured); `fine_tuned_from` the model card's (the model it
    was fine-tuned from, None: trained from scratch), for the verdict's advice.
    """
    from engine.data.converters import CONVERTERS

    t0 = time.perf_counter()
    data = data or DataSummary()
    config = model.cfg.name
    converter = CONVERTERS[config]
    total, done = 6 + len(TEMPERATURES), [0]

    def tick() -> None:
        done[0] += 1
        if progress is not None:
            progress(min(done[0], total), total)

    device = torch.device(device)
    model = model.to(device).eval()
    max_held, max_train, max_ref, _ = caps(converter.cost_steps)
    held = _subset(heldout, max_held, seed)
    trained = _subset(train, max_train, seed)
    unigram = _subset(train, 4 * max_train, seed + 1) or None  # the training tokens' frequencies
    recon_held = reconstruction(Runner(model, converter, device), held, unigram)
    tick()
    recon_train = reconstruction(Runner(model, converter, device), trained, unigram)
    tick()
    references = _subset(train, max_ref, seed), _subset(heldout, max_ref, seed)
    # the samples get the spread the musician's get once this report is saved: the held-out one, else
    # the training music's jitter (Generator reads report.json's held_out.groove_spread)
    spread = recon_held.groove_spread if recon_held else None
    runner = Runner(model, converter, device, data, spread, latent)
    style = style_scores(runner, *references, seed, tick)
    runner.top_k = style.top_k  # what `sample` uses once this report is the model's, as the temperatures
    chosen = dict(style.part_temperatures) or None
    samples = sample_sets(runner, references[1] or references[0], chosen, seed)
    tick()
    checks = report_checks(runner, data, train, references[1], index, seed, chosen)
    tick()
    report = Report(
        model=name or config,
        config=config,
        source=source,
        data=_data_summary(data, heldout, train),
        held_out=recon_held,
        train=recon_train,
        style=style,
        seed=seed,
        device=str(device),
        checks=checks,
        samples=samples,
    )
    report = with_verdict(report, round(time.perf_counter() - t0, 2), fine_tuned_from)
    tick()
    return report


def report_checks(
    runner: Runner,
    data: DataSummary,
    train: Examples | None,
    heldout: dict[str, np.ndarray],
    index: BarIndex | None,
    seed: int,
    recommended: Mapping[str, float] | None = None,
) -> SampleChecks:
    """The sample checks (engine/evaluation/checks.py) against the card's statistics of the training
    music, else those of the training examples at hand, else general limits: at each of TEMPERATURES and
    at the model's defaults (`recommended` per-part temperatures over the runner's own defaults: what
    `sample` and the app use when the musician chooses none)."""
    from engine.data.gate_stats import examples_gate_stats

    stats = data.music.gate
    if stats is None and train is not None and len(train):
        stats = examples_gate_stats(train, seed)
    limits = limits_for(runner.spec, stats, data.transposed)
    real = to_patterns(runner.converter, heldout)
    default = runner.temperatures(dict(recommended) if recommended else None)
    n = caps(runner.converter.steps)[3]
    return sample_checks(runner, limits, index, real, n, seed, TEMPERATURES, default)


def _heldout_ids(files: list[str], folder: Path, held: list[str]) -> list[int]:
    """Indices of `files` named in `held`; training may have spelled the paths from another working
    directory, so a held-out path also matches by its path inside the folder, and a bare file name (a
    bundled model's card keeps no local paths: scripts/install_bundled.py) by the file's name."""
    root = folder.resolve()
    exact = {Path(h).resolve() for h in held}
    spelled = [h.replace("\\", "/") for h in held]
    names = {h for h in spelled if "/" not in h}
    ids = []
    for i, f in enumerate(files):
        path = Path(f).resolve()
        inside = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        if (
            path in exact
            or path.name in names
            or any(h == inside or h.endswith("/" + inside) for h in spelled)
        ):
            ids.append(i)
    return ids


def _data_summary(data: DataSummary, heldout: Examples | None, train: Examples | None) -> ReportData:
    """How much music the model learned from (the card's summary, else what `train` holds) and how much
    it is tested on."""

    def files(ex: Examples | None) -> int:
        return 0 if ex is None else int(len(np.unique(ex.file_ids)))

    return ReportData(
        train_files=data.train_files or files(train),
        train_bars=data.train_bars,
        train_examples=data.train_examples or (0 if train is None else len(train.file_ids)),
        heldout_files=files(heldout),
        heldout_examples=0 if heldout is None else int(len(heldout.file_ids)),
        transposed=data.transposed,
    )


def evaluate(
    model_dir: str | Path,
    folder: str | Path,
    *,
    device: Any = "cpu",
    seed: int = 0,
    progress: Progress | None = None,
    as_training_folder: bool = False,
) -> Report:
    """The report card of a model (folder or bundled name) against the MIDI files of `folder`.

    If `folder` is the model's own training folder (or `as_training_folder` says it is, moved or copied),
    only its held-out files are tested (and the rest count as training music); otherwise every usable
    file is tested, against the training music if that folder is still there. Raises EvaluateError
    with a one-line reason. On a CPU the caller picks the thread count: decoding runs many small LSTM
    steps, and oversubscribed threads spin against other processes (engine.device.training_threads).
    """
    model, card, model_name = _load(model_dir, device)
    config = model.cfg.name
    examples = _examples(Path(folder), config)
    train_folder = Path(card.data.folder) if card.data.folder else None
    if as_training_folder or (train_folder is not None and _same(train_folder, Path(folder))):
        held_files = list(card.data.heldout_files)
        held_ids = _heldout_ids(examples.files, Path(folder), held_files)
        if as_training_folder and not held_ids:
            raise EvaluateError(
                f"none of the {len(held_files)} held-out files recorded in the model's model.json "
                f"is in {folder}, so it cannot be taken for the training folder"
            )
        held_mask = np.isin(examples.file_ids, held_ids)
        heldout, train = examples.select(held_mask), examples.select(~held_mask)
        source = f"the {len(held_files)} held-out files of its training folder"
    else:
        heldout, train = examples, None
        if train_folder is not None and train_folder.is_dir():
            train = _examples(train_folder, config, required=False)
        source = f"all {len(np.unique(examples.file_ids))} usable files in {Path(folder).name}/"
    index = _index(model_dir, card)
    return report_for_training(
        model, card.data, heldout, train, device, name=model_name, seed=seed, source=source,
        progress=progress, index=index, latent=card.latent, fine_tuned_from=card.fine_tuned_from,
    )  # fmt: skip


def overlap_at_defaults(
    model_dir: str | Path, report: Report, *, device: Any = "cpu", seed: int = 0
) -> SetScores | None:
    """The Yang & Lerch overlaps, part by part and their mean (the report card's measure), of samples
    decoded at the model's default temperatures and top-k: each part at `report`'s recommendation, what
    `sample` uses once that report card is the model's. They are compared with the training music the report
    card of `evaluate(model_dir, ...)` compares its rows with (the same examples for a seed), so the
    figure stands beside its baseline and real-music rows. None when the model's training folder is gone
    or the report recommends no temperature. Raises EvaluateError for a model that cannot be loaded.
    """
    model, card, _ = _load(model_dir, device)
    folder = Path(card.data.folder) if card.data.folder else None
    if folder is None or not folder.is_dir() or not report.style.part_temperatures:
        return None
    train = _examples(folder, model.cfg.name, required=False)
    if train is None:
        return None
    from engine.data.converters import CONVERTERS

    converter = CONVERTERS[model.cfg.name]
    reference = _subset(train, caps(converter.cost_steps)[2], seed)
    spread = report.held_out.groove_spread if report.held_out else None
    runner = Runner(
        model, converter, torch.device(device), card.data, spread, card.latent, top_k=report.style.top_k
    )
    return scores_at(runner, reference, dict(report.style.part_temperatures), seed)


def _index(model_dir: str | Path, card: ModelCard) -> BarIndex | None:
    """The model's training bars for the copy check: its folder's index, else built from its training
    folder when that is still there (engine/generation/checking.py)."""
    from engine.generation.checking import ClipChecker
    from engine.registry import resolve_model
    from models.spec import spec_of

    return ClipChecker(spec_of(card.config.name), lambda: card.data, resolve_model(model_dir)).index()


def _load(model_dir: str | Path, device: Any) -> tuple[MusicVAE, ModelCard, str]:
    """(model, card, name) of a model folder or bundled/user model name."""
    from engine.registry import ModelNotFoundError, resolve_model
    from models.checkpoint import CheckpointError, load_model

    try:
        folder = resolve_model(model_dir)
        model, card = load_model(folder, device=device)
    except (ModelNotFoundError, CheckpointError) as e:
        raise EvaluateError(str(e)) from e
    return model, card, folder.name


@overload
def _examples(folder: Path, config: str, required: Literal[True] = True) -> Examples: ...
@overload
def _examples(folder: Path, config: str, required: bool) -> Examples | None: ...
def _examples(folder: Path, config: str, required: bool = True) -> Examples | None:
    """The folder's examples, untransposed (we test the music as it is)."""
    from engine.data.dataset import DatasetError, load_examples

    if not folder.is_dir():
        raise EvaluateError(f"{folder} is not a folder of MIDI files")
    try:
        return load_examples(folder, config, transpose=None)
    except DatasetError as e:
        if required:
            raise EvaluateError(str(e)) from e
        return None


def _same(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()


def write_report(model_dir: str | Path, report: Report) -> tuple[Path, Path]:
    """Write report.json and report.md into the model folder (each atomically: models.store.atomic_write,
    WriteError if it fails); returns both paths."""
    folder = Path(model_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "report.json", folder / "report.md"
    texts = json.dumps(report.to_json(), indent=2) + "\n", render_markdown(report)
    for path, text in zip(paths, texts, strict=True):
        atomic_write(path, text.encode("utf-8"))
    return paths
