"""Play videos in a notebook and lay out frames as a still picture.

:func:`show` embeds the encoded video in the notebook itself (a base64 ``data:`` URI inside an
HTML5 ``<video>`` tag), so it plays in JupyterLab, on Binder and in exported HTML without a file
server. When encoding fails, or with ``format="js"``, the frames are embedded as PNG images that
a few lines of JavaScript cycle through. PNGs are written here with zlib (no Pillow needed).

Course clips are tiny (16 to 64 pixels a side), so :func:`show` scales them up by a whole factor,
pixelated, until every tile of a grid is at least ``MIN_TILE_PX`` pixels on screen; a grid whose
last row is not full is padded with black tiles, never white ones. :func:`table_html` /
:func:`show_table` give tables as HTML, which a notebook renders (a printed markdown table would
show as raw ``|---|`` text).
"""

from __future__ import annotations

import base64
import html as html_lib
import os
import struct
import tempfile
import uuid
import warnings
import zlib

import numpy as np
import torch

from .errors import VideoError
from .io import write_video
from .tensors import as_frames, tile_clips

FORMATS = ("auto", "mp4", "gif", "js")
MIN_DISPLAY_WIDTH = 256  # small clips are scaled up (pixelated) to at least this many pixels
MIN_TILE_PX = 64  # and each tile of a grid to at least this many pixels on its shorter side


def show(
    video,
    *,
    fps: float = 8,
    format: str = "auto",
    width: int | None = None,
    ncols: int | None = None,
):
    """An ``IPython.display.HTML`` object that plays ``video`` in a notebook, looping.

    ``video``: ``uint8 (T, H, W, C)``, ``(N, T, H, W, C)`` (the N clips tiled side by side,
    ``ncols`` per row) or a model tensor ``(B, C, T, H, W)`` in [-1, 1].
    ``format``: ``"mp4"`` (H.264, plays in every browser), ``"gif"``, ``"js"`` (PNG frames and
    a script), or ``"auto"``: mp4, falling back to js if encoding fails.
    ``width``: display width in CSS pixels (default: scaled by a whole factor until the picture
    is at least 256 pixels wide and each tile at least 64 pixels on its shorter side).
    """
    from IPython.display import HTML

    return HTML(video_html(video, fps=fps, format=format, width=width, ncols=ncols))


def video_html(
    video,
    *,
    fps: float = 8,
    format: str = "auto",
    width: int | None = None,
    ncols: int | None = None,
) -> str:
    """The HTML that :func:`show` displays, as a string (for tests and for saving pages)."""
    if format not in FORMATS:
        raise VideoError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    clips = _as_clips(video)  # (N, T, H, W, C)
    frames = tile_clips(clips, ncols=ncols) if len(clips) > 1 else clips[0]  # (T, H', W', C)
    if width is None:
        width = display_width(frames.shape[2], tile=clips.shape[2:4])
    style = f"width:{int(width)}px;image-rendering:pixelated"
    if format == "js":
        return _js_html(frames, fps, style)
    try:
        data = _encode(frames, fps, "gif" if format == "gif" else "mp4")
    except VideoError as err:
        if format != "auto":
            raise
        warnings.warn(
            f"could not encode the video ({err}); showing PNG frames instead", stacklevel=3
        )
        return _js_html(frames, fps, style)
    if format == "gif":
        return f'<img src="data:image/gif;base64,{data}" style="{style}"/>'
    return (
        f'<video controls loop autoplay muted playsinline style="{style}">'
        f'<source src="data:video/mp4;base64,{data}" type="video/mp4"/>'
        "Your browser cannot play this H.264 video.</video>"
    )


