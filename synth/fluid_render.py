# SPDX-License-Identifier: MIT
"""Offline rendering of a MIDI file, a Pattern or a Timeline to a WAV file with FluidSynth.

Tempo changes are honoured (through the Timeline's tempo map), drums sound on channel 10, each track
keeps its program. The music ends with its last note-off (events after it, such as a stray controller
minutes later, are not rendered), then the render runs on until the sound has died away (at most +2 s).
A render is capped at MAX_RENDER_SECONDS of music (RenderTooLong, a one-line reason).

Loudness: FluidSynth renders in float at soundfont.RENDER_GAIN (twice the live DEFAULT_GAIN); a render
whose peak would pass CEILING_DBFS (-1 dBFS) is scaled down as a whole, by one factor, so its peak is the
ceiling (peak normalisation, never upward: a quiet render keeps its level, and nothing clips). The
16-bit WAV is the scaled float rounded to the nearest step. Stems of one clip share one factor, so they
keep their balance.

For a DAW (`whole_bars`): the WAV starts on the first bar and is exactly the clip's length in bars at
its tempo (frames = round(seconds x rate)), plus an optional ring-out `tail` of fixed seconds, so it lines
up on the DAW's grid at the same tempo; `render_stems` writes one such WAV per track, all the same length.
"""

from __future__ import annotations

import io
import os
import threading
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import mido
import numpy as np

from engine.music.pattern import Pattern
from engine.playback.timeline import Timeline, TimelineError, timeline_from_midi, timeline_from_pattern
from models.store import atomic_write
from synth.soundfont import (
    RENDER_GAIN,
    FluidSynth,
    find_soundfont,
    new_synth,
    read_float,
    select_gm_programs,
)

MAX_TAIL_SECONDS = 2.0
MAX_RENDER_SECONDS = 30 * 60.0  # 30 minutes of 44.1 kHz stereo is about 320 MB of WAV


class RenderTooLong(TimelineError):
    """The music is longer than MAX_RENDER_SECONDS; str(e) says how long and what the cap is."""


_SILENT = 8 / 32768  # peak below which a block counts as silence (8 steps of 16-bit audio)
_BLOCK = 2048
CEILING_DBFS = -1.0  # a render's peak is scaled down to this when it would pass it
CEILING = 10 ** (CEILING_DBFS / 20)  # 0.891 of full scale


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What was written: the path, its length and the music's own length (without the tail)."""

    path: Path
    seconds: float
    music_seconds: float
    rate: int


def apply_message(synth: FluidSynth, msg: mido.Message) -> None:
    """Play one mido message on a fluidsynth.Synth."""
    t = msg.type
    if t == "note_on" and msg.velocity > 0:
        synth.noteon(msg.channel, msg.note, msg.velocity)
    elif t in ("note_on", "note_off"):
        synth.noteoff(msg.channel, msg.note)
    elif t == "program_change":
        synth.program_change(msg.channel, msg.program)
    elif t == "control_change":
        synth.cc(msg.channel, msg.control, msg.value)
    elif t == "pitchwheel":
        synth.pitch_bend(msg.channel, msg.pitch)


def as_timeline(source: str | Path | Pattern | Timeline) -> Timeline:
    """A MIDI path, a Pattern or a Timeline as a Timeline (TimelineError for unreadable files)."""
    if isinstance(source, Timeline):
        return source
    if isinstance(source, Pattern):
        return timeline_from_pattern(source)
    return timeline_from_midi(source)


def limit_scale(*audio: np.ndarray) -> float:
    """The one factor that brings float audio (any shapes, full scale +-1.0) under CEILING: CEILING over
    the highest peak when that passes CEILING, else 1.0 (never louder)."""
    peak = max((float(np.abs(a).max()) for a in audio if a.size), default=0.0)
    return CEILING / peak if peak > CEILING else 1.0


