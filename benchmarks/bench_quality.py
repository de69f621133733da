# SPDX-License-Identifier: MIT
"""What the models are worth by the report card's honest measures (issue 14): the four bundled models
re-evaluated (not retrained) on music they never trained on.

Per model: held-out negative ELBO in bits per step beside a unigram of the training tokens, the latent
dimensions in use; per part: onset F1 (always "no event" scores 0), how often the part plays in samples
against the music, how many of its notes leave the music's pitch range when codes come from N(0, I)
against real codes, its Yang & Lerch overlap beside the random baseline, and the temperature the report
card recommends. `report_figures` also gives bench_train_full the same figures for models trained there
for the default 10 minutes on the sample folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.common import Figure
from models.report import Report, SampleSet

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
MIDI = DATA / "midi"
CMD = "python -m benchmarks.run quality"
CORPORA = Path(os.environ.get("BANDMATE_CACHE_DIR", Path.home() / ".cache" / "bandmate")) / "corpora"
HELDOUT_BAND = CORPORA / "heldout-band"
# each bundled model on music it never trained on: (folder, the folder is its training folder moved here)
UNSEEN = {
    "mel_2bar": (MIDI / "folk", False),  # Nottingham folk tunes (not in the `melody` corpus it learned)
    "drums_2bar": (DATA / "train" / "groove" / "validation", False),  # the Groove validation split
    # the 15 Freedoom songs `make corpora` holds out of every corpus (the trio learned the `trio` corpus,
    # multitrack_1bar and band_4bar the `band` corpus)
    "trio_16bar": (HELDOUT_BAND, False),
    "multitrack_1bar": (HELDOUT_BAND, False),
    "band_4bar": (HELDOUT_BAND, False),
}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _sampled(report: Report) -> SampleSet | None:
    """The sample set `sample` gives: the training codes' Gaussian if the model has one, else N(0, I)."""
    by_name = {s.name: s for s in report.samples}
    return by_name.get("the Gaussian of the training codes") or by_name.get("N(0, I)")


def report_figures(label: str, report: Report, cmd: str) -> list[Figure]:
    """The honest measures of one report card as figures named after `label`."""
    out: list[Figure] = []
    h, style = report.held_out, report.style
    if h is not None and h.bits_per_step is not None:
        total = sum(p.steps for p in h.parts.values())
        unigram = sum(p.unigram_bits * p.steps for p in h.parts.values()) / max(total, 1)
        out.append(
            Figure(
                f"{label}: held-out bits per step (negative ELBO)",
                (h.bits_per_step,),
                "bits",
                "below the unigram",
                cmd,
                note=f"unigram of the training tokens {unigram:.3f}",
            )
        )
        out.append(
            Figure(
                f"{label}: latent dimensions in use (mean KL > 0.01 nats)",
                (float(h.active_dims or 0),),
                "dims",
                "reported",
                cmd,
                note=f"of {h.z_size}",
            )
        )
    music = report.samples[0] if report.samples else None
    sampled = _sampled(report)
    by_name = {s.name: s for s in report.samples}
    for part, temp in style.part_temperatures.items():
        scores = h.parts.get(part) if h else None
        if scores is not None:
            note = (
                f"bits {scores.bits:.2f} vs unigram {scores.unigram_bits:.2f}; on its own "
                f"{_pct(scores.own_onset_f1)}; 'no event' steps {_pct(scores.no_event)}"
            )
            out.append(
                Figure(
                    f"{label}: {part} onset F1, guided",
                    (100 * (scores.onset_f1 or 0.0),),
                    "%",
                    "> 0 ('no event' scores 0)",
                    cmd,
                    note=note,
                )
            )
        if music is not None and sampled is not None and part in sampled.parts:
            mine, real = sampled.parts[part], music.parts[part]
            note = f"{sampled.name}; the music {_pct(real.presence)}"
            note += f"; denser than the music {_pct(mine.too_dense)}"
            out.append(
                Figure(
                    f"{label}: {part} plays in samples",
                    (100 * mine.presence,),
                    "%",
                    "about the music's",
                    cmd,
                    note=note,
                )
            )
        prior, codes = by_name.get("N(0, I)"), by_name.get("real codes of the music")
        if part != "drums" and prior is not None and codes is not None and part in prior.parts:
            off = prior.parts[part].off_range
            fitted = by_name.get("the Gaussian of the training codes")
            extra = f"; the training codes' Gaussian {_pct(fitted.parts[part].off_range)}" if fitted else ""
            out.append(
                Figure(
                    f"{label}: {part} notes off the music's range, codes from N(0, I)",
                    (100 * (off or 0.0),),
                    "%",
                    "as real codes",
                    cmd,
                    note=f"real codes {_pct(codes.parts[part].off_range)}{extra}",
                )
            )
        chosen = style.temperatures.get(str(temp))
        if chosen is not None and style.baseline is not None:
            base, real_music = (
                style.baseline.parts.get(part),
                (style.held_out_music or style.baseline).parts.get(part),
            )
            note = f"random baseline {base:.2f}" if base is not None else ""
            note += (
                f"; real unseen music {real_music:.2f}"
                if style.held_out_music and real_music is not None
                else ""
            )
            out.append(
                Figure(
                    f"{label}: {part} style overlap at T={temp:g} (recommended)",
                    (chosen.parts.get(part) or 0.0,),
                    "overlap",
                    "> random baseline",
                    cmd,
                    note=note,
                )
            )
    return out  # fmt: skip


def _bundled(config: str) -> list[Figure]:
    from engine.device import training_threads
    from engine.evaluation.evaluate import evaluate

    folder, own = UNSEEN[config]
    if not folder.is_dir():
        print(f"bench quality: {config} skipped: {folder} is missing (`make corpora` builds it)")
        return []
    with training_threads("cpu"):
        report = evaluate(config, folder, device="cpu", as_training_folder=own)
    where = (
        "its held-out files"
        if own
        else folder.name
        if folder.is_relative_to(CORPORA)
        else folder.relative_to(DATA).as_posix()
    )
    return report_figures(f"bundled {config} on {where}", report, CMD)


def run() -> list[Figure]:
    return [figure for config in UNSEEN for figure in _bundled(config)]
