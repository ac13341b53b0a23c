"""What the studio shows: post-processing, a looping player, a still for the scrubber, a link.

The player is built for latency. A 16-frame 32x32 clip is made in about 10 ms on a CPU; starting
ffmpeg to encode it as H.264 costs 25-50 ms more, so the default player is an animated GIF
encoded in this process by Pillow (lossless for grey frames, loops by itself in every browser and
in Voila, a few milliseconds). The browser scales it up with ``image-rendering: pixelated``, so no
upscaled copy is encoded. ``player="mp4"`` shows an HTML5 ``<video>`` (H.264) instead.
"""

from __future__ import annotations

import base64
import html
import io
import os
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

from vidgen_edu.errors import UsageError
from vidgen_edu.video import adjust, write_video
from vidgen_edu.video.display import png_bytes

PLAYERS = ("gif", "mp4")
EXPORT_FORMATS = ("mp4", "gif")
DISPLAY_WIDTH = 320  # CSS pixels: a 32x32 clip is shown 10x, pixelated


def sharpen(frames: np.ndarray, amount: float) -> np.ndarray:
    """Unsharp masking: ``y = x + amount * (x - blur(x))``, per frame, clipped to [0, 255].

    ``blur`` is the 3x3 binomial filter [1 2 1]^T [1 2 1] / 16 with edges replicated; ``amount``
    0 is the identity, 1 doubles the fine detail.
    """
    if amount == 0:
        return frames
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float()  # (T, C, H, W)
    k1 = torch.tensor([1.0, 2.0, 1.0]) / 4
    kernel = (k1[:, None] * k1[None, :]).expand(x.shape[1], 1, 3, 3)  # one filter per channel
    blur = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel, groups=x.shape[1])
    y = (x + amount * (x - blur)).clamp(0, 255).round()
    return y.to(torch.uint8).permute(0, 2, 3, 1).numpy()  # (T, H, W, C)


def postprocess(
    frames: np.ndarray, *, brightness=0.0, contrast=1.0, gamma=1.0, sharpness=0.0
) -> np.ndarray:
    """The seed's post-processing stage: ``video.adjust`` (gamma, contrast, brightness), then
    :func:`sharpen`. The defaults change nothing (and cost nothing)."""
    if (brightness, contrast, gamma) != (0.0, 1.0, 1.0):
        frames = adjust(frames, brightness=brightness, contrast=contrast, gamma=gamma)
    return sharpen(frames, sharpness)


def gif_bytes(frames: np.ndarray, fps: float) -> bytes:
    """An animated, looping GIF of ``uint8 (T, H, W, C)`` frames, encoded by Pillow."""
    from PIL import Image

    mode = "L" if frames.shape[-1] == 1 else "RGB"
    images = [Image.fromarray(f[..., 0] if mode == "L" else f, mode) for f in frames]
    buf = io.BytesIO()
    duration = max(20, round(1000 / fps))  # ms per frame; browsers treat < 20 ms as 100 ms
    images[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=duration,
        loop=0,
        disposal=1,
    )
    return buf.getvalue()


def encode(frames: np.ndarray, fps: float, fmt: str) -> bytes:
    """The bytes of a ``fmt`` ("gif" or "mp4") file of the frames."""
    if fmt == "gif":
        return gif_bytes(frames, fps)
    with tempfile.TemporaryDirectory(prefix="vidgen_studio_") as tmp:
        path = write_video(
            os.path.join(tmp, "clip.mp4"), frames, fps=fps, preset="ultrafast", crf=12
        )
        with open(path, "rb") as f:
            return f.read()


def player_html(
    frames: np.ndarray, fps: float, player: str = "gif", width: int = DISPLAY_WIDTH
) -> str:
    """The looping player: an ``<img>`` (GIF) or an HTML5 ``<video>`` (H.264) as HTML."""
    if player not in PLAYERS:
        raise UsageError(f"player must be one of {', '.join(PLAYERS)}, got {player!r}")
    data = base64.b64encode(encode(frames, fps, player)).decode("ascii")
    style = f"width:{width}px;image-rendering:pixelated;background:#000"
    if player == "gif":
        return (
            f'<img class="vidgen-player" src="data:image/gif;base64,{data}" '
            f'style="{style}" alt="generated clip"/>'
        )
    return (
        f'<video class="vidgen-player" loop autoplay muted playsinline controls '
        f'style="{style}"><source src="data:video/mp4;base64,{data}" type="video/mp4"/>'
        "</video>"
    )


def still_html(frame: np.ndarray, width: int = DISPLAY_WIDTH // 2) -> str:
    """One frame ``uint8 (H, W, C)`` as a pixelated PNG ``<img>`` (the scrubber's view)."""
    data = base64.b64encode(png_bytes(frame)).decode("ascii")
    return (
        f'<img class="vidgen-still" src="data:image/png;base64,{data}" '
        f'style="width:{width}px;image-rendering:pixelated" alt="frame"/>'
    )


def link_html(path: str, data: bytes) -> str:
    """A download link that works in JupyterLab, Voila and exported HTML (the file's bytes are in
    the link itself), and the path where the file was written."""
    name = os.path.basename(path)
    mime = "image/gif" if name.endswith(".gif") else "video/mp4"
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f'<a class="vidgen-export" download="{html.escape(name)}" href="data:{mime};base64,{b64}" '
        f'style="color:#1a73e8;text-decoration:underline">download {html.escape(name)}</a> '
        f'({len(data) / 1024:.1f} KiB)<br><small style="word-break:break-all">written to '
        f"{html.escape(path)}</small>"
    )


def upscale(frames: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscaling by a whole factor (crisp pixels for export)."""
    return frames.repeat(factor, axis=1).repeat(factor, axis=2)  # (T, H*f, W*f, C)
