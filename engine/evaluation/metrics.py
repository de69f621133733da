# SPDX-License-Identifier: MIT
"""Objective music metrics after Yang & Lerch 2018 ("On the evaluation of generative models in music").

Per-clip features (pitch-class histogram, pitch range, note density, inter-onset interval, drum hit
rate per class, velocity spread) and the set comparison: intra-set distances of the reference music
against inter-set distances to the candidate set, smoothed by a Gaussian KDE, scored by overlap area.
`compare_parts` scores each part (melody, bass, drums) on its own and leaves out features that are the
same in every reference clip (a trio's drums all play at velocity 100): a constant overlaps any
constant and would score 1.0 for everything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from engine.evaluation.parts import part_of
from engine.music.pattern import STEPS_PER_BAR, Pattern
from models.vocab import DRUM_CLASS_OF, DRUM_CLASSES

Feature = npt.NDArray[np.float64] | np.float64  # one clip's feature: a vector (D,) or a scalar

PITCHED_FEATURES = (
    "pitch_classes",
    "pitch_range",
    "pitch_interval",
    "note_density",
    "onset_interval",
    "repetition",
    "chord_size",
    "pitched_velocity_spread",
)
DRUM_FEATURES = (
    "drum_hit_rate",
    "drum_groove",
    "drum_density",
    "drum_onset_interval",
    "velocity_spread",
    "drum_repetition",
)

# What each feature means for a musician (report tables use these).
FEATURE_LABELS = {
    "pitch_classes": "which notes of the scale (pitch-class histogram)",
    "pitch_range": "pitch range (semitones)",
    "pitch_interval": "size of melodic steps (semitones)",
    "note_density": "notes per bar",
    "onset_interval": "time between notes (16ths)",
    "repetition": "how much each bar repeats the last",
    "chord_size": "notes sounding together (chord size)",
    "pitched_velocity_spread": "velocity spread per instrument (loud vs soft notes)",
    "drum_hit_rate": "how often each drum plays (hit rate per drum)",
    "drum_density": "drum hits per bar",
    "drum_groove": "where in the beat each drum plays",
    "drum_onset_interval": "time between drum hits (16ths)",
    "velocity_spread": "velocity spread (loud vs soft hits)",
    "drum_repetition": "how much each drum bar repeats the last",
}

CONSTANT = 1e-9  # a feature spread less than this (relative) over the reference is a constant
_MAX_DISTANCES = 20000  # a random subset keeps huge sets cheap; plenty for a smooth density
_GRID = 512


def _mean_interval(onsets: Sequence[int]) -> float:
    distinct = np.unique(np.asarray(onsets, dtype=np.int64))
    return float(np.diff(distinct).mean()) if distinct.size >= 2 else float("nan")


def repetition(events: Sequence[tuple[int, int]], steps: int, bar: int = STEPS_PER_BAR) -> float:
    """Mean Jaccard similarity of the (pitch or drum, step-in-bar) onsets of consecutive bars of `bar`
    steps; NaN with fewer than two bars or only empty bar pairs. 1 = every bar repeats the last exactly."""
    bars: list[set[tuple[int, int]]] = [set() for _ in range(steps // bar)]
    for what, start in events:
        if start // bar < len(bars):
            bars[start // bar].add((what, start % bar))
    scores = [len(a & b) / len(a | b) for a, b in zip(bars, bars[1:], strict=False) if a | b]
    return float(np.mean(scores)) if scores else float("nan")


def pitched_features(pattern: Pattern) -> dict[str, Feature]:
    """The pitched-track features of one clip; NaN where a feature is undefined (e.g. no notes).

    Returns pitch_classes (12,) summing to 1, and scalars (shape ()) pitch_range, pitch_interval (mean
    absolute semitones between consecutive notes of a track), note_density (onsets per bar of the clip's
    meter), onset_interval (mean steps between distinct onsets), repetition (see `repetition`),
    chord_size (notes per onset of an instrument: 1 for single lines, 3 for triads) and
    pitched_velocity_spread (the mean over instruments of their velocities' standard deviation / 127).
    """
    tracks = [t for t in pattern.tracks if not t.is_drum]
    notes = [n for t in tracks for n in t.notes]
    pitches = np.array([n.pitch for n in notes], dtype=np.int64)
    bar = pattern.meter.bar_steps
    bars = pattern.steps / bar
    onsets = sum(len({n.start for n in t.notes}) for t in tracks)
    spreads = [np.std([n.velocity for n in t.notes]) / 127.0 for t in tracks if len(t.notes) >= 2]
    hist = np.bincount(pitches % 12, minlength=12).astype(np.float64)
    steps = [abs(b.pitch - a.pitch) for t in tracks for a, b in zip(t.notes, t.notes[1:], strict=False)]
    return {
        "pitch_classes": hist / hist.sum() if notes else np.full(12, np.nan),
        "pitch_range": np.float64(pitches.max() - pitches.min() if notes else np.nan),
        "pitch_interval": np.float64(np.mean(steps) if steps else np.nan),
        "note_density": np.float64(len(notes) / bars),
        "onset_interval": np.float64(_mean_interval([n.start for n in notes])),
        "repetition": np.float64(
            repetition([(n.pitch, n.start) for n in notes], pattern.steps, round(bar))
            if bar == round(bar)
            else np.nan
        ),
        "chord_size": np.float64(len(notes) / onsets if onsets else np.nan),
        "pitched_velocity_spread": np.float64(np.mean(spreads) if spreads else np.nan),
    }


def drum_features(pattern: Pattern, drum_class: Mapping[int, int] = DRUM_CLASS_OF) -> dict[str, Feature]:
    """The drum-track features of one clip.

    Returns drum_hit_rate (9,) (share of steps on which each of the 9 drum classes plays), drum_groove
    (9 * 4,) (share of all hits per drum class and position in the beat: on it, 1/16, 1/8, 3/16 after),
    and scalars drum_density (hits per bar), drum_onset_interval (mean steps between distinct onsets),
    velocity_spread (standard deviation of hit velocities / 127; NaN without hits) and drum_repetition.
    """
    notes = [n for t in pattern.tracks if t.is_drum for n in t.notes]
    hit = np.zeros((DRUM_CLASSES, pattern.steps), dtype=bool)
    for n in notes:
        if n.pitch in drum_class and n.start < pattern.steps:
            hit[drum_class[n.pitch], n.start] = True
    velocities = np.array([n.velocity for n in notes], dtype=np.float64) / 127.0
    groove = (
        hit.reshape(DRUM_CLASSES, -1, 4).sum(axis=1).ravel().astype(np.float64)
        if pattern.steps % 4 == 0
        else None
    )
    total = hit.sum()
    events = [(int(k), int(st)) for k, st in zip(*np.nonzero(hit), strict=True)]
    return {
        "drum_hit_rate": hit.mean(axis=1),
        "drum_groove": groove / total if groove is not None and total else np.full(DRUM_CLASSES * 4, np.nan),
        "drum_repetition": np.float64(
            repetition(events, pattern.steps, round(pattern.meter.bar_steps))
            if pattern.meter.bar_steps == round(pattern.meter.bar_steps)
            else np.nan
        ),
        "drum_density": np.float64(len(notes) / (pattern.steps / pattern.meter.bar_steps)),
        "drum_onset_interval": np.float64(_mean_interval([n.start for n in notes])),
        "velocity_spread": np.float64(velocities.std() if notes else np.nan),
    }


def feature_names(patterns: Sequence[Pattern]) -> tuple[str, ...]:
    """Which features apply to a set: pitched ones if any clip has pitched notes, drum ones likewise."""
    has_pitched = any(n for p in patterns for t in p.tracks if not t.is_drum for n in t.notes)
    has_drums = any(n for p in patterns for t in p.tracks if t.is_drum for n in t.notes)
    return (PITCHED_FEATURES if has_pitched else ()) + (DRUM_FEATURES if has_drums else ())


def set_features(patterns: Sequence[Pattern], names: Sequence[str]) -> dict[str, np.ndarray]:
    """Stack each named feature over the set: name -> (N, D) float64; rows with NaN are dropped."""
    want_drums = any(name in DRUM_FEATURES for name in names)
    rows: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for pattern in patterns:
        feats = pitched_features(pattern)
        if want_drums:
            feats |= drum_features(pattern)
        for name in names:
            rows[name].append(np.atleast_1d(feats[name]))
    out = {}
    for name in names:
        stacked = np.array(rows[name], dtype=np.float64).reshape(len(patterns), -1)
        out[name] = stacked[~np.isnan(stacked).any(axis=1)]
    return out


def _distances(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64] | None, rng: np.random.Generator
) -> npt.NDArray[np.float64]:
    """Euclidean distances between rows: all pairs within `a` when b is None, else all a×b pairs."""
    d: npt.NDArray[np.float64]
    if b is None:
        i, j = np.triu_indices(len(a), k=1)
        d = np.linalg.norm(a[i] - a[j], axis=1)
    else:
        d = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2).ravel()
    if d.size > _MAX_DISTANCES:
        d = rng.choice(d, _MAX_DISTANCES, replace=False)
    return d


def _kde(
    samples: npt.NDArray[np.float64], grid: npt.NDArray[np.float64], width: float
) -> npt.NDArray[np.float64]:
    """Gaussian KDE on an even grid, binned: histogram the samples, then smooth with the kernel."""
    step = float(grid[1] - grid[0])
    edges = np.append(grid - step / 2, grid[-1] + step / 2)
    counts = np.histogram(samples, edges)[0].astype(np.float64)
    half = min(int(np.ceil(4 * width / step)), (grid.size - 1) // 2)
    x = np.arange(-half, half + 1) * step
    kernel = np.exp(-0.5 * (x / width) ** 2)
    density: npt.NDArray[np.float64] = np.convolve(counts, kernel / kernel.sum(), mode="same")
    return density / (samples.size * step)


def _bandwidth(samples: np.ndarray, floor: float) -> float:
    scott = samples.std(ddof=1) * samples.size ** (-1 / 5) if samples.size > 1 else 0.0
    return max(float(scott), floor)


@dataclass(frozen=True, slots=True)
class Overlap:
    """How close a candidate set is to the reference for one feature.

    Attributes:
        area: overlap area (0..1) of the KDEs of intra-reference and reference-candidate distances;
            1 means the candidate sits inside the reference music's own variety.
        kld: KL divergence of the intra-reference density from the inter-set density (lower is closer).
        reference_mean: mean feature value of the reference (vector features: their mean entry).
        candidate_mean: same for the candidate set.
    """

    area: float
    kld: float
    reference_mean: float
    candidate_mean: float


def overlap(reference: np.ndarray, candidate: np.ndarray, seed: int = 0) -> Overlap | None:
    """Compare feature rows (N, D) and (M, D); None when either set is too small to compare."""
    if len(reference) < 3 or len(candidate) < 1:
        return None
    rng = np.random.default_rng(seed)
    intra = _distances(reference, None, rng)
    inter = _distances(reference, candidate, rng)
    scale = max(float(np.abs(np.concatenate([intra, inter])).max()), 1.0)
    floor = 1e-3 * scale  # a set with a single value still gets a narrow bump, not a division by 0
    w_intra, w_inter = _bandwidth(intra, floor), _bandwidth(inter, floor)
    pad = 4 * max(w_intra, w_inter)
    grid = np.linspace(min(intra.min(), inter.min()) - pad, max(intra.max(), inter.max()) + pad, _GRID)
    p, q = _kde(intra, grid, w_intra), _kde(inter, grid, w_inter)
    step = float(grid[1] - grid[0])
    area = float(np.minimum(p, q).sum() * step)
    eps = 1e-12
    kld = float(np.sum(p * np.log((p + eps) / (q + eps))) * step)
    return Overlap(
        area=min(max(area, 0.0), 1.0),
        kld=max(kld, 0.0),
        reference_mean=float(reference.mean()),
        candidate_mean=float(candidate.mean()),
    )


def compare_sets(
    reference: Sequence[Pattern], candidate: Sequence[Pattern], seed: int = 0
) -> dict[str, Overlap | None]:
    """Every applicable feature's overlap of `candidate` with `reference` (the training music).

    Features the reference never defines (e.g. bar-to-bar repetition of 1-bar clips) are left out;
    a feature the candidate never defines (e.g. pitch range of silent samples) scores None.
    """
    names = feature_names(reference)
    ref, cand = set_features(reference, names), set_features(candidate, names)
    return {name: overlap(ref[name], cand[name], seed) for name in names if len(ref[name]) >= 3}


def mean_area(scores: dict[str, Overlap | None]) -> float | None:
    """The mean overlap area over the features (one number per set); None (a feature the candidate never
    shows, such as the pitch range of silent samples) counts as no overlap."""
    areas = [0.0 if s is None else s.area for s in scores.values()]
    return float(np.mean(areas)) if areas else None


def part_clip(pattern: Pattern, part: str) -> Pattern:
    """The clip with only the tracks that play `part` (engine/evaluation/parts.py `part_of`)."""
    return pattern.with_tracks(t for t in pattern.tracks if part_of(t) == part)


def compare_parts(
    reference: Sequence[Pattern],
    candidate: Sequence[Pattern],
    parts: Sequence[str],
    seed: int = 0,
    only: Sequence[str] | None = None,
) -> dict[str, Overlap | None]:
    """Each part's features ("melody.pitch_range", "drums.drum_groove"...) of `candidate` against
    `reference`, the part's tracks alone: pitched features for melody and bass, drum features for drums
    (`only`: just these feature names, e.g. ("velocity_spread", "pitched_velocity_spread")).

    A feature is left out when the reference never defines it for 3 clips or has the same value in all
    of them (a constant); a part the candidate never plays scores None on each of its features.
    """
    out: dict[str, Overlap | None] = {}
    for part in parts:
        every: tuple[str, ...] = DRUM_FEATURES if part == "drums" else PITCHED_FEATURES
        names = every if only is None else tuple(n for n in every if n in only)
        ref = set_features([part_clip(c, part) for c in reference], names)
        cand = set_features([part_clip(c, part) for c in candidate], names)
        for name in names:
            rows = ref[name]
            if len(rows) >= 3 and np.ptp(rows, axis=0).max() > CONSTANT * max(1.0, np.abs(rows).max()):
                out[f"{part}.{name}"] = overlap(rows, cand[name], seed)
    return out


def part_means(scores: Mapping[str, Overlap | None], parts: Sequence[str]) -> dict[str, float | None]:
    """Each part's mean overlap over its features (None counts as 0); None for a part with no feature."""
    out: dict[str, float | None] = {}
    for part in parts:
        areas = [0.0 if s is None else s.area for k, s in scores.items() if k.split(".")[0] == part]
        out[part] = float(np.mean(areas)) if areas else None
    return out


def feature_label(key: str) -> str:
    """ "melody.pitch_range" -> "melody: pitch range (semitones)"; a pooled feature's label as it is."""
    part, _, name = key.rpartition(".")
    label = FEATURE_LABELS.get(name, name)
    return f"{part}: {label}" if part else label


def chord_share(patterns: Sequence[Pattern]) -> float:
    """Share of the pitched notes that start together with another note of the same instrument (notes
    in chords); NaN without pitched notes. A rock band's songs: about 0.28 (issue 13)."""
    chorded = total = 0
    for p in patterns:
        for t in p.tracks:
            if t.is_drum:
                continue
            starts = np.array([n.start for n in t.notes], dtype=np.int64)
            if starts.size:
                _, inverse, counts = np.unique(starts, return_inverse=True, return_counts=True)
                chorded += int((counts[inverse] > 1).sum())
                total += starts.size
    return chorded / total if total else float("nan")
