"""One DP-SGD update of a GAN's discriminator as a picture: where privacy is paid, where it is free.

DP-SGD (Abadi et al. 2016, CCS, "Deep Learning with Differential Privacy", Algorithm 1) on the
real half only (``vidgen_edu.privacy.dpgan``): each real clip's gradient ``g_i`` is clipped to
norm ``C``, the clipped gradients are summed, Gaussian noise ``N(0, sigma^2 C^2 I)`` is added and
the result divided by the expected batch ``q N``. The fake half's gradient reads no private record,
so it joins AFTER the noise (post-processing, Dwork and Roth 2014, Prop. 2.1) and costs nothing.
The private path is drawn in one colour, the free path in another.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from .shapes import arrow, box

PRIVATE_COLOR = "tab:purple"  # steps that read private records (and are paid for)
FREE_COLOR = "tab:green"  # the fake half: post-processing, free
BOX_SIZE = (0.12, 0.22)  # width, height of every box (axes units)
BOXES = {  # name: (x, y, label, colour), centres in axes units; real path on top, fake below
    "real": (0.075, 0.70, "Poisson sample\nreal clips $x_i$\n(rate $q$)", PRIVATE_COLOR),
    "grads": (0.23, 0.70, "per-sample\ngradients\n$g_i$", PRIVATE_COLOR),
    "clip": (0.385, 0.70, "clip\n$g_i \\min(1, C/\\|g_i\\|)$", PRIVATE_COLOR),
    "sum": (0.54, 0.70, "sum\n$\\sum_i \\bar g_i$\n(sensitivity $C$)", PRIVATE_COLOR),
    "noise": (0.695, 0.70, "+ noise\n$N(0, \\sigma^2 C^2 I)$", PRIVATE_COLOR),
    "scale": (0.85, 0.70, "$/\\,qN$\n(expected\nbatch)", PRIVATE_COLOR),
    "fake": (0.385, 0.26, "fake clips\n$G(z)$, uniform\nlabels", FREE_COLOR),
    "fake_grad": (0.695, 0.26, "fake-half gradient\n(no per-clip clipping,\nno noise)", FREE_COLOR),
    "update": (0.94, 0.26, "update\nof D\n$\\theta_d$", "black"),
}


def _box(ax, name: str) -> None:
    x, y, label, color = BOXES[name]
    size = BOX_SIZE if name != "update" else (0.09, BOX_SIZE[1])
    box(ax, x, y, label, size=size, color=color, fontsize=9.5)


def _arrow(ax, start, end, color) -> None:
    arrow(ax, start, end, color=color)


def _side(name: str, side: str) -> tuple[float, float]:
    """The point just outside a box's side ('left', 'right', 'top', 'bottom')."""
    x, y, _, _ = BOXES[name]
    w = BOX_SIZE[0] if name != "update" else 0.09
    dx = {"left": -w / 2 - 0.012, "right": w / 2 + 0.012}.get(side, 0.0)
    dy = {"bottom": -BOX_SIZE[1] / 2 - 0.025, "top": BOX_SIZE[1] / 2 + 0.025}.get(side, 0.0)
    return x + dx, y + dy


def dpsgd_step() -> Figure:
    """The DP-SGD update of the discriminator: the private real path and the free fake path.

    Top row (private colour): Poisson sample -> per-sample gradients -> clip -> sum -> + noise
    -> / qN. Bottom row (free colour): generated clips -> their gradient, which joins the noised
    real gradient in D's update after the noise.
    """
    fig = Figure(figsize=(12, 5))
    ax = fig.add_axes((0, 0, 1, 0.86))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    for name in BOXES:
        _box(ax, name)
    chain = ["real", "grads", "clip", "sum", "noise", "scale"]
    for a, b in zip(chain[:-1], chain[1:], strict=True):
        _arrow(ax, _side(a, "right"), _side(b, "left"), PRIVATE_COLOR)
    _arrow(ax, _side("scale", "bottom"), _side("update", "top"), PRIVATE_COLOR)
    _arrow(ax, _side("fake", "right"), _side("fake_grad", "left"), FREE_COLOR)
    _arrow(ax, _side("fake_grad", "right"), _side("update", "left"), FREE_COLOR)
    ax.text(
        0.07,
        0.97,
        "private: reads one person's clip per $x_i$, paid for by the accountant",
        ha="left",
        va="top",
        fontsize=10,
        color=PRIVATE_COLOR,
    )
    ax.text(
        0.07,
        0.04,
        "free: reads only D's (already private) weights and G's noise: post-processing",
        ha="left",
        va="bottom",
        fontsize=10,
        color=FREE_COLOR,
    )
    fig.suptitle(
        "One DP-SGD update of the discriminator: the fake half joins after the noise", fontsize=12
    )
    return fig
