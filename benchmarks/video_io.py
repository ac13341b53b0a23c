"""How fast ``write_video`` encodes, against the bundled ffmpeg fed the same raw frames directly.

Both sides run the same ffmpeg with the same output options (``encoder_args``: H.264 libx264,
crf 23, preset medium, yuv420p, faststart) and pipe the same rgb24 bytes to its stdin; the
ratio ``write_video fps / direct fps`` is the cost of the library's checks, temporary file and
rename. Wall time on a shared machine is noisy, so the CPU seconds (this process plus ffmpeg)
are reported beside it. Run: ``.venv/bin/python benchmarks/video_io.py`` (a markdown table).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np

from vidgen_edu.video import write_video
from vidgen_edu.video.io import encoder_args, ffmpeg_exe


def moving_frames(t: int, size: int) -> np.ndarray:
    """A drifting colour gradient with a moving square: compressible like real footage."""
    yy, xx = np.mgrid[0:size, 0:size]
    frames = np.empty((t, size, size, 3), np.uint8)  # (T, H, W, C)
    for i in range(t):
        frames[i, ..., 0] = (xx + 2 * i) % 256
        frames[i, ..., 1] = (yy + i) % 256
        frames[i, ..., 2] = 128
        k = (3 * i) % (size - size // 4)
        frames[i, k : k + size // 4, k : k + size // 4] = 240
    return frames


def direct(frames: np.ndarray, path: str, fps: float) -> None:
    """The baseline: the same ffmpeg command, raw frames written straight to its stdin."""
    t, h, w, _ = frames.shape
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostats",
        "-v",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{w}x{h}",
        "-r",
        f"{fps:g}",
        "-i",
        "pipe:0",
    ]
    cmd += encoder_args(".mp4", "h264", size=(w, h)) + ["-y", path]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    proc.stdin.write(memoryview(np.ascontiguousarray(frames)).cast("B"))
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("ffmpeg failed")


def measure(fn, frames: np.ndarray) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process plus ffmpeg) of one ``fn(frames, path)``."""
    with tempfile.TemporaryDirectory() as tmp:
        before, start = os.times(), time.perf_counter()
        fn(frames, os.path.join(tmp, "bench.mp4"))
        wall, after = time.perf_counter() - start, os.times()
    cpu = sum(after[k] - before[k] for k in range(4))  # user, system, children user, system
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=256)
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{args.frames} RGB frames, H.264 crf 23 preset medium, {args.repeats} interleaved "
        f"runs each, {os.cpu_count()} CPUs. fps from the fastest run (the least disturbed "
        "by other load); CPU s = median of this process + ffmpeg.\n"
    )
    print(
        "| frame size | write_video fps | direct fps | ratio (wall) "
        "| write_video CPU s | direct CPU s | ratio (CPU) |"
    )
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        frames = moving_frames(args.frames, size)
        lib, raw = [], []
        for _ in range(args.repeats):  # interleave so that machine load hits both alike
            lib.append(measure(lambda f, p: write_video(p, f, fps=8), frames))
            raw.append(measure(lambda f, p: direct(f, p, 8), frames))
        lib_wall, raw_wall = min(w for w, _ in lib), min(w for w, _ in raw)
        lib_cpu = statistics.median(c for _, c in lib)
        raw_cpu = statistics.median(c for _, c in raw)
        n = args.frames
        print(
            f"| {size}x{size} | {n / lib_wall:.0f} | {n / raw_wall:.0f} "
            f"| {raw_wall / lib_wall:.2f} | {lib_cpu:.2f} | {raw_cpu:.2f} "
            f"| {raw_cpu / lib_cpu:.2f} |"
        )


if __name__ == "__main__":
    main()
