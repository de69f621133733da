# SPDX-License-Identifier: MIT
"""What each model config is: one frozen `ModelSpec` per config name in `SPECS`, the one table of them.

A spec says what the model reads and writes (its window, token arrays, vocabularies, decoder kind, heads,
the musical parts it knows) and how the app treats it. `ModelConfig` (models/presets.py) takes its shape
fields from here and the converters (engine/data/converters.py) their window and arrays; everything else
asks the spec (`spec.decoder is DecoderKind.MULTITRACK`, `spec.has_groove`, `spec.parts`...) instead of
testing config names. A new config is one entry here plus, if no existing converter reads it, a converter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from models.vocab import BAND_SLOTS, BAND_VOCAB, DRUM_VOCAB, MELODY_VOCAB, MULTITRACK_VOCAB

STEPS_PER_BAR = 16  # a 4/4 bar on the 16th grid, the default meter of a spec
DEFAULT_TEMPERATURE = 0.5  # a part's temperature where its spec gives none
# Event tokens per (bar, instrument) of the band configs: enough for 97.9% of the notes of the band corpus
# and 99.x% of ../shared/data/midi/multitrack (benchmarks/bench_band.py measures it per config).
BAND_BAR_EVENTS = 96


class DecoderKind(StrEnum):
    """How a model decodes; the value is what model.json stores."""

    FLAT = "flat"  # one LSTM over the whole window, conditioned on z
    HIER = "hier"  # a conductor gives one embedding per bar; a decoder per track decodes every bar
    MULTITRACK = "multitrack"  # a conductor per instrument slot; a program head picks each slot's instrument
    BAND = "band"  # a conductor per bar; a program head per instrument slot; events per (bar, slot)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One model config: what it reads and writes, and how the app uses it.

    Attributes:
        name: the config name ("drums_2bar"), as model.json and the command line spell it.
        short_name: a column heading for tables ("drums").
        converter: which converter of engine/data/converters.py turns its windows into arrays.
        tracks: the token arrays its decoders write, one decoder per track ("tokens" for all slots).
        vocab: token classes per track.
        decoder: the decoder kind.
        window_bars: bars in one example window.
        steps_per_bar: 16th steps per bar (the meter).
        segments: what the conductor cuts the output into: bars (HIER) or instrument slots (MULTITRACK).
        velocity_head, offset_head: the decoder predicts each note's velocity / micro-timing.
        parts: the musical parts it reads and writes, in the order `complete` writes them.
        maskable: token arrays holding melody-vocabulary pitches: `--key` masks them, training transposes.
        reads_pitched, reads_drums: whether it can use a clip's pitched notes / its drums.
        report_seconds: time to reserve for the latent fit and the report card at the end of training, at
            least (measured 2-9 s for small configs on 2 idle cores; about 3x that covers a moderately busy
            machine).
        report_steps: the report card's work in training steps of the small size: training reserves
            report_steps x its own measured seconds per step when that is more than report_seconds (a
            busy machine). Measured 4-20 steps on 2 cores under load 1-6 (`benchmarks.bench_train_load`).
        temperatures: each part's sampling temperature when nothing else says (a model's report card
            recommends its own), in the order of `parts`.
        any_meter: it reads bars in every meter of models.vocab.BAND_METERS (steps per bar from the
            meter, `steps_per_bar` is then the 4/4 bar), and is conditioned on the meter.
        bar_events: BAND: event tokens per (bar, instrument slot).
        transpose: training copies are transposed by at most this many semitones each way (the band
            configs: 3, as Magenta's multiperf configs' transpose_range; their examples are 8 instruments
            of events, and a folder's 16-bar windows at +-5 took 1.1 GB to train).
    """

    name: str
    short_name: str
    converter: str
    tracks: tuple[str, ...]
    vocab: tuple[int, ...]
    decoder: DecoderKind
    window_bars: int
    parts: tuple[str, ...]
    reads_pitched: bool
    reads_drums: bool
    steps_per_bar: int = STEPS_PER_BAR
    segments: int = 1
    velocity_head: bool = False
    offset_head: bool = False
    maskable: tuple[str, ...] = ()
    report_seconds: float = 15.0
    report_steps: float = 30.0
    temperatures: tuple[float, ...] = ()
    any_meter: bool = False
    bar_events: int = 0
    transpose: int = 5

    def __post_init__(self) -> None:
        if len(self.tracks) != len(self.vocab) or not self.tracks:
            raise ValueError(f"{self.name}: tracks and vocab must be non-empty and of the same length")
        if self.window_bars <= 0 or self.steps_per_bar <= 0 or self.segments <= 0:
            raise ValueError(f"{self.name}: window_bars, steps_per_bar and segments must be > 0")
        if self.decoder is DecoderKind.FLAT and self.segments != 1:
            raise ValueError(f"{self.name}: a flat decoder has one segment")
        if self.decoder is DecoderKind.HIER and self.steps % self.segments:
            raise ValueError(f"{self.name}: {self.steps} steps do not cut into {self.segments} segments")
        if self.offset_head and not self.velocity_head:
            raise ValueError(f"{self.name}: an offset head comes with a velocity head")
        if not set(self.maskable) <= set(self.tracks):
            raise ValueError(f"{self.name}: maskable {self.maskable} must be among the tracks {self.tracks}")
        if not (self.parts and (self.reads_pitched or self.reads_drums)):
            raise ValueError(f"{self.name}: a model reads at least one part")
        if (self.decoder is DecoderKind.BAND) != (self.bar_events > 0):
            raise ValueError(f"{self.name}: a band decoder, and only it, has bar_events > 0")
        if self.temperatures and len(self.temperatures) != len(self.parts):
            raise ValueError(f"{self.name}: one temperature per part {self.parts}")

    @property
    def steps(self) -> int:
        """16th steps of one window (of one instrument slot for MULTITRACK)."""
        return self.window_bars * self.steps_per_bar

    @property
    def slots(self) -> int:
        """Instrument slots of a multi-instrument config (MULTITRACK, BAND), else 0."""
        return self.segments if self.decoder in (DecoderKind.MULTITRACK, DecoderKind.BAND) else 0

    @property
    def segment_steps(self) -> int:
        """Steps one decoder call writes: a bar (HIER), a whole slot (MULTITRACK) or the window (FLAT)."""
        return self.steps if self.decoder is not DecoderKind.HIER else self.steps // self.segments

    @property
    def has_groove(self) -> bool:
        """GrooVAE's heads: velocity and micro-timing of every drum class on every step."""
        return self.velocity_head and self.offset_head

    @property
    def velocity_temperature(self) -> bool:
        """Whether its dynamics have a temperature of their own, "velocity" beside the parts: a band
        decoder's VEL events, or a per-note velocity head on several instruments (multitrack_1bar), where
        it scales how far each note's velocity strays from its instrument's mean in the clip. GrooVAE's
        drum heads (drums_2bar) have none: a drummer's dynamics are the groove."""
        return self.decoder is DecoderKind.BAND or (self.velocity_head and not self.offset_head)

    @property
    def pitched_melody_tokens(self) -> bool:
        """Whether every track it writes is a pitched line drawn token by token from melody-vocabulary
        classes (a flat or hierarchical decoder whose tracks are all `maskable`): one note, rest or hold
        per 16th, where a hot draw leaps across the range. The report card tries top-k sampling for
        these (engine/evaluation/style.py `recommend_top_k`)."""
        return self.decoder in (DecoderKind.FLAT, DecoderKind.HIER) and self.maskable == self.tracks

    @property
    def default_temperatures(self) -> dict[str, float]:
        """part -> the temperature it samples at unless told otherwise (DEFAULT_TEMPERATURE without a
        value of its own)."""
        values = self.temperatures or (DEFAULT_TEMPERATURE,) * len(self.parts)
        return dict(zip(self.parts, values, strict=True))

    @property
    def mask_vocab(self) -> dict[str, int]:
        """The maskable token arrays and their vocabulary sizes."""
        return {t: v for t, v in zip(self.tracks, self.vocab, strict=True) if t in self.maskable}


