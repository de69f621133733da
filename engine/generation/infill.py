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

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from engine.generation.chain import loop_to
from engine.generation.fit import GenerationError, readable_spans
from engine.generation.humanize import finish
from engine.generation.runner import Notices, Runner, Temperature
from engine.music.keys import Key, logit_masks
from engine.music.pattern import FOUR_FOUR, STEPS_PER_BAR, Note, Pattern, Role, Track
from models.spec import DecoderKind
from models.vocab import (
    DRUM_KIT,
    EMPTY_SLOT,
    FIRST_PITCH_TOKEN,
    GM_BASSES,
    MELODY_VOCAB,
    MIN_PITCH,
    PROGRAM_CLASSES,
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


def plan_windows(todo: list[tuple[int, int]], spans: list[tuple[int, int]], steps: int) -> list[Window]:
    """Windows of `steps` that write every step range of `todo` (each inside one run of `spans`), each
    window holding half a window of the bars before what it writes (the bars written just before, or the
    song's own) and, for the last one of a range, the bars after it as far as the run allows."""
    context = (steps // 2) // STEPS_PER_BAR * STEPS_PER_BAR  # 0 for a 1-bar model
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
                before = (steps - rest) // 2 // STEPS_PER_BAR * STEPS_PER_BAR
                start = min(max(cursor - before, p), q - steps)
            else:
                start = min(max(cursor - context, p), q - steps)
            end = min(hi, start + steps)
            out.append(Window(start, cursor, end, span))
            cursor = end
    return out


def readable_todo(song: Pattern, lo: int, hi: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(the 4/4 step ranges of [lo, hi) to write, the song's 4/4 runs with notes)."""
    spans, _ = readable_spans(song, "the song")
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
    slots = spec.decoder is DecoderKind.MULTITRACK
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
            known = ", ".join(model_parts + [t.name for t in song.tracks if t.name.strip()])
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
    todo, spans = readable_todo(song, lo, hi)
    if not todo:
        raise GenerationError(
            f"{bars_text(song, lo, hi)} of the song are not in 4/4 with notes around them; "
            "the models read 4/4"
        )
    skipped = hi - lo - sum(b - a for a, b in todo)
    if skipped > 0:
        notices.append(
            f"{skipped // STEPS_PER_BAR} bar(s) of {bars_text(song, lo, hi)} are not in 4/4 or have no "
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
    writer = _SlotWriter if runner.spec.decoder is DecoderKind.MULTITRACK else _LineWriter
    done = writer(runner, work, targets, temperature, resolved, feel, notices).write(todo, spans, seed)
    written: list[str] = []
    thin: list[str] = []  # parts that play in under half the bars, said after what was written
    total = sum(-(-(b - a) // STEPS_PER_BAR) for a, b in todo)
    for t in targets:
        made = len(done.tracks[t.track].notes) - len(work.tracks[t.track].notes)
        if made:
            written.append(f"{t.part if t.track >= len(song.tracks) else _label(song, t)} ({made} notes)")
            new = [n for n in done.tracks[t.track].notes if n not in set(work.tracks[t.track].notes)]
            played = len({bar for n in new for bar in [_bar_of(todo, n.start)] if bar is not None})
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


def _bar_of(todo: list[tuple[int, int]], step: int) -> int | None:
    """The index of the written bar (counted over the ranges of `todo`) holding `step`, or None."""
    count = 0
    for a, b in todo:
        if a <= step < b:
            return count + (step - a) // STEPS_PER_BAR
        count += -(-(b - a) // STEPS_PER_BAR)
    return None


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

    def _set_program(self, index: int, program: int) -> None:
        tracks = list(self.song.tracks)
        tracks[index] = dataclasses.replace(tracks[index], program=program)
        self.song = self.song.with_tracks(tracks)
