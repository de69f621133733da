# SPDX-License-Identifier: MIT
"""The generation runner: everything that turns clips into latent codes and codes into clips for one
loaded model, in one place, so that every path decodes the same way.

`Runner` owns fitting clips to the model, encoding (with a cache of recent codes), key masks, seeds, the
latent codes new clips start from (the Gaussian of the training codes in the model card, else N(0, I)),
per-part temperatures, and decoding (the decoder's sampling noise from a seeded `torch.Generator`, then
the held-out spread of a velocity/timing head added back). The Generator facade, completion, humanize
and the report card all decode through it, so the report card measures what the musician gets. A call's
notes for the musician collect in a `Notices` list it is given, and come back in `Generated` with the seed.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from engine.data.converter import Converter
from engine.device import aten_lstm
from engine.generation.checking import Checked
from engine.generation.fit import FittedClip, GenerationError, fit_clip
from engine.generation.groove import add_spread, scale_velocity_spread
from engine.music.keys import (
    NO_KEY_WORDS,
    Key,
    clear_key,
    detect_key,
    into_pitch_classes,
    key_from_histogram,
    logit_masks,
    parse_key,
)
from engine.music.pattern import FOUR_FOUR, Meter, Pattern
from models.band import VELOCITY
from models.card import DataSummary, MusicStats
from models.latent import LatentFit
from models.musicvae import MusicVAE
from models.report import GrooveSpread
from models.spec import DecoderKind, ModelSpec
from models.vocab import DRUM_CLASSES

CACHE_SIZE = 16  # latent codes of recent clips kept: a blend pad or morph slider re-sends the same ones
DEFAULT_TEMPO = 120.0

Notices = list[str]  # one call's plain-language notes for the musician, in the order they arose
Temperature = float | Mapping[str, float] | None  # one for all parts, per part name, or None: the model's


@dataclass(frozen=True, slots=True)
class Generated:
    """What a generation call gives: the clips, the seed that makes them again, notes for the musician,
    and what the sample-quality gate and the copy check did (None: the call does not check its clips)."""

    clips: tuple[Pattern, ...]
    seed: int
    notices: tuple[str, ...] = ()
    checked: Checked | None = None

    @property
    def clip(self) -> Pattern:
        """The clip of a call that writes one (blend, complete, humanize)."""
        if len(self.clips) != 1:
            raise ValueError(f"this call made {len(self.clips)} clips, not one")
        return self.clips[0]


def parse_part_temperatures(text: str) -> dict[str, float]:
    """ "melody=0.9, drums=0.6" -> {"melody": 0.9, "drums": 0.6}; ValueError naming what it cannot read.
    Which parts a model has is checked when it decodes (`Runner.temperatures`)."""
    out = {}
    for item in text.replace(";", ",").split(","):
        if not item.strip():
            continue
        part, sep, value = item.partition("=")
        try:
            t = float(value)
        except ValueError:
            t = -1.0
        if not sep or not part.strip() or not 0.0 <= t <= 2.0:
            raise ValueError(f"{item.strip()!r}: write part=temperature with 0..2, e.g. melody=0.9,drums=0.6")
        out[part.strip().lower()] = t
    if not out:
        raise ValueError("no part temperatures given, e.g. melody=0.9,drums=0.6")
    return out


MAX_TOP_K = 999  # more than any model's classes per step (band events: 300-odd); 0 is off


def check_top_k(top_k: int) -> int:
    """`top_k` as a whole number 0..MAX_TOP_K (0 = off: every note can be drawn); GenerationError in one
    line otherwise."""
    if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or not 0 <= top_k <= MAX_TOP_K:
        raise GenerationError(f"top-k {top_k!r} must be a whole number from 0 (off) to {MAX_TOP_K}")
    return int(top_k)


def new_seed(seed: int | None) -> int:
    """`seed`, or a fresh random one (the musician gets it back in `Generated.seed`)."""
    return secrets.randbelow(2**31) if seed is None else int(seed)


MOVED_INTO_KEYS = "new clips moved into the training music's keys (--key none: as the model wrote them)"


class Runner:
    """A loaded model with its spec and converter: fit, encode, masks, decode, clips.

    Args:
        model: the network, in eval mode on `device` (its weights never change here).
        summary: the model card's summary of its training music: statistics, key, tempo.
        spread: the held-out spread of the model's velocity/timing head as the report card measured it,
            or None: then the training music's jitter stands in for it.
        latent: the Gaussian of the training windows' codes (model card), which new clips start from;
            None (a model trained before it was recorded): N(0, I).
        temperatures: each part's temperature when a call gives none (the report card's recommendation),
            else the spec's defaults.
        top_k: top-k sampling when a call gives none (the report card's recommendation, else 0 = off):
            each step of a part is drawn from its k likeliest notes or events only (`MusicVAE.decode`).
    """

    def __init__(
        self,
        model: MusicVAE,
        converter: Converter,
        device: torch.device,
        summary: DataSummary | None = None,
        spread: GrooveSpread | None = None,
        latent: LatentFit | None = None,
        temperatures: Mapping[str, float] | None = None,
        top_k: int = 0,
    ) -> None:
        self.model, self.converter, self.device = model, converter, device
        self.top_k = check_top_k(top_k)
        self.spec: ModelSpec = converter.spec
        self.latent = latent
        self.default_temperatures = {**self.spec.default_temperatures, **(temperatures or {})}
        self.summary = summary or DataSummary()
        self._spread: GrooveSpread | Literal[False] | None = spread  # False once known to be missing
        self.tempo = float(self.summary.music.tempo_median or DEFAULT_TEMPO)
        self._measured = False  # music_stats() looked in the training folder already
        self._codes: dict[Pattern, torch.Tensor] = {}  # clip -> latent mean (Z,), oldest first

    @property
    def z_size(self) -> int:
        return int(self.model.cfg.z_size)

    # ---- the training music ----------------------------------------------------------------------
    def music_stats(self, notices: Notices) -> MusicStats:
        """The training music's statistics; when the card has none for its pitched notes, they are
        measured once in the training folder (if it is still there)."""
        if self.summary.music.pitched is None and not self._measured:
            self._measured = True
            folder = self.summary.folder
            if folder and Path(folder).is_dir():
                from engine.data.stats import folder_stats

                stats = folder_stats(folder)
                if stats:
                    self.summary = replace(self.summary, music=stats.over(self.summary.music))
                    notices.append(f"measured the training music's loudness, timing and key in {folder}")
        return self.summary.music

    def training_key(self, notices: Notices) -> Key | None:
        """The key of the training music recorded in the model's data summary, if any."""
        music = self.music_stats(notices)
        if music.key:
            return parse_key(music.key)
        return key_from_histogram(music.pitch_classes) if music.pitch_classes else None

    def in_training_keys(self, clips: Sequence[Pattern], notices: Notices) -> list[Pattern]:
        """New clips moved into the keys of the training music (engine.music.keys `into_pitch_classes`
        against its pitch-class weights, moves of at most ModelSpec.transpose), when the model learned
        from transposed copies of it: such a model writes in any of the keys it was shown (up to 5
        semitones away; the band configs 3), where the musician's songs sit in a few. A fine-tuned
        mel_2bar's samples then overlapped the band's pitch classes 0.888 instead of 0.843 (its unseen
        songs 0.936; docs/FINETUNE.md). Clips as they are for a model trained untransposed or without
        pitch-class weights, or clips without pitched notes."""
        weights = self.summary.music.pitch_classes
        if not self.summary.transposed or not weights:
            return list(clips)
        fitted = [into_pitch_classes(clip, weights, self.spec.transpose) for clip in clips]
        if any(shift for _, shift in fitted) and MOVED_INTO_KEYS not in notices:
            notices.append(MOVED_INTO_KEYS)
        return [clip for clip, _ in fitted]

    def new_clips(
        self, n: int, temperature: Temperature, seed: int, top_k: int | None = None
    ) -> list[Pattern]:
        """n clips from the prior as `sample` draws them before the training music's feel is put on
        their notes (the report card scores and checks these): codes from `prior`, decoded at
        `temperature` with sampling noise from `seed` (`top_k` None: the runner's own), moved into the
        training music's keys (`in_training_keys`)."""
        arrays = self.decode(self.prior(n, seed), temperature, None, seed, [], top_k=top_k)
        return self.in_training_keys(self.to_patterns(arrays), [])

    def groove_spread(self) -> GrooveSpread | None:
        """How far real notes lie from the velocity/timing head's prediction (engine/generation/groove.py):
        per drum class for a groove head, one figure for a per-note velocity head. The report card's
        held-out measure, else the training music's jitter around each beat position's mean; None for
        models without such a head or without either figure."""
        if self._spread is None:
            self._spread = self._jitter_spread() or False
        return self._spread or None

    def _jitter_spread(self) -> GrooveSpread | None:
        music = self.summary.music
        if self.spec.has_groove:  # per drum class
            drums = music.drums
            if drums is None:
                return None
            return GrooveSpread(
                (), (drums.velocity_jitter,) * DRUM_CLASSES, (drums.offset_jitter,) * DRUM_CLASSES
            )
        if self.spec.velocity_head and music.pitched is not None:  # one figure for every note
            return GrooveSpread((), (music.pitched.velocity_jitter,))
        return None

    # ---- keys and masks ---------------------------------------------------------------------------
    def resolve_key(self, key: Key | str | None, clip: Pattern | None, notices: Notices) -> Key | None:
        """None, a Key, a name like "C:minor", "none" (no key), "auto" (the clip's key, else the training
        music's) or "song" (the clip's key when it is clearly in one, engine.music.keys.CLEAR_KEY_R, else
        none: the default of complete and infill). KeyNameError (one line) for a name it cannot read."""
        if key is None or isinstance(key, Key):
            return key
        word = key.strip().lower()
        if word in NO_KEY_WORDS:
            return None
        if word == "song":
            if logit_masks(self.spec, Key(0, "major")) is None:
                return None  # a drums-only model: no key to keep, and nothing to say about it
            found, r = clear_key(clip) if clip is not None else (None, 0.0)
            if found is not None:
                notices.append(f"keeping new notes in {found.label}, the song's key (--key none: any notes)")
            elif clip is not None and clip.note_count:
                notices.append(f"the song has no clear key (profile match {r:.2f}): any pitch allowed")
            return found
        if word != "auto":
            named = parse_key(key)
            if logit_masks(self.spec, named) is not None:  # drums-only models have no key to keep
                notices.append(f"keeping new notes in {named.label}")
            return named
        found = detect_key(clip) if clip is not None else None
        source = "the clip"
        if found is None:
            found, source = self.training_key(notices), "the training music"
        if found is None:
            notices.append(
                "--key auto: no key found in the clip or the model's training summary; not masking"
            )
        else:
            notices.append(f"--key auto: using {found.label}, the key of {source}")
        return found

    def masks(self, key: Key | None, notices: Notices) -> dict[str, torch.Tensor] | None:
        """The decoder's logit masks for `key` (None: no key, or a model that writes drums only)."""
        masks = logit_masks(self.spec, key)
        if key is not None and masks is None:
            notices.append(f"{self.spec.name} writes drums only, so the key is ignored")
        if masks is None:
            return None
        return {k: torch.as_tensor(v, device=self.device) for k, v in masks.items()}

    # ---- clips -> codes ---------------------------------------------------------------------------
    def fit(self, clip: Pattern, label: str, notices: Notices) -> FittedClip:
        """The clip checked and cut/looped to the model's length (notes about it go to `notices`)."""
        fitted = fit_clip(clip, self.converter, label)
        notices.extend(fitted.notices)
        return fitted

    def batch(self, examples: Sequence[dict[str, np.ndarray]]) -> dict[str, torch.Tensor]:
        """Stack per-example arrays into model tensors (B, ...) on the device."""
        keys = examples[0].keys()
        return {
            k: torch.as_tensor(np.stack([np.asarray(e[k]) for e in examples])).to(self.device) for k in keys
        }

    def encode_batch(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Posterior means (B, Z) of a batch of the converter's arrays, on the device."""
        mu, _ = self.model.encode(batch)
        return mu

    def encode(self, patterns: Sequence[Pattern], notices: Notices) -> torch.Tensor:
        """Latent means (B, Z) on the CPU of the clips, each fitted to the model's length first.

        The codes of the last CACHE_SIZE clips are kept, so a blend pad or morph slider that sends the
        same corners again only decodes.
        """
        labels = [f"clip {i + 1}" if len(patterns) > 1 else "the clip" for i in range(len(patterns))]
        todo = [i for i, p in enumerate(patterns) if p not in self._codes]
        if todo:
            fitted = [self.fit(patterns[i], labels[i], notices) for i in todo]
            mu = self.encode_batch(self.batch([f.arrays for f in fitted]))
            for i, code in zip(todo, mu.detach().float().cpu(), strict=True):
                self._codes[patterns[i]] = code
            while len(self._codes) > CACHE_SIZE:
                self._codes.pop(next(iter(self._codes)))
        return torch.stack([self._codes[p] for p in patterns])  # (B, Z)

    def prior(self, n: int, seed: int) -> torch.Tensor:
        """n codes (n, Z) for new clips, drawn with `seed` on the CPU (the same on any device): from the
        Gaussian of the training codes, where the decoder learned to write music, or N(0, I) for a model
        without one. The prior itself is not where a small data set's codes lie: the bundled trio's
        random codes put over 5% probability on bass notes above 72 in 12% of bars, real codes in none."""
        gen = torch.Generator().manual_seed(seed)
        if self.latent is not None:
            return self.latent.sample(n, gen)
        return torch.randn(n, self.z_size, generator=gen)

    @property
    def source_size(self) -> int:
        """Length of the standard-normal vectors `to_code` maps to codes (paths are drawn in this space)."""
        return self.latent.source_size if self.latent is not None else self.z_size

    def to_code(self, source: torch.Tensor) -> torch.Tensor:
        """Standard-normal vectors (B, source_size) -> codes (B, Z), affinely: a smooth path of sources
        (engine/generation/chain.py) stays a smooth path of codes where the training codes lie."""
        return self.latent.to_z(source) if self.latent is not None else source

    def directions(self, n: int, seed: int) -> torch.Tensor:
        """n random directions (n, Z) from N(0, I) with `seed` (variations move a clip's code along them)."""
        return torch.randn(n, self.z_size, generator=torch.Generator().manual_seed(seed))

    # ---- temperatures -----------------------------------------------------------------------------
    def temperatures(self, temperature: Temperature) -> dict[str, float]:
        """Each part's temperature: None gives the model's defaults, a number all parts, a mapping its
        parts (the others keep their defaults). A model with dynamics of their own (ModelSpec.
        velocity_temperature: the band models, multitrack_1bar) also takes "velocity": a band model's
        temperature of its velocity events (models.band.VELOCITY_TEMPERATURE unless given), multitrack's
        scale of each note's velocity around its instrument's mean (1 unless given; engine/generation/
        groove.py `scale_velocity_spread`); a number sets the parts and keeps the default "velocity" (the
        report card's recommendation). GenerationError for unknown parts or values outside 0..2."""
        if temperature is None:
            temps = dict(self.default_temperatures)
        elif isinstance(temperature, Mapping):
            names = [*self.spec.parts, *([VELOCITY] if self.spec.velocity_temperature else [])]
            unknown = sorted(set(temperature) - set(names))
            if unknown:
                known = ", ".join(names)
                raise GenerationError(f"{self.spec.name} has no part {unknown[0]!r}; its parts: {known}")
            temps = {**self.default_temperatures, **{k: float(v) for k, v in temperature.items()}}
        else:
            temps = {p: float(temperature) for p in self.spec.parts}
            if VELOCITY in self.default_temperatures:
                temps[VELOCITY] = self.default_temperatures[VELOCITY]
        for part, t in temps.items():
            if not 0.0 <= t <= 2.0:
                raise GenerationError(f"temperature {t} ({part}) is outside 0..2")
        return temps

    def feel_temperature(self, temperature: Temperature) -> float:
        """One number for what scales a velocity/timing spread: the mean of the parts' temperatures."""
        temps = [t for p, t in self.temperatures(temperature).items() if p != VELOCITY]
        return sum(temps) / len(temps)

    # ---- codes -> clips ---------------------------------------------------------------------------
    def decode(
        self,
        z: torch.Tensor,
        temperature: Temperature,
        key: Key | None,
        seed: int,
        notices: Notices,
        given: dict[str, torch.Tensor] | None = None,
        masks: dict[str, torch.Tensor] | None = None,
        meter: Meter | None = None,
        top_k: int | None = None,
    ) -> dict[str, np.ndarray]:
        """The decoder's arrays (B, ...) for codes z (B, Z), as the musician gets them.

        `meter` (band models, which read any meter): the meter of every clip (default 4/4), unless
        `given["meter"]` sets one per clip; other models write 4/4.

        Sampling noise comes from a torch.Generator seeded with `seed` on the model's device; `key`
        masks the pitched arrays, `masks` adds or replaces masks of single arrays (a slot's programs);
        `given` teacher-forces arrays. `temperature` is one for all parts, one per part, or None (the
        model's: `temperatures`). A velocity/timing head's held-out spread is added back, scaled by
        sqrt(temperature) (engine/generation/groove.py; the parts' mean), then a multitrack model's
        "velocity" temperature scales each note's velocity around its instrument's mean. `top_k`: each
        step drawn from its k likeliest classes only (0 = off; None: the runner's `top_k`, the report
        card's recommendation); GenerationError outside 0..MAX_TOP_K.
        """
        temps = self.temperatures(temperature)
        k = self.top_k if top_k is None else check_top_k(top_k)
        band = self.spec.decoder is DecoderKind.BAND
        velocity = temps.get(VELOCITY) if not band else None  # multitrack: scales the decoded velocities
        to_model = temps if band else {p: t for p, t in temps.items() if p != VELOCITY}
        values = set(to_model.values())
        per_part: float | dict[str, float] = (
            values.pop() if len(values) == 1 and VELOCITY not in to_model else to_model
        )
        logit_mask = self.masks(key, notices)
        if masks:
            logit_mask = {**(logit_mask or {}), **{k: v.to(self.device) for k, v in masks.items()}}
        rng = torch.Generator(device=self.device).manual_seed(seed)
        z = z.to(self.device).float()
        if self.spec.any_meter and not (given and "meter" in given):
            mc = self.converter.meter_class(meter or FOUR_FOUR)  # type: ignore[attr-defined]
            given = {**(given or {}), "meter": torch.full((z.shape[0],), mc, dtype=torch.long)}
        with aten_lstm(), torch.inference_mode():
            out = self.model.decode(
                z, temperature=per_part, logit_mask=logit_mask, given=given, generator=rng, top_k=k
            )
        arrays = {k: v.detach().cpu().numpy() for k, v in out.items()}
        spread = self.groove_spread() if "velocity" in arrays else None
        if spread:  # the spread of real playing around the head's mean velocity and timing
            arrays = add_spread(arrays, spread, self.feel_temperature(temps), np.random.default_rng(seed))
        if velocity is not None:
            arrays = scale_velocity_spread(arrays, velocity)
        return arrays

    def to_patterns(self, arrays: dict[str, np.ndarray], tempo: float | None = None) -> list[Pattern]:
        """One clip per example of decoded arrays (B, ...), at `tempo` (default: the training music's)."""
        n = next(iter(arrays.values())).shape[0]
        return [
            self.converter.from_tensors({k: v[i] for k, v in arrays.items()}, tempo=tempo or self.tempo)
            for i in range(n)
        ]
