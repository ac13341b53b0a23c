"""Metadata of video files: read it, and strip it without touching a single decoded pixel.

A video file carries more than its frames. A phone writes when (``creation_time``), where
(``location``, or Apple's ``com.apple.quicktime.location.ISO6709``), with what (``encoder``, the
camera's make and model) and often a ``title``; a track's ``handler_name`` can hold a device or
user name; an H.264 or H.265 stream written by x264/x265 repeats the encoder's name, version and
every setting in a supplemental-enhancement-information (SEI) message inside the bitstream; action
cameras and drones add data or subtitle streams with a GPS track. De-identifying a dataset of
videos (seed article, sections 8.3 and 9.4) starts by removing all of that.

- :func:`read_metadata`: the container's tags and each stream's tags, as ffmpeg's demuxer reads
  them (the bundled ffmpeg has no ffprobe: the ``ffmpeg -i`` report is parsed).
- :func:`add_metadata`: a copy of a file with tags added (how the course makes a "phone video").
- :func:`strip_metadata`: a copy of the video and audio streams, bit for bit (no re-encoding),
  without container, stream and chapter metadata, without data, subtitle and cover-picture
  streams, with ffmpeg's bit-exact mode (no ``encoder`` tag of its own, zero timestamps in the
  MP4 headers) and, for H.264/H.265, without SEI messages (ITU-T H.264 section 7.4.2.3 and
  Annex D: SEI is not needed to decode the samples, so the decoded frames stay identical).

What a plain ``ffmpeg -i in.mp4 -c copy -map_metadata -1 out.mp4`` leaves (measured with the
bundled ffmpeg 9.0): an ``encoder`` tag naming ffmpeg's own version (``Lavf63.1.102``) and the
x264 SEI string ("x264 - core 165 ... options: ..."); the flags above remove both. What they
cannot remove, measured too: Matroska/WebM must name a muxing application, so bit-exact mode
writes the bare ``encoder: Lavf`` (no version) and a ``DURATION`` per stream; an H.265 stream in
MP4 keeps x265's settings string, which x265 also puts in the ``hvcC`` decoder configuration
that this stream copy keeps. Neither names a person, a place or a time.
"""

from __future__ import annotations

import os
import re
import subprocess

from vidgen_edu.errors import UsageError, VideoError
from vidgen_edu.files import atomic_path
from vidgen_edu.video import probe
from vidgen_edu.video.io import ffmpeg_exe

# NAL unit types of SEI messages: H.264 type 6 (ITU-T H.264 Table 7-1); H.265 types 39 (prefix)
# and 40 (suffix) (ITU-T H.265 Table 7-1). ``filter_units`` drops them without decoding.
SEI_TYPES = {"h264": "6", "hevc": "39|40"}
MP4_FAMILY = (".mp4", ".mov", ".m4v")
_TAG = re.compile(r"^( +)(\S.*?)\s*: (.*)$")  # "    title           : Alice at home"
_MORE = re.compile(r"^( +): (.*)$")  # the next line of a multi-line value
_STREAM = re.compile(r"^\s+Stream #\d+:(\d+)\S*: (\w+): (\w+)")  # "Stream #0:0[0x1]: Video: h264"


def read_metadata(path) -> dict:
    """The tags of a video file: ``{"container": {...}, "streams": [...], "chapters": [...]}``.

    Each stream is ``{"index": i, "type": "video" | "audio" | ..., "codec": "h264",
    "attached_pic": bool, "tags": {key: value}}``; each chapter ``{"tags": {key: value}}``.
    Read from the report ``ffmpeg -i`` prints, which is what the demuxer found (``creation_time``
    from the MP4 headers included). A missing or corrupt file raises :class:`VideoError`.
    """
    found: dict = {"container": {}, "streams": [], "chapters": []}
    owner, tags, last = found["container"], None, None  # whose "Metadata:" block comes next
    depth = 0  # indentation of the "Metadata:" line: its tags are indented deeper
    for line in _report(_checked(path)).splitlines():
        if stream := _STREAM.match(line):
            index, kind, codec = stream.groups()
            owner = {"index": int(index), "type": kind.lower(), "codec": codec, "tags": {}}
            owner["attached_pic"] = "(attached pic)" in line
            found["streams"].append(owner)
        elif line.strip().startswith("Chapter #"):
            owner = {"tags": {}}
            found["chapters"].append(owner)
        elif line.strip() == "Metadata:":
            tags = owner["tags"] if owner is not found["container"] else owner
            depth = len(line) - len(line.lstrip())
            continue
        elif tags is not None and (more := _MORE.match(line)) and len(more.group(1)) > depth:
            tags[last] += "\n" + more.group(2)
            continue
        elif tags is not None and (tag := _TAG.match(line)) and len(tag.group(1)) > depth:
            last = tag.group(2)
            tags[last] = tag.group(3)
            continue
        tags = None  # any other line ("Duration:", "Side data:", a stream) ends a tag block
    return found


