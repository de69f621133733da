# SPDX-License-Identifier: MIT
"""`ModelConfig` (frozen, validated) and the named presets: a small dict of values per (config, size).

A config's shape (steps, tracks, vocabularies, decoder kind, segments, heads) comes from its `ModelSpec`
(models/spec.py); the presets add the sizes. `small` is the CPU default (trains in minutes on a laptop);
`big` follows the MusicVAE paper's sizes (Roberts et al. 2018) for a GPU. Presets are plain values, never
constructed models.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from models.spec import CONFIG_NAMES, SPECS, DecoderKind, ModelSpec, spec_of
from models.vocab import MELODY_VOCAB

__all__ = ["CONFIG_NAMES", "SIZES", "ModelConfig", "get_config", "sized_for", "tiny_config"]

SIZES = ("tiny", "small", "big")  # tiny: tests and smoke runs (seconds on a CPU)


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Everything that defines a model and how it trains; saved in every checkpoint as `asdict(cfg)`.

    The shape fields (steps ... groove) come from the config's `ModelSpec`: the sequence of `steps` 16ths
    is cut into `bars` segments (the spec's `segments`) of `steps // bars` steps (for a multitrack decoder
    the segments are the instrument slots, each `steps` long): the conductor emits one embedding per
    segment. `tracks[i]` has `vocab[i]` token classes.
    `free_bits` is in bits as in Magenta (converted to nats in the loss); beta follows
    `max_beta * (1 - beta_rate ** step)`. `dropout` drops decoder and encoder inputs and the decoder's
    LSTM outputs in training (Magenta's `dropout_keep_prob` on the LSTM cells' inputs); `weight_decay` is
    AdamW's decoupled decay. `bar_link` (hierarchical decoders): each bar's first input is the previous
    bar's last token, as Magenta's HierarchicalLstmDecoder feeds it (`start_inputs`), instead of a learned
    start token; bars then decode one after another. The defaults of these three are what models
    trained before them used, so their model.json still reads the same. `slots` (band configs): the
    instrument slots of a window; the steps are then bars x the event tokens per (bar, slot).
    `scheduled_sampling` (Bengio et al. 2015, "Scheduled Sampling for Sequence Prediction with Recurrent
    Neural Networks"): in training, each decoder input is the decoder's own draw instead of the true
    previous token with this probability, reached linearly over the first `sampling_ramp` steps
    (`sampling_probability`); 0 (the default, and what models before it used) always feeds the true
    tokens. Magenta's mel_2bar and drums_2bar configs schedule it too (`sampling_schedule=
    'inverse_sigmoid'`, rate 1000: about 50% by step 7,000 of a GPU run); a CPU run makes a few thousand
    steps, hence a short linear ramp to a cap.
    `weight_average` (Polyak & Juditsky 1992, "Acceleration of Stochastic Approximation by Averaging", in
    its exponential form): the weights a model is evaluated, saved as best and generated from are an
    exponential moving average of the trained weights, with decay `average_decay(n)` after n steps; 0
    (the default, and what models before it used) keeps the last trained weights as they are.
    """

    name: str
    size: str = "small"
    steps: int = 32
    tracks: tuple[str, ...] = ("melody",)
    vocab: tuple[int, ...] = (MELODY_VOCAB,)
    decoder: DecoderKind = DecoderKind.FLAT
    bars: int = 1
    groove: bool = False  # velocity and offset heads per drum class and step (GrooVAE)
    embed_size: int = 64
    enc_size: int = 256
    enc_layers: int = 1
    dec_size: int = 256
    dec_layers: int = 2
    cond_size: int = 0
    cond_layers: int = 0
    z_size: int = 128
    max_beta: float = 0.2
    free_bits: float = 0.0
    beta_rate: float = 0.999
    learning_rate: float = 1e-3
    decay_rate: float = 0.9999
    min_learning_rate: float = 1e-5
    batch_size: int = 64
    grad_clip: float = 1.0
    dropout: float = 0.0
    weight_decay: float = 0.0
    bar_link: bool = False
    slots: int = 0
    scheduled_sampling: float = 0.0
    sampling_ramp: int = 1000
    weight_average: float = 0.0

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}, not {self.size!r}")
        kinds = [k.value for k in DecoderKind]
        if self.decoder not in kinds:
            raise ValueError(f"decoder must be one of {tuple(kinds)}, not {self.decoder!r}")
        object.__setattr__(self, "decoder", DecoderKind(self.decoder))  # JSON gives the value as a string
        if len(self.tracks) != len(self.vocab) or not self.tracks:
            raise ValueError("tracks and vocab must be non-empty and of the same length")
        multitrack = self.decoder is DecoderKind.MULTITRACK
        if self.steps <= 0 or self.bars <= 0 or (not multitrack and self.steps % self.bars):
            raise ValueError(f"steps ({self.steps}) must be a positive multiple of bars ({self.bars})")
        if self.decoder is not DecoderKind.FLAT and (self.cond_size <= 0 or self.cond_layers <= 0):
            raise ValueError(f"a {self.decoder} decoder needs cond_size and cond_layers > 0")
        if self.decoder is DecoderKind.FLAT and self.bars != 1:
            raise ValueError("a flat decoder has bars == 1")
        sizes = (self.embed_size, self.enc_size, self.enc_layers, self.dec_size, self.dec_layers)
        if min(sizes + (self.z_size, self.batch_size)) <= 0 or min(self.vocab) <= 1:
            raise ValueError("sizes, layers, z_size, batch_size must be > 0 and vocabularies > 1")
        if not (0.0 <= self.max_beta and 0.0 <= self.free_bits and 0.0 <= self.beta_rate < 1.0):
            raise ValueError("max_beta, free_bits >= 0 and 0 <= beta_rate < 1")
        if not (0.0 < self.min_learning_rate <= self.learning_rate and 0.0 < self.decay_rate <= 1.0):
            raise ValueError("need 0 < min_learning_rate <= learning_rate and 0 < decay_rate <= 1")
        if not (0.0 <= self.dropout < 1.0 and self.weight_decay >= 0.0):
            raise ValueError("need 0 <= dropout < 1 and weight_decay >= 0")
        if (self.decoder is DecoderKind.BAND) != (self.slots > 0):
            raise ValueError("a band decoder, and only it, has instrument slots (slots > 0)")
        if self.bar_link and self.decoder is not DecoderKind.HIER:
            raise ValueError("bar_link links the bars of a hierarchical (hier) decoder")
        if not (0.0 <= self.scheduled_sampling <= 1.0 and self.sampling_ramp >= 1):
            raise ValueError("need 0 <= scheduled_sampling <= 1 and sampling_ramp >= 1")
        if not 0.0 <= self.weight_average < 1.0:
            raise ValueError("need 0 <= weight_average < 1")

    @property
    def bar_steps(self) -> int:
        """Steps per decoded segment: a bar of a 16-bar trio, a whole track slot of multitrack_1bar, the
        events of one (bar, instrument) of a band config."""
        return self.steps if self.decoder is DecoderKind.MULTITRACK else self.steps // self.bars

    @property
    def spec(self) -> ModelSpec:
        """The spec of this config's name (ValueError for a name no spec has)."""
        return spec_of(self.name)

    def beta(self, step: int) -> float:
        """KL weight at a training step (Magenta's annealing); beta_rate 0 is max_beta from the first step
        (a fine-tune keeps its base's weight: engine/training/run.py)."""
        if self.beta_rate == 0.0:
            return self.max_beta
        return self.max_beta * (1.0 - self.beta_rate**step)

    def sampling_probability(self, step: int) -> float:
        """The scheduled-sampling probability at a training step: `scheduled_sampling` * min(1, step /
        `sampling_ramp`), 0..1 (see the class)."""
        return self.scheduled_sampling * min(1.0, step / self.sampling_ramp)

    def average_decay(self, updates: int) -> float:
        """The moving average's decay at its `updates`-th update (1, 2, ...): `weight_average`, or less
        while few steps are averaged, min(weight_average, (1 + n) / (10 + n)): the rule of TensorFlow's
        `tf.train.ExponentialMovingAverage(num_updates=...)`, so that a short run averages its own recent
        steps rather than its first weights. 0 when averaging is off."""
        if self.weight_average == 0.0:
            return 0.0
        return min(self.weight_average, (1.0 + updates) / (10.0 + updates))

    def learning_rate_at(self, step: int) -> float:
        """Exponentially decayed learning rate with a floor (Magenta's schedule)."""
        decayed = (self.learning_rate - self.min_learning_rate) * self.decay_rate**step
        return decayed + self.min_learning_rate

    def to_dict(self) -> dict[str, Any]:
        """`asdict`, JSON-ready: the decoder kind as its string value."""
        return {**asdict(self), "decoder": self.decoder.value}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        """Rebuild from `asdict` / JSON (lists become tuples); unknown keys raise ValueError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown config fields: {', '.join(unknown)}")
        fixed: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        return cls(**fixed)


_TWO_BAR_BIG = dict(enc_size=2048, enc_layers=1, dec_size=2048, dec_layers=3, z_size=512, embed_size=128)

# (name, size) -> values; missing keys take the dataclass defaults.
# `small` is sized for a 2-core laptop: about 0.5-2 s per step, so 10 minutes give hundreds of steps; a
# higher learning rate than Magenta's 1e-3 (mel_2bar held-out accuracy after 3 min: 72% vs 60%). A musician's
# folder is a few hundred to a few thousand bars: dropout 0.25 and AdamW weight decay 0.1 took a trio on 15
# band songs from 3.02 to 2.75 held-out bits per step (300 steps; bass onset F1 0.01 -> 0.25), and the KL
# weight reaches its maximum within the few hundred steps a CPU run makes (beta_rate 0.99, Magenta's
# 0.99999 is for 10^5 GPU steps). The weights are averaged over about the last 200 steps (weight_average
# 0.995; fewer while a run is young): on 10 band songs a fine-tuned mel_2bar's onset F1 on 5 unseen songs
# spread 43-51% over runs that stopped a few dozen steps apart, the averaged one's 51.7-51.8%
# (docs/FINETUNE.md, "Averaged weights").
_SMALL = dict(
    embed_size=32,
    enc_size=256,
    dec_size=256,
    dec_layers=1,
    z_size=128,
    batch_size=32,
    learning_rate=3e-3,
    decay_rate=0.9995,
    dropout=0.25,
    weight_decay=0.1,
    beta_rate=0.99,
    weight_average=0.995,
)
PRESETS: dict[tuple[str, str], dict[str, Any]] = {
    # scheduled sampling (ModelConfig): a quarter of the inputs drawn by the decoder by step 1,000 (as
    # Magenta's cat-mel_2bar configs schedule it; measured on 10 band songs: docs/FINETUNE.md)
    ("mel_2bar", "small"): dict(_SMALL, max_beta=0.2, scheduled_sampling=0.25, sampling_ramp=1000),
    ("mel_2bar", "big"): dict(_TWO_BAR_BIG, max_beta=0.5, batch_size=512, beta_rate=0.99999),
    ("drums_2bar", "small"): dict(_SMALL, max_beta=0.2, free_bits=48.0),
    ("drums_2bar", "big"): dict(
        _TWO_BAR_BIG, max_beta=0.2, free_bits=48.0, batch_size=512, beta_rate=0.99999
    ),
    ("trio_16bar", "small"): dict(
        _SMALL, enc_size=128, cond_size=256, cond_layers=1, dec_size=128, z_size=256, free_bits=256.0,
        batch_size=16,
    ),
    ("trio_16bar", "big"): dict(
        enc_size=2048, enc_layers=2, cond_size=1024, cond_layers=2, dec_size=1024, dec_layers=2,
        z_size=512, embed_size=128, max_beta=0.2, free_bits=256.0, batch_size=256, beta_rate=0.99999,
    ),
    ("multitrack_1bar", "small"): dict(
        _SMALL, enc_size=128, cond_size=256, cond_layers=1, dec_size=192, free_bits=32.0, batch_size=16
    ),
    # band: a conductor per bar, events per (bar, instrument). small: about 1 s a step on one core at
    # these batches (measured on the multitrack songs: band_1bar batch 32 0.84 s, band_4bar batch 16
    # 1.25 s; batch 32 costs 3x batch 16, the LSTM's working set leaving the cache); 16 bars are 4x 4.
    ("band_1bar", "small"): dict(
        _SMALL, enc_size=128, cond_size=128, cond_layers=1, dec_size=192, z_size=64, free_bits=32.0,
        batch_size=32,
    ),
    ("band_4bar", "small"): dict(
        _SMALL, enc_size=128, cond_size=192, cond_layers=1, dec_size=192, z_size=128, free_bits=64.0,
        batch_size=12,
    ),
    ("band_16bar", "small"): dict(
        _SMALL, enc_size=128, cond_size=192, cond_layers=1, dec_size=192, z_size=128, free_bits=128.0,
        batch_size=3,
    ),
    ("band_1bar", "big"): dict(
        enc_size=1024, enc_layers=1, cond_size=512, cond_layers=1, dec_size=1024, dec_layers=2,
        z_size=256, embed_size=128, max_beta=0.2, free_bits=32.0, batch_size=256, beta_rate=0.99999,
    ),
    ("band_4bar", "big"): dict(
        enc_size=1024, enc_layers=1, cond_size=1024, cond_layers=2, dec_size=1024, dec_layers=2,
        z_size=512, embed_size=128, max_beta=0.2, free_bits=64.0, batch_size=64, beta_rate=0.99999,
    ),
    ("band_16bar", "big"): dict(
        enc_size=1024, enc_layers=1, cond_size=1024, cond_layers=2, dec_size=1024, dec_layers=2,
        z_size=512, embed_size=128, max_beta=0.2, free_bits=256.0, batch_size=16, beta_rate=0.99999,
    ),
    ("multitrack_1bar", "big"): dict(
        enc_size=1024, enc_layers=2, cond_size=1024, cond_layers=2, dec_size=1024, dec_layers=2,
        z_size=256, embed_size=128, max_beta=0.2, free_bits=32.0, batch_size=256, beta_rate=0.99999,
    ),
}  # fmt: skip


def shape_of(spec: ModelSpec) -> dict[str, Any]:
    """The ModelConfig fields a spec fixes (what the data looks like, independent of size)."""
    if spec.decoder is DecoderKind.BAND:
        return dict(
            steps=spec.window_bars * spec.bar_events, tracks=spec.tracks, vocab=spec.vocab,
            decoder=spec.decoder, bars=spec.window_bars, slots=spec.segments,
        )  # fmt: skip
    return dict(
        steps=spec.steps, tracks=spec.tracks, vocab=spec.vocab, decoder=spec.decoder, bars=spec.segments,
        groove=spec.has_groove,
    )  # fmt: skip


def _preset(name: str, size: str) -> dict[str, Any]:
    """The tuned values of (name, size); a config without its own takes the first tuned config's with the
    same decoder kind, so that a new spec trains before anyone tunes it."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    kind = spec_of(name).decoder
    tuned = [n for n, s in SPECS.items() if s.decoder is kind and (n, size) in PRESETS]
    return PRESETS[(name, size)] if (name, size) in PRESETS else PRESETS[(tuned[0], size)]


