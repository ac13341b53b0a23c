"""The course index: ``index.html`` linking every executed notebook and playing its videos.

Every link and video source is relative to the course folder, so the folder can be moved or
served from anywhere (``file://`` included). Videos are played with ``<video controls>``, GIFs
with ``<img>``. Checked with Debian's Chromium 156 (headless): H.264 (yuv420p), VP9 and AV1 play;
H.265 does not (no decoder without the platform's hardware one, as in most browsers), so an H.265
file is shown through a VP9 copy in ``_browser/``, with a link to the original.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from urllib.parse import quote

VIDEO_SUFFIXES = {".mp4": "video/mp4", ".webm": "video/webm"}
IMAGE_SUFFIXES = {".gif"}
BROWSER_CODECS = {"h264", "vp8", "vp9", "av1"}  # what browsers decode (ffmpeg's codec names)
COPIES_DIR = "_browser"  # where the playable copies go, inside the course folder

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
table { border-collapse: collapse; margin-bottom: 2em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.8em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #176a26; font-weight: bold; } .failed { color: #b00020; font-weight: bold; }
.videos { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; max-width: 100%; } figcaption { font-size: 0.85em; color: #555; }
video, img.clip { height: 192px; width: auto; max-width: 100%; object-fit: contain;
                  image-rendering: pixelated; background: #000; }
"""


def find_videos(course_dir: Path, folder: Path) -> list[str]:
    """Every .mp4/.webm/.gif under ``folder``, as POSIX paths relative to ``course_dir``, sorted."""
    if not folder.is_dir():
        return []
    found = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if path.suffix.lower() in VIDEO_SUFFIXES or path.suffix.lower() in IMAGE_SUFFIXES:
                found.append(path.relative_to(course_dir).as_posix())
    return sorted(found)


def browser_copies(course_dir: Path, videos) -> dict[str, str]:
    """Playable VP9 copies of the videos browsers cannot decode: {original: copy}, relative paths.

    A video that cannot be probed or converted is left as it is (the page then shows it as is).
    """
    from vidgen_edu.video import VideoError, probe, read_video, write_video

    copies = {}
    for rel in videos:
        if Path(rel).suffix.lower() not in VIDEO_SUFFIXES:
            continue
        source = Path(course_dir) / rel
        try:
            info = probe(source)
            if info.codec in BROWSER_CODECS:
                continue
            copy = Path(COPIES_DIR) / Path(rel).with_suffix(".webm")  # e.g. _browser/01_x/a.webm
            (Path(course_dir) / copy).parent.mkdir(parents=True, exist_ok=True)
            write_video(Path(course_dir) / copy, read_video(source), fps=info.fps, codec="vp9")
        except VideoError:
            continue
        copies[rel] = copy.as_posix()
    return copies


def render_index(course_dir: Path, profile: str, results) -> str:
    """The index page of ``course_dir`` for ``results`` (``NotebookResult`` objects), as HTML."""
    rows = "\n".join(_row(r, (Path(course_dir) / f"{r.name}.html").exists()) for r in results)
    sections = "\n".join(_video_section(r) for r in results if r.videos)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>vidgen-edu course ({html.escape(profile)})</title>
<style>{_STYLE}</style></head>
<body>
<h1>vidgen-edu: the course, executed</h1>
<p>Profile <code>{html.escape(profile)}</code>. Peak memory is that of each notebook's kernel
process and its children.</p>
<table>
<thead><tr><th>notebook</th><th>status</th><th>wall time (s)</th><th>peak memory (MiB)</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<h2>Videos</h2>
{sections or "<p>No notebook wrote a video.</p>"}
</body>
</html>
"""


def _row(result, has_html: bool) -> str:
    name = html.escape(result.name)
    link = name  # a notebook that could not even be read has no executed copy to link
    if has_html:
        link = f'<a href="{quote(result.name)}.html">{name}</a> (<a href="{quote(result.name)}.ipynb">ipynb</a>)'
    status = f'<span class="{result.status}">{result.status}</span>'
    if result.error:
        status += f"<br><small>{html.escape(result.error)}</small>"
    return (f"<tr><td>{link}</td><td>{status}</td><td class=\"num\">{result.wall_s:.1f}</td>"
            f"<td class=\"num\">{result.peak_rss_mb:.0f}</td></tr>")


def _video_section(result) -> str:
    figures = "\n".join(_figure(path, result.browser_copies.get(path)) for path in result.videos)
    return f'<h3 id="{quote(result.name)}">{html.escape(result.name)}</h3>\n<div class="videos">\n{figures}\n</div>'


def _figure(path: str, copy: str | None = None) -> str:
    """One video (or GIF) with its file name; ``copy`` is a playable stand-in for ``path``."""
    shown = copy or path
    suffix = Path(shown).suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        media = (f'<video controls loop muted playsinline preload="auto">'
                 f'<source src="{quote(shown)}" type="{VIDEO_SUFFIXES[suffix]}"></video>')
    else:
        media = f'<img class="clip" src="{quote(shown)}" alt="{html.escape(path)}">'
    caption = html.escape(Path(path).name)
    if copy:
        caption += (f' (shown as a VP9 copy: browsers do not decode its codec; '
                    f'<a href="{quote(path)}">original</a>)')
    return f"<figure>{media}<figcaption>{caption}</figcaption></figure>"
