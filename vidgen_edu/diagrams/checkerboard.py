"""Upsampled images side by side: where a transposed convolution leaves a checkerboard.

Odena, Dumoulin & Olah (2016, Distill, "Deconvolution and Checkerboard Artifacts") show that a
stride-2 transposed convolution stamps a 2-pixel periodic pattern into its output, and recommend
resizing first, then convolving. The notebook computes the outputs and a score per output (the
share of its energy at the Nyquist frequency); this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure


def checkerboard_figure(
    outputs: Mapping[str, Mapping[str, np.ndarray]],
    scores: Mapping[str, Mapping[str, float]] | None = None,
    *,
    score_name: str = "Nyquist share",
) -> Figure:
    """A grid of 2-D images: one row per input (e.g. "constant input"), one column per method.

    ``outputs[row][method]`` is a 2-D array; every row must list the same methods. When
    ``scores`` is given, ``scores[row][method]`` is printed under its image as ``score_name``.
    """
    rows = list(outputs)
    methods = list(outputs[rows[0]])
    if any(list(outputs[r]) != methods for r in rows):
        raise ValueError(
            f"every row needs the methods {methods}, got {[list(outputs[r]) for r in rows]}"
        )
    fig = Figure(figsize=(3.3 * len(methods), 3.5 * len(rows)))
    axes = fig.subplots(len(rows), len(methods), squeeze=False)
    for r, row in enumerate(rows):
        for m, method in enumerate(methods):
            ax = axes[r, m]
            image = np.asarray(outputs[row][method], dtype=float)
            ax.imshow(image, cmap="gray", interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(method, fontsize=12)
            if m == 0:
                ax.set_ylabel(row, fontsize=12)
            if scores is not None:
                ax.set_xlabel(f"{score_name} {scores[row][method]:.3f}", fontsize=11)
    fig.tight_layout()
    return fig
