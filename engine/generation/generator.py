# SPDX-License-Identifier: MIT
"""The generation facade the command line and the GUI call (Magenta's TrainedModel, in Patterns).

`Generator.load(model)` takes a model folder or a bundled/user name; every method takes and returns
`Pattern`s (latent codes are torch tensors (B, Z) on the CPU). Generation calls return `Generated`: the
clips, the seed that makes them again (random when `seed` is None) and notes for the musician (a clip was
cut, a key was guessed). The work is done by the model's `Runner` (engine/generation/runner.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from engine.device import pick_device
from engine.generation.chain import chain, segments_needed, smooth_path
from engine.generation.checking import Checked, ClipChecker
from engine.generation.complete import complete, parse_parts
from engine.generation.fit import FittedClip, GenerationError, carry_maps
from engine.generation.humanize import finish, humanize
from engine.generation.infill import fill
from engine.generation.morph import REFINE, monotone_steps, note_distances
from engine.generation.runner import Generated, Notices, Runner, Temperature, check_top_k, new_seed
from engine.music.keys import Key
from engine.music.pattern import FOUR_FOUR, Meter, Pattern, parse_meter
from engine.registry import list_models, resolve_model
from models.card import DataSummary, MusicStats
from models.latent import LatentFit, bilinear, slerp
from models.musicvae import MusicVAE
from models.report import REPORT, GrooveSpread, Report, ReportError, read_report
from models.vocab import BAND_METERS

__all__ = ["Generated", "Generator", "GenerationError", "Temperature", "list_models"]


def _check_count(n: int) -> None:
    if n < 1:
        raise GenerationError(f"--n {n}: ask for at least one clip")


class Generator:
    """A loaded model and its runner: sample, encode, decode, vary, morph, blend, complete, humanize.

    `feel` (default True): generated notes get the training music's loudness and timing where the model
    writes none; False leaves them at velocity 100 on the grid. A `temperature` of None (the default)
    samples each part at the model's own temperature (`temperatures`: the report card's recommendation,
    else the config's defaults); a number sets every part, a mapping single parts.
    """

    def __init__(
        self,
        model: MusicVAE,
        data: DataSummary | None = None,
        path: Path | None = None,
        device: str | torch.device = "cpu",
        latent: LatentFit | None = None,
    ) -> None:
        """`data` is the model card's summary of the training music; `path` the model folder (its
        report.json gives the groove spread and the recommended temperatures); `latent` the card's
        Gaussian of the training codes (None: new clips start from N(0, I))."""
        self.device = pick_device(device)
        self.model = model.to(self.device).eval()
        for p in self.model.parameters():  # inference only: gradients flow to latent codes, never to weights
            p.requires_grad_(False)
        self.path = path
        self.config_name: str = model.cfg.name
        from engine.data.converters import CONVERTERS

        if self.config_name not in CONVERTERS:
            raise GenerationError(f"model config {self.config_name!r} is unknown to this Bandmate")
        self.converter = CONVERTERS[self.config_name]
        self.spec = self.converter.spec
        self.steps: int = self.converter.steps
        self.z_size: int = int(model.cfg.z_size)
        report = self._report()
        spread = report.held_out.groove_spread if report and report.held_out else None
        recommended = dict(report.style.part_temperatures) if report else None
        top_k = report.style.top_k if report else 0
        self.runner = Runner(
            self.model, self.converter, self.device, data, spread, latent, recommended, top_k
        )
        self.recommended_top_k = top_k  # the report card's; `top_k` starts there
        self.checker = ClipChecker(self.spec, lambda: self.runner.summary, path)
        self.feel = True

    @classmethod
    def load(cls, model: str | Path, device: str = "cpu") -> Generator:
        """Load a model folder, a model.json path, or a bundled/user model name."""
        from models.checkpoint import load_model

        folder = resolve_model(model)
        dev = pick_device(device)
        net, card = load_model(folder, device=str(dev))
        return cls(net, card.data, folder, dev, card.latent)

    def _report(self) -> Report | None:
        """The model's report card (report.json), if any: its held-out groove spread and recommended
        temperatures. The report only refines generation, so a missing or unreadable one leaves the
        training music's jitter and the config's default temperatures."""
        path = self.path / REPORT if self.path is not None else None
        if path is None or not path.is_file():
            return None
        try:
            return read_report(path)
        except (OSError, ReportError):
            return None

    @property
    def temperatures(self) -> dict[str, float]:
        """Each part's temperature when a call gives none: the report card's recommendation, else the
        config's defaults."""
        return dict(self.runner.default_temperatures)

    @property
    def top_k(self) -> int:
        """Top-k sampling of every call: each step of a part is drawn from its k likeliest notes (or
        events) only, so fewer wild leaps; 0 = off. It starts at the report card's recommendation
        (`recommended_top_k`, 0 without one)."""
        return self.runner.top_k

    @top_k.setter
    def top_k(self, k: int) -> None:
        """GenerationError (one line) for anything but a whole number 0..MAX_TOP_K."""
        self.runner.top_k = check_top_k(k)

    # ---- what the model knows about its training music -------------------------------------------
    @property
    def summary(self) -> DataSummary:
        """The training music's data summary (with statistics measured in its folder, once asked for)."""
        return self.runner.summary

    @property
    def tempo(self) -> float:
        return self.runner.tempo

    def music_stats(self) -> MusicStats:
        """The training music's statistics (measured in its folder when model.json records none)."""
        return self.runner.music_stats([])

    def groove_spread(self) -> GrooveSpread | None:
        """The spread added to a velocity/timing head's notes (see Runner.groove_spread)."""
        return self.runner.groove_spread()

    def training_key(self) -> Key | None:
        """The key of the training music recorded in the model's data summary, if any."""
        return self.runner.training_key([])

    def resolve_key(self, key: Key | str | None, clip: Pattern | None = None) -> Key | None:
        """None, a Key, a name like "C:minor", or "auto" (the clip's key, else the training music's)."""
        return self.runner.resolve_key(key, clip, [])

    # ---- encode / decode ---------------------------------------------------------------------------
    def fit(self, clip: Pattern, label: str = "the clip") -> FittedClip:
        """The clip checked and cut/looped to the model's length (its notes in `FittedClip.notices`)."""
        return self.runner.fit(clip, label, [])

    def encode(self, patterns: Sequence[Pattern]) -> torch.Tensor:
        """Latent means (B, Z) of the clips, each fitted to the model's length first (cached, see Runner)."""
        return self.runner.encode(patterns, [])

    def _decode(
        self,
        z: torch.Tensor,
        temperature: Temperature,
        key: Key | None,
        seed: int,
        tempo: float | None,
        notices: Notices,
        meter: Meter | None = None,
    ) -> list[Pattern]:
        """Clips as the musician gets them: decoded, then with the training music's feel (or flat).
        `meter`: the clips' meter, for band models (others write 4/4)."""
        arrays = self.runner.decode(z, temperature, key, seed, notices, meter=meter)
        clips = self.runner.to_patterns(arrays, tempo)
        feel = self.runner.feel_temperature(temperature)
        return finish(self.runner, clips, feel, seed, self.feel, notices, fresh=True)  # notes just made

    def decode(
        self,
        z: torch.Tensor,
        temperature: Temperature = None,
        key: Key | str | None = None,
        seed: int | None = None,
        tempo: float | None = None,
        meter: Meter | str | None = None,
    ) -> Generated:
        """One clip per latent code z (B, Z); temperature 0 = the most likely notes; `meter` ("3/4") the
        clips' meter for band models."""
        seed = new_seed(seed)
        notices: Notices = []
        resolved = self.runner.resolve_key(key, None, notices)
        m = self._meter(meter, notices)
        return _generated(self._decode(z, temperature, resolved, seed, tempo, notices, m), seed, notices)

    def _meter(self, meter: Meter | str | None, notices: Notices) -> Meter | None:
        """A meter for a band model (None: 4/4); others write 4/4, and a meter asked of them is noted."""
        try:
            m = parse_meter(meter) if isinstance(meter, str) else meter
        except ValueError as e:
            raise GenerationError(str(e)) from None
        if m is None or m == FOUR_FOUR:
            return None
        if not self.spec.any_meter:
            notices.append(f"{self.spec.name} writes 4/4 only; the band models write {m}")
            return None
        try:
            self.converter.window_steps(m)
        except ValueError as e:
            raise GenerationError(str(e)) from None
        return m

    @property
    def meters(self) -> tuple[str, ...]:
        """The meters this model writes ("4/4", "3/4", ...)."""
        if not self.spec.any_meter:
            return ("4/4",)
        return tuple(f"{n}/{d}" for n, d in BAND_METERS)

    # ---- generation --------------------------------------------------------------------------------
    def sample(
        self,
        n: int = 1,
        temperature: Temperature = None,
        seed: int | None = None,
        bars: int | None = None,
        key: Key | str | None = None,
        meter: Meter | str | None = None,
        *,
        checked: bool = True,
        novel: bool = False,
    ) -> Generated:
        """n new clips from the prior; with `bars`, each is a chain of clips along a smooth latent path.

        `checked` (the default) redraws clips that fail the sample-quality gate, `novel` also those that
        copy a bar of the training music (engine/generation/checking.py); `Generated.checked` says what
        was set aside. Fewer than n clips come back when too few pass within the draws allowed.
        `meter` ("3/4", "7/8"): the clips' meter (band models; default 4/4). Without a `key` each clip is
        moved into the training music's keys (`Runner.in_training_keys`); "none" leaves it as written.
        """
        _check_count(n)
        seed = new_seed(seed)
        notices: Notices = []
        resolved = self.runner.resolve_key(key, None, notices)
        m = self._meter(meter, notices)
        bar_steps = round((m or FOUR_FOUR).bar_steps)
        window = self.converter.window_steps(m or FOUR_FOUR)

        def draw(count: int, draw_seed: int) -> list[Pattern]:
            if bars is None or bars * bar_steps == window:
                z = self.runner.prior(count, draw_seed)
                return in_keys(self._decode(z, temperature, resolved, draw_seed, None, notices, m))
            segs = segments_needed(bars, window, bar_steps)
            gen = torch.Generator().manual_seed(draw_seed)
            paths = [smooth_path(segs, self.runner.source_size, gen) for _ in range(count)]
            z = self.runner.to_code(torch.cat(paths))  # (count * segs, Z): where the training codes lie
            clips = self._decode(z, temperature, resolved, draw_seed, None, notices, m)
            return in_keys([chain(clips[i * segs : (i + 1) * segs], bars) for i in range(count)])

        def in_keys(clips: list[Pattern]) -> list[Pattern]:  # no key asked: the training music's keys
            return self.runner.in_training_keys(clips, notices) if key is None else clips

        return self._checked(draw, n, seed, notices, checked, novel)

    def variations(
        self,
        clip: Pattern,
        n: int = 8,
        amount: float = 0.3,
        seed: int | None = None,
        temperature: Temperature = None,
        key: Key | str | None = None,
        *,
        checked: bool = True,
        novel: bool = False,
    ) -> Generated:
        """n clips near `clip`: its code moved by `amount` x random directions as long as a prior sample.
        `checked` and `novel` as for `sample`."""
        _check_count(n)
        if amount < 0:
            raise GenerationError(f"--amount {amount} must be 0 or more (0 = the clip itself)")
        seed = new_seed(seed)
        notices: Notices = []
        resolved = self.runner.resolve_key(key, clip, notices)
        mu = self.runner.encode([clip], notices)  # (1, Z)
        window = self.runner.fit(clip, "the clip", []).pattern  # its notes are in `notices` already

        def draw(count: int, draw_seed: int) -> list[Pattern]:
            d = self.runner.directions(count, draw_seed)
            d = d / d.norm(dim=1, keepdim=True) * math.sqrt(self.z_size)  # prior samples have norm ~ sqrt(Z)
            clips = self._decode(
                mu + amount * d, temperature, resolved, draw_seed, clip.tempo, notices, window.meter
            )
            return carry_maps(clips, window)

        if checked:  # the checks redraw silent clips and say so
            return self._checked(draw, n, seed, notices, checked, novel)
        clips = draw(n, seed)
        _note_silence(clips, [f"clip {i}" for i in range(1, n + 1)], "the clip", notices)
        return _generated(clips, seed, notices)

    def _checked(
        self,
        draw: Callable[[int, int], list[Pattern]],
        n: int,
        seed: int,
        notices: Notices,
        checked: bool,
        novel: bool,
    ) -> Generated:
        """`draw(n, seed)`'s clips, or with `checked` up to n that pass the checks (see `sample`)."""
        if not checked:
            return _generated(draw(n, seed), seed, notices)
        clips, record = self.checker.run(draw, n, seed, novel, notices)
        return _generated(clips, seed, notices, record)

    def interpolation_path(self, a: Pattern, b: Pattern, steps: int = 8) -> torch.Tensor:
        """(steps, Z) codes from A's mean to B's by spherical interpolation, both ends included."""
        return self._path(a, b, steps, [])

    def _path(self, a: Pattern, b: Pattern, steps: int, notices: Notices) -> torch.Tensor:
        if steps < 2:
            raise GenerationError("an interpolation needs at least 2 steps")
        mu = self.runner.encode([a, b], notices)
        return torch.stack([torch.as_tensor(slerp(mu[0], mu[1], float(t))) for t in np.linspace(0, 1, steps)])

    def interpolate(
        self,
        a: Pattern,
        b: Pattern,
        steps: int = 8,
        temperature: Temperature = None,
        seed: int | None = None,
        key: Key | str | None = None,
    ) -> Generated:
        """Clips morphing from A into B (A and B's reconstructions are the ends), each step no nearer A
        and no further from B in notes than the one before where the path allows
        (engine/generation/morph.py)."""
        seed = new_seed(seed)
        notices: Notices = []
        resolved = self.runner.resolve_key(key, a.concat(b), notices)
        path = self._path(a, b, (steps - 1) * REFINE + 1 if steps >= 2 else steps, notices)
        meter = self.runner.fit(a, "clip A", []).pattern.meter  # the morph plays in A's meter
        arrays = self.runner.decode(path, temperature, resolved, seed, notices, meter=meter)
        candidates = self.runner.to_patterns(arrays, a.tempo)
        chosen = monotone_steps(*note_distances(candidates), steps)
        feel = self.runner.feel_temperature(temperature)
        clips = finish(self.runner, [candidates[i] for i in chosen], feel, seed, self.feel, notices)
        _note_silence(clips, [f"step {i}" for i in range(1, len(clips) + 1)], "A and B", notices)
        return _generated(clips, seed, notices)

    def blend_codes(self, corners: Sequence[Pattern], points: Sequence[tuple[float, float]]) -> torch.Tensor:
        """(P, Z) bilinear blends of the corners' codes at (x, y) points in 0..1.

        Corners are A=(0,0), B=(1,0), C=(0,1), D=(1,1).
        """
        return self._blend_codes(corners, points, [])

    def _blend_codes(
        self, corners: Sequence[Pattern], points: Sequence[tuple[float, float]], notices: Notices
    ) -> torch.Tensor:
        if len(corners) != 4:
            raise GenerationError(f"a blend needs 4 corner clips, got {len(corners)}")
        for x, y in points:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise GenerationError(f"blend point {x},{y} is outside the square 0..1")
        mu = self.runner.encode(corners, notices)  # (4, Z)
        return torch.stack([torch.as_tensor(bilinear(mu, x, y)).reshape(self.z_size) for x, y in points])

    def blend(
        self,
        corners: Sequence[Pattern],
        x: float,
        y: float,
        temperature: Temperature = None,
        seed: int | None = None,
    ) -> Generated:
        """The clip at (x, y) of the square whose corners are A (0,0), B (1,0), C (0,1), D (1,1)."""
        seed = new_seed(seed)
        notices: Notices = []
        z = self._blend_codes(corners, [(x, y)], notices)
        meter = self._corner_meter(corners)
        clips = self._decode(z, temperature, None, seed, corners[0].tempo, notices, meter)
        _note_silence(clips, [f"the blend at {x:g},{y:g}"], "the corners", notices)
        return _generated(clips, seed, notices)

    def _corner_meter(self, corners: Sequence[Pattern]) -> Meter:
        """The meter a blend plays in: corner A's (as the model reads it)."""
        return self.runner.fit(corners[0], "corner A", []).pattern.meter

    def blend_grid(
        self,
        corners: Sequence[Pattern],
        grid: int = 5,
        temperature: Temperature = None,
        seed: int | None = None,
    ) -> Generated:
        """grid x grid clips; clips[i * grid + j] is at x = i / (grid - 1), y = j / (grid - 1)."""
        if grid < 2:
            raise GenerationError("a blend grid needs at least 2 points per side")
        seed = new_seed(seed)
        notices: Notices = []
        pts = [(i / (grid - 1), j / (grid - 1)) for i in range(grid) for j in range(grid)]
        z = self._blend_codes(corners, pts, notices)
        meter = self._corner_meter(corners)
        clips = self._decode(z, temperature, None, seed, corners[0].tempo, notices, meter)
        names = [f"x{i}_y{j}" for i in range(grid) for j in range(grid)]  # clips[i * grid + j]
        _note_silence(clips, names, "the corners", notices)
        return _generated(clips, seed, notices)

    def complete(
        self,
        clip: Pattern,
        parts: str | Sequence[str] | None = None,
        seed: int | None = None,
        temperature: Temperature = None,
        key: Key | str | None = "song",
    ) -> Generated:
        """The song with its missing parts (or `parts`, e.g. "melody,bass") written for every bar the model
        reads (4/4; a band model: every band meter, each run in its own), in overlapping windows that
        condition on what was written before (engine/generation/complete.py); the given parts and every
        other event come back unchanged. `key` as Runner.resolve_key; by default the song's own key when it
        has a clear one."""
        seed = new_seed(seed)
        notices: Notices = []
        done = complete(
            self.runner, clip, parse_parts(parts), seed=seed, temperature=temperature, key=key,
            feel=self.feel, notices=notices,
        )  # fmt: skip
        return _generated([done], seed, notices)

    def infill(
        self,
        clip: Pattern,
        bars: tuple[int, int] | None,
        tracks: str | Sequence[str | int],
        seed: int | None = None,
        temperature: Temperature = None,
        key: Key | str | None = "song",
    ) -> Generated:
        """The song with `tracks` (part names melody/bass/drums, the song's track names, or track indices
        from 0) rewritten over `bars` (1-based first and last bar, both included; None: every bar) so
        that they join the bars around them (engine/generation/infill.py); everything else comes back
        unchanged. GenerationError (one line) for what the model cannot write, e.g. a drum model asked
        for a melody. `key` as complete."""
        seed, notices = new_seed(seed), list[str]()
        if isinstance(tracks, str):
            names: list[str | int] = list(parse_parts(tracks) or [])
        else:
            names = [t if isinstance(t, int) else t.strip().lower() for t in tracks if str(t).strip()]
        if not names:
            raise GenerationError("say which tracks to fill, e.g. --tracks bass,drums")
        done = fill(
            self.runner, clip, names, bars, seed=seed, temperature=temperature, key=key, feel=self.feel,
            notices=notices,
        )  # fmt: skip
        return _generated([done], seed, notices)

    def humanize(self, clip: Pattern, amount: float = 1.0, seed: int | None = None) -> Generated:
        """Same notes, with velocities and micro-timing learned from the training music."""
        seed = new_seed(seed)
        notices: Notices = []
        return _generated([humanize(self.runner, clip, amount, seed, notices)], seed, notices)


def _generated(
    clips: Sequence[Pattern], seed: int, notices: Notices, checked: Checked | None = None
) -> Generated:
    """The call's result; a note repeated by several draws is given once."""
    return Generated(tuple(clips), seed, tuple(dict.fromkeys(notices)), checked)


def silence_notice(clips: Sequence[Pattern], names: Sequence[str], inputs: str) -> str | None:
    """One line naming the clips that decoded to no notes although the clips they came from have notes
    (`inputs`, e.g. "the corners"), or None when every clip has notes. `names[i]` names clips[i]."""
    silent = [name for clip, name in zip(clips, names, strict=True) if clip.note_count == 0]
    if not silent:
        return None
    shown = ", ".join(silent[:6]) + (f" and {len(silent) - 6} more" if len(silent) > 6 else "")
    return (
        f"warning: {len(silent)} of {len(clips)} clips came out silent (0 notes) though {inputs} have notes: "
        f"{shown}; another temperature or seed may give notes"
    )


def _note_silence(clips: Sequence[Pattern], names: Sequence[str], inputs: str, notices: Notices) -> None:
    line = silence_notice(clips, names, inputs)
    if line:
        notices.append(line)
