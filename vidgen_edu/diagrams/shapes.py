"""The two marks every block diagram here is made of: a labelled rounded box and an arrow."""

from __future__ import annotations

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch


def box(
    ax,
    x,
    y,
    label,
    *,
    size,
    color="black",
    text_color="black",
    fontsize=10.0,
    linewidth=1.6,
    pad=0.01,
) -> None:
    """A white rounded box of ``size`` (w, h) centred at (x, y), outlined in ``color``."""
    w, h = size
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle=f"round,pad={pad}",
            facecolor="white",
            edgecolor=color,
            linewidth=linewidth,
        )
    )
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, color=text_color)


def arrow(
    ax, start, end, *, color="black", style="-|>", ls="-", rad=0.0, scale=13, linewidth=1.5
) -> None:
    """An arrow from ``start`` to ``end``, bent by ``rad`` (0 = straight)."""
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle=style,
            mutation_scale=scale,
            color=color,
            linestyle=ls,
            linewidth=linewidth,
            connectionstyle=f"arc3,rad={rad}",
        )
    )
