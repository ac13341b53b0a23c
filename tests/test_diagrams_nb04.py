"""The picture of notebook 04: MoCoGAN's content/motion split has every part it should, and fits."""

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from vidgen_edu.diagrams.mocogan import (  # noqa: E402
    COLUMNS,
    CONTENT_COLOR,
    MOTION_COLOR,
    mocogan_split,
)


def _texts(fig):
    return [t for ax in fig.axes for t in ax.texts]


def test_the_picture_names_every_part():
    joined = " | ".join(t.get_text() for t in _texts(mocogan_split()))
    for part in ("content $z_C$", "GRU", "motion $z_M", "image\ngenerator", "frame"):
        assert part in joined, f"{part!r} missing from the picture"
    assert "image discriminator" in joined and "video discriminator" in joined


def test_one_gru_one_generator_and_one_frame_per_time_step():
    texts = [t.get_text() for t in _texts(mocogan_split())]
    for kind in ("GRU", "generator $G_I$", "frame\n"):
        assert sum(kind in s for s in texts) == len(COLUMNS), kind


def test_content_is_drawn_once_and_motion_per_frame_in_their_colours():
    texts = _texts(mocogan_split())
    content = [t for t in texts if "z_C" in t.get_text()]
    motion = [t for t in texts if "z_M" in t.get_text()]
    assert len(content) == 1 and len(motion) == len(COLUMNS)
    assert matplotlib.colors.same_color(content[0].get_color(), CONTENT_COLOR)
    assert all(matplotlib.colors.same_color(t.get_color(), MOTION_COLOR) for t in motion)


def test_every_text_lies_inside_the_figure():
    fig = mocogan_split()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    for text in _texts(fig):
        box = text.get_window_extent(renderer)
        assert 0 <= box.x0 and box.x1 <= width and 0 <= box.y0 and box.y1 <= height, text.get_text()
