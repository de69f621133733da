# SPDX-License-Identifier: MIT
"""Infilling and whole-song completion: rewrite chosen parts or tracks over chosen bars of a song so that
the new notes join the bars around them, with any model (a line per part: mel_2bar, drums_2bar,
trio_16bar; instrument slots: multitrack_1bar).

The song is walked in model-length windows that overlap by half a window (none for a 1-bar model), each
placed to hold the bars being written plus as many bars around them as fit. In each window:

1. the parts being written are known where the song keeps them (outside the region, or written by an
   earlier window) and unknown where they are still to be written;
2. z moves by Adam to make the known notes likely (the other parts, and the written parts at their
   known steps only: `MusicVAE.recon_log_prob` weights), plus the prior's pull, as in Magenta's
   latent-constraint fitting (Engel et al. 2017, "Latent Constraints", here a direct fit of z instead of
   a learned critic). A model with a line per part starts from the encoder's mean of the window and from
   `STARTS - 1` draws of the prior, and keeps the codes along each fit's path: its parts meet only in z,
   and a z fitted closely to drums alone can leave no room for a melody;
3. candidates are decoded from those codes with the kept parts teacher-forced; each candidate's notes
   for the window's write range are spliced into the window, and the splice the model finds most likely
   as a whole (known steps before and after included, so it joins both neighbours) wins, a candidate
   with notes in more bars first (a part that was asked for is played). A bar the winner leaves silent
   takes the bar of the most likely candidate that plays there; bars no candidate plays get one more
   round at temperature 1 or more (a model sampled cold, as its report card recommends, often rests).

The new notes go into the track that played the part (its channel, program and file track kept), or a new
track when the song has none; every other note and event of the song is left exactly as it was, so the
lossless writer (engine/midi/writer.py) writes the rest of the file back unchanged. Bars in meters the
models cannot read are left as they were, with a notice.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from engine.data.band import band_slots, event_notes
from engine.data.converter import merged_drums
from engine.generation.chain import loop_to
from engine.generation.fit import GenerationError, readable_spans
from engine.generation.humanize import finish
from engine.generation.runner import Notices, Runner, Temperature
from engine.music.keys import Key, logit_masks
from engine.music.pattern import FOUR_FOUR, STEPS_PER_BAR, Meter, Note, Pattern, Role, Track
from models import band as band_model
from models.spec import DecoderKind
from models.vocab import (
    BAND_DUR,
    BAND_PITCH,
    BAND_VOCAB,
    DRUM_KIT,
    EMPTY_SLOT,
    FIRST_PITCH_TOKEN,
    GM_BASSES,
    MELODY_VOCAB,
    MIN_PITCH,
    PROGRAM_CLASSES,
    meter_steps,
)

FIT_STEPS = 24  # two dozen: a trio fit is ~0.3 s per step on a busy laptop CPU
FIT_LR = 0.1
CANDIDATES = 8  # decoded per window (and start) and written part; the most likely splice wins
STARTS = 4  # latent fits per window of a line model: the encoder's mean and 3 draws from the prior
RETRIES = 3  # more decodes of a multitrack window whose candidates were all silent
PATH_CANDIDATES = 4  # decoded per start and point of its fit's path (4 points): 64 per window
ROLE_OF = {"melody": Role.LEAD, "bass": Role.BASS, "drums": Role.DRUMS}
PARTS = ("melody", "bass", "drums")
GM_SOUND_EFFECTS = range(112, 128)
PART_PROGRAMS = {  # the program classes a multitrack slot may take to play each part
    "drums": [DRUM_KIT],
    "bass": list(GM_BASSES),
    "melody": [p for p in range(GM_SOUND_EFFECTS.start) if p not in GM_BASSES],  # pitched, no effects
}
NOTHING_ASKED = "no part was asked for, so nothing was written"


class NothingToWrite(Exception):
    """Every part is there already and none was asked for; str(e) is the notice for the musician."""


def parse_parts(text: str | Sequence[str] | None) -> list[str] | None:
    """ "melody,bass" or ["melody", "bass"] -> list; None stays None (= write the missing parts)."""
    if text is None:
        return None
    items = text.replace("+", ",").split(",") if isinstance(text, str) else list(text)
    return [p.strip().lower() for p in items if p.strip()]


def parse_bars(text: str) -> tuple[int, int]:
    """ "9-12" -> (9, 12), "5" -> (5, 5): 1-based bar numbers, both ends included; ValueError (one line)
    for anything else."""
    first, sep, last = text.strip().partition("-")
    try:
        lo, hi = int(first), int(last) if sep else int(first)
    except ValueError:
        raise ValueError(f"--bars {text!r}: write a bar or a range of bars, e.g. 9-12 or 5") from None
    if lo < 1 or hi < lo:
        raise ValueError(f"--bars {text!r}: bars count from 1 and the range must not run backwards")
    return lo, hi


def part_of(track: Track) -> str:
    """ "melody", "bass" or "drums" for tracks with those roles, else ""."""
    if track.is_drum or track.role == Role.DRUMS:
        return "drums"
    return "bass" if track.role == Role.BASS else "melody" if track.role == Role.LEAD else ""


@dataclass(frozen=True, slots=True)
class Target:
    """One thing being written: the model part that writes it and the song track it goes into.

    `track` indexes the song's tracks (a new, empty track is added for a part the song lacks);
    `programs` are the GM programs a multitrack slot may take for it (DRUM_KIT for drums).
    """

    part: str
    track: int
    programs: tuple[int, ...] = ()


def bar_span(song: Pattern, bars: tuple[int, int] | None) -> tuple[int, int]:
    """Steps [start, end) of bars `bars` (1-based, inclusive) of the song, or of the whole song for None.
    GenerationError for bars the song does not have."""
    if bars is None:
        return 0, song.steps
    starts = song.bar_starts()
    first, last = bars
    if first > len(starts):
        raise GenerationError(f"bars {first}-{last}: the song has {len(starts)} bars")
    last = min(last, len(starts))
    end = starts[last] if last < len(starts) else song.steps
    return int(round(starts[first - 1])), int(round(end))


def bars_text(song: Pattern, lo: int, hi: int) -> str:
    """ "bars 9-12" / "bar 9" for steps [lo, hi) of the song (1-based bar numbers)."""
    starts = song.bar_starts()
    first = sum(1 for s in starts if s <= lo)
    last = sum(1 for s in starts if s < hi)
    return f"bars {first}-{last}" if last > first else f"bar {first}"


def fit_latent(
    runner: Runner,
    batch: dict[str, torch.Tensor],
    keys: list[str],
    weights: dict[str, torch.Tensor] | None = None,
    start: torch.Tensor | None = None,
    every: int = 0,
) -> torch.Tensor:
    """z (B, Z) that makes batch[keys] likely (each token weighed by `weights`, 1 where absent): Adam for
    FIT_STEPS steps from `start` (B, Z), by default the encoder's mean, with the prior's pull 0.5 |z|^2.

    With `every` > 0, the start and the codes after every `every` steps come back stacked,
    (1 + FIT_STEPS // every, B, Z): a model whose parts meet only in z (trio_16bar) may stop writing a
    part as z fits the others closer, so the candidates come from the whole path."""
    init = runner.encode_batch(batch) if start is None else start.to(runner.device)
    z = init.detach().clone().float().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=FIT_LR)
    path = [z.detach().clone()]
    with torch.enable_grad():
        for step in range(1, FIT_STEPS + 1):
            opt.zero_grad()
            loss = -runner.model.recon_log_prob(z, batch, keys=keys, weights=weights).sum()
            loss = loss + 0.5 * (z**2).sum()
            loss.backward()  # type: ignore[no-untyped-call]  # torch leaves Tensor.backward unannotated
            opt.step()
            if every and step % every == 0:
                path.append(z.detach().clone())
    return torch.stack(path) if every else z.detach()


# ---- windows ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Window:
    """A model window over song steps [start, start + steps) (looped when its 4/4 run is shorter) that
    writes steps [write_lo, write_hi)."""

    start: int
    write_lo: int
    write_hi: int
    span: tuple[int, int]


def plan_windows(
    todo: list[tuple[int, int]], spans: list[tuple[int, int]], steps: int, bar: int = STEPS_PER_BAR
) -> list[Window]:
    """Windows of `steps` that write every step range of `todo` (each inside one run of `spans`), each
    window holding half a window of the bars before what it writes (the bars written just before, or the
    song's own) and, for the last one of a range, the bars after it as far as the run allows. `bar`: the
    steps of a bar of the runs (a band model's window in 3/4 is 12 steps a bar)."""
    context = (steps // 2) // bar * bar  # 0 for a 1-bar model
    out = []
    for lo, hi in todo:
        span = next(s for s in spans if s[0] <= lo < s[1])
        p, q = span
        if q - p <= steps:  # the whole run fits (looped): one window writes it
            out.append(Window(p, lo, hi, span))
            continue
        cursor = lo
        while cursor < hi:
            room = steps - context if cursor > p else steps
            rest = hi - cursor
            if rest <= room:  # the last piece: centre it, so the bars after it are seen too
                before = (steps - rest) // 2 // bar * bar
                start = min(max(cursor - before, p), q - steps)
            else:
                start = min(max(cursor - context, p), q - steps)
            end = min(hi, start + steps)
            out.append(Window(start, cursor, end, span))
            cursor = end
    return out


def readable_todo(
    song: Pattern, lo: int, hi: int, any_meter: bool = False
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(the 4/4 step ranges of [lo, hi) to write, the song's 4/4 runs with notes); `any_meter` (the band
    models): the runs in every meter they read, each run in one meter."""
    spans, _ = readable_spans(song, "the song", any_meter)
    todo = [(max(lo, p), min(hi, q)) for p, q in spans if max(lo, p) < min(hi, q)]
    return todo, spans


# ---- the song state --------------------------------------------------------------------------------
def clear(track: Track, ranges: list[tuple[int, int]]) -> Track:
    """`track` without its notes that begin in `ranges`; a note sounding into a range ends where it
    begins."""
    notes = []
    for n in track.notes:
        if any(lo <= n.start < hi for lo, hi in ranges):
            continue
        cut = min((lo for lo, hi in ranges if n.start < lo < n.end), default=None)
        notes.append(n if cut is None else dataclasses.replace(n, end=cut))
    return track.with_notes(notes)


def add_notes(song: Pattern, index: int, notes: Sequence[Note]) -> Pattern:
    tracks = list(song.tracks)
    tracks[index] = tracks[index].with_notes([*tracks[index].notes, *notes])
    return song.with_tracks(tracks)


def window_of(song: Pattern, w: Window, steps: int) -> Pattern:
    """The song's steps the window reads, as a 4/4 clip of `steps` (a short run looped)."""
    p, q = w.span
    if q - p <= steps:
        clip = song.slice(p, q)
        clip = loop_to(dataclasses.replace(clip, meter=FOUR_FOUR, meter_map=()), steps)
    else:
        clip = song.slice(w.start, w.start + steps)
    return dataclasses.replace(clip, meter=FOUR_FOUR, meter_map=(), source=None)


def known_steps(unknown: np.ndarray, w: Window, steps: int) -> np.ndarray:
    """float32 (steps,): 1 where the written part is known in the window, 0 where it is still to write."""
    p, q = w.span
    if q - p <= steps:
        return np.resize(~unknown[p:q], steps).astype(np.float32)
    return (~unknown[w.start : w.start + steps]).astype(np.float32)


def placed(notes: Sequence[Note], w: Window, steps: int) -> list[Note]:
    """Window notes that begin in the write range, moved to song steps and ended by the range's end."""
    lo, hi = w.write_lo - w.start, w.write_hi - w.start
    return [
        Note(n.pitch, n.start + w.start, min(n.end, hi) + w.start, n.velocity, n.offset)
        for n in notes
        if lo <= n.start < hi
    ]


def bars_with_onsets(onsets: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """onsets bool (K, steps) -> int (K,): bars of [lo, hi) in which each candidate starts a note."""
    k = onsets.shape[0]
    span = onsets[:, lo:hi]
    pad = (-span.shape[1]) % STEPS_PER_BAR
    span = np.concatenate([span, np.zeros((k, pad), dtype=bool)], axis=1)
    counts: np.ndarray = span.reshape(k, -1, STEPS_PER_BAR).any(-1).sum(-1)
    return counts


# ---- the request ------------------------------------------------------------------------------------
def _new_track(part: str, program: int = 0) -> Track:
    if part == "drums":
        return Track((), 0, True, Role.DRUMS, "drums")
    return Track((), program, False, ROLE_OF[part], part)


def _drumless_arrangement(song: Pattern) -> bool:
    """A song with no drums and at least two pitched tracks (a choir, a quartet): drums are not missing."""
    pitched = [t for t in song.tracks if not t.is_drum and t.notes]
    return not any(t.is_drum and t.notes for t in song.tracks) and len(pitched) >= 2


def missing_parts(song: Pattern, model_parts: Sequence[str]) -> list[str]:
    """The model's parts no track of the song plays (drums are not missing from a drumless
    arrangement); NothingToWrite when there are none."""
    present = {part_of(t) for t in song.tracks if t.notes}
    drumless = _drumless_arrangement(song)
    write = [p for p in model_parts if p not in present and not (p == "drums" and drumless)]
    if not write:
        has = " and ".join(p for p in ("melody", "bass") if p in present and p in model_parts)
        why = "melody, bass and drums" if not drumless else f"{has or 'its parts'} and no drums (drumless)"
        raise NothingToWrite(
            f"the song already has {why}, so nothing was written; say which to write with --parts "
            f"({', '.join(model_parts)})"
        )
    return write


def targets_for(
    runner: Runner, song: Pattern, names: Sequence[str | int] | None, new_instruments: bool
) -> tuple[Pattern, list[Target]]:
    """The song (with an empty track added for each part it lacks) and what to write: part names
    (melody, bass, drums), track names of the song, or track indices (0-based). `new_instruments`
    (complete with a multitrack model): each asked part becomes a new instrument beside the song's own."""
    spec = runner.spec
    slots = spec.decoder in (DecoderKind.MULTITRACK, DecoderKind.BAND)
    model_parts = list(PARTS) if slots else [p for p in spec.parts if p in PARTS]
    if names is None:
        names = missing_parts(song, model_parts)
    if not names:
        raise NothingToWrite(NOTHING_ASKED)
    tracks, targets = list(song.tracks), []
    lower = {t.name.strip().lower(): i for i, t in enumerate(song.tracks) if t.name.strip()}
    for name in dict.fromkeys(names):
        if isinstance(name, int):  # a track by its index (the app's track boxes)
            targets.append(_track_target(spec.name, tracks, name, model_parts, slots))
            continue
        if name in PARTS:
            if name not in model_parts:
                can = ", ".join(model_parts)
                raise GenerationError(f"{spec.name} writes {can} only; it cannot write {name}")
            index = None if new_instruments and slots else _track_of(tracks, name)
            if index is None:
                tracks.append(_new_track(name))
                index = len(tracks) - 1
            programs = tuple(PART_PROGRAMS[name]) if index >= len(song.tracks) else ()
            targets.append(Target(name, index, programs))
        elif name in lower:
            targets.append(_track_target(spec.name, tracks, lower[name], model_parts, slots))
        else:
            names = model_parts + [t.name for t in song.tracks if t.name.strip()]
            known = ", ".join(dict.fromkeys(str(n) for n in names))  # a track named like a part: once
            raise GenerationError(f"unknown part or track {name!r}; choose from {known}")
    if len({t.track for t in targets}) < len(targets):
        raise GenerationError("a track was named twice (by its part and by its name); name it once")
    return song.with_tracks(tracks), targets


def _track_target(
    config: str, tracks: Sequence[Track], index: int, model_parts: Sequence[str], slots: bool
) -> Target:
    """The target that rewrites the song's track `index`: its part, or for an instrument model the part
    its program plays. GenerationError when the track is not there or the model has no part for it."""
    if not 0 <= index < len(tracks):
        raise GenerationError(f"the song has no track {index + 1}; it has {len(tracks)}")
    track, part = tracks[index], part_of(tracks[index])
    label = repr(track.name) if track.name.strip() else str(index + 1)
    if not slots and part not in model_parts:
        raise GenerationError(
            f"track {label} plays none of {config}'s parts ({', '.join(model_parts)}); name a part instead"
        )
    return Target(part or ("bass" if track.program in GM_BASSES else "melody"), index)


def _track_of(tracks: Sequence[Track], part: str) -> int | None:
    """The song track that plays `part` (the first drum track for drums), or None."""
    return next((i for i, t in enumerate(tracks) if part_of(t) == part), None)


# ---- the entry point ---------------------------------------------------------------------------------
def fill(
    runner: Runner,
    song: Pattern,
    names: Sequence[str | int] | None,
    bars: tuple[int, int] | None,
    *,
    seed: int,
    temperature: Temperature,
    key: Key | str | None,
    feel: bool,
    notices: Notices,
    new_instruments: bool = False,
) -> Pattern:
    """The song with `names` (parts or tracks; None: the parts it lacks) written over `bars` (1-based,
    inclusive; None: every bar), joined to the bars around them; everything else as it was.

    Notices say what was written where ("wrote melody in bars 1-16 (57 notes)"), or why a part got no
    notes. GenerationError for a request the model cannot serve (one line).
    """
    if names is not None and not names:
        notices.append(NOTHING_ASKED)
        return song
    try:
        work, targets = targets_for(runner, song, names, new_instruments)
    except NothingToWrite as e:
        notices.append(str(e))
        return song
    runner.fit(song, "the song", [])  # the song's one-line errors: no notes, nothing the model reads
    lo, hi = bar_span(song, bars)
    band = runner.spec.decoder is DecoderKind.BAND
    todo, spans = readable_todo(song, lo, hi, band)
    meters = "a meter the band models read" if band else "4/4"
    if not todo:
        raise GenerationError(
            f"{bars_text(song, lo, hi)} of the song are not in {meters} with notes around them; "
            f"the model reads {meters} only"
        )
    starts = song.bar_starts()
    written_bars = _bars_in(starts, todo)
    skipped = sum(1 for s in starts if lo <= s < hi) - len(written_bars)
    if skipped > 0:
        notices.append(
            f"{skipped} bar(s) of {bars_text(song, lo, hi)} are not in {meters} or have no "
            "notes around them, so they were left as they were"
        )
    tracks = list(work.tracks)
    for t in targets:
        tracks[t.track] = clear(tracks[t.track], todo)
        if t.part == "drums":  # the part is every drum track: all of them make room
            for i, other in enumerate(tracks):
                if other.is_drum and i != t.track and not any(x.track == i for x in targets):
                    tracks[i] = clear(other, todo)
    work = work.with_tracks(tracks)
    resolved = runner.resolve_key(key, work, notices)
    writers = {DecoderKind.MULTITRACK: _SlotWriter, DecoderKind.BAND: _BandWriter}
    writer = writers.get(runner.spec.decoder, _LineWriter)
    done = writer(runner, work, targets, temperature, resolved, feel, notices).write(todo, spans, seed)
    written: list[str] = []
    thin: list[str] = []  # parts that play in under half the bars, said after what was written
    total = len(written_bars)
    for t in targets:
        made = len(done.tracks[t.track].notes) - len(work.tracks[t.track].notes)
        if made:
            written.append(f"{t.part if t.track >= len(song.tracks) else _label(song, t)} ({made} notes)")
            new = [n for n in done.tracks[t.track].notes if n not in set(work.tracks[t.track].notes)]
            played = len({bisect.bisect_right(starts, n.start) for n in new} & written_bars)
            if played < total / 2:
                thin.append(
                    f"{_label(work, t)} plays in only {played} of the {total} bars written: the model hears "
                    f"little {t.part} over this music; try --temperature 1 or another --seed"
                )
        else:
            notices.append(
                f"{_label(work, t)} got no notes in {bars_text(song, lo, hi)}: every candidate the model "
                "wrote was silent there; try --temperature 1 or another --seed"
            )
    if written:
        notices.append(f"wrote {', '.join(written)} in {bars_text(song, todo[0][0], todo[-1][1])}")
    notices.extend(thin)
    # a track added for a part that got no notes is not added
    keep = [t for i, t in enumerate(done.tracks) if i < len(song.tracks) or t.notes]
    return done.with_tracks(keep)


def _bars_in(starts: Sequence[float], todo: list[tuple[int, int]]) -> set[int]:
    """The bars (1-based, as `bisect_right(starts, step)` numbers them) that begin in the step ranges of
    `todo`; `starts` is the song's bar starts."""
    return {i + 1 for i, s in enumerate(starts) if any(a <= s < b for a, b in todo)}


def _label(song: Pattern, t: Target) -> str:
    name = song.tracks[t.track].name.strip() if t.track < len(song.tracks) else ""
    return f"{t.part} ({name})" if name and name.lower() != t.part else t.part


class _Writer:
    """What both writers are given: the runner, the song, the targets and how to decode; `steps` is the
    model's window length in 16th steps."""

    def __init__(
        self,
        runner: Runner,
        song: Pattern,
        targets: list[Target],
        temperature: Temperature,
        key: Key | None,
        feel: bool,
        notices: Notices,
    ) -> None:
        self.runner, self.song, self.targets = runner, song, targets
        self.temperature, self.key, self.feel, self.notices = temperature, key, feel, notices
        self.steps = runner.converter.steps

    def write(self, todo: list[tuple[int, int]], spans: list[tuple[int, int]], seed: int) -> Pattern:
        """The song with every target written over the step ranges `todo` (each inside one run of
        `spans`, the song's readable runs), window by window; seed: the first window's sampling seed."""
        raise NotImplementedError

    def _set_program(self, index: int, program: int) -> None:
        """The song's track `index` plays `program` (a new instrument's chosen GM program)."""
        tracks = list(self.song.tracks)
        tracks[index] = dataclasses.replace(tracks[index], program=program)
        self.song = self.song.with_tracks(tracks)


class _LineWriter(_Writer):
    """Writes parts of a model with a token line per part (mel_2bar, drums_2bar, trio_16bar)."""

    @property
    def write_parts(self) -> list[str]:
        """The parts asked for, in the targets' order."""
        return [t.part for t in self.targets]

    @property
    def model_parts(self) -> list[str]:
        """The model's parts, in its own order."""
        return [p for p in self.runner.spec.tracks if p in PARTS]

    def write(self, todo: list[tuple[int, int]], spans: list[tuple[int, int]], seed: int) -> Pattern:
        unknown = np.zeros(self.song.steps, dtype=bool)
        for a, b in todo:
            unknown[a:b] = True
        present = {part_of(t) for t in self.song.tracks if t.notes}
        given = [p for p in self.model_parts if p not in self.write_parts and p in present]
        for i, w in enumerate(plan_windows(todo, spans, self.steps)):
            self.song = self._window(w, unknown, given, seed + i)
            unknown[w.write_lo : w.write_hi] = False
        return self.song

    def _window(self, w: Window, unknown: np.ndarray, given: list[str], seed: int) -> Pattern:
        runner, steps, k = self.runner, self.steps, PATH_CANDIDATES
        arrays = runner.converter.to_tensors(window_of(self.song, w, steps))
        known = known_steps(unknown, w, steps)  # (steps,)
        one_batch = runner.batch([arrays])
        # several starts: the encoder's mean of the window with its holes, and draws from the prior (an
        # encoder that hears a silent melody puts z where the decoder writes none)
        start = torch.cat([runner.encode_batch(one_batch).float().cpu(), runner.prior(STARTS - 1, seed)])
        batch = {name: v.expand(STARTS, *v.shape[1:]) for name, v in one_batch.items()}
        weights = {p: torch.as_tensor(known[None]).expand(STARTS, -1) for p in self.write_parts}
        keys = given + self.write_parts
        path = fit_latent(runner, batch, keys, weights, start, every=max(FIT_STEPS // 3, 1))
        z = path.reshape(-1, path.shape[-1])  # (points * STARTS, Z)
        zk = z.repeat_interleave(k, dim=0)  # (points * STARTS * K, Z)
        lo, hi = w.write_lo - w.start, w.write_hi - w.start
        scored = known.copy()
        scored[lo:hi] = 1.0
        spliced, logp = self._candidates(arrays, zk, given, keys, scored, (lo, hi), self.temperature, seed)
        played = np.sum([bars_with_onsets(_onsets(spliced[p], p), lo, hi) for p in self.write_parts], axis=0)
        best = max(range(len(logp)), key=lambda i: (int(played[i]), float(logp[i])))
        one = {name: v[best].copy() for name, v in spliced.items()}
        if self._patch_silent_bars(one, spliced, logp, lo, hi):  # bars still silent: once more, warmer
            warm = {p: max(t, 1.0) for p, t in runner.temperatures(self.temperature).items()}
            more, more_logp = self._candidates(arrays, zk, given, keys, scored, (lo, hi), warm, seed + 7919)
            self._patch_silent_bars(one, more, more_logp, lo, hi)
        clip = runner.converter.from_tensors(one, tempo=self.song.tempo)
        clip = finish(
            runner, [clip], runner.feel_temperature(self.temperature), seed, self.feel, self.notices
        )[0]
        song = self.song
        for t in self.targets:
            made = next((x for x in clip.tracks if x.name == t.part), None)
            if made is not None:
                song = add_notes(song, t.track, placed(made.notes, w, steps))
        return song

    def _candidates(
        self,
        arrays: dict[str, np.ndarray],
        zk: torch.Tensor,
        given: list[str],
        keys: list[str],
        scored: np.ndarray,
        write: tuple[int, int],
        temperature: Temperature,
        seed: int,
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """One decode per code of zk (N, Z), the kept parts teacher-forced: the window's arrays with each
        candidate's written parts spliced into [lo, hi) (N, ...), and the log-likelihood of each splice
        with the known notes around it (the `scored` steps of the written parts, every step of the kept
        ones) minus the prior's pull, (N,)."""
        runner, n, (lo, hi) = self.runner, zk.shape[0], write
        forced = {p: torch.as_tensor(arrays[p])[None].expand(n, -1) for p in given}
        out = runner.decode(zk, temperature, self.key, seed, self.notices, given=forced)
        spliced = {}
        for name, value in arrays.items():
            if name == "tempo":
                continue
            rows = np.repeat(np.asarray(value)[None], n, axis=0)
            if name in out and self._written(name):
                rows[:, lo:hi] = out[name][:, lo:hi]
            spliced[name] = rows
        with torch.no_grad():  # the fit's objective with the candidate in place: known parts, splice, prior
            rows_t = {name: torch.as_tensor(v).to(runner.device) for name, v in spliced.items()}
            weights = {p: torch.as_tensor(scored).expand(n, -1) for p in self.write_parts}
            logp = runner.model.recon_log_prob(zk, rows_t, keys=keys, weights=weights)
            logp = logp - 0.5 * (zk.float() ** 2).sum(-1).to(runner.device)
        return spliced, logp.float().cpu().numpy()

    def _patch_silent_bars(
        self, one: dict[str, np.ndarray], rows: dict[str, np.ndarray], logp: np.ndarray, lo: int, hi: int
    ) -> bool:
        """A bar of the write range [lo, hi) in which the chosen candidate leaves a written part silent
        takes that part's bar from the most likely candidate that plays there (the decoder writes a bar
        from its own conductor embedding, so bars of candidates of one window fit the same place).
        Whether a bar is still silent."""
        silent = False
        order = np.argsort(-logp)
        for part in self.write_parts:
            onsets = _onsets(rows[part], part)  # (n, steps)
            for bar in range(lo, hi, STEPS_PER_BAR):
                end = min(bar + STEPS_PER_BAR, hi)
                if _onsets(one[part][None, bar:end], part).any():
                    continue
                donor = next((int(i) for i in order if onsets[i, bar:end].any()), None)
                if donor is None:
                    silent = True
                    continue
                for name in one:
                    if name == part or (part == "drums" and name in ("hits", "velocity", "offset")):
                        one[name][bar:end] = rows[name][donor, bar:end]
        return silent

    def _written(self, name: str) -> bool:
        """Whether an array belongs to a written part (drums_2bar's hits/velocity/offset go with drums)."""
        if name in self.write_parts:
            return True
        return name in ("hits", "velocity", "offset") and "drums" in self.write_parts


def _onsets(tokens: np.ndarray, part: str) -> np.ndarray:
    """bool (K, steps): where a part's tokens start a note (a drum token > 0, a melody token >= 2)."""
    return tokens > 0 if part == "drums" else tokens >= FIRST_PITCH_TOKEN


@dataclass(frozen=True, slots=True)
class _Decoded:
    """Candidates of a slot writer's windows: the decoded arrays (N * K, ...) window-major, each row's
    slot (N * K,), the chosen row per window (N,) and whether each row plays a note (N * K,)."""

    out: dict[str, np.ndarray]
    slots: np.ndarray
    best: np.ndarray
    played: np.ndarray


class _SlotWriter(_Writer):
    """Writes instruments of a multitrack model: one slot per written track, its program held to the
    track's own; a new instrument takes the program the most windows chose among the part's programs,
    then every window is written with that one. The windows of a 1-bar model do not overlap, so they are
    fitted and decoded together in one batch. A new melody is the top line (its notes no lower than the
    median pitch of the song's highest track, as the converters take a melody to be the top line), a new
    bass the bottom one."""

    def write(self, todo: list[tuple[int, int]], spans: list[tuple[int, int]], seed: int) -> Pattern:
        runner, ours = self.runner, {t.track for t in self.targets}
        windows = plan_windows(todo, spans, self.steps)
        contexts = []
        for w in windows:
            window = window_of(self.song, w, self.steps)
            contexts.append(window.with_tracks([t for j, t in enumerate(window.tracks) if j not in ours]))
        arrays = [runner.converter.to_tensors(c) for c in contexts]
        batch = runner.batch(arrays)
        z = fit_latent(runner, batch, ["program", "tokens"])  # (N, Z): the rows are independent
        silent = [i for i, c in enumerate(contexts) if not c.note_count]
        if silent:  # nothing to hear: where the training codes lie
            z[silent] = runner.prior(len(silent), seed).to(z.device)
        used: set[int] = set()
        for j, t in enumerate(self.targets):
            slots = [self._free(a, used, i) for i, a in enumerate(arrays)]
            tokens_mask = self._register(t)
            programs = list(t.programs) or self._own_program(t.track)
            if len(programs) > 1:  # a new instrument: the program most windows choose
                first = self._decode(arrays, z, slots, programs, tokens_mask, seed + 97 * j)
                votes = np.bincount(
                    first.out["program"][first.best, first.slots[first.best]], minlength=PROGRAM_CLASSES
                )
                programs = [int(votes.argmax())]
                self._set_program(t.track, programs[0])
            chosen = self._decode(arrays, z, slots, programs, tokens_mask, seed + 97 * j + 1)
            picks = [(chosen, int(row)) for row in chosen.best]
            for attempt in range(1, RETRIES + 1):  # windows still silent: decode them again, new noise
                silent = [i for i, (d, row) in enumerate(picks) if not d.played[row]]
                if not silent:
                    break
                again = self._decode(
                    [arrays[i] for i in silent], z[silent], [slots[i] for i in silent], programs,
                    tokens_mask, seed + 97 * j + 1 + 7919 * attempt, warmer=True,
                )  # fmt: skip
                for i, row in zip(silent, again.best, strict=True):
                    if again.played[row]:
                        picks[i] = (again, int(row))
            for i, (w, (d, row)) in enumerate(zip(windows, picks, strict=True)):
                notes = self._notes(d.out, row, d.slots[row], w, seed + i)
                self.song = add_notes(self.song, t.track, notes)
            used |= {j}
        return self.song

    @staticmethod
    def _free(arrays: dict[str, np.ndarray], used: set[int], row: int) -> int:
        """The slot a target writes in one window: the first empty one after those already taken (slots
        decode independently given z, so with all in use the last, least busy ones are decoded again)."""
        program = arrays["program"]
        empty = [int(s) for s in np.flatnonzero(program == EMPTY_SLOT)]
        order = empty + [s for s in range(len(program) - 1, -1, -1) if s not in empty]
        return order[min(len(used), len(order) - 1)]

    def _register(self, t: Target) -> torch.Tensor | None:
        """The token mask of a new melody (no lower than the top track's median pitch) or bass (no higher
        than the bottom track's), with the key's scale; None for other targets without a key."""
        vocab = self.runner.spec.mask_vocab.get("tokens", MELODY_VOCAB)
        mask = np.ones(vocab, dtype=bool)
        key_masks = logit_masks(self.runner.spec, self.key)
        if key_masks and "tokens" in key_masks:
            mask &= key_masks["tokens"]
        new = t.track >= len(self.song.tracks) or not self.song.tracks[t.track].notes
        others = [
            float(np.median([n.pitch for n in x.notes]))
            for i, x in enumerate(self.song.tracks)
            if not x.is_drum and x.notes and i != t.track
        ]
        if new and others and t.part in ("melody", "bass"):
            pitch = np.arange(FIRST_PITCH_TOKEN, MELODY_VOCAB) - FIRST_PITCH_TOKEN + MIN_PITCH
            ok = pitch >= max(others) if t.part == "melody" else pitch <= min(others)
            mask[FIRST_PITCH_TOKEN:MELODY_VOCAB] &= ok
        return None if mask.all() else torch.as_tensor(mask)

    def _decode(
        self,
        arrays: list[dict[str, np.ndarray]],
        z: torch.Tensor,
        slots: list[int],
        programs: Sequence[int],
        tokens_mask: torch.Tensor | None,
        seed: int,
        warmer: bool = False,
    ) -> _Decoded:
        """CANDIDATES decodes per window, each spliced into its window's slot and scored there; `warmer`
        (a retry of windows whose candidates were all silent) samples at temperature 1 at least."""
        runner, k, n = self.runner, CANDIDATES, len(arrays)
        mask = torch.zeros(PROGRAM_CLASSES, dtype=torch.bool)
        mask[list(programs)] = True
        masks = {"program": mask} | ({"tokens": tokens_mask} if tokens_mask is not None else {})
        zk = z.repeat_interleave(k, dim=0)  # (N * K, Z), window-major
        key = None if tokens_mask is not None else self.key  # the register mask holds the key already
        temperature: Temperature = self.temperature
        if warmer:
            temperature = {p: max(t, 1.0) for p, t in runner.temperatures(self.temperature).items()}
        out = runner.decode(zk, temperature, key, seed, self.notices, masks=masks)
        rows = np.arange(n * k)
        slot = np.repeat(np.asarray(slots), k)  # (N * K,)
        spliced = {
            name: np.repeat(np.stack([a[name] for a in arrays]), k, axis=0)
            for name in ("program", "tokens", "velocity")
        }
        for name in spliced:
            spliced[name][rows, slot] = out[name][rows, slot]
        with torch.no_grad():
            rows_t = {m: torch.as_tensor(v).to(runner.device) for m, v in spliced.items()}
            logp = runner.model.recon_log_prob(zk, rows_t, keys=["program", "tokens"])
        tokens = out["tokens"][rows, slot]  # (N * K, steps)
        drum = out["program"][rows, slot] == DRUM_KIT
        pitched = (tokens >= FIRST_PITCH_TOKEN) & (tokens < MELODY_VOCAB)
        played = np.where(drum[:, None], tokens >= MELODY_VOCAB, pitched).any(-1)  # (N * K,)
        score = played.astype(np.float64) * 1e9 + logp.float().cpu().numpy()
        best = score.reshape(n, k).argmax(-1) + np.arange(n) * k  # (N,)
        return _Decoded(out, slot, best, played)

    def _notes(self, out: dict[str, np.ndarray], row: int, slot: int, w: Window, seed: int) -> list[Note]:
        """One window's chosen slot as notes at song steps, with the training music's feel."""
        single = {
            "program": np.full_like(out["program"][row], EMPTY_SLOT),
            "tokens": np.zeros_like(out["tokens"][row]),
            "velocity": np.zeros_like(out["velocity"][row]),
        }
        for name in single:
            single[name][0] = out[name][row][slot]
        made = self.runner.converter.from_tensors(single, tempo=self.song.tempo)
        feel = self.runner.feel_temperature(self.temperature)
        made = finish(self.runner, [made], feel, seed, self.feel, self.notices)[0]
        return placed([n for x in made.tracks for n in x.notes], w, self.steps)

    def _own_program(self, index: int) -> list[int]:
        track = self.song.tracks[index]
        return [DRUM_KIT] if track.is_drum else [track.program]


class _BandWriter(_Writer):
    """Writes instruments of a band model (band_1bar, band_4bar, band_16bar) in each run's own meter.

    The band decoder writes one event sequence per (bar, instrument), independent of the others given z
    and the bar's conductor embedding (models/band.py). So a window's kept material is a set of whole
    sequences: every bar of the instruments not being written, and the bars of the written ones that the
    song keeps or an earlier window wrote. z is fitted to those (their events and the instruments'
    programs, `band.nll_terms` weights) from the encoder's mean and `STARTS - 1` draws of the prior; only
    the written instruments are decoded (the others are set empty, which changes nothing for them), and
    only their bars in the write range are spliced in. Each splice is scored with the known sequences as
    the line writer's are; a bar the winner leaves silent takes the bar of the most likely candidate that
    plays there, then one warmer round. The window holds at most `slots` instruments: the written ones and
    the busiest others (the kit last, as in training). A new instrument takes the program the fitted codes
    find most likely among its part's programs (PART_PROGRAMS) and keeps it in every later window."""

    def write(self, todo: list[tuple[int, int]], spans: list[tuple[int, int]], seed: int) -> Pattern:
        conv = self.runner.converter
        slots = int(self.runner.spec.segments)
        if len(self.targets) > slots:
            raise GenerationError(
                f"{self.runner.spec.name} plays {slots} instruments at once; write at most {slots} tracks"
            )
        self.unknown = np.zeros(self.song.steps, dtype=bool)
        for a, b in todo:
            self.unknown[a:b] = True
        self.programs: dict[int, int | None] = {t.track: self._own_program(t) for t in self.targets}
        self.new = {t.track for t in self.targets if t.programs and not self.song.tracks[t.track].notes}
        count = 0
        for span in spans:
            pieces = [(a, b) for a, b in todo if span[0] <= a < span[1]]
            if not pieces:
                continue
            meter = self.song.meter_at(span[0] + 0.5)
            bar = meter_steps(conv.meter_class(meter))  # type: ignore[attr-defined]  # a BandConverter
            steps = conv.window_steps(meter)
            for w in plan_windows(pieces, [span], steps, bar):
                self._window(w, meter, bar, steps, seed + count)
                self.unknown[w.write_lo : w.write_hi] = False
                count += 1
        return self.song

    def _own_program(self, t: Target) -> int | None:
        """The program a target's slot plays: the kit for drums, the track's own, None for a new
        pitched instrument (chosen in the first window)."""
        if t.part == "drums" or self.song.tracks[t.track].is_drum:
            return DRUM_KIT
        return None if t.programs else self.song.tracks[t.track].program

    def _slots(self, notes: list[list[Note]]) -> tuple[list[Track], list[int]]:
        """The window's instruments in slot order (notes at window steps) and the slot of each target:
        the pitched ones by program (a new one after them), the kit last."""
        song, conv = self.song, self.runner.converter
        drums_written = any(t.part == "drums" for t in self.targets)
        ours = {t.track for t in self.targets}
        others = [
            song.tracks[j].with_notes(notes[j])
            for j in range(len(song.tracks))
            if j not in ours and notes[j] and not (drums_written and song.tracks[j].is_drum)
        ]
        kept = band_slots(others, conv.spec.segments - len(self.targets))
        rows: list[tuple[int, int, Track, int]] = []  # (kit?, program or a new one's 1000, track, target)
        for track in kept:
            rows.append((int(track.is_drum), DRUM_KIT if track.is_drum else track.program, track, -1))
        for i, t in enumerate(self.targets):
            program = self.programs[t.track]
            if t.part == "drums":
                kit = [
                    song.tracks[j].with_notes(notes[j])
                    for j in range(len(song.tracks))
                    if song.tracks[j].is_drum
                ]
                rows.append((1, DRUM_KIT, merged_drums(kit), i))
            else:
                own = song.tracks[t.track]
                track = dataclasses.replace(
                    own, notes=tuple(notes[t.track]), program=program or 0, is_drum=False
                )
                rows.append((0, 1000 if program is None else program, track, i))
        rows.sort(key=lambda r: (r[0], r[1]))
        slot_of = [0] * len(self.targets)
        for s, row in enumerate(rows):
            if row[3] >= 0:
                slot_of[row[3]] = s
        return [r[2] for r in rows], slot_of

    def _window(self, w: Window, meter: Meter, bar: int, steps: int, seed: int) -> None:
        runner, conv = self.runner, self.runner.converter
        bars = steps // bar
        tracks, slot_of = self._slots(_window_notes(self.song, w, steps))
        arrays, _ = conv.encode_slots(tracks, meter)  # type: ignore[attr-defined]  # a BandConverter
        n_slots = len(arrays["program"])
        known_bar = known_steps(self.unknown, w, steps).reshape(bars, bar).min(-1) > 0  # (bars,)
        lo, hi = (w.write_lo - w.start) // bar, -(-(w.write_hi - w.start) // bar)  # write bars [lo, hi)
        fit_events = np.ones((bars, n_slots), dtype=np.float32)
        fit_program = np.ones(n_slots, dtype=np.float32)
        for t, s in zip(self.targets, slot_of, strict=True):
            fit_events[:, s] = known_bar
            if self.programs[t.track] is None:
                fit_program[s] = 0.0
        context = {k: v.copy() for k, v in arrays.items()}  # what the encoder hears: new instruments empty
        for t, s in zip(self.targets, slot_of, strict=True):
            if self.programs[t.track] is None:
                context["program"][s], context["events"][:, s] = EMPTY_SLOT, 0
        start = torch.cat(
            [runner.encode_batch(runner.batch([context])).float().cpu(), runner.prior(STARTS - 1, seed)]
        )
        one = runner.batch([arrays])
        batch = {name: v.expand(STARTS, *v.shape[1:]) for name, v in one.items()}
        weights = {
            "events": torch.as_tensor(fit_events)[None].expand(STARTS, -1, -1),
            "program": torch.as_tensor(fit_program)[None].expand(STARTS, -1),
        }
        path = fit_latent(runner, batch, ["program", "events"], weights, start, every=max(FIT_STEPS // 3, 1))
        z = path.reshape(-1, path.shape[-1])  # (points * STARTS, Z)
        mc = int(arrays["meter"])
        for t, s in zip(self.targets, slot_of, strict=True):  # a new instrument: the program z hears most
            if self.programs[t.track] is None:
                with torch.no_grad():
                    lp = band_model.program_log_probs(
                        runner.model, z.to(runner.device), torch.full((len(z),), mc)
                    )
                allowed = PART_PROGRAMS[t.part]
                program = allowed[int(lp[:, s, allowed].exp().mean(0).argmax())]
                self.programs[t.track] = program
                arrays["program"][s] = program
                self._set_program(t.track, program)
        zk = z.repeat_interleave(PATH_CANDIDATES, dim=0)  # (N, Z)
        known = fit_events.copy()  # the known sequences: the splice is scored with them
        known[lo:hi, slot_of] = 0.0
        base = self._score(arrays, z, known, ["program", "events"]) - 0.5 * (z.float() ** 2).sum(-1).numpy()
        base = np.repeat(base, PATH_CANDIDATES)  # (N,): log p(known | z) - |z|^2 / 2 of each candidate's z
        events, logp = self._candidates(arrays, zk, slot_of, (lo, hi), meter, self.temperature, seed)
        logp = logp + base
        on = _band_onsets(events[:, lo:hi][:, :, slot_of])  # (N, write bars, targets)
        best = max(range(len(logp)), key=lambda i: (int(on[i].sum()), float(logp[i])))
        chosen = events[best].copy()
        if self._patch(chosen, events, logp, slot_of, lo, hi):  # bars still silent: once more, warmer
            warm = {p: max(t, 1.0) for p, t in runner.temperatures(self.temperature).items()}
            more, more_logp = self._candidates(arrays, zk, slot_of, (lo, hi), meter, warm, seed + 7919)
            self._patch(chosen, more, more_logp + base, slot_of, lo, hi)
        for t, s in zip(self.targets, slot_of, strict=True):
            notes = [n for b in range(lo, hi) for n in event_notes(chosen[b, s], b * bar, bar, steps)]
            track = Track(tuple(sorted(notes, key=lambda n: (n.start, n.pitch))), 0, t.part == "drums")
            made = Pattern((track,), steps, self.song.tempo, meter)
            made = finish(
                runner, [made], runner.feel_temperature(self.temperature), seed, self.feel, self.notices
            )[0]
            self.song = add_notes(self.song, t.track, placed(made.tracks[0].notes, w, steps))

    def _candidates(
        self,
        arrays: dict[str, np.ndarray],
        zk: torch.Tensor,
        slot_of: list[int],
        write: tuple[int, int],
        meter: Meter,
        temperature: Temperature,
        seed: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """One decode of the written instruments per code of zk (N, Z): the window's events with each
        candidate's bars [lo, hi) of the written slots spliced in, (N, bars, slots, L), and the
        log-likelihood of the spliced sequences, (N,). The (bar, instrument) sequences are independent
        given z, so a splice's whole score is this plus log p(known sequences | z), computed once per z."""
        runner, n, (lo, hi) = self.runner, zk.shape[0], write
        program = np.full_like(arrays["program"], EMPTY_SLOT)
        program[slot_of] = arrays["program"][slot_of]
        given = {"program": torch.as_tensor(program.astype(np.int64))[None].expand(n, -1)}
        masks = self._registers(len(program), slot_of)
        key = None if masks else self.key  # the registers' masks hold the key already
        out = runner.decode(zk, temperature, key, seed, self.notices, given=given, masks=masks, meter=meter)
        events = np.repeat(arrays["events"][None].astype(np.int64), n, axis=0)
        for s in slot_of:
            events[:, lo:hi, s] = out["events"][:, lo:hi, s]
        written = np.zeros(events.shape[1:3], dtype=np.float32)
        written[lo:hi, slot_of] = 1.0
        # only the written slots are teacher-forced (a sequence's condition is its own slot and program)
        ours = {"program": program, "meter": arrays["meter"], "events": events}
        return events, self._score(ours, zk, written, ["events"])

    def _score(
        self, arrays: dict[str, np.ndarray], z: torch.Tensor, weights: np.ndarray, keys: list[str]
    ) -> np.ndarray:
        """log p(arrays[keys] | z) for codes z (N, Z), (N,): each (bar, slot) sequence weighed by
        `weights` (bars, slots); `arrays` holds one window (its events may hold one per code, (N, ...)).
        Chunks of about SCORE_ROWS teacher-forced sequences."""
        runner, n = self.runner, z.shape[0]
        events = arrays["events"]
        if events.ndim == 3:
            events = np.broadcast_to(events, (n, *events.shape))
        program = torch.as_tensor(arrays["program"].astype(np.int64))
        rows = int((program != EMPTY_SLOT).sum()) * events.shape[1]
        chunk = max(1, SCORE_ROWS // max(rows, 1))
        out = []
        with torch.no_grad():
            for a in range(0, n, chunk):
                m = min(chunk, n - a)
                batch = {
                    "program": program[None].expand(m, -1),
                    "meter": torch.full((m,), int(arrays["meter"]), dtype=torch.long),
                    "events": torch.as_tensor(np.ascontiguousarray(events[a : a + m]).astype(np.int64)),
                }
                batch = {k: v.to(runner.device) for k, v in batch.items()}
                w = {"events": torch.as_tensor(weights)[None].expand(m, -1, -1)}
                zz = z[a : a + m].to(runner.device).float()
                out.append(runner.model.recon_log_prob(zz, batch, keys=keys, weights=w).float().cpu())
        return torch.cat(out).numpy()

    def _registers(self, slots: int, slot_of: list[int]) -> dict[str, torch.Tensor] | None:
        """Per-slot event masks (slots, V) when a new melody or bass is written: a new melody is the top
        line (its notes no lower than the median pitch of the song's highest other pitched track, as a
        soprano above alto, tenor and bass), a new bass the bottom one (no higher than the lowest's),
        with the key's scale; None when no target is a new pitched part (the key alone masks)."""
        others = [
            float(np.median([n.pitch for n in x.notes]))
            for i, x in enumerate(self.song.tracks)
            if not x.is_drum and x.notes and i not in {t.track for t in self.targets}
        ]
        new = [
            (t, s)
            for t, s in zip(self.targets, slot_of, strict=True)
            if t.track in self.new and t.part in ("melody", "bass")
        ]
        if not (new and others):
            return None
        key_masks = logit_masks(self.runner.spec, self.key)
        base = key_masks["events"] if key_masks else np.ones(BAND_VOCAB, dtype=bool)
        mask = np.tile(base, (slots, 1))
        pitch = np.arange(128)
        for t, s in new:
            ok = pitch >= max(others) if t.part == "melody" else pitch <= min(others)
            mask[s, BAND_PITCH : BAND_PITCH + 128] &= ok
        return {"events": torch.as_tensor(mask)}

    @staticmethod
    def _patch(
        one: np.ndarray, events: np.ndarray, logp: np.ndarray, slot_of: list[int], lo: int, hi: int
    ) -> bool:
        """A written bar the chosen candidate `one` (bars, slots, L) leaves silent takes that bar of the
        most likely candidate that plays there (each (bar, instrument) sequence is decoded on its own).
        Whether a bar is still silent."""
        silent = False
        order = np.argsort(-logp)
        for s in slot_of:
            on = _band_onsets(events[:, :, s])  # (N, bars)
            for b in range(lo, hi):
                if _band_onsets(one[None, b, s])[0]:
                    continue
                donor = next((int(i) for i in order if on[i, b]), None)
                if donor is None:
                    silent = True
                else:
                    one[b, s] = events[donor, b, s]
        return silent


SCORE_ROWS = 512  # (bar, instrument) sequences teacher-forced at once when scoring band candidates


def _band_onsets(events: np.ndarray) -> np.ndarray:
    """events (..., L) -> bool (...): whether each band sequence plays a note (a PITCH before its END;
    after END everything is END)."""
    return np.asarray(((events >= BAND_PITCH) & (events < BAND_DUR)).any(-1))


def _window_notes(song: Pattern, w: Window, steps: int) -> list[list[Note]]:
    """The notes of each song track in the window, at window steps, a run shorter than the window looped
    (track by track, so that the list lines up with the song's tracks)."""
    p, q = w.span
    if q - p > steps:
        return [list(t.notes) for t in song.slice(w.start, w.start + steps).tracks]
    run = song.slice(p, q)
    return [
        [n.shifted(k) for k in range(0, steps, q - p) for n in t.notes if n.start + k < steps]
        for t in run.tracks
    ]
