"""Read, write and probe video files with the ffmpeg that imageio-ffmpeg bundles.

Frames travel as raw ``rgb24`` bytes through pipes to and from one ffmpeg process: no system
ffmpeg, no temporary image files, and every failure becomes a :class:`VideoError` that names
the file and what to do instead of an ffmpeg traceback.

Containers and codecs written (``codec=`` picks another codec where the container allows it):

=========  ==============  =================================  ==========================
extension  default codec   also                               crf default (range)
=========  ==============  =================================  ==========================
``.mp4``   H.264 libx264   ``"h265"`` libx265, ``"av1"``      23 (0-51) / 28 / 35 (0-63)
``.mkv``   H.264 libx264   ``"h265"``, ``"vp9"``, ``"av1"``   as above
``.webm``  VP9 libvpx-vp9  ``"av1"``                          32 (0-63)
``.gif``   GIF, one palette per clip                          (none)
=========  ==============  =================================  ==========================

Odd frame sizes: H.264 and H.265 in 4:2:0 need even sizes, and their bitstream crop works in
steps of 2 pixels, so an odd frame is padded to even by repeating its last row/column, and the
true size is stored in the container's ``comment`` tag (``vidgen_edu:size=WxH``);
:func:`read_video` and :func:`probe` crop it back, other players show one repeated edge line.
VP9, AV1 and GIF store odd sizes as they are. GIF frame delays are whole hundredths of a
second, so 8 fps is stored as 0.12 s per frame (8.33 fps).
"""

from __future__ import annotations

import functools
import numbers
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np

from vidgen_edu.errors import UsageError, VideoError
from vidgen_edu.files import atomic_path

from .tensors import as_frames