def add_metadata(src, dst, tags: dict[str, str], *, stream_tags: dict | None = None) -> str:
    """Copy ``src`` to ``dst`` (streams copied, not re-encoded) with container ``tags`` added.

    ``stream_tags`` go on the first video stream (e.g. ``{"handler_name": "Alice's phone"}``).
    In MP4/MOV, keys with a dot (``com.apple.quicktime.location.ISO6709``) are written as
    QuickTime ``mdta`` keys (ffmpeg's ``-movflags use_metadata_tags``), as an iPhone writes them.
    ffmpeg puts its own ``encoder`` tag (``Lavf`` and its version) in place of a given one.
    Returns ``dst``.
    """
    args = ["-map", "0", "-c", "copy"]
    if os.path.splitext(os.fspath(dst))[1].lower() in MP4_FAMILY:
        args += ["-movflags", "use_metadata_tags"]
    for key, value in tags.items():
        args += ["-metadata", f"{key}={value}"]
    for key, value in (stream_tags or {}).items():
        args += ["-metadata:s:v:0", f"{key}={value}"]
    return _remux(src, dst, args, what="add metadata to")


def strip_metadata(src, dst, *, drop_sei: bool = True) -> str:
    """Copy the video and audio of ``src`` to ``dst`` without metadata; frames stay bit-identical.

    Removes container, stream and chapter metadata (``-map_metadata -1``, ``-map_chapters -1``),
    keeps only video (not cover pictures: ``0:V``) and audio streams, writes in bit-exact mode
    (``-fflags +bitexact``: no ``encoder`` tag, zero creation times) and, with ``drop_sei``, drops
    the SEI units of H.264/H.265 streams (the x264/x265 settings string, camera user data).
    What remains are format fields such as ``major_brand`` and generic handler names
    (``VideoHandler``). ``dst`` may not be ``src``: the user's file is never overwritten. Returns
    ``dst``.
    """
    args = ["-map", "0:V", "-map", "0:a?", "-c", "copy"]
    args += ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact"]
    if drop_sei:
        streams = read_metadata(src)["streams"]
        videos = [s for s in streams if s["type"] == "video" and not s["attached_pic"]]
        for k, stream in enumerate(videos):  # k: index among the output's video streams
            if stream["codec"] in SEI_TYPES:
                args += [f"-bsf:v:{k}", f"filter_units=remove_types={SEI_TYPES[stream['codec']]}"]
    return _remux(src, dst, args, what="strip the metadata of")


# --- running ffmpeg ---------------------------------------------------------------------------


def _checked(path) -> str:
    """``path`` as a string, after checking that it is a readable video (else VideoError)."""
    probe(path)  # missing, empty, a folder, an image, corrupt: one clear VideoError
    return os.fspath(path)


def _report(path: str) -> str:
    """The description ``ffmpeg -i path`` prints on stderr (ffmpeg exits 1: no output given)."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", path], capture_output=True, check=False
    )
    return proc.stderr.decode(errors="replace")


def _remux(src, dst, args: list[str], *, what: str) -> str:
    """Run ``ffmpeg -i src ARGS dst`` into a temporary file renamed into place (atomic)."""
    src, dst = _checked(src), os.fspath(dst)
    if os.path.abspath(src) == os.path.abspath(dst) or (
        os.path.exists(dst) and os.path.samefile(src, dst)
    ):
        raise UsageError(
            f"refusing to overwrite {src!r} with its own copy: give a different output path"
        )
    ext = os.path.splitext(dst)[1].lower()
    with atomic_path(dst, suffix=ext) as tmp:
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-i", src]
        proc = subprocess.run(cmd + args + ["-y", os.fspath(tmp)], capture_output=True)
        if proc.returncode != 0:
            reason = (proc.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
            raise VideoError(
                f"ffmpeg could not {what} {src!r} into {dst!r} ({reason[:200]}): check that "
                f"the output extension {ext!r} is a container that holds these streams"
            )
    return dst
