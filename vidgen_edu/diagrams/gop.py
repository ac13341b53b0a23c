"""A group of pictures (GOP) as a picture: I, P and B frames and the frames each is predicted from.

The reference rule drawn is the classical one of MPEG-1/2 (and the simplest H.264 stream):

- an **I** frame is coded alone (intra);
- a **P** frame is predicted from the nearest earlier I or P frame (an *anchor*);
- a **B** frame is predicted from the nearest anchor before it and the nearest anchor after it.

So a B frame cannot be decoded before the later anchor it needs: the file stores frames in
*decoding order* (each anchor before the B frames that lean on it), and the player shows them in
*display order*. H.264 and H.265 also allow several reference frames and B frames used as
references (Wiegand et al., "Overview of the H.264/AVC video coding standard", IEEE TCSVT 2003);
this picture keeps to the classical rule.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

COLORS = {"I": "tab:red", "P": "tab:blue", "B": "tab:green"}  # one colour per frame type
ANCHORS = ("I", "P")  # the frames others are predicted from
MEANING = {"I": "coded alone", "P": "from the previous I/P", "B": "from the I/P before and after"}


def _check_types(types: str) -> str:
    types = "".join(types).upper()
    if not types or set(types) - set(COLORS):
        raise ValueError(f"frame types must be a string of I, P and B, got {types!r}")
    if types[0] != "I":
        raise ValueError(f"a group of pictures starts with an I frame, got {types!r}")
    return types


def gop_references(types: str) -> list[tuple[int, int]]:
    """``(reference, frame)`` pairs, in display order, under the classical rule above.

    A B frame with no later anchor (at the end of the sequence) refers to the earlier one only.

    >>> gop_references("IBBP")
    [(0, 1), (3, 1), (0, 2), (3, 2), (0, 3)]
    """
    types = _check_types(types)
    anchors = [i for i, t in enumerate(types) if t in ANCHORS]
    pairs = []
    for i, t in enumerate(types):
        before = [a for a in anchors if a < i]
        after = [a for a in anchors if a > i]
        if t == "P":
            pairs.append((before[-1], i))
        elif t == "B":
            pairs += [(before[-1], i)] + ([(after[0], i)] if after else [])
    return pairs


def decode_order(types: str) -> list[int]:
    """The order a decoder needs the frames in: each anchor before the B frames that use it.

    >>> decode_order("IBBPBBP")
    [0, 3, 1, 2, 6, 4, 5]
    """
    types = _check_types(types)
    order, waiting = [], []
    for i, t in enumerate(types):
        if t == "B":
            waiting.append(i)  # needs the next anchor first
        else:
            order += [i] + waiting
            waiting = []
    return order + waiting


def gop_figure(types: str = "IBBPBBPBBPBBI") -> Figure:
    """The frames in display order, coloured by type, each with arrows from its references.

    Forward references (from an earlier frame) arc above the row, backward ones (from a later
    frame, B frames only) below it. The decoding order is written underneath.
    """
    types = _check_types(types)
    fig = Figure(figsize=(max(6.0, 0.8 * len(types) + 1.5), 3.6), layout="constrained")
    ax = fig.add_subplot()
    for i, t in enumerate(types):
        ax.add_patch(Rectangle((i - 0.3, -0.4), 0.6, 0.8, facecolor=COLORS[t], alpha=0.85))
        ax.text(i, 0, t, ha="center", va="center", color="white", fontsize=13, weight="bold")
        ax.text(i, -0.55, str(i), ha="center", va="top", fontsize=9)
    for ref, frame in gop_references(types):
        forward = ref < frame
        y = 0.42 if forward else -0.42
        ax.add_patch(
            FancyArrowPatch(
                (ref, y),
                (frame, y),
                arrowstyle="-|>",
                mutation_scale=12,
                linewidth=1.2,
                color=COLORS[types[frame]],
                connectionstyle="arc3,rad=-0.45",  # above going right, below going left
            )
        )
    order = " ".join(f"{types[i]}{i}" for i in decode_order(types))
    ax.text(len(types) / 2 - 0.5, -1.25, f"decoding order: {order}", ha="center", fontsize=10)
    legend = "   ".join(f"{t}: {word}" for t, word in MEANING.items())
    ax.set_title(
        f"a group of pictures in display order (frame numbers below)\n{legend}", fontsize=10.5
    )
    ax.set(xlim=(-0.7, len(types) - 0.3), ylim=(-1.5, 1.5), aspect="equal")
    ax.axis("off")
    return fig
