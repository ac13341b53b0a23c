"""Every kind of bad input ends in a VideoError that names the problem, and leaves no file."""

import os
import shutil

import numpy as np
import pytest

from vidgen_edu.video import VideoError, probe, read_video, write_video
from vidgen_edu.video.display import png_bytes


def clip(t=16, h=32, w=32):
    rng = np.random.default_rng(0)
    still = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return np.stack([np.roll(still, i, axis=1) for i in range(t)])  # (T, H, W, C), moving right


def assert_one_readable_line(err):
    text = str(err.value)
    assert "\n" not in text and "Traceback" not in text and len(text) < 400


@pytest.fixture
def real_mp4(tmp_path):
    return write_video(tmp_path / "real.mp4", clip(t=32))


# ------------------------------------------------------------------------------------- reading


@pytest.mark.parametrize("reader", [read_video, probe])
def test_missing_file(tmp_path, reader):
    with pytest.raises(VideoError, match="no such video file.*nope.mp4") as err:
        reader(tmp_path / "nope.mp4")
    assert_one_readable_line(err)


@pytest.mark.parametrize("reader", [read_video, probe])
def test_empty_file(tmp_path, reader):
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty.mp4.*empty \\(0 bytes\\)"):
        reader(tmp_path / "empty.mp4")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(VideoError, match="is a folder"):
        read_video(tmp_path)


def test_text_file_named_mp4(tmp_path):
    (tmp_path / "notes.mp4").write_text("these are my lecture notes, not a video\n" * 20)
    with pytest.raises(VideoError, match="cannot read .*notes.mp4.* as a video") as err:
        read_video(tmp_path / "notes.mp4")
    assert_one_readable_line(err)


@pytest.mark.parametrize("name", ["frame.png", "frame_named_like_video.mp4"])
def test_still_image_instead_of_video(tmp_path, name):
    (tmp_path / name).write_bytes(png_bytes(clip(t=1)[0]))
    with pytest.raises(VideoError, match="still image, not a video"):
        read_video(tmp_path / name)


@pytest.mark.parametrize("cut", [0.5, 0.8])
def test_truncated_mp4(tmp_path, real_mp4, cut):
    data = open(real_mp4, "rb").read()
    (tmp_path / "cut.mp4").write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(VideoError, match="cut.mp4.*(truncated|corrupt|complete)") as err:
        read_video(tmp_path / "cut.mp4")
    assert_one_readable_line(err)


def test_truncated_mp4_without_faststart(tmp_path, real_mp4):
    """The index (moov) at the end is lost: ffmpeg cannot even open the file."""
    from vidgen_edu.video.io import ffmpeg_exe

    os.system(f'"{ffmpeg_exe()}" -v error -i "{real_mp4}" -c copy "{tmp_path}/slow.mp4"')
    data = (tmp_path / "slow.mp4").read_bytes()
    (tmp_path / "slow_cut.mp4").write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError, match="slow_cut.mp4"):
        read_video(tmp_path / "slow_cut.mp4")


def test_bad_max_frames(real_mp4):
    with pytest.raises(VideoError, match="max_frames must be >= 1"):
        read_video(real_mp4, max_frames=0)


# ------------------------------------------------------------------------------------- writing


@pytest.mark.parametrize(
    "frames, pattern",
    [
        (np.zeros((0, 16, 16, 3), np.uint8), "zero frames"),
        (np.zeros((4, 16, 16, 3), np.int32), "expected uint8 frames.*int32"),
        (np.zeros((4, 16, 16), np.uint8), "C = 1 or 3.*frames\\[..., None\\]"),
        (np.zeros((4, 16, 16, 4), np.uint8), "C = 1 or 3, got \\(4, 16, 16, 4\\)"),
        (np.zeros((16, 16, 3), np.uint8)[None, None, None], "C = 1 or 3"),
        (np.full((4, 16, 16, 3), np.nan, np.float32), "NaN"),
        (np.full((4, 16, 16, 3), 2.0, np.float32), "\\[0, 1\\].*tensor_to_frames"),
    ],
)
def test_bad_frames_write_nothing(tmp_path, frames, pattern):
    with pytest.raises(VideoError, match=pattern) as err:
        write_video(tmp_path / "out.mp4", frames)
    assert_one_readable_line(err)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "name, kwargs, pattern",
    [
        ("out.avi", {}, "unknown extension '.avi'; use one of .mp4"),
        ("out", {}, "unknown extension ''"),
        ("out.webm", {"codec": "h264"}, "cannot go into a .webm file"),
        ("out.mp4", {"codec": "mpeg2"}, "codec 'mpeg2'"),
        ("out.mp4", {"crf": 99}, "crf for h264 must be in 0..51"),
        ("out.gif", {"crf": 20}, "no crf or gop"),
        ("out.mp4", {"gop": 0}, "gop must be"),
        ("out.mp4", {"fps": 0}, "fps must be a positive"),
    ],
)
def test_bad_options_write_nothing(tmp_path, name, kwargs, pattern):
    with pytest.raises(VideoError, match=pattern):
        write_video(tmp_path / name, clip(t=4), **kwargs)
    assert os.listdir(tmp_path) == []


