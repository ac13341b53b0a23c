"""The course index in a real browser: Debian's Chromium, driven by Playwright, plays the video.

Checked on this machine: Debian's Chromium 156 decodes H.264 (yuv420p), VP9 and AV1, so the index
plays those files as they are; it does not decode H.265, which the index shows as a VP9 copy.
"""

from __future__ import annotations

import json
import shutil

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS
from test_course import run_cli, write_fixture_notebooks  # the fixture notebooks and CLI helper


def assert_mathematics_render_offline(browser, page_path) -> None:
    """The page typesets its TeX with the course folder's MathJax, every network request refused."""
    context = browser.new_context()
    refused = []
    context.route("http*://**", lambda route: (refused.append(route.request.url), route.abort()))
    page = context.new_page()
    page.goto(page_path.as_uri())
    assert page.title() == "A notebook that writes a video"
    page.wait_for_function(
        "() => window.MathJax && MathJax.Hub &&"
        " document.querySelectorAll('.MathJax, .MathJax_CHTML').length > 0",
        timeout=30_000,
    )
    assert "\\Delta" not in page.locator(".jp-MarkdownCell").first.inner_text()  # typeset, not raw
    assert not [url for url in refused if "mathjax" in url.lower()], refused
    context.close()


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed")
def test_index_plays_the_notebook_video_in_chromium(tmp_path):
    from playwright.sync_api import sync_playwright

    notebooks = write_fixture_notebooks(tmp_path / "notebooks")
    out = tmp_path / "course"
    proc = run_cli(
        "course",
        "--profile",
        "smoke",
        "--only",
        "00_video",
        "--out",
        str(out),
        "--notebooks",
        str(notebooks),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "report.json").read_text())["notebooks"][0]["status"] == "ok"
    moved = tmp_path / "moved"
    out.rename(moved)  # relative paths: the folder plays from wherever it is

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto((moved / "index.html").as_uri())
            assert page.locator("video").count() == 2  # the H.264 file and the H.265 one's copy
            assert "00_video" in page.locator("table").inner_text()
            # HAVE_CURRENT_DATA (2) or better, with a real duration: the browser decoded each file
            page.wait_for_function(
                "() => [...document.querySelectorAll('video')].every(v =>"
                " v.error === null && v.readyState >= 2 && v.duration > 0)",
                timeout=15_000,
            )
            sizes = page.evaluate(
                "() => [...document.querySelectorAll('video')].map(v =>"
                " [v.videoWidth, v.videoHeight, v.duration])"
            )
            for size in sizes:
                assert size[:2] == [32, 32] and 0 < size[2] < 10, sizes
            page.evaluate("() => document.querySelector('video').play()")
            page.wait_for_function(
                "() => document.querySelector('video').currentTime > 0", timeout=15_000
            )
            page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
            assert_mathematics_render_offline(browser, moved / "00_video.html")
        finally:
            browser.close()
    assert (tmp_path / "index.png").stat().st_size > 1000
