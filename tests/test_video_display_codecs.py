"""show() and frame_grid(); PSNR and SSIM on tiny arrays; rate-distortion and keyframes."""

import base64
import re

import imageio.v3 as iio
import numpy as np
import pytest
import torch

import vidgen_edu.video.display as display
from vidgen_edu.video import (
    VideoError,
    frame_grid,
    frame_types,
    keyframes,
    psnr,
    rate_distortion,
    read_video,
    show,
    ssim,
    video_html,
    write_video,
)


def clip(t=8, h=16, w=24, seed=0):
    rng = np.random.default_rng(seed)
    still = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return np.stack([np.roll(still, i, axis=1) for i in range(t)])  # (T, H, W, C)


def payload(html, mime):
    match = re.search(rf'data:{mime};base64,([A-Za-z0-9+/=]+)"', html)
    assert match, f"no {mime} data URI in the HTML"
    return base64.b64decode(match.group(1))


# --------------------------------------------------------------------------------------- show


def test_show_embeds_a_playable_mp4(tmp_path):
    html = show(clip(), fps=5).data
    assert re.search(r"<video controls loop autoplay muted playsinline", html)
    (tmp_path / "x.mp4").write_bytes(payload(html, "video/mp4"))
    assert read_video(tmp_path / "x.mp4").shape == (8, 16, 24, 3)


def test_show_tiles_a_batch_and_a_model_tensor(tmp_path):
    batch = torch.rand(3, 3, 4, 8, 8) * 2 - 1  # (B, C, T, H, W)
    (tmp_path / "b.mp4").write_bytes(payload(video_html(batch), "video/mp4"))
    assert read_video(tmp_path / "b.mp4").shape == (4, 8, 3 * 8 + 2 * 2, 3)
    (tmp_path / "g.gif").write_bytes(payload(video_html(clip(), format="gif"), "image/gif"))
    assert read_video(tmp_path / "g.gif").shape == (8, 16, 24, 3)


def test_js_format_cycles_exact_png_frames():
    frames = clip(t=3)
    html = video_html(frames, format="js", fps=4)
    script = html.split("<script>")[1]
    pngs = re.findall(r'"data:image/png;base64,([A-Za-z0-9+/=]+)"', script)
    assert len(pngs) == 3 and "setInterval" in html and "250.0" in html  # 1000 ms / 4 fps
    for k, b64 in enumerate(pngs):
        np.testing.assert_array_equal(iio.imread(base64.b64decode(b64)), frames[k])


def test_auto_falls_back_to_js_when_encoding_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise VideoError("encoder missing")

    monkeypatch.setattr(display, "write_video", broken)
    with pytest.warns(UserWarning, match="encoder missing"):
        html = video_html(clip(t=2), format="auto")
    assert "<video" not in html and "setInterval" in html
    with pytest.raises(VideoError, match="encoder missing"):
        video_html(clip(t=2), format="mp4")


def test_show_width_and_bad_format():
    assert "width:256px" in video_html(clip(w=16), format="js")  # 16 px scaled by 16
    assert "width:100px" in video_html(clip(), format="js", width=100)
    with pytest.raises(VideoError, match="unknown format 'avi'"):
        video_html(clip(), format="avi")


def shown_width(html):
    return int(re.search(r"width:(\d+)px", html).group(1))


@pytest.mark.parametrize(
    "n, h, w, ncols", [(10, 16, 16, None), (6, 16, 32, 3), (1, 16, 16, None), (4, 28, 28, 2)]
)
def test_every_tile_is_at_least_64_px_on_screen(n, h, w, ncols):
    clips = np.stack([clip(t=2, h=h, w=w, seed=s) for s in range(n)])  # (N, T, H, W, C)
    html = video_html(clips, format="js", ncols=ncols)
    first = iio.imread(
        base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', html).group(1))
    )
    scale = shown_width(html) / first.shape[1]  # CSS pixels per video pixel
    assert scale == int(scale) and min(h, w) * scale >= 64, (scale, first.shape)
    assert "image-rendering:pixelated" in html


def test_a_grid_pads_its_last_row_with_black_not_white():
    clips = np.stack([clip(t=2, seed=s) for s in range(5)])  # (5, T, 16, 24, C)
    html = video_html(clips, format="js", ncols=3)
    pngs = re.findall(r'"data:image/png;base64,([A-Za-z0-9+/=]+)"', html.split("<script>")[1])
    frame = iio.imread(base64.b64decode(pngs[0]))
    assert frame.shape == (2 * 16 + 2, 3 * 24 + 2 * 2, 3)
    np.testing.assert_array_equal(frame[18:34, 52:76], 0)  # the sixth slot: black
    for r in range(2):
        for k in range(3):
            tile = frame[r * 18 : r * 18 + 16, k * 26 : k * 26 + 24]
            assert not (tile == 255).all(), (r, k)  # no empty white tile
    np.testing.assert_array_equal(frame[18:34, 26:50], clips[4, 0])


def test_tables_are_html_not_markdown():
    html = display.table_html(
        [("h264", 23, 1.23456), ("<vp9>", 30, 0.5)],
        header=("codec", "crf", "kbps"),
        caption="rate & quality",
    )
    assert html.startswith("<table>") and html.endswith("</table>") and "|---" not in html
    assert "<caption>rate &amp; quality</caption>" in html
    assert "<th>codec</th>" in html and '<td style="text-align:right">1.235</td>' in html
    assert "<td>&lt;vp9&gt;</td>" in html
    assert display.show_table([(1, 2)], header=("a", "b"))._repr_html_() == display.table_html(
        [(1, 2)], header=("a", "b")
    )


