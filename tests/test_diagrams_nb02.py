"""The pictures of notebook 02 show what they claim: im2col's columns are the image's patches."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from vidgen_edu.diagrams.checkerboard import checkerboard_figure
from vidgen_edu.diagrams.im2col import im2col_figure, patch_columns


def _axis_by_title(fig, words):
    return next(ax for ax in fig.axes if words in ax.get_title())


def _table(ax):
    """The numbers drawn in a table axes, put back in their rows and columns."""
    cells = {}
    for text in ax.texts:
        x, y = text.get_position()
        cells[(int(y), int(x))] = int(text.get_text())
    rows, cols = max(r for r, _ in cells) + 1, max(c for _, c in cells) + 1
    return np.array([[cells[(r, c)] for c in range(cols)] for r in range(rows)])


@pytest.mark.parametrize(("size", "k", "stride"), [(5, 3, 2), (4, 2, 1), (6, 3, 3)])
def test_the_drawn_columns_are_torchs_unfold_of_the_drawn_image(size, k, stride):
    fig = im2col_figure(size, k, stride)
    image = _table(_axis_by_title(fig, "input image"))
    assert image.shape == (size, size)
    columns = _table(_axis_by_title(fig, "im2col"))
    unfolded = F.unfold(torch.tensor(image, dtype=torch.float64)[None, None], k, stride=stride)[0]
    np.testing.assert_array_equal(columns, unfolded.numpy().astype(int))
    np.testing.assert_array_equal(columns, patch_columns(image, k, stride))


def test_the_im2col_figure_names_its_parts():
    fig = im2col_figure()
    titles = " ".join(ax.get_title() for ax in fig.axes)
    for part in ("input image", "im2col", "kernel as a row", "output"):
        assert part in titles
    product = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "(1 x 9) @ (9 x 4) = (1 x 4)" in product
    assert len(_axis_by_title(fig, "output").texts) == 4  # a 2 x 2 output, one label per pixel


def test_the_checkerboard_figure_labels_rows_methods_and_scores():
    outputs = {
        "constant input": {"transposed": np.ones((4, 4)), "resize": np.zeros((4, 4))},
        "random input": {"transposed": np.eye(4), "resize": np.eye(4)},
    }
    scores = {
        "constant input": {"transposed": 0.5, "resize": 0.0},
        "random input": {"transposed": 0.1, "resize": 0.01},
    }
    fig = checkerboard_figure(outputs, scores)
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes[:2]] == ["transposed", "resize"]
    assert (
        fig.axes[0].get_ylabel() == "constant input" and fig.axes[2].get_ylabel() == "random input"
    )
    assert fig.axes[3].get_xlabel() == "Nyquist share 0.010"


def test_the_checkerboard_figure_refuses_rows_with_different_methods():
    with pytest.raises(ValueError, match="every row needs the methods"):
        checkerboard_figure({"a": {"x": np.ones((2, 2))}, "b": {"y": np.ones((2, 2))}})
