"""Round trips through the bundled ffmpeg: every container and codec, odd sizes, grayscale."""

import os

import numpy as np
import pytest
import torch

from vidgen_edu.video import VideoInfo, probe, psnr, read_video, tensor_to_frames, write_video


def moving_clip(t=12, h=32, w=48, c=3):
    """A smooth coloured gradient with a bright square moving right: easy to compress well."""
    yy, xx = np.mgrid[0:h, 0:w]
    frames = np.zeros((t, h, w, c), np.uint8)
    for i in range(t):
        base = np.stack(
            [xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1), np.full_like(xx, 40 + 10 * i)],
            -1,
        )[..., :c]
        base[h // 4 : h // 4 + 8, 2 * i : 2 * i + 8] = 250
        frames[i] = base
    return frames


CASES = [
    ("clip.mp4", None, "h264"),
    ("clip.mp4", "h265", "hevc"),
    ("clip.webm", None, "vp9"),
    ("clip.mkv", "av1", "av1"),
    ("clip.mp4", "av1", "av1"),
    ("clip.gif", None, "gif"),
]


@pytest.mark.parametrize("name, codec, decoded_codec", CASES)
def test_round_trip_keeps_shape_and_quality(tmp_path, name, codec, decoded_codec):
    frames = moving_clip()
    path = write_video(tmp_path / name, frames, fps=10, codec=codec)
    back = read_video(path)
    assert back.shape == frames.shape and back.dtype == np.uint8
    back[0, 0, 0] = 0  # an ordinary, writable array
    assert psnr(frames, back) > (22 if name.endswith(".gif") else 30)  # lossy but faithful
    info = probe(path)
    assert isinstance(info, VideoInfo)
    assert (info.frames, info.width, info.height, info.codec) == (12, 48, 32, decoded_codec)
    assert info.fps == pytest.approx(10, rel=0.05)
    assert info.duration_s == pytest.approx(1.2, abs=0.05)
    assert info.bitrate > 0


@pytest.mark.parametrize(
    "name, codec",
    [
        ("odd.mp4", None),
        ("odd.mp4", "h265"),
        ("odd.webm", None),
        ("odd.mkv", "av1"),
        ("odd.gif", None),
    ],
)
def test_odd_frame_sizes_come_back_at_their_size(tmp_path, name, codec):
    frames = moving_clip(t=6, h=33, w=47)
    write_video(tmp_path / name, frames, codec=codec)
    back = read_video(tmp_path / name)
    assert back.shape == (6, 33, 47, 3)
    assert psnr(frames, back) > (22 if name.endswith(".gif") else 30)
    edge = np.abs(frames[:, -1].astype(int) - back[:, -1]).mean()  # the last row is no worse
    assert edge < 3 * np.abs(frames.astype(int) - back).mean()
    assert (probe(tmp_path / name).width, probe(tmp_path / name).height) == (47, 33)


def test_grayscale_input_is_written_and_read_as_rgb(tmp_path):
    gray = moving_clip(t=5, c=3)[..., :1]
    write_video(tmp_path / "gray.mp4", gray)
    back = read_video(tmp_path / "gray.mp4")
    assert back.shape == (5, 32, 48, 3)
    assert psnr(np.repeat(gray, 3, axis=-1), back) > 30
    spread = back.astype(int).max(-1) - back.astype(int).min(-1)
    assert spread.max() <= 6  # R, G and B stay (nearly) equal: it is still a grey picture


def test_max_frames_stops_early(tmp_path):
    write_video(tmp_path / "c.mp4", moving_clip(t=12))
    assert read_video(tmp_path / "c.mp4", max_frames=5).shape[0] == 5


def test_float_tensor_and_batch_inputs(tmp_path):
    frames = moving_clip(t=4, h=16, w=16)
    write_video(tmp_path / "f.mp4", frames.astype(np.float32) / 255.0)
    assert psnr(frames, read_video(tmp_path / "f.mp4")) > 28
    model = torch.rand(1, 3, 4, 16, 16) * 2 - 1  # (B, C, T, H, W)
    write_video(tmp_path / "t.mkv", model, codec="vp9", crf=0)
    assert read_video(tmp_path / "t.mkv").shape == tensor_to_frames(model)[0].shape
    batch = np.stack([frames, frames[:, ::-1]])  # (N, T, H, W, C)
    write_video(tmp_path / "b.mp4", batch)
    assert read_video(tmp_path / "b.mp4").shape == (4, 16, 16 * 2 + 2, 3)  # side by side, 2 px gap


def test_crf_changes_size_and_quality(tmp_path):
    frames = moving_clip(t=8)
    write_video(tmp_path / "hi.mp4", frames, crf=10)
    write_video(tmp_path / "lo.mp4", frames, crf=45)
    assert os.path.getsize(tmp_path / "hi.mp4") > os.path.getsize(tmp_path / "lo.mp4")
    assert psnr(frames, read_video(tmp_path / "hi.mp4")) > psnr(
        frames, read_video(tmp_path / "lo.mp4")
    )


def test_write_is_atomic_and_leaves_only_the_file(tmp_path):
    write_video(tmp_path / "a.mp4", moving_clip(t=3))
    write_video(tmp_path / "a.mp4", moving_clip(t=7))  # overwrite in place
    assert sorted(os.listdir(tmp_path)) == ["a.mp4"]
    assert read_video(tmp_path / "a.mp4").shape[0] == 7


@pytest.mark.parametrize("name", ["a.mp4", "a.gif"])
def test_written_file_gets_the_users_umask_permissions(tmp_path, name):
    """0o666 less the umask (0o644 under umask 022), as any new file: not mkstemp's 0o600."""
    old = os.umask(0o022)
    try:
        write_video(tmp_path / name, moving_clip(t=3))
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o644
        os.umask(0o002)
        write_video(tmp_path / name, moving_clip(t=3))  # a replaced file gets the umask too
        assert os.stat(tmp_path / name).st_mode & 0o777 == 0o664
    finally:
        os.umask(old)
    assert os.listdir(tmp_path) == [name]


def test_rotated_video_reports_upright_size(tmp_path):
    import subprocess

    from vidgen_edu.video.io import ffmpeg_exe

    write_video(tmp_path / "w.mp4", moving_clip(t=3, h=16, w=32))
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-display_rotation",
            "90",
            "-i",
            str(tmp_path / "w.mp4"),
            "-c",
            "copy",
            str(tmp_path / "r.mp4"),
        ],
        check=True,
    )
    info = probe(tmp_path / "r.mp4")
    assert (info.width, info.height) == (16, 32)
    assert read_video(tmp_path / "r.mp4").shape == (3, 32, 16, 3)


def test_av1_falls_back_to_libaom_without_svt(tmp_path, monkeypatch):
    import vidgen_edu.video.io as io

    monkeypatch.setattr(io, "_encoders", lambda: "libaom-av1 only")
    assert "libaom-av1" in io.encoder_args(".mkv", "av1")
    frames = moving_clip(t=4, h=16, w=16)
    write_video(tmp_path / "aom.mkv", frames, codec="av1", crf=20)
    assert probe(tmp_path / "aom.mkv").codec == "av1"
    assert psnr(frames, read_video(tmp_path / "aom.mkv")) > 30
