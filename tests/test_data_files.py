"""Tests of the file-backed datasets: the Moving MNIST loader and clips from video files."""

from __future__ import annotations

import subprocess
import warnings

import imageio_ffmpeg
import numpy as np
import pytest
import torch

from vidgen_edu.data import MovingMNIST, VideoClips, make_dataset
from vidgen_edu.data.resize import fit_square
from vidgen_edu.errors import ConfigError, VideoError
from vidgen_edu.video import read_video

# ---------------------------------------------------------------------------- Moving MNIST


@pytest.fixture()
def mnist_file(tmp_path):
    """A small file in the standard layout (T, N, H, W) uint8: sequence n, frame t is filled
    with a ramp whose top-left pixel is 10 n + t, so every clip and frame can be identified."""
    t, n, h, w = 5, 7, 16, 16
    seq = np.arange(n).reshape(1, n, 1, 1) * 10 + np.arange(t).reshape(t, 1, 1, 1)
    ramp = np.arange(h * w).reshape(1, 1, h, w) % 50
    path = tmp_path / "mnist_test_seq.npy"
    np.save(path, (seq + ramp).astype(np.uint8))
    return path


def first_pixel(clip: torch.Tensor) -> torch.Tensor:
    """The top-left pixel of each frame of a ``(1, T, H, W)`` clip, back in 0..255."""
    return ((clip[0, :, 0, 0] + 1) * 127.5).round()


def test_moving_mnist_reads_the_layout(mnist_file):
    ds = MovingMNIST(mnist_file)
    assert len(ds) == 7 and (ds.frames, ds.size, ds.channels) == (5, 16, 1)
    clip = ds[3]
    assert clip.shape == (1, 5, 16, 16) and clip.dtype == torch.float32
    assert first_pixel(clip).tolist() == [30, 31, 32, 33, 34]
    raw = np.load(mnist_file)[:, 3]  # (T, H, W)
    torch.testing.assert_close(clip[0], torch.from_numpy(raw).float() / 127.5 - 1)
    assert first_pixel(ds[-1]).tolist()[0] == 60


def test_moving_mnist_frames_and_size(mnist_file):
    ds = MovingMNIST(mnist_file, frames=3, size=8)
    clip = ds[2]
    assert clip.shape == (1, 3, 8, 8)
    assert clip.min() >= -1 and clip.max() <= 1
    full = MovingMNIST(mnist_file)[2]
    assert torch.allclose(clip.mean(dim=(-1, -2)), full[:, :3].mean(dim=(-1, -2)), atol=0.02)


