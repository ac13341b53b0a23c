"""Pre/post-processing on uint8 (T, H, W, C): each operation does what its docstring says."""

import numpy as np
import pytest

from vidgen_edu.video import VideoError, adjust, crop, denoise, enhance_contrast, psnr, resize


def clean_clip(t=6, h=24, w=24):
    yy, xx = np.mgrid[0:h, 0:w]
    frames = [
        np.stack([xx * 200 // w + 20, yy * 200 // h + 20, np.full_like(xx, 120)], -1)
        for _ in range(t)
    ]
    frames = np.stack(frames).astype(np.uint8)  # (T, H, W, C)
    frames[:, 8:16, 8:16] = 230  # a bright square with sharp edges
    return frames


def test_median_removes_salt_and_pepper():
    clean = clean_clip()
    rng = np.random.default_rng(0)
    noisy = clean.copy()
    hits = rng.random(clean.shape[:3]) < 0.05
    noisy[hits] = rng.choice([0, 255], size=(hits.sum(), 1))
    out = denoise(noisy, method="median", size=3)
    assert out.shape == clean.shape and out.dtype == np.uint8
    assert psnr(clean, out) > psnr(clean, noisy) + 8


@pytest.mark.parametrize("temporal", [False, True])
def test_gaussian_lowers_gaussian_noise(temporal):
    clean = clean_clip()
    rng = np.random.default_rng(1)
    noisy = np.clip(clean + rng.normal(0, 25, clean.shape), 0, 255).astype(np.uint8)
    out = denoise(noisy, method="gaussian", sigma=1.0, temporal=temporal)
    assert psnr(clean, out) > psnr(clean, noisy) + 3


def test_temporal_denoise_helps_a_static_scene_more():
    clean = clean_clip()
    noisy = np.clip(clean + np.random.default_rng(2).normal(0, 25, clean.shape), 0, 255).astype(
        np.uint8
    )
    assert psnr(clean, denoise(noisy, temporal=True)) > psnr(clean, denoise(noisy))


def test_denoise_keeps_a_constant_clip_and_rejects_bad_options():
    flat = np.full((3, 8, 8, 3), 77, np.uint8)
    np.testing.assert_array_equal(denoise(flat), flat)
    np.testing.assert_array_equal(denoise(flat, method="gaussian", sigma=2), flat)
    with pytest.raises(VideoError, match="unknown denoise method 'box'"):
        denoise(flat, method="box")
    with pytest.raises(VideoError, match="odd number"):
        denoise(flat, size=4)


def test_enhance_contrast_spreads_a_dull_clip():
    dull = (clean_clip() // 4 + 90).astype(np.uint8)  # values squeezed into ~90..150
    out = enhance_contrast(dull)
    luma = out.astype(float) @ [0.299, 0.587, 0.114]
    assert luma.max() - luma.min() > 200 > np.ptp(dull.astype(float) @ [0.299, 0.587, 0.114])
    order = np.argsort(dull.astype(float) @ [0.299, 0.587, 0.114], axis=None)
    assert np.all(np.diff(luma.ravel()[order]) >= -3)  # monotone: brighter stays brighter
    gray = dull[..., :1]
    assert enhance_contrast(gray).shape == gray.shape
    assert np.ptp(enhance_contrast(gray)) == 255


def test_enhance_contrast_uses_one_mapping_for_the_clip():
    a = clean_clip(t=1)
    clip = np.concatenate([a, a])  # two identical frames: identical results, no flicker
    out = enhance_contrast(clip)
    np.testing.assert_array_equal(out[0], out[1])


def test_crop_cuts_the_box_and_checks_it():
    frames = clean_clip()
    out = crop(frames, (8, 8, 8, 8))
    assert out.shape == (6, 8, 8, 3) and np.all(out == 230)
    with pytest.raises(VideoError, match="does not fit in frames of 24x24"):
        crop(frames, (20, 0, 8, 8))
    with pytest.raises(VideoError, match="top, left, height, width"):
        crop(frames, (1, 2))


@pytest.mark.parametrize(
    "size, shape", [((12, 18), (12, 18)), (48, (48, 48)), ((24, 24), (24, 24))]
)
def test_resize_shapes(size, shape):
    frames = clean_clip()
    out = resize(frames, size)
    assert out.shape == (6, *shape, 3) and out.dtype == np.uint8


def test_resize_same_size_is_identity_and_downscale_averages():
    frames = clean_clip()
    np.testing.assert_array_equal(resize(frames, (24, 24)), frames)
    checker = np.indices((1, 16, 16)).sum(0) % 2 * 255  # fine pattern that aliases if sampled
    checker = np.repeat(checker[..., None], 3, -1).astype(np.uint8)
    small = resize(checker, (4, 4))
    assert np.all(np.abs(small.astype(int) - 128) <= 2)  # antialiasing averages it to grey
    with pytest.raises(VideoError, match="both >= 1"):
        resize(frames, (0, 5))


def test_adjust_identity_and_each_knob():
    frames = clean_clip()
    np.testing.assert_array_equal(adjust(frames), frames)
    x = frames.astype(float) / 255
    np.testing.assert_array_equal(adjust(frames, gamma=2.0), np.rint(x**2 * 255))
    assert adjust(frames, brightness=0.1).mean() > frames.mean()
    high = adjust(frames, contrast=1.5).astype(float)
    assert high.std() > frames.std()
    np.testing.assert_array_equal(adjust(frames, contrast=0.0), np.full_like(frames, 128))
    with pytest.raises(VideoError, match="gamma must be > 0"):
        adjust(frames, gamma=0)
