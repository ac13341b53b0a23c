"""Exercises of notebook 05 (flow matching): ``check("rectified_path", fn)`` and so on.

- ``rectified_path``: x_t = (1 - t) x0 + t eps, one t per clip (Liu et al. 2023).
- ``cfm_loss``: the conditional flow-matching loss mean ||v - (eps - x0)||^2 (Lipman et al. 2023).
- ``cfg_velocity``: classifier-free guidance v_null + w (v_y - v_null) (Ho & Salimans 2022).
- ``velocity_to_score``: the score of the linear path from a velocity prediction.
- ``euler_integrate``: Euler steps of dx/dt = v(x, t) from t = 1 (noise) to t = 0 (data).
- ``nb05_heun_integrate``: Heun steps of the same ODE, with a last plain Euler step (Karras et al.
  2022, Alg. 1).
- ``nb05_cosine_velocity`` (derive): the conditional velocity d x_t / dt of the variance-preserving
  cosine path x_t = cos(pi t / 2) x0 + sin(pi t / 2) eps.
- ``nb05_loss_plateau`` (diagnose) and ``nb05_guidance`` (predict): questions.

The references are the library's own functions (``models.flow``, ``foundations.diffusion``,
``foundations.flow_toy``) where it has one.
"""

from __future__ import annotations

import torch

from vidgen_edu.foundations.diffusion import convert, schedule
from vidgen_edu.foundations.flow_toy import integrate_flow
from vidgen_edu.models.flow import flow_matching_loss, interpolate

from .core import exercise, normal, question


