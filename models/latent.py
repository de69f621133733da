# SPDX-License-Identifier: MIT
"""Latent-space helpers: spherical and linear interpolation, bilinear blending of four corners.

The one home of slerp (Magenta has two copies). All work on torch tensors of shape (Z,) or (B, Z).
"""

from __future__ import annotations

import torch
from torch import Tensor


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
