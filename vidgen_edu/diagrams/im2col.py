"""im2col drawn: the patches of an image become the columns of a matrix, and a convolution
becomes one matrix product (Chellapilla, Puri & Simard 2006, "High performance convolutional
neural networks for document processing").

A small single-channel image holds the numbers 1, 2, 3, ... in raster order, so that every number
in the column matrix can be traced back to its pixel. Each patch (one output position) has its own
colour: its outline in the image, its column in the matrix and its output pixel share it.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

PATCH_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def patch_columns(image: np.ndarray, k: int, stride: int) -> np.ndarray:
    """The ``k x k`` patches of a 2-D ``image`` as columns, raster order: ``(k*k, L)``."""
    out_h = (image.shape[0] - k) // stride + 1
    out_w = (image.shape[1] - k) // stride + 1
    columns = [
        image[i * stride : i * stride + k, j * stride : j * stride + k].ravel()
        for i in range(out_h)
        for j in range(out_w)
    ]
    return np.stack(columns, axis=1)  # (k*k, L)


def _cells(ax, values, *, fills=None, fontsize=11, fmt="{}") -> None:
    """Draw a table of ``values`` (2-D, row 0 on top), one text per cell at its centre."""
    rows, cols = len(values), len(values[0])
    for i in range(rows):
        for j in range(cols):
            fill = fills[i][j] if fills is not None else "white"
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=fill, edgecolor="0.4", lw=0.8))
            ax.text(
                j + 0.5,
                i + 0.5,
                fmt.format(values[i][j]),
                ha="center",
                va="center",
                fontsize=fontsize,
            )
    ax.set_xlim(-0.1, cols + 0.1)
    ax.set_ylim(rows + 0.1, -0.1)  # row 0 on top
    ax.set_aspect("equal")
    ax.axis("off")


def _tint(colour: str, alpha: float = 0.28) -> tuple[float, float, float, float]:
    """``colour`` as a light RGBA fill."""
    from matplotlib.colors import to_rgba

    r, g, b, _ = to_rgba(colour)
    return (r, g, b, alpha)


def im2col_figure(size: int = 5, k: int = 3, stride: int = 2) -> Figure:
    """A ``size x size`` image, its ``k x k`` patches as columns, and the product that convolves.

    Four panels: the image with each patch outlined; the column matrix ``(k*k, L)``; the kernel
    reshaped to a row ``(1, k*k)``; the output ``row @ columns`` reshaped to ``(H_out, W_out)``.
    """
    image = np.arange(1, size * size + 1).reshape(size, size)
    columns = patch_columns(image, k, stride)  # (k*k, L)
    out_side = (size - k) // stride + 1
    n_patches = columns.shape[1]
    colours = [PATCH_COLOURS[p % len(PATCH_COLOURS)] for p in range(n_patches)]

    fig = Figure(figsize=(12, 4.6))
    grid = fig.add_gridspec(
        2, 4, width_ratios=[size, n_patches + 1.5, k * k, out_side + 1], height_ratios=[1, 1]
    )
    ax_img = fig.add_subplot(grid[:, 0])
    _cells(ax_img, image.tolist())
    for p in range(n_patches):
        i, j = divmod(p, out_side)
        inset = 0.06 + 0.07 * p  # nested outlines, so that overlapping patches stay visible
        ax_img.add_patch(
            Rectangle(
                (j * stride + inset, i * stride + inset),
                k - 2 * inset,
                k - 2 * inset,
                fill=False,
                edgecolor=colours[p],
                lw=2.5,
            )
        )
    ax_img.set_title(
        f"input image {size} x {size}\n{k} x {k} patches, stride {stride}", fontsize=12
    )

    ax_cols = fig.add_subplot(grid[:, 1])
    fills = [[_tint(colours[p]) for p in range(n_patches)] for _ in range(k * k)]
    _cells(ax_cols, columns.tolist(), fills=fills)
    ax_cols.set_title(f"im2col: one column per patch\n({k * k} x {n_patches} matrix)", fontsize=12)

    ax_w = fig.add_subplot(grid[0, 2])
    taps = [[f"w{u}{v}" for u in range(k) for v in range(k)]]
    _cells(ax_w, taps, fontsize=10)
    ax_w.set_title(f"kernel as a row (1 x {k * k})", fontsize=12)
    ax_eq = fig.add_subplot(grid[1, 2])
    ax_eq.axis("off")
    ax_eq.text(
        0.5,
        0.85,
        "output = kernel row @ columns\n"
        f"(1 x {k * k}) @ ({k * k} x {n_patches}) = (1 x {n_patches}):\n"
        "one matrix product does every\nmultiply-add of the convolution",
        ha="center",
        va="center",
        fontsize=11,
        transform=ax_eq.transAxes,
    )

    ax_out = fig.add_subplot(grid[:, 3])
    labels = [[f"y{i}{j}" for j in range(out_side)] for i in range(out_side)]
    out_fills = [
        [_tint(colours[i * out_side + j], 0.45) for j in range(out_side)] for i in range(out_side)
    ]
    _cells(ax_out, labels, fills=out_fills)
    ax_out.set_title(f"output {out_side} x {out_side}\n(the row, reshaped)", fontsize=12)
    fig.tight_layout()
    return fig
