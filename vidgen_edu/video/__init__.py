"""Video at the I/O edge: read, write, probe, measure codecs, display in notebooks, process frames.

Everything goes through imageio-ffmpeg's bundled ffmpeg (H.264, H.265, VP9, AV1, GIF), so the
course needs no system ffmpeg. Frames are ``uint8 (T, H, W, C)`` numpy arrays; models use
``float32 (B, C, T, H, W)`` in [-1, 1], and :func:`frames_to_tensor` / :func:`tensor_to_frames`
convert between the two. Importing this package is light: IPython and matplotlib are not loaded.
"""

from .codecs import frame_types, keyframes, psnr, rate_distortion, ssim
from .display import frame_grid, show, show_table, table_html, video_html
from .errors import VideoError
from .io import VideoInfo, probe, read_video, write_video
from .processing import adjust, crop, denoise, enhance_contrast, resize
from .tensors import as_frames, frames_to_tensor, tensor_to_frames, tile_clips

__all__ = [
    "VideoError",
    "VideoInfo",
    "adjust",
    "as_frames",
    "crop",
    "denoise",
    "enhance_contrast",
    "frame_grid",
    "frame_types",
    "frames_to_tensor",
    "keyframes",
    "probe",
    "psnr",
    "rate_distortion",
    "read_video",
    "resize",
    "show",
    "show_table",
    "table_html",
    "ssim",
    "tensor_to_frames",
    "tile_clips",
    "video_html",
    "write_video",
]
