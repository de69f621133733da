# SPDX-License-Identifier: MIT
"""The one place the live wing calls the Generator: blend a beat, decode a latent-loop point, and answer
a phrase (a variation, a continuation, the band around it). Keeping every call here means a change of
the Generator's API (results wrapped with their seed and notices, shared settings) touches one module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from engine.music.keys import Key, parse_key
from engine.music.pattern import Pattern, Role
from models.spec import LIVE_DRUMS, LIVE_MELODY

if TYPE_CHECKING:
    from engine.generation.generator import Generator
    from engine.generation.runner import Generated

CONTINUE_STEP = 0.35  # slerp share from the phrase's code toward a fresh prior sample: near, not the same


class LiveModels:
    """The models a jam or an answer uses: a drum model, a melody model, optionally a band model
    (multitrack_1bar, the quicker to answer, or trio_16bar) for "the band around" a phrase. Any may be
    None if unused."""

    def __init__(
        self, drums: Generator | None = None, melody: Generator | None = None, band: Generator | None = None
    ) -> None:
        self.drums, self.melody, self.band = drums, melody, band
        self._notices: list[str] = []

    def _take(self, result: Generated) -> Pattern:
        """The one clip of a call, its notices kept for `take_notices`."""
        self._notices += result.notices
        return result.clips[0]

    @classmethod
    def load(
        cls, drums: str | None = LIVE_DRUMS, melody: str | None = LIVE_MELODY, band: str | None = None,
        device: str = "cpu",
    ) -> LiveModels:  # fmt: skip
        """Load models by folder or name (ModelNotFoundError, CheckpointError from the registry)."""
        from engine.generation.generator import Generator

        def get(name: str | None) -> Generator | None:
            return Generator.load(name, device=device) if name else None

        return cls(get(drums), get(melody), get(band))

    @property
    def melody_size(self) -> int:
        """The melody model's latent size Z."""
        return self._need(self.melody, "melody").z_size

    def blend_drums(
        self, corners: Sequence[Pattern], x: float, y: float, temperature: float, seed: int
    ) -> Pattern:
        """The beat at (x, y) of the square of four corner beats (A (0,0), B (1,0), C (0,1), D (1,1))."""
        return self._take(
            self._need(self.drums, "drums").blend(corners, x, y, temperature=temperature, seed=seed)
        )

    def decode_melody(
        self, z: np.ndarray, temperature: float, key: Key | None, seed: int, tempo: float
    ) -> Pattern:
        """The melody model's clip for the code z (Z,), in `key` (None: any notes)."""
        import torch

        gen = self._need(self.melody, "melody")
        return self._take(
            gen.decode(torch.as_tensor(z, dtype=torch.float32)[None], temperature, key, seed, tempo=tempo)
        )

    def vary(self, clip: Pattern, amount: float, seed: int, key: Key | None) -> Pattern:
        """A clip near `clip` (amount 0 = the same, 1 = far), by the model that fits it."""
        gen = self._for(clip)
        # unchecked: a live answer is due on the next bar, and a redraw would cost a second decode
        return self._take(gen.variations(clip, n=1, amount=amount, seed=seed, key=key, checked=False))

    def continue_(self, clip: Pattern, seed: int, key: Key | None) -> Pattern:
        """What could come next: the phrase's code moved part way toward a fresh prior sample (slerp)."""
        import torch

        from models.latent import slerp

        gen = self._for(clip)
        mu = gen.encode([clip])[0]  # (Z,)
        fresh = torch.randn(gen.z_size, generator=torch.Generator().manual_seed(seed))
        fresh = fresh / fresh.norm() * math.sqrt(gen.z_size)
        z = torch.as_tensor(slerp(mu, fresh, CONTINUE_STEP))[None]
        return self._take(gen.decode(z, 0.5, key, seed, tempo=clip.tempo))

    def band_around(self, clip: Pattern, seed: int) -> Pattern:
        """The clip with the band model's drums and bass (and other missing parts) written around it."""
        return self._take(self._need(self.band, "band").complete(clip, seed=seed))

    def window_steps(self, clip: Pattern, mode: str) -> int:
        """How many steps of a phrase the model answering it in `mode` reads (its length)."""
        return (self._need(self.band, "band") if mode == "band" else self._for(clip)).steps

    def take_notices(self) -> list[str]:
        """What the models said (a clip cut to length, a key guessed), oldest first."""
        out, self._notices = self._notices, []
        return out

    def _for(self, clip: Pattern) -> Generator:
        drums_only = all(t.is_drum or t.role == Role.DRUMS for t in clip.tracks if t.notes)
        return self._need(self.drums if drums_only else self.melody, "drums" if drums_only else "melody")

    @staticmethod
    def _need(gen: Generator | None, what: str) -> Generator:
        if gen is None:
            from engine.generation.fit import GenerationError

            raise GenerationError(f"no {what} model is loaded for this")
        return gen


def key_of(text: str | None) -> Key | None:
    """A fixed key from its name ("C:minor", "Am", ...; KeyNameError), or None for any notes."""
    return parse_key(text) if text else None
