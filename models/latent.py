# SPDX-License-Identifier: MIT
"""Latent-space helpers: spherical and linear interpolation, bilinear blending of four corners, and the
Gaussian fitted to the training music's codes (`LatentFit`) that generation samples from.

The one home of slerp (Magenta has two copies). All work on torch tensors of shape (Z,) or (B, Z).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

FIT_RANK = 16  # principal directions of a LatentFit; the rest of the spread is kept per dimension


def lerp(a: Tensor, b: Tensor, t: float | Tensor) -> Tensor:
    """Straight-line interpolation; t = 0 gives a, t = 1 gives b."""
    return a + (b - a) * t


def slerp(a: Tensor, b: Tensor, t: float | Tensor, eps: float = 1e-7) -> Tensor:
    """Spherical interpolation along the last axis (Z); falls back to lerp for (anti)parallel vectors.

    Keeps interpolants at a typical norm for a Gaussian prior, as MusicVAE's interpolations do.
    """
    a_n = a / a.norm(dim=-1, keepdim=True).clamp_min(eps)  # (..., Z)
    b_n = b / b.norm(dim=-1, keepdim=True).clamp_min(eps)  # (..., Z)
    cos = (a_n * b_n).sum(-1, keepdim=True).clamp(-1.0, 1.0)  # (..., 1)
    omega = torch.arccos(cos)  # (..., 1)
    sin = torch.sin(omega)  # (..., 1)
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    safe = sin.abs() > 1e-4
    sin_safe = torch.where(safe, sin, torch.ones_like(sin))
    out = (torch.sin((1.0 - t) * omega) * a + torch.sin(t * omega) * b) / sin_safe
    return torch.where(safe, out, lerp(a, b, t))


def bilinear(corners: Tensor, x: float, y: float) -> Tensor:
    """Blend four latent corners (4, Z) at (x, y) in [0, 1]^2 -> (Z,).

    Corner order: (x=0, y=0), (x=1, y=0), (x=0, y=1), (x=1, y=1), i.e. top-left, top-right,
    bottom-left, bottom-right on a grid where x runs right and y runs down.
    """
    if corners.shape[0] != 4:
        raise ValueError(f"bilinear needs 4 corners, got {corners.shape[0]}")
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise ValueError(f"x and y must lie in [0, 1], got ({x}, {y})")
    top = lerp(corners[0], corners[1], x)  # (Z,)
    bottom = lerp(corners[2], corners[3], x)  # (Z,)
    return lerp(top, bottom, y)


# A fit's tensors, made from its tuples on first use: ~0.3 ms a draw otherwise (a 16-bar trio sample draws
# one code). Keyed by the fit's id, which the entry keeps alive (so the id is not reused); a few fits.
_TENSORS: dict[tuple[int, torch.dtype, torch.device], tuple[LatentFit, tuple[Tensor, Tensor, Tensor]]] = {}
_TENSOR_FITS = 8


@dataclass(frozen=True, slots=True)
class LatentFit:
    """A Gaussian over z fitted to the codes of the training windows: what `sample` draws from instead of
    the prior N(0, I), which a small data set's codes do not fill (MidiMe, Dinculescu et al. 2019, learns
    such a distribution of a user's codes; a Gaussian is its simplest form).

    z = mean + components^T a + sqrt(noise) * e with a ~ N(0, I_K), e ~ N(0, I_Z): the K principal
    directions of the codes' spread, the rest kept per dimension (probabilistic PCA with a diagonal
    residual, Tipping & Bishop 1999). A full covariance needs Z^2 / 2 numbers (33k for Z = 256) from
    ~1,000 windows (transposed copies are not independent); a diagonal alone ignores that the codes of
    one band move together, so its draws combine dimensions no window combines.

    Attributes:
        codes: how many training windows' codes it was fitted to.
        mean: (Z,).
        components: (K, Z), the principal directions scaled by their spread beyond `noise`.
        noise: (Z,) variances left per dimension (> 0).
    """

    codes: int
    mean: tuple[float, ...]
    components: tuple[tuple[float, ...], ...]
    noise: tuple[float, ...]

    def __post_init__(self) -> None:
        z = len(self.mean)
        if not z or len(self.noise) != z or any(len(c) != z for c in self.components):
            raise ValueError("mean, noise and every component need the same length Z > 0")
        if min(self.noise) <= 0.0:
            raise ValueError("noise variances must be > 0")

    @property
    def source_size(self) -> int:
        """Length of the standard-normal vector that `to_z` maps to one code: K + Z."""
        return len(self.components) + len(self.mean)

    def to_z(self, source: Tensor) -> Tensor:
        """Standard-normal vectors (B, K + Z) -> codes (B, Z): an affine map, so a smooth path of sources
        (a slerp between N(0, I) anchors) is a smooth path of codes."""
        mean, scale, w = self._as_tensors(source.dtype, source.device)  # (Z,), (Z,), (K, Z)
        k = len(self.components)
        z = mean + source[:, k:] * scale
        if k:
            z = z + source[:, :k] @ w
        return z  # (B, Z)

    def _as_tensors(self, dtype: torch.dtype, device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
        """mean (Z,), sqrt(noise) (Z,) and components (K, Z) in `dtype` on `device`, made once per fit
        (`_TENSORS`)."""
        key = (id(self), dtype, device)
        entry = _TENSORS.get(key)
        if entry is None or entry[0] is not self:
            tensors = (
                torch.tensor(self.mean, dtype=dtype, device=device),
                torch.tensor(self.noise, dtype=dtype, device=device).sqrt(),
                torch.tensor(self.components, dtype=dtype, device=device).reshape(len(self.components), -1),
            )
            while len(_TENSORS) >= _TENSOR_FITS:
                del _TENSORS[next(iter(_TENSORS))]  # the oldest
            entry = _TENSORS[key] = (self, tensors)
        return entry[1]

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n codes (n, Z) on the CPU."""
        return self.to_z(torch.randn(n, self.source_size, generator=generator))


def fit_latent(mu: Tensor, sigma: Tensor, rank: int = FIT_RANK) -> LatentFit:
    """The Gaussian of the aggregate posterior: mean and covariance of the mixture of the encoder's
    N(mu_i, sigma_i^2) over the training windows, mu and sigma (N, Z), as a LatentFit of `rank`
    principal directions. The covariance is cov(mu) + mean(sigma^2) on the diagonal: the spread of the
    codes plus the spread of z around each code, both of which the decoder saw in training."""
    mu, sigma = mu.detach().double().cpu(), sigma.detach().double().cpu()
    n, z = mu.shape
    mean = mu.mean(0)  # (Z,)
    centred = mu - mean  # (N, Z)
    cov = centred.T @ centred / max(n - 1, 1) + torch.diag(sigma.pow(2).mean(0))  # (Z, Z)
    values, vectors = torch.linalg.eigh(cov)  # ascending
    k = max(0, min(rank, z - 1, n - 1))
    top, directions = values.flip(0)[:k], vectors.flip(1)[:, :k]  # (K,), (Z, K)
    floor = values.flip(0)[k:].mean() if k < z else values.min()  # the spread the K directions leave
    scale = (top - floor).clamp_min(0.0).sqrt()  # (K,)
    components = (directions * scale).T  # (K, Z)
    noise = (torch.diag(cov) - components.pow(2).sum(0)).clamp_min(1e-6)  # (Z,): the diagonal stays exact

    def rounded(t: Tensor) -> tuple[float, ...]:
        return tuple(float(f"{x:.5g}") for x in t.tolist())

    return LatentFit(n, rounded(mean), tuple(rounded(c) for c in components), rounded(noise))
