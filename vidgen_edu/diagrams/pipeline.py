"""The founding article's five-stage pipeline as a picture (its sections 2.2 and 2.3).

The article's own architecture figure is a placeholder link that shows nothing, and its Mermaid
chart gives only the five names. This picture adds what each stage takes and gives in the
course's library (``vidgen_edu.pipeline``): uint8 frames ``(N, T, H, W, C)`` at both edges, a
float tensor ``(B, C, T, H, W)`` in [-1, 1] inside, and which method fills each slot in
notebook 00 (the classical path of the article's section 3.1) and in the learned path.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# (name, what it gives, the classical filler of notebook 00, the learned filler)
STAGES = (
    ("input", "uint8\n(N, T, H, W, C)", "Moving Digits\n+ noise", "any clips"),
    ("preprocessing", "float\n(B, C, T, H, W)", "median filter", "resize, crop"),
    ("feature\nextraction", "states\n(B, T, k)", "PCA of frames", "a conv. network"),
    ("generation", "float\n(B, C, T, H, W)", "dynamic texture", "GAN, VAE, flow"),
    ("postprocessing", "uint8\n(N, T, H, W, C)", "gamma, contrast", "the same"),
)
BOX_W, BOX_H, GAP = 1.9, 1.0, 0.7  # box width and height, space between boxes (data units)
EDGE_COLOR = "tab:blue"  # uint8 frames: what files, players and people see
INSIDE_COLOR = "tab:orange"  # tensors inside the model


def pipeline_figure(stages=STAGES) -> Figure:
    """Five boxes in a row, an arrow per hand-over labelled with what is handed on.

    Under each box: the method that fills the stage in notebook 00 (classical) and in the
    learned generators of notebooks 04 and 05.
    """
    fig = Figure(figsize=(12, 3.6), layout="constrained")
    ax = fig.add_subplot()
    for i, (name, gives, classical, learned) in enumerate(stages):
        x = i * (BOX_W + GAP)
        edge = i in (0, len(stages) - 1)
        _box(ax, x, name, EDGE_COLOR if edge else INSIDE_COLOR)
        ax.text(x + BOX_W / 2, -0.25, f"here: {classical}", ha="center", va="top", fontsize=9.5)
        ax.text(x + BOX_W / 2, -0.75, f"learned: {learned}", ha="center", va="top", fontsize=9.5)
        if i + 1 < len(stages):
            _arrow(ax, x + BOX_W, x + BOX_W + GAP)
        ax.text(x + BOX_W / 2, BOX_H + 0.12, gives, ha="center", va="bottom", fontsize=9)
    width = len(stages) * BOX_W + (len(stages) - 1) * GAP
    ax.set(xlim=(-0.1, width + 0.1), ylim=(-1.2, BOX_H + 0.8))
    ax.set_title(
        "The five-stage pipeline of the founding article (sections 2.2, 2.3); "
        "above each box: what that stage gives",
        fontsize=11,
    )
    ax.axis("off")
    return fig


def _box(ax, x: float, name: str, color: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x, 0),
            BOX_W,
            BOX_H,
            boxstyle="round,pad=0.04",
            facecolor="white",
            edgecolor=color,
            linewidth=2,
        )
    )
    ax.text(x + BOX_W / 2, BOX_H / 2, name, ha="center", va="center", fontsize=11.5, weight="bold")


def _arrow(ax, x0: float, x1: float) -> None:
    ax.add_patch(
        FancyArrowPatch(
            (x0 + 0.05, BOX_H / 2),
            (x1 - 0.05, BOX_H / 2),
            arrowstyle="-|>",
            mutation_scale=16,
            linewidth=1.5,
            color="black",
        )
    )
