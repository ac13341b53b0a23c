"""MoCoGAN's content/motion split as a picture: what is fixed per clip, what changes per frame.

MoCoGAN (Tulyakov et al. 2018, "MoCoGAN: Decomposing Motion and Content for Video Generation",
CVPR, sec. 3) draws one content code ``z_C`` per clip and a motion code ``z_M(t)`` per frame, the
hidden state of a recurrent network driven by fresh noise, ``h(t) = GRU(eps(t), h(t-1))``. One 2-D
image generator ``G_I`` maps each ``[z_C, z_M(t)]`` to frame ``t``. Two discriminators judge the
result: the image discriminator ``D_I`` one frame at a time (content), the video discriminator
``D_V`` a window of consecutive frames (motion).

Content is drawn in blue, motion in orange, the per-frame generator and the frames in black.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .shapes import arrow, box

CONTENT_COLOR = "tab:blue"  # z_C: one code for the whole clip
MOTION_COLOR = "tab:orange"  # eps(t), the GRU and z_M(t): one per frame
COLUMNS = {"1": 0.36, "2": 0.55, "T": 0.86}  # x of each frame's column (axes units)
ROW_Y = {"noise": 0.93, "gru": 0.76, "gen": 0.47, "frame": 0.26, "disc": 0.05}
BOX = (0.13, 0.09)  # width, height of the GRU and G_I boxes
GAP = (0.68, 0.73)  # x where the frames between 2 and T are left out (the dots)


def _box(ax, x, y, label, color, *, size=BOX, fontsize=10) -> None:
    box(ax, x, y, label, size=size, color=color, text_color=color, fontsize=fontsize, pad=0.008)


def _arrow(ax, start, end, color="black", *, rad=0.0, ls="-") -> None:
    arrow(ax, start, end, color=color, rad=rad, ls=ls, linewidth=1.3)


def _motion_chain(ax) -> None:
    """Noise eps(t) -> GRU cells chained by h(t) -> motion codes z_M(t) going down."""
    w, h = BOX
    y = ROW_Y["gru"]
    ax.text(0.21, y, "$h(0) = 0$", ha="center", va="center", fontsize=10, color=MOTION_COLOR)
    previous_right = 0.25
    for t, x in COLUMNS.items():
        ax.text(
            x,
            ROW_Y["noise"],
            f"noise $\\epsilon({t})$",
            ha="center",
            va="center",
            fontsize=10,
            color=MOTION_COLOR,
        )
        _arrow(ax, (x, ROW_Y["noise"] - 0.03), (x, y + h / 2 + 0.01), MOTION_COLOR)
        _box(ax, x, y, "GRU", MOTION_COLOR)
        if t == "T":  # h(T-1) comes out of the frames hidden behind the dots
            previous_right = GAP[1]
        _arrow(ax, (previous_right, y), (x - w / 2 - 0.01, y), MOTION_COLOR)
        previous_right = x + w / 2 + 0.01
        _arrow(ax, (x, y - h / 2 - 0.01), (x, ROW_Y["gen"] + h / 2 + 0.01), MOTION_COLOR)
        ax.text(
            x + 0.012,
            (y + ROW_Y["gen"]) / 2,
            f"motion $z_M({t})$",
            ha="left",
            va="center",
            fontsize=9,
            color=MOTION_COLOR,
        )
    after_2 = COLUMNS["2"] + w / 2 + 0.01  # h(2) leaves towards the frames left out
    ax.plot([after_2, GAP[0]], [y, y], color=MOTION_COLOR, linewidth=1.3)
    ax.text(0.705, y, "$\\cdots$", ha="center", va="center", fontsize=14, color=MOTION_COLOR)


def _content_and_frames(ax) -> None:
    """z_C fed to every frame's G_I; each G_I draws one frame."""
    w, h = BOX
    y = ROW_Y["gen"]
    _box(ax, 0.09, y, "content $z_C$\none per clip", CONTENT_COLOR, size=(0.15, 0.11))
    bus = y + h / 2 + 0.05  # z_C runs along this line above the generators
    ax.plot([0.09, 0.09, COLUMNS["T"] - 0.04], [y + 0.065, bus, bus], color=CONTENT_COLOR, ls="--")
    for t, x in COLUMNS.items():
        _box(ax, x, y, "image\ngenerator $G_I$", "black")
        _arrow(ax, (x - 0.04, bus), (x - 0.04, y + h / 2 + 0.01), CONTENT_COLOR)
        side = 0.085  # the frame, drawn as a small square
        ax.add_patch(
            Rectangle(
                (x - side / 2, ROW_Y["frame"] - side / 2),
                side,
                side,
                facecolor="0.85",
                edgecolor="black",
            )
        )
        ax.text(x, ROW_Y["frame"], f"frame\n$\\tilde x({t})$", ha="center", va="center", fontsize=9)
        _arrow(ax, (x, y - h / 2 - 0.01), (x, ROW_Y["frame"] + side / 2 + 0.01))
    ax.text(0.705, ROW_Y["gen"], "$\\cdots$", ha="center", va="center", fontsize=14)
    ax.text(0.705, ROW_Y["frame"], "$\\cdots$", ha="center", va="center", fontsize=14)


def _discriminators(ax) -> None:
    """D_I judges one frame at a time; D_V a window of consecutive frames."""
    y = ROW_Y["disc"]
    _box(ax, 0.13, y, "image discriminator $D_I$\none frame at a time", "black", size=(0.22, 0.09))
    _arrow(ax, (COLUMNS["1"] - 0.045, ROW_Y["frame"] - 0.03), (0.2, y + 0.05), rad=-0.15)
    _box(ax, 0.7, y, "video discriminator $D_V$\na window of frames", "black", size=(0.24, 0.09))
    for x in COLUMNS.values():
        _arrow(ax, (x, ROW_Y["frame"] - 0.05), (0.7 + (x - 0.7) * 0.25, y + 0.05), rad=0.0)


def mocogan_split() -> Figure:
    """MoCoGAN's generator and its two discriminators, for frames 1, 2, ..., T.

    Blue: the content code ``z_C``, drawn once and given to every frame. Orange: noise
    ``eps(t)`` per frame, a GRU whose hidden state ``h(t)`` carries over from frame to frame, and
    the motion codes ``z_M(t) = h(t)``. Black: the same image generator ``G_I`` at every frame,
    the frames, and the two discriminators.
    """
    fig = Figure(figsize=(11, 6.2))
    ax = fig.add_axes((0.01, 0.0, 0.98, 0.92))
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1)
    ax.axis("off")
    _motion_chain(ax)
    _content_and_frames(ax)
    _discriminators(ax)
    fig.suptitle(
        "MoCoGAN: content fixed per clip (blue), motion per frame from a GRU (orange)",
        fontsize=12,
    )
    return fig