# extension -> (ffmpeg muxer, default codec, codecs the container takes)
CONTAINERS = {
    ".mp4": ("mp4", "h264", ("h264", "h265", "av1")),
    ".mkv": ("matroska", "h264", ("h264", "h265", "vp9", "av1")),
    ".webm": ("webm", "vp9", ("vp9", "av1")),
    ".gif": ("gif", "gif", ("gif",)),
}
ALIASES = {
    "libx264": "h264",
    "avc": "h264",
    "hevc": "h265",
    "libx265": "h265",
    "libvpx-vp9": "vp9",
    "libsvtav1": "av1",
    "libaom-av1": "av1",
}
DEFAULT_CRF = {"h264": 23, "h265": 28, "vp9": 32, "av1": 35}
MAX_CRF = {"h264": 51, "h265": 51, "vp9": 63, "av1": 63}
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
_SIZE_TAG = re.compile(r"vidgen_edu:size=(\d+)x(\d+)")


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` learns about a video file."""

    frames: int  # number of video frames (packets counted by a stream copy)
    fps: float  # frames per second, as the container states it
    width: int  # pixels, after the vidgen_edu crop tag and any 90-degree rotation
    height: int  # pixels
    codec: str  # ffmpeg's codec name: h264, hevc, vp9, av1, gif, ...
    duration_s: float | None  # seconds, None when the container does not say
    bitrate: int | None  # whole file, bits per second, None when unknown


def ffmpeg_exe() -> str:
    """The path of imageio-ffmpeg's bundled ffmpeg binary."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _start(cmd: list[str], **kwargs) -> subprocess.Popen:
    """Start ffmpeg; a binary that cannot run becomes a VideoError that says how to fix it."""
    try:
        return subprocess.Popen(cmd, **kwargs)
    except OSError as err:
        raise VideoError(
            f"cannot run ffmpeg at {cmd[0]!r} ({err.strerror or err}): reinstall "
            "imageio-ffmpeg with pip install --force-reinstall imageio-ffmpeg"
        ) from None


# --------------------------------------------------------------------------- probing and reading


def probe(path) -> VideoInfo:
    """Frames, fps, size, codec, duration and bitrate of a video file (two fast ffmpeg runs)."""
    head = _inspect(path)
    out, _ = _ffmpeg(
        [
            "-i",
            head["path"],
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "null",
            "-",
            "-progress",
            "pipe:1",
        ],
        what=f"count the frames of {head['path']!r}",
    )
    counts = re.findall(r"^frame=(\d+)", out.decode(errors="replace"), re.M)
    return VideoInfo(
        frames=int(counts[-1]) if counts else 0,
        fps=head["fps"],
        width=head["width"],
        height=head["height"],
        codec=head["codec"],
        duration_s=head["duration_s"],
        bitrate=head["bitrate"],
    )


def read_video(path, *, max_frames: int | None = None) -> np.ndarray:
    """Decode a video file into ``uint8 (T, H, W, 3)`` RGB frames (grayscale comes back as RGB).

    ``max_frames`` stops after that many frames. A file that decodes with errors into fewer
    frames than its header announces (a truncated download, a cut-off write) is an error.
    """
    head = _inspect(path)
    w, h = head["coded_size"]  # before the crop of the vidgen_edu size tag
    args = ["-i", head["path"], "-map", "0:v:0"]
    if max_frames is not None:
        if not _is_number(max_frames) or int(max_frames) < 1:
            raise VideoError(f"max_frames must be >= 1 or None, got {max_frames!r}")
        args += ["-frames:v", str(int(max_frames))]
    out, log = _ffmpeg(
        args + ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"], what=f"decode {head['path']!r}"
    )
    n = len(out) // (h * w * 3)
    if n == 0 or n * h * w * 3 != len(out):
        raise VideoError(
            f"{head['path']!r} decoded to no complete frame: the file is empty, "
            "truncated or corrupt; re-create or re-download it"
        )
    _check_complete(head, n, max_frames, log)
    frames = np.frombuffer(out, np.uint8).reshape(n, h, w, 3)  # (T, H, W, C)
    return frames[:, : head["height"], : head["width"]].copy()  # (T, H, W, C), writable, unpadded


def _check_complete(head: dict, n: int, max_frames: int | None, log: str) -> None:
    """Raise when ffmpeg reported errors and fewer frames came out than the header announces."""
    announced = head["fps"] * head["duration_s"] if head["duration_s"] else None
    if announced is not None and max_frames is not None:
        announced = min(announced, max_frames)
    missing = announced is not None and n < announced - 1
    if "partial file" in log or (log.strip() and missing):
        raise VideoError(
            f"{head['path']!r} is truncated or corrupt: decoded {n} frames of about "
            f"{round(announced) if announced else '?'} ({_reason(log)}); re-create or "
            "re-download the file"
        )


def _inspect(path) -> dict:
    """Check that ``path`` is a non-empty video file and parse ffmpeg's description of it."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise VideoError(
            f"no such video file: {path!r} (working directory {os.getcwd()!r}); check the path"
        )
    if os.path.isdir(path):
        raise VideoError(f"{path!r} is a folder, not a video file: pass the path of a file in it")
    if os.path.getsize(path) == 0:
        raise VideoError(f"{path!r} is empty (0 bytes): re-create it or pick another file")
    if path.lower().endswith(IMAGE_EXTENSIONS):
        raise VideoError(_image_message(path))
    with _start(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", path],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    ) as proc:
        text = proc.communicate()[1].decode(errors="replace")
    head = _parse_header(text)
    if head is None:
        raise VideoError(
            f"ffmpeg cannot read {path!r} as a video ({_reason(text)}): is it a "
            "video file? Re-encode it, or check that it was fully written"
        )
    if head["format"].endswith("_pipe") or head["format"] == "image2":
        raise VideoError(_image_message(path))
    head["path"] = path
    return head


def _parse_header(text: str) -> dict | None:
    """The first video stream's codec, size, fps, duration and bitrate from ``ffmpeg -i``."""
    stream = re.search(r"Stream #\d+:\d+\S*: Video: (\w+)(.*)", text)
    size = stream and re.search(r", (\d+)x(\d+)[ ,\[]", stream.group(2) + " ")
    if not stream or not size:
        return None
    rate = re.search(r", ([\d.]+)(k?) (?:fps|tbr)", stream.group(2))
    fps = float(rate.group(1)) * (1000 if rate.group(2) else 1) if rate else 0.0
    dur = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text)
    bitrate = re.search(r"Duration: .*?bitrate: (\d+) kb/s", text)
    fmt = re.search(r"Input #0, (.+?), from '", text)
    w, h = int(size.group(1)), int(size.group(2))
    rot = re.search(r"rotation of (-?[\d.]+) degrees", text)
    if rot and round(abs(float(rot.group(1)))) % 180 == 90:
        w, h = h, w  # ffmpeg turns the frames upright when decoding
    coded = (w, h)
    tag = _SIZE_TAG.search(text)
    if tag and int(tag.group(1)) <= w and int(tag.group(2)) <= h:
        w, h = int(tag.group(1)), int(tag.group(2))
    return {
        "codec": stream.group(1),
        "width": w,
        "height": h,
        "fps": fps,
        "coded_size": coded,
        "duration_s": (int(dur.group(1)) * 3600 + int(dur.group(2)) * 60 + float(dur.group(3)))
        if dur
        else None,
        "bitrate": int(bitrate.group(1)) * 1000 if bitrate else None,
        "format": fmt.group(1) if fmt else "",
    }


def _image_message(path: str) -> str:
    return (
        f"{path!r} is a still image, not a video: load it with imageio.v3.imread, or "
        "stack images into uint8 (T, H, W, C) frames"
    )


# --------------------------------------------------------------------------------------- writing


def write_video(
    path,
    frames,
    *,
    fps: float = 8,
    codec: str | None = None,
    crf: int | None = None,
    gop: int | None = None,
    preset: str | int | None = None,
) -> str:
    """Encode frames into ``path`` (.mp4, .mkv, .webm or .gif) atomically; return the path.

    ``frames``: ``uint8 (T, H, W, C)`` with C = 1 (grayscale) or 3, ``(N, T, H, W, C)`` (tiled
    side by side), float numpy in [0, 1] or a model tensor (see ``as_frames``).
    ``codec``: ``"h264"``, ``"h265"``, ``"vp9"`` or ``"av1"`` (see the module table); ``crf``:
    constant-quality level, lower is better and bigger; ``gop``: a keyframe exactly every
    ``gop`` frames (scene-cut keyframes off), default the encoder's choice; ``preset``: the
    encoder's speed preset (x264/x265 names like ``"veryfast"``, SVT-AV1 0-13, VP9/libaom
    ``cpu-used``).

    The file is encoded into a temporary file in the same folder and renamed into place
    (``vidgen_edu.files.atomic_path``), so a failure or an interrupt leaves neither a partial
    file nor the temporary one, and the new file gets the usual permissions (the user's umask).
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in CONTAINERS:
        raise VideoError(
            f"cannot write {path!r}: unknown extension {ext!r}; use one of {', '.join(CONTAINERS)}"
        )
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise VideoError(
            f"cannot write {path!r}: folder {folder!r} does not exist; create it "
            "with os.makedirs(folder, exist_ok=True)"
        )
    if os.path.isdir(path):
        raise VideoError(
            f"cannot write {path!r}: it is a folder; give a file name inside it, "
            f"e.g. {os.path.join(path, 'out' + ext)!r}"
        )
    if not _is_number(fps) or not np.isfinite(fps) or fps <= 0:
        raise VideoError(f"fps must be a positive number, got {fps!r}: e.g. fps=8")
    frames = as_frames(frames)
    _, h, w, c = frames.shape
    args = encoder_args(ext, codec, crf=crf, gop=gop, preset=preset, size=(w, h))
    if "-metadata" in args:  # H.264/H.265 with an odd size: repeat the last row/column
        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    source = [
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gray" if c == 1 else "rgb24",
        "-s",
        f"{frames.shape[2]}x{frames.shape[1]}",
        "-r",
        f"{fps:g}",
        "-i",
        "pipe:0",
    ]
    args = source + args
    try:
        with atomic_path(path, suffix=ext) as tmp:
            _encode(args + ["-y", os.fspath(tmp)], frames, path)
    except UsageError as err:  # the file system refused: no permission, disk full, read-only
        cause = err.__cause__
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(err)
        raise VideoError(
            f"cannot write into {folder!r} ({reason}): pick a folder you can "
            "write to, with free space"
        ) from None
    return path


def encoder_args(
    ext: str,
    codec: str | None,
    *,
    crf: int | None = None,
    gop: int | None = None,
    preset: str | int | None = None,
    size: tuple[int, int] | None = None,
) -> list[str]:
    """ffmpeg output options for ``codec`` in container ``ext`` (also used by the benchmark)."""
    muxer, default, allowed = CONTAINERS[ext]
    name = ALIASES.get(str(codec).lower(), str(codec).lower()) if codec else default
    if name not in allowed:
        raise VideoError(
            f"codec {codec!r} cannot go into a {ext} file; for {ext} use one of "
            f"{', '.join(allowed)} (or pick another extension)"
        )
    if name == "gif":
        if crf is not None or gop is not None:
            raise VideoError("a .gif has no crf or gop: leave them out, or write .mp4")
        return [
            "-vf",
            "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse",
            "-loop",
            "0",
            "-f",
            muxer,
        ]
    if crf is None:
        crf = DEFAULT_CRF[name]
    if not _is_number(crf) or not 0 <= int(crf) <= MAX_CRF[name]:
        raise VideoError(f"crf for {name} must be in 0..{MAX_CRF[name]}, got {crf!r}")
    if gop is not None and (not _is_number(gop) or int(gop) < 1):
        raise VideoError(f"gop must be a number of frames >= 1, got {gop!r}")
    out = _codec_args(name, int(crf), None if gop is None else int(gop), preset)
    w, h = size or (0, 0)
    if name in ("h264", "h265") and (w % 2 or h % 2):
        out = ["-metadata", f"comment=vidgen_edu:size={w}x{h}"] + out  # frames padded to even
    if muxer == "mp4":
        out += ["-movflags", "+faststart"]
    return out + ["-pix_fmt", "yuv420p", "-f", muxer]


def _codec_args(name: str, crf: int, gop: int | None, preset) -> list[str]:
    """Encoder, quality, GOP and speed options of one codec."""
    if name == "h264":
        out = ["-c:v", "libx264", "-crf", str(crf), "-preset", str(preset or "medium")]
        return out + (
            ["-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0"] if gop else []
        )
    if name == "h265":
        params = "log-level=error" + (f":keyint={gop}:min-keyint={gop}:scenecut=0" if gop else "")
        return [
            "-c:v",
            "libx265",
            "-crf",
            str(crf),
            "-preset",
            str(preset or "medium"),
            "-x265-params",
            params,
            "-tag:v",
            "hvc1",
        ]
    keyint = ["-g", str(gop), "-keyint_min", str(gop)] if gop else []
    if name == "vp9":
        return [
            "-c:v",
            "libvpx-vp9",
            "-crf",
            str(crf),
            "-b:v",
            "0",
            "-row-mt",
            "1",
            "-deadline",
            "good",
            "-cpu-used",
            str(4 if preset is None else preset),
        ] + keyint
    if "libsvtav1" in _encoders():
        return [
            "-c:v",
            "libsvtav1",
            "-crf",
            str(crf),
            "-preset",
            str(8 if preset is None else preset),
        ] + keyint[:2]
    return [
        "-c:v",
        "libaom-av1",
        "-crf",
        str(crf),
        "-b:v",
        "0",
        "-row-mt",
        "1",
        "-cpu-used",
        str(6 if preset is None else preset),
    ] + keyint


@functools.lru_cache(maxsize=1)
def _encoders() -> str:
    """ffmpeg's list of encoders (asked once)."""
    with _start(
        [ffmpeg_exe(), "-hide_banner", "-encoders"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as proc:
        return proc.communicate()[0].decode(errors="replace")


def _encode(args: list[str], frames: np.ndarray, path: str) -> None:
    """Run ffmpeg with ``frames`` piped to its stdin as raw bytes; raise VideoError on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostats", "-v", "error"] + args
    env = dict(os.environ, SVT_LOG="1")  # SVT-AV1 logs to stderr on its own: errors only
    with tempfile.TemporaryFile() as log:
        proc = _start(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log, env=env)
        try:
            proc.stdin.write(memoryview(np.ascontiguousarray(frames)).cast("B"))
            proc.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped early: its log says why
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        code = proc.wait()
        log.seek(0)
        text = log.read().decode(errors="replace")
    if code != 0:
        raise VideoError(
            f"ffmpeg could not write {path!r}: {_reason(text)}; try another codec or frame size"
        )


# ---------------------------------------------------------------------------------------- helpers


def _ffmpeg(args: list[str], *, what: str, level: str = "error") -> tuple[bytes, str]:
    """Run ffmpeg, return (stdout, log); a non-zero exit becomes a VideoError."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-v", level] + args
    with _start(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        out, err = proc.communicate()
    log = err.decode(errors="replace")
    if proc.returncode != 0:
        raise VideoError(
            f"ffmpeg could not {what}: {_reason(log)}; check that the file is a complete video"
        )
    return out, log


def _is_number(value) -> bool:
    """A real number (Python or numpy), not a bool, a string or None."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _reason(log: str) -> str:
    """The most telling line of an ffmpeg log, without its ``[module @ 0x...]`` prefixes."""
    lines = [re.sub(r"^(\[[^\]]*\]\s*)+", "", ln).strip().rstrip(".") for ln in log.splitlines()]
    lines = [
        ln
        for ln in lines
        if ln
        and not ln.startswith(
            ("Input #", "Duration", "Stream #", "Metadata", "At least one output")
        )
    ]
    generic = ("error opening", "conversion failed", "terminating", "task finished")
    telling = [ln for ln in lines if not ln.lower().startswith(generic)]
    for ln in telling:  # a line that names a cause beats warnings and generic trailers
        if re.search(r"invalid|not found|too small|unsupported|partial|no such|error", ln, re.I):
            return ln[:200]
    return (telling or lines or ["no message from ffmpeg"])[0][:200]
