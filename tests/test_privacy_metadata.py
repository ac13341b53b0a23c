"""Tests of vidgen_edu.privacy.metadata: a real "phone video" is tagged, stripped and probed."""

from __future__ import annotations

import numpy as np
import pytest

from vidgen_edu.errors import UsageError, VideoError
from vidgen_edu.privacy.metadata import add_metadata, read_metadata, strip_metadata
from vidgen_edu.video import read_video, write_video

PLACE = "+48.8584+002.2945/"  # ISO 6709, as an iPhone writes it
TAGS = {
    "creation_time": "2024-05-01T10:00:00Z",
    "title": "Alice at home",
    "location": PLACE,
    "com.apple.quicktime.location.ISO6709": PLACE,
    "encoder": "PhoneCam 1.0",
    "comment": "first line\nsecond line",
}
HANDLER = "Alice's phone"
# what may remain after stripping: format fields and generic names that identify nobody
HARMLESS_CONTAINER = {"major_brand", "minor_version", "compatible_brands"}
HARMLESS_STREAM = {"handler_name": "VideoHandler", "DURATION": None, "language": "und"}
# bytes that must not be anywhere in a stripped file: the person, the place, the software
SECRETS = [b"Alice", b"48.8584", b"PhoneCam", b"Lavf6", b"Lavc", b"x264", b"second line"]


def _clip(t: int = 8, size: int = 32) -> np.ndarray:
    """A moving gradient with noise: ``uint8 (T, H, W, 3)``, different in every frame."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[:size, :size]
    frames = [(x * 6 + y * 3 + 20 * k) % 256 for k in range(t)]
    noise = rng.integers(0, 40, (t, size, size, 3))
    return ((np.stack(frames)[..., None] + noise) % 256).astype(np.uint8)


@pytest.fixture(scope="module", params=[".mp4", ".mkv"])
def phone_video(request, tmp_path_factory):
    """A file with every tag a phone writes (and an x264 SEI in its bitstream)."""
    ext = request.param
    folder = tmp_path_factory.mktemp("meta")
    clean = write_video(folder / f"clean{ext}", _clip(), fps=8)
    return add_metadata(clean, folder / f"phone{ext}", TAGS, stream_tags={"handler_name": HANDLER})


def _all_tags(meta: dict) -> dict:
    """Container and stream tags in one dict, keys lower-cased (Matroska upper-cases them)."""
    tags = {k.lower(): v for k, v in meta["container"].items()}
    for stream in meta["streams"]:
        tags.update({k.lower(): v for k, v in stream["tags"].items()})
    return tags


def test_the_phone_video_really_carries_the_tags(phone_video):
    # without this, the stripping test below could pass on a file that never had tags
    tags = _all_tags(read_metadata(phone_video))
    assert tags["title"] == "Alice at home"
    assert tags["location"] == PLACE
    assert tags["com.apple.quicktime.location.iso6709"] == PLACE
    assert tags["creation_time"].startswith("2024-05-01T10:00:00")
    assert tags["comment"] == "first line\nsecond line"  # a multi-line value, read whole
    assert tags["handler_name"] == HANDLER
    assert "encoder" in tags
    data = open(phone_video, "rb").read()
    assert b"Alice" in data and b"x264" in data


def test_strip_leaves_no_identifying_tag_or_byte(phone_video, tmp_path):
    ext = phone_video[-4:]
    out = strip_metadata(phone_video, tmp_path / f"stripped{ext}")
    meta = read_metadata(out)
    if ext == ".mkv":  # Matroska must name a muxing application: bit-exact mode says "Lavf"
        assert meta["container"] == {"encoder": "Lavf"}
    else:
        assert set(meta["container"]) <= HARMLESS_CONTAINER
    for stream in meta["streams"]:
        for key, value in stream["tags"].items():
            assert key in HARMLESS_STREAM, key
            assert HARMLESS_STREAM[key] in (None, value), (key, value)
    data = open(out, "rb").read()
    assert [s for s in SECRETS if s in data] == []
    assert meta["chapters"] == []


def test_strip_keeps_every_decoded_frame_bit_identical(phone_video, tmp_path):
    out = strip_metadata(phone_video, tmp_path / ("stripped" + phone_video[-4:]))
    before, after = read_video(phone_video), read_video(out)
    assert before.shape == (8, 32, 32, 3)
    assert np.array_equal(before, after)


def test_without_dropping_sei_the_encoder_settings_stay_in_the_bitstream(phone_video, tmp_path):
    out = strip_metadata(phone_video, tmp_path / ("kept" + phone_video[-4:]), drop_sei=False)
    assert b"x264 - core" in open(out, "rb").read()


def test_refuses_to_overwrite_the_source(phone_video):
    before = open(phone_video, "rb").read()
    with pytest.raises(UsageError, match="refusing to overwrite"):
        strip_metadata(phone_video, phone_video)
    folder, name = phone_video.rsplit("/", 1)
    with pytest.raises(UsageError, match="refusing to overwrite"):
        strip_metadata(phone_video, f"{folder}/../{folder.rsplit('/', 1)[1]}/{name}")
    assert open(phone_video, "rb").read() == before


def test_missing_and_corrupt_files_raise_one_clear_line(tmp_path):
    with pytest.raises(VideoError, match="no such video file") as missing:
        strip_metadata(tmp_path / "nope.mp4", tmp_path / "out.mp4")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 4)
    with pytest.raises(VideoError) as bad:
        read_metadata(corrupt)
    for err in (missing, bad):
        assert "\n" not in str(err.value)
    assert not (tmp_path / "out.mp4").exists()


def test_a_failed_strip_leaves_neither_output_nor_temporary_file(phone_video, tmp_path):
    # a .gif cannot hold an H.264 stream copied as it is: ffmpeg fails, nothing is left behind
    with pytest.raises(VideoError, match="could not strip"):
        strip_metadata(phone_video, tmp_path / "out.gif")
    assert list(tmp_path.iterdir()) == []
