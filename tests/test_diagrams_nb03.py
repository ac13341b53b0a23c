"""The picture of notebook 03: the GAN training loop has every part it should, and they fit."""

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from vidgen_edu.diagrams.gan_loop import D_COLOR, G_COLOR, gan_training_loop  # noqa: E402


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_the_loop_names_every_part():
    texts = " | ".join(_texts(gan_training_loop()))
    for part in ("noise", "generator", "fake", "real", "discriminator", "L_D", "L_G"):
        assert part in texts, f"{part!r} missing from the picture"


def test_each_update_names_its_network_in_its_colour():
    fig = gan_training_loop()
    by_text = {t.get_text(): t for t in fig.axes[0].texts}
    d_update = next(t for s, t in by_text.items() if "theta_d" in s and "updates D" in s)
    g_update = next(t for s, t in by_text.items() if "theta_g" in s and "updates G" in s)
    assert matplotlib.colors.same_color(d_update.get_color(), D_COLOR)
    assert matplotlib.colors.same_color(g_update.get_color(), G_COLOR)


def test_every_text_lies_inside_the_figure():
    fig = gan_training_loop()
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    for text in fig.axes[0].texts:
        box = text.get_window_extent(renderer)
        assert 0 <= box.x0 and box.x1 <= width and 0 <= box.y0 and box.y1 <= height, text.get_text()
