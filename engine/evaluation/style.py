# SPDX-License-Identifier: MIT
"""The report card's samples: clips at each temperature scored part by part against the music (Yang &
Lerch overlaps, engine/evaluation/metrics.py) beside the random baseline and real unseen music, the
temperature each part suits best, and what each part does in samples from real codes, from the Gaussian
of the training codes and from N(0, I) beside the music (engine/evaluation/parts.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch

from engine.evaluation import metrics
from engine.evaluation.baseline import KIND as BASELINE_KIND
from engine.evaluation.baseline import baseline_patterns
from engine.evaluation.parts import music_bounds, part_of, part_stats
from engine.evaluation.report import FeatureScore, SampleSet, SetScores, StyleScores
from engine.generation.groove import scale_velocity_spread
from engine.generation.runner import Runner
from engine.music.pattern import Pattern
from models.band import VELOCITY
from models.report import top_k_key
from models.spec import DecoderKind

TEMPERATURES = (0.2, 0.3, 0.5, 0.8, 1.0)
# "velocity" temperatures tried for a model with dynamics of their own (ModelSpec.velocity_temperature),
# livelier first so a tie keeps the livelier; 1 is multitrack's "as the model writes", 0 one loudness per
# instrument and clip, as much MIDI of a band keeps (the Freedoom songs: 0.003-0.013 of 127)
VELOCITY_TEMPERATURES = (1.0, 0.5, 0.25, 0.0)
VELOCITY_FEATURES = ("velocity_spread", "pitched_velocity_spread")  # what it changes (metrics)
# top-k tried for a model of pitched lines (ModelSpec.pitched_melody_tokens), off first so a tie keeps it
# off: fine-tuned mel_2bar samples at 1.0 leap 6.2 semitones a step where the band's melodies move 2.7,
# and below 0.5 repeat one note (docs/FINETUNE.md); cutting the draw's unlikely tail keeps the steps
TOP_KS = (0, 16, 8, 4)
# a top-k (or the hotter temperature tried with it) is kept only when its samples' mean overlap beats
# what it replaces by this much: the bundled mel_2bar's k = 4 at 0.3 scored 1e-6 above no top-k (the
# same clips but for a note or two), and such a tie should leave sampling as it was
TOP_K_MARGIN = 0.005
MAX_HELDOUT = 256  # held-out examples reconstructed: enough for a stable accuracy, fast on a CPU
MAX_TRAIN = 128  # training examples reconstructed: enough to see over-fitting
MAX_REFERENCE = 128  # training clips the samples are compared with
# samples per temperature (and baseline clips): as many as the held-out music's clips the report card sets
# beside them, so the two overlaps are estimated alike. Fewer read lower: 64 samples of a fine-tuned
# mel_2bar scored 0.904 (5 seeds, sd 0.010) where 128 scored 0.916 (sd 0.008) and 256 0.918 (sd 0.003);
# 64 of the band's unseen windows 0.939 against 128's 0.944 (6 draws each; docs/FINETUNE.md)
N_SAMPLES = MAX_REFERENCE
# 16-bar examples cost 8x the steps of 2-bar ones: fewer of them (2x fewer clips for the metrics); the
# band's examples count 4x their steps (8 instruments of note events), so a 16-bar band window 8x fewer
LONG_STEPS, LONG_SHRINK, LONGEST_STEPS, LONGEST_SHRINK = 64, 4, 256, 8


def caps(steps: int) -> tuple[int, int, int, int]:
    """(held-out, train, reference, samples) counts for examples of `steps` 16ths."""
    shrink = LONGEST_SHRINK if steps > LONGEST_STEPS else LONG_SHRINK if steps > LONG_STEPS else 1
    half = min(shrink, 2)
    return MAX_HELDOUT // shrink, MAX_TRAIN // shrink, MAX_REFERENCE // half, N_SAMPLES // half


def to_patterns(converter: Any, arrays: dict[str, np.ndarray]) -> list[Pattern]:
    """Examples (stacked on axis 0) back into clips through the config's converter."""
    if not arrays:
        return []
    keys = [k for k in arrays if k != "tempo"]
    n = len(arrays[keys[0]])
    tempos = arrays.get("tempo", np.full(n, 120.0))
    out = []
    for i in range(n):
        tempo = float(np.clip(tempos[i], 1.0, 1000.0))
        out.append(converter.from_tensors({k: arrays[k][i] for k in keys}, tempo=tempo))
    return out


