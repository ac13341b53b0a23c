"""The GAN training loop as a picture: who feeds whom, and which gradient updates which network.

One step of the game of Goodfellow et al. 2014 ("Generative Adversarial Nets", NeurIPS,
Algorithm 1) has two phases, drawn in two colours:

- the discriminator step: real x and fake G(z) go through D; the loss
  L_D = -log D(x) - log(1 - D(G(z))) is differentiated with respect to theta_d only (the fake is
  detached: G does not move);
- the generator step: a fresh G(z) goes through D; the non-saturating loss L_G = -log D(G(z)) is
  differentiated back *through* D (held fixed) and G, and only theta_g is updated.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from .shapes import arrow, box

D_COLOR = "tab:blue"  # the discriminator's update
G_COLOR = "tab:red"  # the generator's update
BOX_TEXT = {  # name: (x, y, label) in axes units, the centre of each box
    "noise": (0.085, 0.30, "noise\n$z \\sim p_z$"),
    "G": (0.265, 0.30, "generator\n$G(z;\\,\\theta_g)$"),
    "fake": (0.45, 0.30, "fake\n$G(z)$"),
    "real": (0.45, 0.72, "real\n$x \\sim p_{data}$"),
    "D": (0.64, 0.51, "discriminator\n$D(\\cdot;\\,\\theta_d)$"),
    "loss_D": (0.88, 0.72, "$L_D = -\\log D(x)$\n$-\\log(1 - D(G(z)))$"),
    "loss_G": (0.88, 0.30, "$L_G = -\\log D(G(z))$"),
}
BOX_SIZE = (0.14, 0.13)  # width, height of every box (axes units)


def _box(ax, name: str, color: str = "black") -> None:
    x, y, label = BOX_TEXT[name]
    box(ax, x, y, label, size=BOX_SIZE, color=color, linewidth=1.5)


def _arrow(ax, start, end, *, color="black", style="-|>", ls="-", rad=0.0) -> None:
    arrow(ax, start, end, color=color, style=style, ls=ls, rad=rad, scale=14, linewidth=1.4)


def _edge(name: str, side: str) -> tuple[float, float]:
    """The point on a side ('left', 'right', 'top', 'bottom') of a box."""
    x, y, _ = BOX_TEXT[name]
    w, h = BOX_SIZE
    dx = {"left": -w / 2 - 0.012, "right": w / 2 + 0.012}.get(side, 0.0)
    dy = {"bottom": -h / 2 - 0.02, "top": h / 2 + 0.02}.get(side, 0.0)
    return x + dx, y + dy


def gan_training_loop() -> Figure:
    """The data flow of one GAN training step and the path of each network's gradient.

    Black arrows carry data forward; the blue dashed arrow is the discriminator's update
    (grad of L_D w.r.t. theta_d), the red dashed arrows the generator's (grad of L_G flows
    back through D, which is held fixed, into theta_g).
    """
    fig = Figure(figsize=(10, 5))
    ax = fig.add_axes((0, 0, 1, 0.9))
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.12, 1)
    ax.axis("off")
    for name in ("noise", "fake", "real"):
        _box(ax, name)
    _box(ax, "G", G_COLOR)
    _box(ax, "D", D_COLOR)
    _box(ax, "loss_D", D_COLOR)
    _box(ax, "loss_G", G_COLOR)
    # forward: data flows left to right
    _arrow(ax, _edge("noise", "right"), _edge("G", "left"))
    _arrow(ax, _edge("G", "right"), _edge("fake", "left"))
    _arrow(ax, _edge("fake", "right"), _edge("D", "left"))
    _arrow(ax, _edge("real", "right"), _edge("D", "left"))
    _arrow(ax, _edge("D", "right"), _edge("loss_D", "left"))
    _arrow(ax, _edge("D", "right"), _edge("loss_G", "left"))
    # backward: which gradient updates which network
    _arrow(ax, _edge("loss_D", "top"), _edge("D", "top"), color=D_COLOR, ls="--", rad=0.45)
    ax.text(
        0.77,
        0.97,
        "$\\nabla_{\\theta_d} L_D$ updates D only\n(the fake is detached)",
        ha="center",
        va="top",
        fontsize=9,
        color=D_COLOR,
    )
    _arrow(ax, _edge("loss_G", "bottom"), _edge("G", "bottom"), color=G_COLOR, ls="--", rad=-0.25)
    ax.text(
        0.5,
        -0.07,
        "$\\nabla_{\\theta_g} L_G$ flows back through D (held fixed) and updates G only",
        ha="center",
        va="bottom",
        fontsize=9,
        color=G_COLOR,
    )
    fig.suptitle("One GAN training step: forward (black), the two updates (dashed)", fontsize=12)
    return fig