def get_config(name: str, size: str = "small", **overrides: Any) -> ModelConfig:
    """The named preset, e.g. `get_config("trio_16bar", "big")`; `overrides` replace single values.

    Every hierarchical config links its bars (`bar_link`), as Magenta's hierarchical decoder does.
    """
    spec = spec_of(name)
    linked: dict[str, Any] = {"bar_link": spec.decoder is DecoderKind.HIER}
    cfg = ModelConfig(name=name, size=size, **shape_of(spec), **linked, **_preset(name, size))
    return replace(cfg, **overrides) if overrides else cfg


def sized_for(cfg: ModelConfig, bars: int) -> ModelConfig:
    """`cfg` for a fresh model that learns from `bars` bars of music (the training windows' bars; 0 or
    less: unknown, `cfg` as it is): the latent sized to what the music can fill.

    - free bits: at most log2(bars) bits. A KL allowance above that lets the encoder name every training
      window at no cost, so the prior never binds: the bundled trio's 256 free bits (177 nats) sat above
      its KL of 172 nats all through training, and random codes landed where the decoder never trained.
    - z: at most the power of two nearest 2 sqrt(bars), at least 32: 64 dimensions for ~1,000 bars, 128
      (the small preset) from ~2,000, 512 (big) from ~33,000. Measured on 15 band songs (trio, 300
      steps): z 256 with 256 free bits -> z 64 with 10 free bits gave 3.10 -> 3.02 held-out bits per step,
      the KL settling at its allowance (0.15 -> 0.013 bits per step).
    The hidden sizes stay: halving the trio's encoder and conductor widths cost 0.18 bits per step at the
    same step count for a 27% faster step; dropout and weight decay (the small presets) curb memorising.
    """
    if bars <= 0:
        return cfg
    z = max(32, 1 << round(math.log2(2.0 * math.sqrt(bars))))
    free_bits = min(cfg.free_bits, round(math.log2(max(bars, 2)), 1))
    return replace(cfg, z_size=min(cfg.z_size, z), free_bits=free_bits)