def display_width(width: int, *, tile: tuple[int, int]) -> int:
    """``width`` times the smallest whole factor giving ``MIN_DISPLAY_WIDTH`` and ``MIN_TILE_PX``.

    ``tile`` is the (height, width) of one clip of the grid, in pixels.
    """
    factor = max(1, -(-MIN_DISPLAY_WIDTH // width), -(-MIN_TILE_PX // min(tile)))  # ceil divisions
    return width * factor


def table_html(rows, *, header=None, caption: str | None = None) -> str:
    """An HTML ``<table>`` of ``rows`` (sequences of cells), with an optional header and caption.

    Numbers are right-aligned; every cell is escaped. Use it (or :func:`show_table`) instead of
    printing markdown, which a notebook's output shows as raw text.
    """

    def cell(tag: str, value) -> str:
        align = ' style="text-align:right"' if isinstance(value, (int, float, np.number)) else ""
        text = f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)
        return f"<{tag}{align}>{html_lib.escape(text)}</{tag}>"

    parts = ["<table>"]
    if caption:
        parts.append(f"<caption>{html_lib.escape(caption)}</caption>")
    if header is not None:
        parts.append("<thead><tr>" + "".join(cell("th", h) for h in header) + "</tr></thead>")
    parts.append(
        "<tbody>"
        + "".join("<tr>" + "".join(cell("td", v) for v in row) + "</tr>" for row in rows)
        + "</tbody></table>"
    )
    return "".join(parts)


def show_table(rows, *, header=None, caption: str | None = None):
    """An ``IPython.display.HTML`` table of ``rows`` (see :func:`table_html`)."""
    from IPython.display import HTML

    return HTML(table_html(rows, header=header, caption=caption))


def _encode(frames: np.ndarray, fps: float, ext: str) -> str:
    """Encode frames into a temporary .mp4 or .gif and return its base64 text."""
    with tempfile.TemporaryDirectory(prefix="vidgen_show_") as tmp:
        path = write_video(os.path.join(tmp, "clip." + ext), frames, fps=fps)
        with open(path, "rb") as f:
            return base64.b64encode(f.read()).decode("ascii")


def _js_html(frames: np.ndarray, fps: float, style: str) -> str:
    """An <img> whose source a small script cycles through the frames; click to pause."""
    uris = ",".join(
        f'"data:image/png;base64,{base64.b64encode(png_bytes(f)).decode()}"' for f in frames
    )
    uid = "vidgen_" + uuid.uuid4().hex[:12]
    return (
        f'<img id="{uid}" src="data:image/png;base64,'
        f'{base64.b64encode(png_bytes(frames[0])).decode()}" style="{style}" '
        'title="click to pause or play"/>\n<script>(function() {\n'
        f"  var frames = [{uris}], i = 0, playing = true;\n"
        f'  var img = document.getElementById("{uid}");\n'
        "  img.onclick = function() { playing = !playing; };\n"
        "  setInterval(function() { if (playing) { i = (i + 1) % frames.length; "
        f"img.src = frames[i]; }} }}, {1000.0 / fps:.1f});\n"
        "})();</script>"
    )


def png_bytes(image: np.ndarray) -> bytes:
    """``uint8 (H, W, C)`` with C = 1 or 3 -> the bytes of a PNG file (PNG spec, ISO 15948).

    Each row is stored with filter type 0 (none) and the whole image deflated with zlib.
    """
    h, w, c = image.shape
    color_type = {1: 0, 3: 2}[c]  # 0 = grayscale, 2 = truecolour
    rows = np.concatenate([np.zeros((h, 1), np.uint8), image.reshape(h, w * c)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def frame_grid(video, *, ncols: int | None = None, gap: int = 2) -> np.ndarray:
    """A still ``uint8 (H', W', C)`` picture of a video: rows are clips, columns are time.

    ``video``: ``(T, H, W, C)`` (one row), ``(N, T, H, W, C)`` (N rows) or a model tensor.
    ``ncols``: how many time steps to show, evenly spaced from first to last frame (default:
    all of them). ``gap`` pixels of white separate the frames. Ready for ``plt.imshow``.
    """
    clips = _as_clips(video)
    n, t, h, w, c = clips.shape
    cols = t if ncols is None else max(1, min(int(ncols), t))
    times = np.linspace(0, t - 1, cols).round().astype(int)
    out = np.full((n * (h + gap) - gap, cols * (w + gap) - gap, c), 255, np.uint8)
    for r in range(n):
        for k, ti in enumerate(times):
            out[r * (h + gap) : r * (h + gap) + h, k * (w + gap) : k * (w + gap) + w] = clips[r, ti]
    return out  # (H', W', C)


def _as_clips(video) -> np.ndarray:
    """Anything ``as_frames`` accepts -> ``uint8 (N, T, H, W, C)`` without tiling the clips."""
    batched = isinstance(video, torch.Tensor) and video.dim() == 5  # (B, C, T, H, W)
    batched = batched or (isinstance(video, np.ndarray) and video.ndim == 5)  # (N, T, H, W, C)
    if not batched:
        return as_frames(video)[None]  # (1, T, H, W, C)
    return np.stack([as_frames(clip) for clip in video])  # (N, T, H, W, C)