SPECS: Mapping[str, ModelSpec] = MappingProxyType(
    {
        s.name: s
        for s in (
            ModelSpec(
                name="mel_2bar", short_name="mel", converter="melody", tracks=("melody",),
                vocab=(MELODY_VOCAB,), decoder=DecoderKind.FLAT, window_bars=2, parts=("melody",),
                reads_pitched=True, reads_drums=False, maskable=("melody",),
            ),
            ModelSpec(
                name="drums_2bar", short_name="drums", converter="drums", tracks=("drums",),
                vocab=(DRUM_VOCAB,), decoder=DecoderKind.FLAT, window_bars=2, parts=("drums",),
                reads_pitched=False, reads_drums=True, velocity_head=True, offset_head=True,
            ),
            ModelSpec(
                name="trio_16bar", short_name="trio", converter="trio", tracks=("melody", "bass", "drums"),
                vocab=(MELODY_VOCAB, MELODY_VOCAB, DRUM_VOCAB), decoder=DecoderKind.HIER, window_bars=16,
                segments=16, parts=("melody", "bass", "drums"), reads_pitched=True, reads_drums=True,
                maskable=("melody", "bass"), report_seconds=40.0,
            ),
            ModelSpec(
                name="multitrack_1bar", short_name="multi", converter="multitrack", tracks=("tokens",),
                vocab=(MULTITRACK_VOCAB,), decoder=DecoderKind.MULTITRACK, window_bars=1, segments=8,
                parts=("drums", "bass", "melody"), reads_pitched=True, reads_drums=True, velocity_head=True,
                maskable=("tokens",), report_seconds=40.0,
            ),
        )
        + tuple(
            ModelSpec(
                name=f"band_{bars}bar", short_name=f"band{bars}", converter="band", tracks=("events",),
                vocab=(BAND_VOCAB,), decoder=DecoderKind.BAND, window_bars=bars, segments=BAND_SLOTS,
                parts=("drums", "bass", "melody"), reads_pitched=True, reads_drums=True,
                maskable=("events",), report_seconds=40.0 + 8.0 * bars, any_meter=True,
                bar_events=BAND_BAR_EVENTS, transpose=3,
            )
            for bars in (1, 4, 16)
        )
    }
)  # fmt: skip
CONFIG_NAMES: tuple[str, ...] = tuple(SPECS)
DEFAULT_CONFIG = "drums_2bar"  # what `train` and the Train tab offer first: a beat is the quickest win
# The bundled model each live role plays by default (the jam, answers to what you play): drums for beats,
# a melody model for bass and lead lines, and the band model that answers quickest (0.55 s a phrase,
# against 0.85 s for trio_16bar, measured on the jam benchmark's 2-core machine).
LIVE_DRUMS, LIVE_MELODY, LIVE_BAND = "drums_2bar", "mel_2bar", "multitrack_1bar"


def spec_of(name: str) -> ModelSpec:
    """The spec of config `name`; ValueError naming the known configs otherwise."""
    try:
        return SPECS[name]
    except KeyError:
        raise ValueError(f"unknown config {name!r}; choose one of {', '.join(CONFIG_NAMES)}") from None
