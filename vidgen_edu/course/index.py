"""The course's pages: each executed notebook as HTML, and ``index.html`` linking them.

Every link and video source is relative to the course folder, so the folder can be moved or
served from anywhere (``file://`` included). A notebook page is titled with the notebook's first
heading and renders its mathematics offline, with the MathJax 2.7 that ``jupyter-server-mathjax``
ships, copied once into ``_mathjax/`` in the course folder. A video's caption is the one the
notebook recorded in ``captions.json`` in its folder (``{"file.mp4": "what it shows"}``), else its
file name in words. Videos are played with ``<video controls>``, GIFs
with ``<img>``. Checked with Debian's Chromium 156 (headless): H.264 (yuv420p), VP9 and AV1 play;
H.265 does not (no decoder without the platform's hardware one, as in most browsers), so an H.265
file is shown through a VP9 copy in ``_browser/``, with a link to the original.
"""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

from vidgen_edu.course.outdir import Manifest
from vidgen_edu.errors import UsageError
from vidgen_edu.files import write_bytes_atomic, write_text_atomic

VIDEO_SUFFIXES = {".mp4": "video/mp4", ".webm": "video/webm"}
IMAGE_SUFFIXES = {".gif"}
BROWSER_CODECS = {"h264", "vp8", "vp9", "av1"}  # what browsers decode (ffmpeg's codec names)
COPIES_DIR = "_browser"  # where the playable copies go, inside the course folder
MATHJAX_DIR = "_mathjax"  # the local MathJax, inside the course folder
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # configurations the package ships
CAPTIONS = "captions.json"  # {video file relative to the notebook's folder: caption}

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


# --------------------------------------------------------------------------- notebook pages


def mathjax_source() -> Path:
    """The MathJax 2.7 folder of ``jupyter-server-mathjax`` (its ``static/``, with MathJax.js)."""
    try:
        import jupyter_server_mathjax
    except ImportError:
        raise UsageError(
            "the package jupyter-server-mathjax is missing, so the course pages could not render "
            "their mathematics offline: install it with pip install jupyter-server-mathjax"
        ) from None
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def copy_mathjax(course_dir: Path, manifest: Manifest) -> str:
    """Copy MathJax into ``course_dir/_mathjax`` (files that differ only); return its page URL."""
    source = mathjax_source()
    todo = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        rel = f"{MATHJAX_DIR}/{path.relative_to(source).as_posix()}"
        data = path.read_bytes()
        target = Path(course_dir) / rel
        if not (
            target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data
        ):
            todo.append((target, data))
        manifest.record(rel, save=False)
    manifest.save()  # before writing: nothing written goes unrecorded
    for target, data in todo:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(target, data)
    return f"{MATHJAX_DIR}/MathJax.js?config={MATHJAX_CONFIG}"


def notebook_title(nb, default: str) -> str:
    """The text of the notebook's first markdown heading (``# ...``), else ``default``."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            match = re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
            if match:
                return re.sub(r"[*_`]", "", match.group(1)).strip() or default
    return default


def write_html(executed: Path, *, mathjax_url: str) -> Path:
    """The executed notebook as standalone HTML beside it, titled with its first heading."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    nb.metadata["title"] = notebook_title(nb, default=executed.stem)  # nbconvert's <title>
    html_text, _ = HTMLExporter(mathjax_url=mathjax_url).from_notebook_node(nb)
    target = executed.with_suffix(".html")
    write_text_atomic(target, html_text)
    return target


# --------------------------------------------------------------------------- the index


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
    sections = "\n".join(
        _video_section(r, read_captions(Path(course_dir) / r.name)) for r in results if r.videos
    )
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
    return (
        f'<tr><td>{link}</td><td>{status}</td><td class="num">{result.wall_s:.1f}</td>'
        f'<td class="num">{result.peak_rss_mb:.0f}</td></tr>'
    )


def read_captions(folder: Path) -> dict[str, str]:
    """The captions a notebook recorded in ``folder/captions.json`` ({} when there are none)."""
    try:
        captions = json.loads((Path(folder) / CAPTIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in captions.items()} if isinstance(captions, dict) else {}


def caption_from_name(rel: str) -> str:
    """A file name in words: ``hevc/square_h265.mp4`` -> ``Square h265 (hevc)``."""
    path = Path(rel)
    words = " ".join(re.split(r"[_\-\s]+", path.stem)).strip() or path.name
    words = words[0].upper() + words[1:]
    folders = [p for p in path.parent.parts if p not in ("", ".")]
    return words + (f" ({'/'.join(folders)})" if folders else "")


def _video_section(result, captions: dict[str, str]) -> str:
    figures = []
    for path in result.videos:
        inside = path.split("/", 1)[1] if "/" in path else path  # relative to the notebook's folder
        caption = captions.get(inside) or caption_from_name(inside)
        figures.append(_figure(path, caption, result.browser_copies.get(path)))
    return (
        f'<h3 id="{quote(result.name)}">{html.escape(result.name)}</h3>\n'
        f'<div class="videos">\n{chr(10).join(figures)}\n</div>'
    )


def _figure(path: str, caption: str, copy: str | None = None) -> str:
    """One video (or GIF) with its caption and a link to the file; ``copy`` plays in its place."""
    shown = copy or path
    suffix = Path(shown).suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        media = (
            f'<video controls loop muted playsinline preload="auto" title="{html.escape(caption)}">'
            f'<source src="{quote(shown)}" type="{VIDEO_SUFFIXES[suffix]}"></video>'
        )
    else:
        media = f'<img class="clip" src="{quote(shown)}" alt="{html.escape(caption)}">'
    text = f'{html.escape(caption)}<br><small><a href="{quote(path)}">{html.escape(Path(path).name)}</a>'
    if copy:
        text += " (shown as a VP9 copy: browsers do not decode its codec)"
    return f"<figure>{media}<figcaption>{text}</small></figcaption></figure>"
