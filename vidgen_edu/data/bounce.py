"""Bouncing trajectories: the motion protocol of Moving MNIST.

Srivastava, Mansimov & Salakhutdinov, "Unsupervised Learning of Video Representations using
LSTMs", ICML 2015 (arXiv:1502.04681), section 3: each object starts at a random position
inside the frame, with a velocity whose direction is uniform on the unit circle and whose
magnitude is uniform over a fixed range; it bounces off the edges of the frame.

Bouncing has a closed form, so no loop over frames is needed. An object whose top-left corner
may range over ``[0, L]`` (``L = frame size - object size``) moves freely along the unfolded
line ``u(t) = p0 + v t``; reflecting at both walls folds that line back into the box:

    m = u mod 2L,    p(t) = L - |m - L|

which is ``u`` while ``0 <= u <= L``, ``2L - u`` after one bounce off the far wall, and so on:
position and velocity are reflected at each wall, exactly as with step-by-step simulation.
"""

from __future__ import annotations

import math

import torch

from vidgen_edu.errors import ConfigError


def reflect(u: torch.Tensor, limit: float) -> torch.Tensor:
    """Fold unfolded coordinates ``u`` into ``[0, limit]`` by reflecting at both walls.

    >>> reflect(torch.tensor([0.0, 3.0, 5.0, 7.0, 12.0, -2.0]), 5.0).tolist()
    [0.0, 3.0, 5.0, 3.0, 2.0, 2.0]
    """
    if limit <= 0:
        return torch.zeros_like(u)
    m = torch.remainder(u, 2 * limit)
    return limit - (m - limit).abs()


def random_velocities(
    n: int, objects: int, *, speed: tuple[float, float], generator: torch.Generator
) -> torch.Tensor:
    """``(n, K, 2)`` velocities ``(vy, vx)`` in pixels per frame.

    Direction uniform on the unit circle, magnitude uniform in ``[speed[0], speed[1]]``
    (Srivastava et al. 2015).
    """
    angle = torch.rand(n, objects, generator=generator) * (2 * math.pi)
    lo, hi = speed
    magnitude = lo + (hi - lo) * torch.rand(n, objects, generator=generator)
    return torch.stack([angle.sin(), angle.cos()], dim=-1) * magnitude[..., None]


def random_trajectories(
    n: int,
    objects: int,
    *,
    frames: int,
    limit: int,
    speed: tuple[float, float],
    generator: torch.Generator,
) -> torch.Tensor:
    """Top-left positions ``(n, T, K, 2)`` as ``(y, x)``, whole pixels in ``[0, limit]``.

    Start uniform in the box, velocity from :func:`random_velocities`, bounced by
    :func:`reflect`, then rounded to whole pixels (rounding a point of ``[0, limit]`` stays in
    it). Drawn on the CPU from ``generator``; returned as ``float32``.
    """
    start = torch.rand(n, objects, 2, generator=generator) * limit  # (n, K, 2)
    velocity = random_velocities(n, objects, speed=speed, generator=generator)  # (n, K, 2)
    t = torch.arange(frames, dtype=torch.float32).view(1, frames, 1, 1)
    unfolded = start[:, None] + velocity[:, None] * t  # (n, T, K, 2)
    return reflect(unfolded, float(limit)).round()


def check_speed(speed: tuple[float, float]) -> tuple[float, float]:
    """A ``(low, high)`` speed range in pixels per frame, validated."""
    try:
        lo, hi = (float(s) for s in speed)
    except (TypeError, ValueError):
        raise ConfigError(
            f"speed must be a pair (low, high) of pixels per frame, got {speed!r}: "
            "e.g. speed=(2.0, 6.0)"
        ) from None
    if not 0 <= lo <= hi:
        raise ConfigError(
            f"speed must satisfy 0 <= low <= high, got {speed!r}: e.g. speed=(2.0, 6.0)"
        )
    return lo, hi