def test_missing_folder(tmp_path):
    with pytest.raises(VideoError, match="does not exist; create it"):
        write_video(tmp_path / "no" / "such" / "out.mp4", clip(t=4))


def test_encoder_failure_leaves_nothing_and_keeps_the_old_file(tmp_path):
    """libx265 refuses 8x8 frames: the error quotes ffmpeg, the previous file is untouched."""
    target = write_video(tmp_path / "keep.mp4", clip(t=4))
    before = open(target, "rb").read()
    with pytest.raises(VideoError, match="could not write .*keep.mp4.*too small") as err:
        write_video(target, clip(t=4, h=8, w=8), codec="h265")
    assert_one_readable_line(err)
    assert os.listdir(tmp_path) == ["keep.mp4"]
    assert open(target, "rb").read() == before


def test_interrupt_during_write_leaves_no_temp_file(tmp_path, monkeypatch):
    import vidgen_edu.video.io as io

    def interrupted(args, frames, path):
        open(args[-1], "wb").write(b"half a video")  # ffmpeg had started writing
        raise KeyboardInterrupt

    monkeypatch.setattr(io, "_encode", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_video(tmp_path / "x.mp4", clip(t=4))
    assert os.listdir(tmp_path) == []


def test_error_mid_write_leaves_no_temp_file_and_keeps_the_old_file(tmp_path, monkeypatch):
    """Any exception while ffmpeg writes (here a bug-like RuntimeError): the temporary file goes,
    the old file stays as it was, and the exception is not disguised as a VideoError."""
    import vidgen_edu.video.io as io

    target = write_video(tmp_path / "keep.mp4", clip(t=4))
    before = open(target, "rb").read()

    def failing(args, frames, path):
        assert os.path.dirname(args[-1]) == str(tmp_path)  # the temp file is beside the target
        open(args[-1], "wb").write(b"half a video")
        raise RuntimeError("disk controller on fire")

    monkeypatch.setattr(io, "_encode", failing)
    with pytest.raises(RuntimeError, match="on fire"):
        write_video(target, clip(t=4))
    assert os.listdir(tmp_path) == ["keep.mp4"]
    assert open(target, "rb").read() == before


def test_ffmpeg_failing_on_invalid_input_leaves_no_temp_file(tmp_path):
    """ffmpeg itself refuses the frames (x265 cannot encode 1x1 pixels): no file is left."""
    with pytest.raises(VideoError, match="could not write"):
        write_video(tmp_path / "tiny.mp4", clip(t=2, h=1, w=1), codec="h265")
    assert os.listdir(tmp_path) == []


def test_target_that_is_a_folder(tmp_path):
    (tmp_path / "out.mp4").mkdir()
    with pytest.raises(VideoError, match="it is a folder; give a file name inside it"):
        write_video(tmp_path / "out.mp4", clip(t=4))
    assert os.listdir(tmp_path) == ["out.mp4"]


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"fps": "fast"}, "fps must be a positive number, got 'fast'"),
        ({"crf": "high"}, "crf for h264 must be in 0..51, got 'high'"),
        ({"gop": "often"}, "gop must be a number of frames >= 1"),
    ],
)
def test_option_of_the_wrong_type_is_a_video_error(tmp_path, kwargs, pattern):
    with pytest.raises(VideoError, match=pattern):
        write_video(tmp_path / "out.mp4", clip(t=4), **kwargs)
    assert os.listdir(tmp_path) == []


def test_max_frames_of_the_wrong_type(real_mp4):
    with pytest.raises(VideoError, match="max_frames must be >= 1 or None, got 'all'"):
        read_video(real_mp4, max_frames="all")


def test_broken_ffmpeg_binary_is_reported(tmp_path, monkeypatch):
    """A broken ffmpeg binary (here: not an executable) must not leave a temp file either."""
    import vidgen_edu.video.io as io

    fake = tmp_path / "bin" / "ffmpeg"
    fake.parent.mkdir()
    shutil.copy(__file__, fake)
    fake.chmod(0o755)  # a Python file without a shebang: exec fails
    monkeypatch.setattr(io, "ffmpeg_exe", lambda: str(fake))
    with pytest.raises(VideoError, match="cannot run ffmpeg at .*reinstall imageio-ffmpeg"):
        write_video(tmp_path / "y.mp4", clip(t=4))
    assert sorted(os.listdir(tmp_path)) == ["bin"]


def test_unwritable_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root ignores permissions: use a file as the "folder"
            folder = tmp_path / "file"
            folder.write_text("x")
            pattern = "does not exist"
        else:
            pattern = "cannot write into"
        with pytest.raises(VideoError, match=pattern):
            write_video(folder / "out.mp4", clip(t=4))
    finally:
        (tmp_path / "ro").chmod(0o700)
