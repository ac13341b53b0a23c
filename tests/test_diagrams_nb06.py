"""The picture of notebook 06: the DP-SGD step has every stage, in order, and the fake half is free."""

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from vidgen_edu.diagrams.dpsgd import BOXES, FREE_COLOR, PRIVATE_COLOR, dpsgd_step  # noqa: E402


def _texts(fig):
    return [t for ax in fig.axes for t in ax.texts]


def test_the_picture_names_every_stage_of_the_private_path_in_order():
    texts = [t.get_text() for t in _texts(dpsgd_step())]
    stages = ["Poisson sample", "per-sample", "clip\n", "sum\n", "+ noise", "/\\,qN"]
    where = [next(i for i, s in enumerate(texts) if stage in s) for stage in stages]
    assert where == sorted(where), "the private stages are drawn out of order"
    centres = [BOXES[name][0] for name in ("real", "grads", "clip", "sum", "noise", "scale")]
    assert centres == sorted(centres), "the private path does not run left to right"


def test_the_fake_half_joins_after_the_noise_in_the_free_colour():
    fig = dpsgd_step()
    boxes = [p for ax in fig.axes for p in ax.patches if hasattr(p, "get_boxstyle")]
    colours = [p.get_edgecolor() for p in boxes]
    assert sum(matplotlib.colors.same_color(c, PRIVATE_COLOR) for c in colours) == 6
    assert sum(matplotlib.colors.same_color(c, FREE_COLOR) for c in colours) == 2
    assert BOXES["fake_grad"][0] >= BOXES["noise"][0]  # after the noise, never before
    joined = " | ".join(t.get_text() for t in _texts(fig))
    assert "no noise" in joined and "post-processing" in joined


def test_every_text_lies_inside_the_figure():
    fig = dpsgd_step()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    for text in _texts(fig) + [fig._suptitle]:
        box = text.get_window_extent(renderer)
        assert 0 <= box.x0 and box.x1 <= width and 0 <= box.y0 and box.y1 <= height, text.get_text()
