"""Real time in the generation studio: from a control change to the new clip ready for display.

A control's value is set from Python exactly as the browser's message would set it; the
observer regenerates the clip (16 frames at 32x32 unless said), post-processes it, encodes the
player (GIF by Pillow, or H.264 by ffmpeg) and sets the HTML the browser will show. The time of
that round is measured in the kernel; the websocket and the browser's decoding (a few ms on
localhost) come on top. Also: frames the generator makes per second, alone, at batch 1 (what the
studio asks) and batch 32. The flow model's row (``"pretrained-flow"``) is a seed change at its
default sampling steps and guidance. Run: ``.venv/bin/python benchmarks/realtime.py`` (a markdown
table); ``--repeats`` sets how many changes each median is taken over.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from vidgen_edu.threads import torch_threads
from vidgen_edu.widgets import GenerationStudio


def latency(studio: GenerationStudio, name: str, values, repeats: int) -> list[float]:
    """Seconds from setting ``controls[name]`` to the player's new HTML, ``repeats`` times."""
    out, control = [], studio.controls[name]
    for i in range(repeats + 1):
        start = time.perf_counter()
        control.value = values[i % len(values)]
        assert studio.message.value == "", studio.message.value
        out.append(time.perf_counter() - start)
    return out[1:]  # the first change warms caches


def frames_per_second(studio: GenerationStudio, batch: int, repeats: int, device="cpu") -> float:
    """Frames the generator alone makes per second at ``batch`` clips of 16 frames."""
    g = studio.space.g.to(device)
    gen = torch.Generator(device=device).manual_seed(0)
    with torch.inference_mode(), torch_threads(studio.threads if device == "cpu" else None):
        g.sample(batch, generator=gen)  # warm-up
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            g.sample(batch, generator=gen)
        if device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    g.to("cpu")
    return batch * studio.cfg.frames * repeats / seconds


def row(label: str, player: str, times: list[float], fps: float | str = "") -> str:
    ms = sorted(1e3 * t for t in times)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    fps = f"{fps:,.0f}" if isinstance(fps, float) else fps
    return f"| {label} | {player} | {statistics.median(ms):.1f} | {p90:.1f} | {fps} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    r = args.repeats
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads available, "
        "the studio generates on 1 (the shipped MoCoGAN and flow model, 32x32, CPU)\n"
    )
    print("| control change | player | median ms | p90 ms | frames generated/s |")
    print("|---|---|---|---|---|")
    gif = GenerationStudio("pretrained", out_dir=".", player="gif")
    seeds = list(range(100, 100 + r + 1))
    print(
        row("seed (16 frames)", "GIF", latency(gif, "seed", seeds, r), frames_per_second(gif, 1, r))
    )
    print(row("motion direction slider", "GIF", latency(gif, "motion_1", [-1.0, 0.5, 1.5], r)))
    print(
        row(
            "brightness (post-processing only)",
            "GIF",
            latency(gif, "brightness", [0.1, -0.1, 0.2], r),
        )
    )
    gif.controls["frames"].value = 64
    print(row("seed (64 frames)", "GIF", latency(gif, "seed", seeds, r)))
    gif.controls["frames"].value = 16
    print(
        row(
            "prompt 'a 3 moving left' (32-seed search)",
            "GIF",
            latency(
                gif,
                "prompt",
                ["a 3 moving left", "a 7 moving up", "一个向右移动的5"],
                max(3, r // 5),
            ),
        )
    )
    flow = GenerationStudio("pretrained-flow", out_dir=".", player="gif")
    steps, w = flow.controls["sampling_steps"].value, flow.controls["guidance"].value
    print(
        row(
            f"flow model: seed (16 frames, {steps} steps, guidance {w:g})",
            "GIF",
            latency(flow, "seed", seeds, r),
            frames_per_second(flow, 1, r),
        )
    )
    mp4 = GenerationStudio("pretrained", out_dir=".", player="mp4")
    print(row("seed (16 frames)", "H.264 video", latency(mp4, "seed", seeds, r)))
    print(
        row(
            "generator alone, batch 32", "-", [float("nan")], frames_per_second(gif, 32, 5)
        ).replace("nan", "-")
    )
    if torch.cuda.is_available():
        print(
            row(
                "generator alone on the GPU, batch 1",
                "-",
                [float("nan")],
                frames_per_second(gif, 1, r, "cuda"),
            ).replace("nan", "-")
        )
        print(
            row(
                "generator alone on the GPU, batch 32",
                "-",
                [float("nan")],
                frames_per_second(gif, 32, r, "cuda"),
            ).replace("nan", "-")
        )


if __name__ == "__main__":
    main()
