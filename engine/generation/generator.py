# SPDX-License-Identifier: MIT
"""The generation facade the command line and the GUI call (Magenta's TrainedModel, in Patterns).

`Generator.load(model)` takes a model folder or a bundled/user name; every method takes and returns
`Pattern`s (latent codes are torch tensors (B, Z) on the CPU). Random choices follow `seed`; the seed
actually used is kept in `last_seed`. Notes for the musician (a clip was cut, a key was guessed) collect
in `notices` until `take_notices()`.
"""

from __future__ import annotations

import contextlib
import json
import math
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from engine.generation.chain import chain, segments_needed, smooth_path
from engine.generation.fit import FittedClip, GenerationError, carry_maps, fit_clip
from engine.generation.groove import DRUM_CLASSES, add_spread
from engine.music.keys import Key, detect_key, key_from_histogram, logit_masks, parse_key
from engine.music.pattern import STEPS_PER_BAR, Pattern
from engine.registry import config_name, list_models, resolve_model

__all__ = ["Generator", "GenerationError", "list_models", "pick_device"]

CACHE_SIZE = 16


def pick_device(name: str = "cpu") -> torch.device:
    """ "auto" picks CUDA, then Apple MPS, then the CPU; other names are taken as they are."""
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise GenerationError("--device cuda: no CUDA GPU is available here (try --device auto)")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise GenerationError("--device mps: Apple Metal is not available here (try --device auto)")
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@contextlib.contextmanager
def _aten_lstm() -> Iterator[None]:
    """Step-by-step decoding without oneDNN: its LSTM costs about 3x ATen's for one step at batch 1
    (measured 6 ms vs 2 ms for a 2-layer 256-unit step on a laptop-class CPU)."""
    old = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = old


def _check_count(n: int) -> None:
    if n < 1:
        raise GenerationError(f"--n {n}: ask for at least one clip")