# Configs whose fine-tune learns otherwise: (learning rate, KL weight, free bits per window). The melody
# base, trained on a wide corpus of tunes, spends 20 nats of its code on a band's melodies where a model of
# them needs 9: at 1e-4 and its KL weight (0.2) a 4-minute fine-tune on 10 band songs scored 2.42 held-out
# bits per step against 1.90 from scratch; at 3e-3 and the full KL weight (1.0), 1.71, but its code then
# carried so little of each phrase that its onset F1 fell below the scratch model's (38% against 46%).
# 18 free bits (Kingma et al. 2016; MusicVAE's `free_bits`) leave the code that much for free: 1.91 bits
# and 47.5% (13: 1.84 and 41%; 24: 2.02 and 50%; docs/FINETUNE.md, "The melody model"). Its fine-tune
# schedules sampling as the mel_2bar preset does (the bundled base was trained before it).
# The band base, trained on few real drummers (POP909 and the chorales have none), learns a band's parts
# at 1e-3 with its KL weight and free bits: on the 10 band songs (averaged weights, one run each) 1e-4
# gave samples 0.049 below the unseen songs' overlap and a bass onset F1 of 43.4%, 1e-3 0.005 above and
# 54.1% (3e-3: 0.010 below, 54.9%), at 3.08 held-out bits against 2.78 (scratch 3.56; docs/FINETUNE.md).
# The others learn at engine/training/run.py's FINE_TUNE_LEARNING_RATE with their base's KL weight and
# free bits. Values: ModelConfig fields.
FINE_TUNE_BY_CONFIG: dict[str, dict[str, Any]] = {
    "mel_2bar": dict(
        learning_rate=3e-3, max_beta=1.0, free_bits=18.0, scheduled_sampling=0.25, sampling_ramp=1000
    ),
    "band_4bar": dict(learning_rate=1e-3),
}

# tiny runs last tens of steps: a config with scheduled sampling reaches its share within 10
_TINY = dict(embed_size=16, enc_size=32, dec_size=32, dec_layers=1, z_size=16, batch_size=16, beta_rate=0.99)
_TINY["sampling_ramp"] = 10
for _name, _spec in SPECS.items():
    _hier = dict(cond_size=32, cond_layers=1) if _spec.decoder is not DecoderKind.FLAT else {}
    PRESETS[(_name, "tiny")] = {**_preset(_name, "small"), **_TINY, **_hier}


def tiny_config(name: str, **overrides: Any) -> ModelConfig:
    """The `tiny` preset (tests and smoke runs), with `overrides`."""
    return get_config(name, "tiny", **overrides)