def _samples(
    runner: Runner, temperature: float | dict[str, float], seed: int, top_k: int | None = None
) -> list[Pattern]:
    """Clips at `temperature` as `sample` decodes them for the musician (the runner: codes from the
    Gaussian of the training codes, else N(0, I), and sampling noise from `seed`, so the same codes at
    every temperature; a velocity/timing head's notes with its held-out spread), before the training
    music's feel is put on notes without velocity, and moved into the training music's keys as `sample`
    moves them (`Runner.new_clips`). `top_k`: None is the runner's own."""
    return runner.new_clips(caps(runner.converter.cost_steps)[3], temperature, seed, top_k)


def _scores(
    reference: list[Pattern], candidate: list[Pattern], parts: tuple[str, ...], seed: int
) -> SetScores:
    scores = metrics.compare_parts(reference, candidate, parts, seed)
    return SetScores(
        metrics.mean_area(scores),
        {k: None if v is None else _feature(v) for k, v in scores.items()},
        metrics.part_means(scores, parts),
    )


def scores_at(
    runner: Runner, train: dict[str, np.ndarray], temperature: float | dict[str, float], seed: int
) -> SetScores:
    """Samples at `temperature` (one for every part, or each part's own: the model's defaults) scored
    against the training examples `train` part by part, as `style_scores` scores each temperature's: the
    same codes and noise for a seed, so a part decoded at T scores what it scores in T's row."""
    reference = to_patterns(runner.converter, train)
    return _scores(reference, _samples(runner, temperature, seed), runner.spec.parts, seed)


def _presence(clips: list[Pattern], parts: tuple[str, ...]) -> dict[str, float]:
    return {p: s.presence for p, s in part_stats(clips, parts).items()}


def part_chords(clips: list[Pattern], parts: tuple[str, ...]) -> dict[str, float]:
    """Each pitched part's chord share (`metrics.chord_share`: the share of its notes that start with
    another note of the same instrument) over `clips`; parts without notes are left out."""
    out = {}
    for part in parts:
        if part == "drums":
            continue
        share = metrics.chord_share(
            [c.with_tracks([t for t in c.tracks if part_of(t) == part]) for c in clips]
        )
        if not math.isnan(share):
            out[part] = share
    return out


