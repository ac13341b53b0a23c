"""The exercises of notebooks 00 and 01: references against independent facts, questions, mysteries."""

import os
import subprocess

import numpy as np
import pytest
import torch

from vidgen_edu.exercises import ExerciseFailed, check, get
from vidgen_edu.exercises.video import mystery_frames, mystery_texture
from vidgen_edu.pipeline import DynamicTexture
from vidgen_edu.pipeline.dynamic_texture import spectral_radius
from vidgen_edu.video import tensor_to_frames
from vidgen_edu.video.io import ffmpeg_exe


@pytest.mark.parametrize(("h", "w"), [(16, 24), (17, 33), (1, 1)])
def test_yuv420_bytes_are_what_ffmpeg_writes(tmp_path, h, w):
    path = tmp_path / "raw.yuv"
    source = f"color=c=gray:size={w}x{h}:rate=4:duration=1"
    subprocess.run(
        [ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", source]
        + ["-f", "rawvideo", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )
    assert os.path.getsize(path) == get("nb01_yuv420_nbytes").reference(4, h, w)


def test_stage_values_and_dynamic_texture_size_match_a_fitted_model():
    video = torch.rand(3, 1, 6, 8, 10) * 2 - 1  # (B, C, T, H, W)
    model = DynamicTexture(k=5).fit(video)
    values_in, values_out = get("nb00_stage_values").reference(3, 6, 8, 10, 1, 5)
    assert values_in == video.numel() and values_out == model.states.numel()
    stored = sum(x.numel() for x in (model.pca.mean, model.pca.basis, model.a, model.b))
    assert get("nb00_dt_parameters").reference(8 * 10, 5) == stored


def test_invert_does_not_wrap_around():
    ramp = np.arange(256, dtype=np.uint8).reshape(1, 1, 256, 1)
    out = get("nb00_invert").reference(ramp)
    assert out.dtype == np.uint8 and np.array_equal(out[0, 0, :, 0], np.arange(255, -1, -1))
    with pytest.raises(ExerciseFailed, match="wrong answer"):  # -x wraps to 256 - x: off by one
        check("nb00_invert", lambda frames: (-frames.astype(np.int16) % 256).astype(np.uint8))


QUESTIONS = ["nb00_k_sharpness", "nb00_exploding_texture", "nb01_h265_vs_h264", "nb01_layout_bug"]


@pytest.mark.parametrize("name", QUESTIONS)
def test_a_question_takes_its_letter_and_refuses_the_others_without_telling(name):
    ex = get(name)
    right = ex.reference()
    check(name, lambda: right.upper(), quiet=True)  # case and spaces do not matter
    for wrong in set(ex.choices) - {right}:
        with pytest.raises(ExerciseFailed) as info:
            check(name, lambda wrong=wrong: wrong, quiet=True)
        assert ex.hint in str(info.value)
        assert f"'{right}'" not in str(info.value)


def test_the_mystery_texture_is_unstable_and_its_samples_whiten_over_time():
    video = torch.rand(4, 1, 12, 8, 8) * 2 - 1
    healthy = DynamicTexture(k=6).fit(video)
    broken = mystery_texture(healthy.pca, healthy.pca.encode(video))
    assert spectral_radius(healthy.a) < 1
    assert spectral_radius(broken.a) == pytest.approx(1.15)
    frames = tensor_to_frames(broken.sample(8, frames=30, seed=0))  # (N, T, H, W, C)
    extreme = ((frames == 0) | (frames == 255)).mean(axis=(0, 2, 3, 4))  # per frame
    assert extreme[-5:].mean() > extreme[:5].mean() + 0.2


def test_the_mystery_frames_are_a_reshape_not_a_permute():
    clip = torch.rand(3, 4, 5, 6) * 2 - 1  # (C, T, H, W)
    right = tensor_to_frames(clip[None])[0]  # (T, H, W, C)
    wrong = mystery_frames(clip)
    assert wrong.dtype == np.uint8 and wrong.shape == right.shape
    assert not np.array_equal(wrong, right)
    planes = np.ascontiguousarray(right.transpose(3, 0, 1, 2))  # (C, T, H, W)
    assert np.array_equal(wrong, planes.reshape(4, 5, 6, 3))