def test_moving_mnist_sample(mnist_file):
    ds = MovingMNIST(mnist_file)
    a, b = ds.sample(4, seed=1), ds.sample(4, seed=1)
    assert torch.equal(a.video, b.video) and a.video.shape == (4, 1, 5, 16, 16)
    assert a.labels.tolist() == [-1] * 4 and a.positions is None
    ids = [int(first_pixel(c)[0]) // 10 for c in a.video]
    assert len(set(ids)) == 4  # without replacement
    for i, clip in zip(ids, a.video, strict=True):
        assert torch.equal(clip, ds[i])  # each clip is the sequence it claims to be
    assert not torch.equal(ds.sample(7, seed=2).video, ds.sample(7, seed=3).video)
    assert ds.sample(20, seed=0).video.shape[0] == 20  # more than len: with replacement
    assert not torch.equal(ds.sample(3).video, ds.sample(3).video)  # own generator advances


def test_moving_mnist_bad_files(tmp_path):
    with pytest.raises(VideoError, match=r"missing.npy.*does not exist.*\(T, N, H, W\)"):
        MovingMNIST(tmp_path / "missing.npy")
    with pytest.raises(VideoError, match="is a folder"):
        MovingMNIST(tmp_path)
    np.save(tmp_path / "three.npy", np.zeros((20, 64, 64), np.uint8))
    with pytest.raises(VideoError, match=r"shape \(20, 64, 64\).*\(T, N, H, W\)"):
        MovingMNIST(tmp_path / "three.npy")
    np.save(tmp_path / "float.npy", np.zeros((2, 3, 8, 8), np.float32))
    with pytest.raises(VideoError, match=r"float32.*uint8"):
        MovingMNIST(tmp_path / "float.npy")
    (tmp_path / "text.npy").write_text("not an array")
    with pytest.raises(VideoError, match="not a readable .npy") as err:
        MovingMNIST(tmp_path / "text.npy")
    assert "\n" not in str(err.value)
    np.savez(tmp_path / "archive.npz", x=np.zeros((2, 3, 8, 8), np.uint8))
    with pytest.raises(VideoError, match="npz archive"):
        MovingMNIST(tmp_path / "archive.npz")


def test_moving_mnist_missing_file_is_the_users_error(tmp_path):
    """Not a bare FileNotFoundError: the command line would report that as a bug in vidgen-edu."""
    with pytest.raises(VideoError) as err:
        make_dataset(f"moving-mnist:{tmp_path / 'mnist_test_seq.npy'}")
    assert err.value.exit_status == 2 and "moving-digits" in str(err.value)


def test_moving_mnist_bad_arguments(mnist_file):
    with pytest.raises(ConfigError, match="frames"):
        MovingMNIST(mnist_file, frames=6)
    with pytest.raises(ConfigError, match="frames must be an int"):
        MovingMNIST(mnist_file, frames="all")
    with pytest.raises(ConfigError, match="size"):
        MovingMNIST(mnist_file, size=0)
    with pytest.raises(ConfigError, match="seed"):
        MovingMNIST(mnist_file, seed=None)
    with pytest.raises(IndexError, match="out of range"):
        MovingMNIST(mnist_file)[7]
    ds = make_dataset(f"moving-mnist:{mnist_file}", size=None, frames=4)
    assert isinstance(ds, MovingMNIST) and ds[0].shape == (1, 4, 16, 16)


# ---------------------------------------------------------------------------- video files


def lavfi(path, source: str, seconds: float, extra=()):
    """Make a real video with ffmpeg's built-in test sources."""
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        source,
        "-t",
        str(seconds),
        *extra,
        str(path),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def video_folder(tmp_path_factory):
    """testsrc2 96x80 at 10 fps for 3 s (30 frames, mp4), 'life' 40x40 for 2 s (gif, 20 frames),
    a 0.5 s clip (5 frames), and a text file named .mp4 in a subfolder."""
    root = tmp_path_factory.mktemp("videos")
    lavfi(root / "a.mp4", "testsrc2=size=96x80:rate=10", 3, ["-pix_fmt", "yuv420p"])
    lavfi(root / "b.gif", "life=size=40x40:rate=10:mold=10", 2)
    lavfi(root / "short.webm", "testsrc2=size=64x64:rate=10", 0.5)
    (root / "sub").mkdir()
    (root / "sub" / "broken.mp4").write_text("this is not a video")
    (root / "notes.txt").write_text("ignored")
    return root


def test_video_clips_cut_files_into_windows(video_folder):
    with pytest.warns(UserWarning, match="skips"):
        ds = VideoClips(video_folder, frames=8, size=32)
    assert len(ds.files) == 4  # .txt ignored, subfolder searched
    skipped = {p.split("/")[-1] for p, _ in ds.skipped}
    assert skipped == {"short.webm", "broken.mp4"}
    per_file = {}
    for path, start in ds.clips:
        per_file.setdefault(path.name, []).append(start)
    assert per_file == {"a.mp4": [0, 8, 16], "b.gif": [0, 8]}
    assert len(ds) == 5 and (ds.channels, ds.frames, ds.size) == (3, 8, 32)
    clip = ds[1]
    assert clip.shape == (3, 8, 32, 32) and clip.dtype == torch.float32
    assert clip.min() >= -1 and clip.max() <= 1 and clip.std() > 0.1


def test_video_clips_content_is_the_cropped_resized_window(video_folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = VideoClips(video_folder, frames=8, size=32, stride=4)
    assert [s for p, s in ds.clips if p.name == "a.mp4"] == [0, 4, 8, 12, 16, 20]
    frames = read_video(video_folder / "a.mp4")  # (T, 80, 96, 3)
    window = torch.from_numpy(frames[4:12].copy()).permute(3, 0, 1, 2)[None].float()
    expected = fit_square(window, 32)[0] / 127.5 - 1  # (3, 8, 32, 32)
    torch.testing.assert_close(ds[1], expected, atol=1 / 127.5 + 1e-6, rtol=0)
    assert not torch.allclose(ds[0], ds[1])  # testsrc2 moves


def test_video_clips_sample(video_folder):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = VideoClips(video_folder, frames=8, size=16)
        a, b = ds.sample(3, seed=4), ds.sample(3, seed=4)
        assert torch.equal(a.video, b.video) and a.video.shape == (3, 3, 8, 16, 16)
        assert a.labels.tolist() == [-1, -1, -1] and a.positions is None
        assert ds.sample(12, seed=0).video.shape[0] == 12
        named = make_dataset(f"clips:{video_folder}", size=16, frames=8, stride=8)
        assert isinstance(named, VideoClips) and len(named) == len(ds)


def test_fit_square_center_crops_then_resizes():
    video = torch.zeros(1, 1, 2, 4, 8)  # (N, C, T, H, W), wide
    video[..., 2:6] = 1.0  # the central 4 columns
    assert torch.equal(fit_square(video, None), torch.ones(1, 1, 2, 4, 4))
    assert fit_square(video, 2).shape == (1, 1, 2, 2, 2)


def test_video_clips_bad_folders(tmp_path, video_folder):
    with pytest.raises(VideoError, match="no folder.*nowhere.*missing"):
        VideoClips(tmp_path / "nowhere")
    (tmp_path / "file.mp4").write_bytes(b"x")
    with pytest.raises(VideoError, match="a file, not a folder"):
        VideoClips(tmp_path / "file.mp4")
    (tmp_path / "empty").mkdir()
    with pytest.raises(VideoError, match="no video file"):
        VideoClips(tmp_path / "empty")
    with pytest.raises(ConfigError, match="stride"):
        VideoClips(video_folder, stride=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(VideoError, match="no usable clip of 100 frames"):
            VideoClips(video_folder, frames=100)
        with pytest.raises(VideoError, match="no usable clip"):
            VideoClips(video_folder / "sub")