def recommend(
    temps: dict[str, SetScores],
    presence: dict[str, dict[str, float]],
    music: dict[str, float],
    chords: Mapping[str, Mapping[str, float]] | None = None,
    music_chords: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Each part's temperature among those tried: the one whose samples' part overlaps the music most,
    times how close the share of samples it plays in comes to the music's (a part silenced by a cold
    temperature scores 0 however well its few notes match), times how close its chord share
    (`chords[t][part]`, `part_chords`) comes to the music's (`music_chords`): a cold temperature draws
    the next onset rather than another note of a chord, so band samples at 0.3 had a quarter of the chord
    notes of their music (issue 13, `python -m benchmarks.run band_fit`). Parts decode independently
    given z (a decoder or slot each), so each part's choice holds with the others' changed."""
    out = {}
    for part, real in music.items():

        def score(t: str, part: str = part, real: float = real) -> float:
            overlap = temps[t].parts.get(part) or 0.0
            fit = overlap * (1.0 - abs(presence[t].get(part, 0.0) - real))
            if chords is not None and music_chords and part in music_chords:
                fit *= 1.0 - abs(chords[t].get(part, 0.0) - music_chords[part])
            return fit

        out[part] = float(max(temps, key=score))
    return out


def recommend_velocity(
    runner: Runner, reference: list[Pattern], parts: dict[str, float], seed: int
) -> float | None:
    """The "velocity" temperature (VELOCITY_TEMPERATURES) whose samples, the parts at `parts`, vary their
    loudness most as the music does: the highest mean overlap of the velocity-spread features
    (metrics: "velocity_spread" of the drums, "pitched_velocity_spread" of each pitched part). None for
    a model without one (ModelSpec.velocity_temperature) or music whose velocity features are constant
    (left out of the comparison). The same codes and noise at every candidate, so only the dynamics
    differ: the band models' velocity events were drawn at 0.4 whatever the music, and a model
    fine-tuned on 10 songs whose every track keeps one velocity still wrote 0.06 of 127 of spread per
    instrument (the music 0.003), its velocity overlap 0.27 where the band's unseen songs score 0.83
    (`python -m benchmarks.run small_folder`)."""
    if not runner.spec.velocity_temperature:
        return None
    z = runner.prior(caps(runner.converter.cost_steps)[3], seed)  # the codes `_samples` decodes
    band = runner.spec.decoder is DecoderKind.BAND
    # multitrack's velocity temperature only rescales decoded velocities: decode once, rescale each time
    lively = None if band else runner.decode(z, {**parts, VELOCITY: 1.0}, None, seed, [])
    best, best_score = None, -1.0
    for t in VELOCITY_TEMPERATURES:
        if lively is None:
            arrays = runner.decode(z, {**parts, VELOCITY: t}, None, seed, [])
        else:
            arrays = scale_velocity_spread(lively, t)
        clips = runner.to_patterns(arrays)
        scores = metrics.compare_parts(reference, clips, runner.spec.parts, seed, VELOCITY_FEATURES)
        areas = [0.0 if o is None else o.area for o in scores.values()]
        if not areas:
            return None
        score = float(np.mean(areas))
        if score > best_score:
            best, best_score = t, score
    return best


def recommend_top_k(
    runner: Runner,
    reference: list[Pattern],
    temperature: dict[str, float],
    seed: int,
    known: SetScores | None = None,
) -> tuple[int, dict[str, float], dict[str, float | None]]:
    """Top-k sampling for a model of pitched lines (ModelSpec.pitched_melody_tokens; others: (0,
    `temperature`, {})), chosen after the temperatures (sequentially, not jointly: 3-4 more sample sets
    where a grid of temperatures x TOP_KS would be 15): the k of TOP_KS whose samples at `temperature`
    have the highest mean overlap with `reference`, unless that beats no top-k by less than
    TOP_K_MARGIN (`known` is k = 0's scores when a temperature row already has them). Then, with a k
    chosen, every part one temperature of TEMPERATURES hotter is tried at that k, and kept when it
    scores TOP_K_MARGIN higher: the cut tail was what made hot samples leap. Returns (k, the
    temperatures, each k's mean overlap by "k", the hotter try as "k@T"). Top-k: Fan et al. 2018,
    "Hierarchical Neural Story Generation"."""
    if not runner.spec.pitched_melody_tokens:
        return 0, temperature, {}
    parts = runner.spec.parts
    overlaps: dict[str, float | None] = {}
    for k in TOP_KS:
        scores = known if k == 0 and known is not None else None
        scores = scores or _scores(reference, _samples(runner, temperature, seed, k), parts, seed)
        overlaps[str(k)] = scores.mean_overlap
    best = max(TOP_KS, key=lambda k: overlaps[str(k)] or 0.0)
    if (overlaps[str(best)] or 0.0) < (overlaps["0"] or 0.0) + TOP_K_MARGIN:
        best = 0
    hotter = {p: min((t for t in TEMPERATURES if t > temperature[p]), default=temperature[p]) for p in parts}
    if best and hotter != {p: temperature[p] for p in parts}:
        tried = {**temperature, **hotter}
        label = top_k_key(best, hotter)
        overlaps[label] = _scores(reference, _samples(runner, tried, seed, best), parts, seed).mean_overlap
        if (overlaps[label] or 0.0) >= (overlaps[str(best)] or 0.0) + TOP_K_MARGIN:
            return best, tried, overlaps
    return best, temperature, overlaps


def _feature(o: metrics.Overlap) -> FeatureScore:
    return FeatureScore(o.area, o.kld, o.reference_mean, o.candidate_mean)


def style_scores(
    runner: Runner,
    train: dict[str, np.ndarray],
    heldout: dict[str, np.ndarray],
    seed: int,
    tick: Callable[[], None],
) -> StyleScores:
    """Samples at each temperature (see `_samples`), the baseline and the held-out music, each against
    the training music part by part; the recommended temperature of each part (`recommend`). A model
    with a "velocity" temperature gets its own first (`recommend_velocity`, the parts at their defaults)
    and every temperature's samples are drawn with it, so the rows show what `sample` will give. The
    rows are drawn without top-k; a model of pitched lines then gets a top-k (`recommend_top_k`)."""
    converter = runner.converter
    parts = runner.spec.parts
    reference = to_patterns(converter, train or heldout)
    if len(reference) < 3:
        return StyleScores(len(reference), "", {}, None, None, None)
    defaults = {p: t for p, t in runner.default_temperatures.items() if p != VELOCITY}
    velocity = recommend_velocity(runner, reference, defaults, seed)
    dynamics = {} if velocity is None else {VELOCITY: velocity}
    temps, presence, chords = {}, {}, {}
    for t in TEMPERATURES:
        clips = _samples(runner, {**{p: t for p in parts}, **dynamics}, seed, 0)
        temps[str(t)], presence[str(t)] = _scores(reference, clips, parts, seed), _presence(clips, parts)
        chords[str(t)] = part_chords(clips, parts)
        tick()
    best = max(temps, key=lambda t: temps[t].mean_overlap or 0.0)
    chosen = recommend(temps, presence, _presence(reference, parts), chords, part_chords(reference, parts))
    chosen |= dynamics
    even = set(chosen.values())
    row = temps.get(str(even.pop())) if len(even) == 1 and not dynamics else None  # k = 0 at `chosen`
    top_k, chosen, top_k_overlaps = recommend_top_k(runner, reference, chosen, seed, row)
    base = _scores(reference, baseline_patterns(reference, caps(converter.cost_steps)[3], seed), parts, seed)
    real = _scores(reference, to_patterns(converter, heldout), parts, seed) if train and heldout else None
    tick()
    return StyleScores(
        reference_clips=len(reference),
        reference="training music" if train else "the evaluated music",
        temperatures=temps,
        best_temperature=float(best),
        baseline=base,
        held_out_music=real,
        part_temperatures=chosen,
        sampled_from=_sampled_from(runner),
        baseline_kind=BASELINE_KIND,
        top_k=top_k,
        top_k_overlaps=top_k_overlaps,
    )


def _sampled_from(runner: Runner) -> str:
    if runner.latent is not None:
        return f"the Gaussian of {runner.latent.codes} training codes"
    return "N(0, I)"


def sample_sets(
    runner: Runner,
    music: dict[str, np.ndarray],
    temperature: dict[str, float] | None,
    seed: int,
) -> tuple[SampleSet, ...]:
    """What each part does in the music (held-out examples, else training ones) and in clips decoded at
    `temperature` from their real codes, from the Gaussian of the training codes (if the model has one)
    and from N(0, I): a decoder that never learned to write from random codes shows it here."""
    converter, parts = runner.converter, runner.spec.parts
    n = caps(converter.cost_steps)[3]
    real = {k: v[:n] for k, v in music.items()}
    clips = to_patterns(converter, real)
    if len(clips) < 3:
        return ()
    bounds = music_bounds(clips, parts)
    codes = runner.encode_batch(runner.batch([{k: v[i] for k, v in real.items()} for i in range(len(clips))]))
    sources = [("real codes of the music", codes.cpu())]
    if runner.latent is not None:
        sources.append(("the Gaussian of the training codes", runner.latent.sample(n, _gen(seed))))
    sources.append(("N(0, I)", torch.randn(n, runner.z_size, generator=_gen(seed))))
    out = [SampleSet("the music", len(clips), part_stats(clips, parts, bounds))]
    for name, z in sources:
        decoded = runner.to_patterns(runner.decode(z, temperature, None, seed, []))
        out.append(SampleSet(name, len(decoded), part_stats(decoded, parts, bounds)))
    return tuple(out)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)