class Generator:
    """A loaded model and its converter: sample, encode, decode, vary, morph, blend, complete, humanize."""

    def __init__(self, model: torch.nn.Module, meta: dict, path: Path | None = None, device: str = "cpu"):
        self.device = pick_device(device) if isinstance(device, str) else device
        self.model = model.to(self.device).eval()
        for p in self.model.parameters():  # inference only: gradients flow to latent codes, never to weights
            p.requires_grad_(False)
        self.meta = meta
        self.path = path
        cfg = getattr(model, "cfg", None)
        self.config_name: str = getattr(cfg, "name", "") or config_name(meta)
        from engine.data.converters import CONVERTERS

        if self.config_name not in CONVERTERS:
            raise GenerationError(f"model config {self.config_name!r} is unknown to this Bandmate")
        self.converter = CONVERTERS[self.config_name]
        self.steps: int = self.converter.steps
        self.z_size: int = int(getattr(cfg, "z_size", 0) or meta.get("config", {}).get("z_size"))
        self.summary: dict = meta.get("data") or meta.get("data_summary") or {}
        self.tempo: float = float(self.summary.get("tempo_median") or self.summary.get("tempo") or 120.0)
        self.notices: list[str] = []
        self.last_seed: int = 0
        self._measured = False  # music_stats() looked in the training folder already
        self._codes: dict[Pattern, torch.Tensor] = {}  # clip -> latent mean (Z,), oldest first
        self._spread: dict | bool | None = None  # groove_spread(), False once known to be missing
        # generated notes get the training music's loudness and timing (False: velocity 100 on the grid)
        self.feel = True

    @classmethod
    def load(cls, model: str | Path, device: str = "cpu") -> Generator:
        """Load a model folder, a model.json path, or a bundled/user model name."""
        from models.checkpoint import load_model

        folder = resolve_model(model)
        dev = pick_device(device)
        net, meta = load_model(folder, device=str(dev))
        return cls(net, meta, folder, dev)  # type: ignore[arg-type]

    # ---- helpers -------------------------------------------------------------------------------
    def take_notices(self) -> list[str]:
        out, self.notices = self.notices, []
        return out

    def _seed(self, seed: int | None) -> int:
        self.last_seed = secrets.randbelow(2**31) if seed is None else int(seed)
        return self.last_seed

    def music_stats(self) -> dict:
        """The training music's data summary; statistics missing there are measured once in its folder."""
        if self.summary.get("velocity_mean") is None and not self._measured:
            self._measured = True
            folder = self.summary.get("folder")
            if folder and Path(folder).is_dir():
                from engine.data.stats import folder_stats

                stats = folder_stats(folder)
                if stats:
                    self.summary = {**self.summary, **stats}
                    self.notices.append(f"measured the training music's loudness, timing and key in {folder}")
        return self.summary

    def groove_spread(self) -> dict | None:
        """How far real notes lie from the velocity/timing head's prediction (engine/generation/groove.py):
        per drum class for drums_2bar, one figure for multitrack_1bar's velocities. Measured on held-out
        music by the report card, else the training music's jitter around each beat position's mean; None for
        models without such a head or without either figure."""
        if self._spread is None:
            self._spread = self._measured_spread() or self._jitter_spread() or False
        return self._spread or None

    def _measured_spread(self) -> dict | None:
        report = self.path / "report.json" if self.path is not None else None
        try:
            if report is not None and report.is_file():
                return (json.loads(report.read_text()).get("held_out") or {}).get("groove_spread")
        except (OSError, ValueError, AttributeError):
            pass
        return None

    def _jitter_spread(self) -> dict | None:
        if self.config_name == "drums_2bar":
            drums = self.summary.get("drums") or {}
            if drums.get("velocity_jitter") is not None:
                return {
                    "velocity": [float(drums["velocity_jitter"])] * DRUM_CLASSES,
                    "offset": [float(drums.get("offset_jitter") or 0.0)] * DRUM_CLASSES,
                }
        if self.config_name == "multitrack_1bar" and self.summary.get("velocity_jitter") is not None:
            return {"velocity": [float(self.summary["velocity_jitter"])]}
        return None

    def training_key(self) -> Key | None:
        """The key of the training music recorded in the model's data summary, if any."""
        key = self.music_stats().get("key")
        if isinstance(key, str) and key:
            return parse_key(key)
        hist = self.summary.get("pitch_classes") or self.summary.get("pitch_class_histogram")
        if hist:
            return key_from_histogram(hist)
        return None

    def resolve_key(self, key: Key | str | None, clip: Pattern | None = None) -> Key | None:
        """None, a Key, a name like "C:minor", or "auto" (the clip's key, else the training music's)."""
        if key is None or isinstance(key, Key):
            return key
        if key.strip().lower() != "auto":
            return parse_key(key)
        found = detect_key(clip) if clip is not None else None
        source = "the clip"
        if found is None:
            found, source = self.training_key(), "the training music"
        if found is None:
            self.notices.append(
                "--key auto: no key found in the clip or the model's training summary; not masking"
            )
        else:
            self.notices.append(f"--key auto: using {found}, the key of {source}")
        return found

    def _masks(self, key: Key | None) -> dict[str, torch.Tensor] | None:
        masks = logit_masks(self.config_name, key)
        if key is not None and masks is None:
            self.notices.append(f"{self.config_name} writes drums only, so the key is ignored")
        if masks is None:
            return None
        return {k: torch.as_tensor(v, device=self.device) for k, v in masks.items()}

    def fit(self, clip: Pattern, label: str = "the clip") -> FittedClip:
        """The clip checked and cut/looped to the model's length (notes about it go to `notices`)."""
        fitted = fit_clip(clip, self.converter, self.config_name, label)
        self.notices.extend(fitted.notices)
        return fitted

    def batch(self, examples: Sequence[dict[str, np.ndarray]]) -> dict[str, torch.Tensor]:
        """Stack per-example arrays into model tensors (B, ...) on the device."""
        keys = examples[0].keys()
        return {
            k: torch.as_tensor(np.stack([np.asarray(e[k]) for e in examples])).to(self.device) for k in keys
        }

    # ---- encode / decode -----------------------------------------------------------------------
    def encode(self, patterns: Sequence[Pattern]) -> torch.Tensor:
        """Latent means (B, Z) of the clips, each fitted to the model's length first.

        The codes of the last CACHE_SIZE clips are kept, so a blend pad or morph slider that sends the
        same corners again only decodes.
        """
        labels = [f"clip {i + 1}" if len(patterns) > 1 else "the clip" for i in range(len(patterns))]
        todo = [i for i, p in enumerate(patterns) if p not in self._codes]
        if todo:
            fitted = [self.fit(patterns[i], labels[i]) for i in todo]
            mu, _ = self.model.encode(self.batch([f.arrays for f in fitted]))
            for i, code in zip(todo, mu.detach().float().cpu(), strict=True):
                self._codes[patterns[i]] = code
            while len(self._codes) > CACHE_SIZE:
                self._codes.pop(next(iter(self._codes)))
        return torch.stack([self._codes[p] for p in patterns])  # (B, Z)

    def decode_arrays(
        self,
        z: torch.Tensor,
        temperature: float = 0.5,
        key: Key | str | None = None,
        seed: int | None = None,
        given: dict[str, torch.Tensor] | None = None,
    ) -> dict[str, np.ndarray]:
        """The decoder's raw arrays (B, ...) for latent codes z (B, Z)."""
        if not 0.0 <= temperature <= 2.0:
            raise GenerationError(f"temperature {temperature} is outside 0..2")
        masks = self._masks(self.resolve_key(key))
        rng = torch.Generator(device=self.device).manual_seed(self._seed(seed))
        z = z.to(self.device).float()
        with _aten_lstm(), torch.inference_mode():
            out = self.model.decode(z, temperature=temperature, logit_mask=masks, given=given, generator=rng)
        arrays = {k: v.detach().cpu().numpy() for k, v in out.items()}
        spread = self.groove_spread() if "velocity" in arrays else None
        if spread:  # the spread of real playing around the head's mean velocity and timing
            arrays = add_spread(arrays, spread, temperature, np.random.default_rng(self.last_seed))
        return arrays

    def to_patterns(self, arrays: dict[str, np.ndarray], tempo: float | None = None) -> list[Pattern]:
        n = next(iter(arrays.values())).shape[0]
        return [
            self.converter.from_tensors({k: v[i] for k, v in arrays.items()}, tempo=tempo or self.tempo)
            for i in range(n)
        ]

    def finish(self, clips: list[Pattern], temperature: float, seed: int) -> list[Pattern]:
        """Decoded clips as the musician gets them: with the training music's feel where the model writes
        no loudness or timing (`feel`, the default), or every note flat on the grid (feel off)."""
        from engine.generation.humanize import add_feel, flatten

        return add_feel(self, clips, temperature, seed) if self.feel else flatten(clips)

    def decode(
        self,
        z: torch.Tensor,
        temperature: float = 0.5,
        key: Key | str | None = None,
        seed: int | None = None,
        tempo: float | None = None,
    ) -> list[Pattern]:
        """One clip per latent code z (B, Z); temperature 0 = the most likely notes."""
        clips = self.to_patterns(self.decode_arrays(z, temperature, key, seed), tempo)
        return self.finish(clips, temperature, self.last_seed)

    # ---- generation ----------------------------------------------------------------------------
    def sample(
        self,
        n: int = 1,
        temperature: float = 0.5,
        seed: int | None = None,
        bars: int | None = None,
        key: Key | str | None = None,
    ) -> list[Pattern]:
        """n new clips from the prior; with `bars`, each is a chain of clips along a smooth latent path."""
        _check_count(n)
        seed = self._seed(seed)
        key = self.resolve_key(key)
        gen = torch.Generator().manual_seed(seed)
        if bars is None or bars * STEPS_PER_BAR == self.steps:
            return self.decode(torch.randn(n, self.z_size, generator=gen), temperature, key, seed)
        segs = segments_needed(bars, self.steps)
        z = torch.cat([smooth_path(segs, self.z_size, gen) for _ in range(n)])  # (n * segs, Z)
        clips = self.decode(z, temperature, key, seed)
        return [chain(clips[i * segs : (i + 1) * segs], bars) for i in range(n)]

    def variations(
        self,
        clip: Pattern,
        n: int = 8,
        amount: float = 0.3,
        seed: int | None = None,
        temperature: float = 0.5,
        key: Key | str | None = None,
    ) -> list[Pattern]:
        """n clips near `clip`: its code moved by `amount` x random directions as long as a prior sample."""
        _check_count(n)
        if amount < 0:
            raise GenerationError(f"--amount {amount} must be 0 or more (0 = the clip itself)")
        seed = self._seed(seed)
        key = self.resolve_key(key, clip)
        mu = self.encode([clip])  # (1, Z)
        d = torch.randn(n, self.z_size, generator=torch.Generator().manual_seed(seed))
        d = d / d.norm(dim=1, keepdim=True) * math.sqrt(self.z_size)  # prior samples have norm ~ sqrt(Z)
        clips = self.decode(mu + amount * d, temperature, key, seed, tempo=clip.tempo)
        return carry_maps(clips, fit_clip(clip, self.converter, self.config_name).pattern)

    def interpolation_path(self, a: Pattern, b: Pattern, steps: int = 8) -> torch.Tensor:
        """(steps, Z) codes from A's mean to B's by spherical interpolation, both ends included."""
        from models.latent import slerp

        if steps < 2:
            raise GenerationError("an interpolation needs at least 2 steps")
        mu = self.encode([a, b])
        return torch.stack([torch.as_tensor(slerp(mu[0], mu[1], float(t))) for t in np.linspace(0, 1, steps)])

    def interpolate(
        self,
        a: Pattern,
        b: Pattern,
        steps: int = 8,
        temperature: float = 0.5,
        seed: int | None = None,
        key: Key | str | None = None,
    ) -> list[Pattern]:
        """Clips morphing from A into B (A and B's reconstructions are the ends), each step no nearer A
        and no further from B in notes than the one before where the path allows
        (engine/generation/morph.py)."""
        from engine.generation.morph import REFINE, monotone_steps, note_distances

        key = self.resolve_key(key, a.concat(b))
        path = self.interpolation_path(a, b, (steps - 1) * REFINE + 1 if steps >= 2 else steps)
        candidates = self.to_patterns(self.decode_arrays(path, temperature, key, seed), a.tempo)
        chosen = monotone_steps(*note_distances(candidates), steps)
        return self.finish([candidates[i] for i in chosen], temperature, self.last_seed)

    def blend_codes(self, corners: Sequence[Pattern], points: Sequence[tuple[float, float]]) -> torch.Tensor:
        """(P, Z) bilinear blends of the corners' codes at (x, y) points in 0..1.

        Corners are A=(0,0), B=(1,0), C=(0,1), D=(1,1).
        """
        from models.latent import bilinear

        if len(corners) != 4:
            raise GenerationError(f"a blend needs 4 corner clips, got {len(corners)}")
        for x, y in points:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise GenerationError(f"blend point {x},{y} is outside the square 0..1")
        mu = self.encode(corners)  # (4, Z)
        return torch.stack([torch.as_tensor(bilinear(mu, x, y)).reshape(self.z_size) for x, y in points])

    def blend(
        self,
        corners: Sequence[Pattern],
        x: float,
        y: float,
        temperature: float = 0.5,
        seed: int | None = None,
    ) -> Pattern:
        """The clip at (x, y) of the square whose corners are A (0,0), B (1,0), C (0,1), D (1,1)."""
        return self.decode(self.blend_codes(corners, [(x, y)]), temperature, None, seed, corners[0].tempo)[0]

    def blend_grid(
        self, corners: Sequence[Pattern], grid: int = 5, temperature: float = 0.5, seed: int | None = None
    ) -> list[list[Pattern]]:
        """grid x grid clips; result[i][j] is at x = i / (grid - 1), y = j / (grid - 1)."""
        if grid < 2:
            raise GenerationError("a blend grid needs at least 2 points per side")
        pts = [(i / (grid - 1), j / (grid - 1)) for i in range(grid) for j in range(grid)]
        clips = self.decode(self.blend_codes(corners, pts), temperature, None, seed, corners[0].tempo)
        return [clips[i * grid : (i + 1) * grid] for i in range(grid)]

    def complete(
        self,
        clip: Pattern,
        parts: Sequence[str] | None = None,
        seed: int | None = None,
        temperature: float = 0.5,
        key: Key | str | None = None,
    ) -> Pattern:
        """The clip with its missing parts (or `parts`) written; the given parts come back unchanged."""
        from engine.generation.complete import complete

        return complete(self, clip, parts, seed=seed, temperature=temperature, key=key)

    def humanize(self, clip: Pattern, amount: float = 1.0, seed: int | None = None) -> Pattern:
        """Same notes, with velocities and micro-timing learned from the training music."""
        from engine.generation.humanize import humanize

        return humanize(self, clip, amount, seed=seed)