def rectified_path(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """``(1 - t) x0 + t eps`` for clips (B, ...) and times (B,)."""
    return interpolate(x0, noise, t)


def cfm_loss(velocity: torch.Tensor, x0: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """``mean (v - (eps - x0))^2`` over every value."""
    return flow_matching_loss(velocity, x0, noise)


def cfg_velocity(v_cond: torch.Tensor, v_null: torch.Tensor, guidance: float) -> torch.Tensor:
    """``v_null + w (v_cond - v_null)``: w = 1 is the conditional field, w = 0 the unconditional."""
    return v_null + guidance * (v_cond - v_null)


def velocity_to_score(v: torch.Tensor, x_t: torch.Tensor, t: float) -> torch.Tensor:
    """grad log p_t(x_t) from the velocity on x_t = (1 - t) x0 + t eps, points (n, D), 0 < t < 1."""
    return convert(v, source="velocity", target="score", x_t=x_t, t=t, path="linear")


def euler_integrate(x1: torch.Tensor, a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """``steps`` Euler steps of dx/dt = a x + b t (elementwise, a and b (D,)) from t = 1 to t = 0."""
    return integrate_flow(lambda x, t: a * x + b * t[:, None], x1, steps=steps, method="euler")


def heun_integrate(x1: torch.Tensor, a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """``steps`` Heun steps of dx/dt = a x + b t from t = 1 to t = 0, the last one plain Euler."""
    return integrate_flow(lambda x, t: a * x + b * t[:, None], x1, steps=steps, method="heun")


def cosine_velocity(x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """``a'_t x0 + s'_t eps`` on the "vp-cosine" path, points (n, D) and times (n,)."""
    _, _, da, ds = schedule(t, "vp-cosine")
    return da[:, None] * x0 + ds[:, None] * noise


@exercise(
    "rectified_path",
    reference=rectified_path,
    hint="reshape t (B,) to (B, 1, 1, ...) so that it broadcasts over each clip, then "
    "(1 - t) * x0 + t * noise",
)
def _path_cases(rng):
    yield (torch.ones(2, 3), torch.zeros(2, 3), torch.tensor([0.0, 1.0], dtype=torch.float64)), {}
    for shape in ((3, 4), (2, 1, 4, 3, 3)):
        t = torch.as_tensor(rng.uniform(size=shape[0]), dtype=torch.float64)
        yield (normal(rng, *shape), normal(rng, *shape), t), {}


@exercise(
    "cfm_loss",
    reference=cfm_loss,
    hint="the target velocity of the straight path is noise - x0; the loss is the mean of "
    "(velocity - target) ** 2 over all values",
)
def _cfm_cases(rng):
    yield (
        (
            torch.zeros(1, 2, dtype=torch.float64),
            torch.tensor([[1.0, -1.0]], dtype=torch.float64),
            torch.tensor([[0.5, 0.5]], dtype=torch.float64),
        ),
        {},
    )
    for shape in ((4, 3), (2, 1, 3, 4, 4)):
        yield (normal(rng, *shape), normal(rng, *shape), normal(rng, *shape)), {}


@exercise(
    "cfg_velocity",
    reference=cfg_velocity,
    hint="start from the unconditional velocity and move w times the difference towards "
    "the conditional one: v_null + w * (v_cond - v_null)",
)
def _cfg_cases(rng):
    for w in (0.0, 1.0, 2.0, 4.5):
        yield (normal(rng, 2, 3), normal(rng, 2, 3), w), {}


@exercise(
    "velocity_to_score",
    reference=velocity_to_score,
    hint="x_t = (1 - t) x0 + t eps and v = eps - x0 give eps = x_t + (1 - t) v; "
    "the score is -eps / t",
)
def _score_cases(rng):
    for t in (0.25, 0.5, 0.9):
        yield (normal(rng, 5, 2), normal(rng, 5, 2), t), {}


@exercise(
    "euler_integrate",
    reference=euler_integrate,
    hint="times 1, 1 - 1/steps, ..., 0; at each step x <- x + (t_next - t) * (a * x + b * t) "
    "with t the time at the START of the step (so dt is negative)",
)
def _euler_cases(rng):
    yield (
        (
            torch.ones(2, 1, dtype=torch.float64),
            torch.tensor([1.0], dtype=torch.float64),
            torch.zeros(1, dtype=torch.float64),
            1,
        ),
        {},
    )
    for steps in (2, 5, 16):
        yield (normal(rng, 4, 2), normal(rng, 2), normal(rng, 2), steps), {}


@exercise(
    "nb05_heun_integrate",
    reference=heun_integrate,
    hint="per step: k1 = f(x, t), x_e = x + dt * k1; the new x is x_e on the last step (t_next = 0), "
    "else x + dt / 2 * (k1 + f(x_e, t_next)), with f(x, t) = a * x + b * t and dt negative",
)
def _heun_cases(rng):
    """The same ODE cases as Euler's: a constant field, then random linear ones."""
    yield from _euler_cases(rng)


@exercise(
    "nb05_cosine_velocity",
    reference=cosine_velocity,
    hint="differentiate x_t = cos(pi t / 2) x0 + sin(pi t / 2) eps with respect to t, term by "
    "term: each coefficient brings out a factor pi / 2; reshape t (n,) to (n, 1)",
)
def _cosine_cases(rng):
    yield (
        (torch.ones(2, 1, dtype=torch.float64), torch.zeros(2, 1, dtype=torch.float64)),
        {"t": torch.tensor([0.0, 1.0], dtype=torch.float64)},
    )
    for n, d in ((4, 2), (6, 3)):
        t = torch.as_tensor(rng.uniform(size=n), dtype=torch.float64)
        yield (normal(rng, n, d), normal(rng, n, d)), {"t": t}


question(
    "nb05_loss_plateau",
    answer="b",
    choices="abcd",
    hint="what is the smallest value the CFM loss can take, even for the exact field? "
    "(section 1.6: L_CFM = L_FM + C)",
)

question(
    "nb05_guidance",
    answer="b",
    choices="abcd",
    hint="w = 0 ignores the class; a large w moves every clip of a class further along the same "
    "direction v_y - v_null",
)
