"""The pictures of notebooks 00 and 01: the five-stage pipeline, and a group of pictures (GOP)."""

import matplotlib
import pytest
from matplotlib.patches import FancyArrowPatch, Rectangle

from vidgen_edu.diagrams.gop import COLORS, decode_order, gop_figure, gop_references
from vidgen_edu.diagrams.pipeline import STAGES, pipeline_figure


def _texts(fig):
    ax = fig.axes[0]
    return [t.get_text() for t in ax.texts], ax.get_title()


def test_the_pipeline_figure_names_the_five_stages_in_order_with_their_outputs():
    fig = pipeline_figure()
    texts, title = _texts(fig)
    names = [t.replace("\n", " ") for t in texts if t.replace("\n", " ") in _STAGE_NAMES]
    assert names == _STAGE_NAMES  # each stage once, left to right
    assert sum("(N, T, H, W, C)" in t for t in texts) == 2  # uint8 frames at both edges
    assert sum("(B, C, T, H, W)" in t for t in texts) == 2  # tensors inside
    assert "here: dynamic texture" in texts and "sections 2.2, 2.3" in title
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(STAGES) - 1


_STAGE_NAMES = ["input", "preprocessing", "feature extraction", "generation", "postprocessing"]


def test_references_follow_the_classical_rule():
    #            0123456
    types = "IBBPBBP"
    refs = gop_references(types)
    assert (0, 3) in refs and (3, 6) in refs  # each P from the anchor before it
    assert {r for r, f in refs if f == 4} == {3, 6}  # a B from the anchors on both sides
    assert not any(f == 0 for _, f in refs)  # the I frame has no reference
    assert all(types[r] in "IP" for r, _ in refs)  # nothing is predicted from a B frame
    assert gop_references("IPB") == [(0, 1), (1, 2)]  # a trailing B: only the anchor before


def test_decoding_order_puts_every_reference_first():
    for types in ("IBBPBBPBBI", "IPPBPBBBP", "IBPPIBPPIPPP"):
        order = decode_order(types)
        assert sorted(order) == list(range(len(types)))
        position = {frame: i for i, frame in enumerate(order)}
        for ref, frame in gop_references(types):
            assert position[ref] < position[frame], (types, ref, frame)


def test_the_gop_figure_draws_one_box_and_colour_per_frame_and_one_arrow_per_reference():
    types = "IBBPBBPI"
    fig = gop_figure(types)
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert [b.get_facecolor()[:3] for b in boxes] == [
        matplotlib.colors.to_rgb(COLORS[t]) for t in types
    ]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(gop_references(types))
    texts = [t.get_text() for t in ax.texts]
    assert "decoding order: I0 P3 B1 B2 P6 B4 B5 I7" in texts
    assert "B: from the I/P before and after" in ax.get_title()


@pytest.mark.parametrize("bad", ["", "PBI", "IXP"])
def test_a_gop_that_is_not_one_is_refused(bad):
    with pytest.raises(ValueError, match="frame types|starts with an I"):
        gop_figure(bad)