def to_pcm16(audio: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Float audio (full scale +-1.0) as int16, times `scale` (None: `limit_scale(audio)`), rounded to the
    nearest of 32767 steps per unit."""
    factor = limit_scale(audio) if scale is None else scale
    return np.clip(np.round(audio * (factor * 32767.0)), -32768, 32767).astype(np.int16)


def _play(synth: _Counted, timeline: Timeline, rate: int, end: int, last: float) -> list[np.ndarray]:
    """Plays the timeline's events up to step `last` into the synth and returns its float audio chunks
    (frames, 2), exactly `end` frames in all (events past `end` frames land on it).

    Strikes of a key in one audio frame are one strike: a key struck again in the frame where it was
    struck is inaudible, but thousands of such strikes (a damaged file) would take FluidSynth minutes of
    voice allocation. So a note-off in the frame of its key's strike waits for the frame's end (or the
    next other message), and a later strike of that key in the frame cancels it: the key sounds on, as
    the last strike asks. Offs of keys not held change nothing and are not sent.
    """
    chunks: list[np.ndarray] = []
    done = 0
    struck: set[tuple[int, int]] = set()  # keys struck in the current audio frame
    held: set[tuple[int, int]] = set()  # keys struck and not yet released
    waiting: dict[tuple[int, int], mido.Message] = {}  # offs of keys struck in this frame

    def release() -> None:
        for key, off in waiting.items():
            apply_message(synth.synth, off)
            held.discard(key)
        waiting.clear()

    at, frame = -1.0, 0
    for step, msg in timeline.events:
        if step > last:
            break
        if step != at:
            at, frame = step, min(int(round(timeline.seconds(step) * rate)), end)
        if frame > done:
            release()
            chunks.append(synth.get_float(frame - done))
            done = frame
            struck.clear()
        kind = msg.type
        if kind == "note_on" and msg.velocity:
            key = (msg.channel, msg.note)
            if key in struck:
                waiting.pop(key, None)
                continue
            struck.add(key)
            held.add(key)
        elif kind in ("note_off", "note_on"):
            key = (msg.channel, msg.note)
            if key in struck:
                waiting[key] = msg
                continue
            if key not in held:
                continue
            held.discard(key)
        elif waiting:
            release()
        apply_message(synth.synth, msg)
    release()
    if end > done:
        chunks.append(synth.get_float(end - done))
    return chunks


def render_audio(
    source: str | Path | Pattern | Timeline,
    soundfont: str | Path | None = None,
    rate: int = 44100,
    limit: float | None = None,
) -> tuple[np.ndarray, float]:
    """Stereo int16 audio, shape (frames, 2), peak at most CEILING (see the module's Loudness), and the
    music's length in seconds (to its last note-off, before the tail). RenderTooLong when that passes
    MAX_RENDER_SECONDS; with `limit` (seconds) only the music's start is rendered (a preview)."""
    timeline = as_timeline(source)
    last = timeline.last_sound
    music = timeline.seconds(last)
    if limit is not None and music > limit:
        steps = next((p for p, _ in timeline.events if timeline.seconds(p) > limit), timeline.steps)
        timeline = timeline.head(steps)
        last, music = timeline.last_sound, timeline.seconds(timeline.last_sound)
    if music > MAX_RENDER_SECONDS:
        raise RenderTooLong(
            f"the music lasts {music / 60:.0f} minutes; renders stop at {MAX_RENDER_SECONDS / 60:.0f} minutes"
        )
    with _offline_synth(soundfont, rate) as synth:
        chunks = _play(synth, timeline, rate, int(round(music * rate)), last)
        chunks.extend(_tail(synth, rate))
    return to_pcm16(_joined(chunks)), music


def _joined(chunks: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(chunks) if chunks else np.zeros((0, 2), np.float32)


def render_bars_audio(
    source: str | Path | Pattern | Timeline,
    soundfont: str | Path | None = None,
    rate: int = 44100,
    tail: float = 0.0,
) -> np.ndarray:
    """Stereo int16 audio, shape (frames, 2), peak at most CEILING (see the module's Loudness), of
    exactly the whole clip: round(duration x rate) frames (duration = `Timeline.duration`, the clip's
    steps through its tempo map) plus round(tail x rate) frames of ring-out. Notes still sounding at the
    end are released there. RenderTooLong past MAX_RENDER_SECONDS; ValueError for a negative or
    over-long (> 60 s) tail."""
    return to_pcm16(_bars_float(source, soundfont, rate, tail))


def _bars_float(
    source: str | Path | Pattern | Timeline, soundfont: str | Path | None, rate: int, tail: float
) -> np.ndarray:
    """`render_bars_audio` before it is scaled: float32 (frames, 2)."""
    if not 0.0 <= tail <= 60.0:
        raise ValueError(f"ring-out tail {tail} s outside 0..60 s")
    timeline = as_timeline(source)
    music = timeline.duration
    if music > MAX_RENDER_SECONDS:
        raise RenderTooLong(
            f"the music lasts {music / 60:.0f} minutes; renders stop at {MAX_RENDER_SECONDS / 60:.0f} minutes"
        )
    timeline = timeline.head(timeline.steps)  # releases what still sounds at the end
    end = int(round(music * rate))
    with _offline_synth(soundfont, rate) as synth:
        chunks = _play(synth, timeline, rate, end, timeline.steps)
        extra = int(round(tail * rate))
        if extra:
            chunks.append(synth.get_float(extra))
    return _joined(chunks)


def render_stems(
    pattern: Pattern,
    folder: str | Path,
    name: str,
    soundfont: str | Path | None = None,
    rate: int = 44100,
    tail: float = 0.0,
) -> list[RenderResult]:
    """One whole-bar WAV per track of `pattern` (see `render_bars_audio`), all the same length, named
    `folder/name-NN-TRACK.wav` (NN from 01, TRACK the track's name or role), all scaled by one factor
    (`limit_scale` of every stem: they keep their balance); ValueError without tracks."""
    if not pattern.tracks:
        raise ValueError("the clip has no tracks to export as stems")
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write stems: no such folder {folder}")
    stems = [_bars_float(pattern.with_tracks([track]), soundfont, rate, tail) for track in pattern.tracks]
    scale = limit_scale(*stems)
    results = []
    for i, (track, stem) in enumerate(zip(pattern.tracks, stems, strict=True), 1):
        label = "".join(c if c.isalnum() or c in "-_" else "-" for c in (track.name or str(track.role)))
        path = folder / f"{name}-{i:02d}-{label.strip('-') or 'track'}.wav"
        audio = to_pcm16(stem, scale)
        write_wav(path, audio, rate)
        results.append(RenderResult(path, len(audio) / rate, len(audio) / rate - tail, rate))
    return results


_kept: dict[tuple[str, int], tuple[FluidSynth, int]] = {}  # idle synths by (soundfont, rate), with sfid
_keeping = [False]
_kept_lock = threading.Lock()


def keep_synths(keep: bool = True) -> None:
    """Keep one idle offline synth per (soundfont, sample rate) between renders (`keep`), instead of
    loading the soundfont for every render (about 0.15 s and the soundfont's size in memory for
    FluidR3_GM): for a batch of renders (the fuzz run). `keep_synths(False)` frees them. A kept synth is
    reset (FluidSynth's system reset: voices, controllers, programs, effects), its programs selected as
    `new_synth` does and its 64-frame block finished, so the same events sound the same; the samples are
    not bit for bit those of a new synth (FluidSynth's output dither and some voice state run on: a
    difference of at most ~2% of full scale was measured)."""
    with _kept_lock:
        _keeping[0] = keep
        idle = [] if keep else list(_kept.values())
        if not keep:
            _kept.clear()
    for synth, _ in idle:
        synth.delete()


_FLUID_BLOCK = 64  # FLUID_BUFSIZE: frames FluidSynth renders at a time


class _Counted:
    """A synth (`synth`, for its events) that counts the frames read from it (`get_float`)."""

    def __init__(self, synth: FluidSynth) -> None:
        self.synth = synth
        self.frames = 0

    def get_float(self, frames: int) -> np.ndarray:
        """The next `frames` frames as float32 (frames, 2), full scale +-1.0 (soundfont.read_float)."""
        self.frames += frames
        return read_float(self.synth, frames)


@contextmanager
def _offline_synth(soundfont: str | Path | None, rate: int) -> Iterator[_Counted]:
    """A synth with the soundfont loaded for one render: a kept one (see `keep_synths`) or a new one."""
    path = find_soundfont(soundfont)
    key = (str(path), rate)
    with _kept_lock:
        kept = _kept.pop(key, None) if _keeping[0] else None
    if kept is None:
        cores = min(4, os.cpu_count() or 1)  # FluidSynth renders voices on extra threads when it has cores
        kept = new_synth(path, rate, gain=RENDER_GAIN, **{"synth.cpu-cores": cores})
    synth, sfid = kept
    counted = _Counted(synth)
    clean = False
    try:
        yield counted
        clean = True
    finally:
        if clean and _keeping[0]:
            synth.system_reset()
            select_gm_programs(synth, sfid)
            # FluidSynth renders in blocks of 64 frames and applies events at block starts: read the
            # rest of the current block, so the next render's events fall where a new synth's would
            rest = -counted.frames % _FLUID_BLOCK
            if rest:
                synth.get_samples(rest)
            with _kept_lock:
                if _keeping[0] and key not in _kept:
                    _kept[key] = kept
                    kept = None
        if kept is not None:
            synth.delete()


def _tail(synth: _Counted, rate: int) -> list[np.ndarray]:
    """Float blocks after the end until the sound has died away, at most MAX_TAIL_SECONDS."""
    out: list[np.ndarray] = []
    for _ in range(int(MAX_TAIL_SECONDS * rate) // _BLOCK):
        block = synth.get_float(_BLOCK)
        out.append(block)
        if float(np.abs(block).max()) < _SILENT:
            break
    return out


def write_wav(path: str | Path, audio: np.ndarray, rate: int) -> None:
    """Write (frames, 2) int16 audio as a 16-bit stereo WAV, atomically (models.store.atomic_write)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.ascontiguousarray(audio, dtype="<i2").tobytes())
    atomic_write(path, buffer.getvalue())


def render_wav(
    source: str | Path | Pattern | Timeline,
    wav_path: str | Path,
    soundfont: str | Path | None = None,
    rate: int = 44100,
    whole_bars: bool = False,
    tail: float = 0.0,
) -> RenderResult:
    """Render `source` to `wav_path`; SoundError (no soundfont/FluidSynth) or TimelineError (bad MIDI).

    `whole_bars`: exactly the clip's bars plus `tail` seconds (`render_bars_audio`), for a DAW; otherwise
    to the last note-off plus the natural ring-out (at most MAX_TAIL_SECONDS)."""
    if not 8000 <= rate <= 192000:
        raise ValueError(f"sample rate {rate} outside 8000..192000")
    path = Path(wav_path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: no such folder {path.parent}")
    if whole_bars:
        audio = render_bars_audio(source, soundfont, rate, tail)
        music = len(audio) / rate - tail
    else:
        audio, music = render_audio(source, soundfont, rate)
    write_wav(path, audio, rate)
    return RenderResult(path, len(audio) / rate, music, rate)