def test_png_of_grayscale_frame_round_trips():
    gray = clip(t=1)[0, :, :, :1]
    np.testing.assert_array_equal(iio.imread(display.png_bytes(gray)), gray[..., 0])


def test_frame_grid_layout():
    clips = np.stack([clip(t=5, seed=s) for s in range(2)])  # (N, T, H, W, C)
    grid = frame_grid(clips, gap=1)
    assert grid.shape == (2 * 16 + 1, 5 * 24 + 4, 3)
    np.testing.assert_array_equal(grid[17:33, 25:49], clips[1, 1])  # row = clip, column = time
    picked = frame_grid(clips[0], ncols=3, gap=0)  # first, middle and last frame
    np.testing.assert_array_equal(
        picked, np.concatenate([clips[0, 0], clips[0, 2], clips[0, 4]], 1)
    )
    assert frame_grid(torch.zeros(2, 3, 4, 8, 8)).shape == (2 * 8 + 2, 4 * 8 + 3 * 2, 3)


# -------------------------------------------------------------------------------- PSNR and SSIM


def test_psnr_identical_and_known_noise():
    x = clip()
    assert psnr(x, x) == float("inf")
    y = x.astype(int) + np.where(np.arange(x.size).reshape(x.shape) % 2, 4, -4)
    y = np.clip(y, 0, 255)
    mse = np.mean((x.astype(float) - y) ** 2)  # 16 except where clipping shrank the error
    assert psnr(x, y) == pytest.approx(10 * np.log10(255**2 / mse))
    rng = np.random.default_rng(1)
    noisy = np.clip(128 + rng.normal(0, 5, (4, 32, 32, 3)), 0, 255)
    assert psnr(np.full((4, 32, 32, 3), 128.0), noisy) == pytest.approx(
        20 * np.log10(255 / 5), abs=0.1
    )


def ssim_slow(x, y, window=11, sigma=1.5):
    """SSIM of two 2-D arrays by an explicit loop over windows (Wang et al. 2004, eq. 13)."""
    r = np.arange(window) - (window - 1) / 2
    w = np.exp(-(r[:, None] ** 2 + r[None] ** 2) / (2 * sigma**2))
    w /= w.sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    vals = []
    for i in range(x.shape[0] - window + 1):
        for j in range(x.shape[1] - window + 1):
            a, b = x[i : i + window, j : j + window], y[i : i + window, j : j + window]
            ma, mb = (w * a).sum(), (w * b).sum()
            va, vb = (w * (a - ma) ** 2).sum(), (w * (b - mb) ** 2).sum()
            cov = (w * (a - ma) * (b - mb)).sum()
            vals.append(
                (2 * ma * mb + c1) * (2 * cov + c2) / ((ma**2 + mb**2 + c1) * (va + vb + c2))
            )
    return np.mean(vals)


def test_ssim_matches_the_formula_on_a_tiny_frame():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (1, 14, 13, 1), dtype=np.uint8)
    y = np.clip(x + rng.normal(0, 20, x.shape), 0, 255).round()
    assert ssim(x, y) == pytest.approx(
        ssim_slow(x[0, ..., 0].astype(float), y[0, ..., 0]), rel=1e-9
    )


def test_ssim_identical_is_one_and_noise_lowers_it():
    x = clip(h=16, w=16)
    assert ssim(x, x) == pytest.approx(1.0)
    rng = np.random.default_rng(3)
    scores = [ssim(x, np.clip(x + rng.normal(0, s, x.shape), 0, 255)) for s in (2, 10, 40)]
    assert 1 > scores[0] > scores[1] > scores[2]
    with pytest.raises(VideoError, match="at least 11x11"):
        ssim(x[:, :8, :8], x[:, :8, :8])
    with pytest.raises(VideoError, match="shapes"):
        psnr(x, x[:, :8])


# --------------------------------------------------------------------- rate-distortion, keyframes


def smooth_clip(t=8, h=32, w=32):
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack(
        [np.stack([(xx * 8 + 3 * i) % 256, yy * 8, np.full_like(xx, 128)], -1) for i in range(t)]
    ).astype(np.uint8)  # (T, H, W, C)


def test_rate_distortion_more_bits_more_quality():
    rows = rate_distortion(smooth_clip(), codecs=("h264", "vp9"), crfs=(15, 45), fps=8)
    assert [(r["codec"], r["crf"]) for r in rows] == [
        ("h264", 15),
        ("h264", 45),
        ("vp9", 15),
        ("vp9", 45),
    ]
    for hi, lo in (rows[0:2], rows[2:4]):
        assert (
            hi["bytes"] > lo["bytes"] and hi["psnr_db"] > lo["psnr_db"] and hi["ssim"] > lo["ssim"]
        )
        assert hi["bitrate_kbps"] == pytest.approx(
            8 * hi["bytes"] / 1.0 / 1000
        )  # 8 frames at 8 fps
        assert 0 < lo["ssim"] < 1 and hi["encode_s"] > 0


@pytest.mark.parametrize("name, codec", [("g.mp4", None), ("g.mp4", "h265"), ("g.webm", None)])
def test_gop_sets_the_keyframes(tmp_path, name, codec):
    write_video(tmp_path / name, smooth_clip(t=20), gop=6, codec=codec)
    assert keyframes(tmp_path / name) == [0, 6, 12, 18]
    types = frame_types(tmp_path / name)
    assert len(types) == 20 and set(types) <= {"I", "P", "B"}
    write_video(tmp_path / name, smooth_clip(t=20), gop=10, codec=codec)
    assert keyframes(tmp_path / name) == [0, 10]


def test_importing_the_package_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, vidgen_edu.video; "
        "print(sorted(m for m in ('IPython', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
