"""The generation studio in a real browser: JupyterLab and Voilà on localhost, Debian's Chromium
driven by Playwright. A slider is moved with the keyboard; the clip on screen must change and
play. Screenshots are saved in the test's folder (and the last ones copied to /tmp/studio-shots).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
SHOTS = Path("/tmp/studio-shots")  # a copy for people to look at
APP = ROOT / "vidgen_edu" / "widgets" / "app.py"
STUDIO_CELL = (
    "from vidgen_edu.widgets import GenerationStudio\n"
    "studio = GenerationStudio(out_dir='exports')\nstudio.ui"
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(cmd: list[str], url: str, tmp: Path, name: str) -> subprocess.Popen:
    """Start a server (its own process group, output in ``tmp/name.log``) and wait for ``url``."""
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "OMP_WAIT_POLICY": "PASSIVE",
        "VIDGEN_EDU_EXPORT_DIR": str(tmp / "exports"),
    }
    log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        cmd, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited: {(tmp / f'{name}.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return proc
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"{name} did not answer on {url} within 60 s")


def stop(proc: subprocess.Popen) -> None:
    """Stop the server we started (and the kernels it started, in its process group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def shoot(page, tmp: Path, name: str) -> Path:
    path = tmp / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)
    return path


def slider(page, description: str):
    """The ipywidgets slider whose label reads ``description``."""
    label = page.locator("label.widget-label", has_text=re.compile(rf"^{re.escape(description)}$"))
    return page.locator(".widget-slider", has=label).first


def move_seed_and_check_the_clip(page, tmp: Path, name: str) -> None:
    """The studio is on the page: press ArrowRight on the seed slider, see a new clip that plays."""
    player = page.locator("img.vidgen-player")
    try:
        player.wait_for(timeout=60_000)
    except Exception:
        shoot(page, tmp, f"{name}-failed")  # what the page showed instead
        raise
    box = player.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 300, box  # 32x32 shown 10x, not tiny
    before = player.get_attribute("src")
    shoot(page, tmp, f"{name}-before")
    seed = slider(page, "seed")
    seed.locator(".noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "old => { const img = document.querySelector('img.vidgen-player');"
        " return img && img.getAttribute('src') !== old; }",
        arg=before,
        timeout=30_000,
    )
    assert seed.locator(".widget-readout").inner_text().strip() == "1"
    assert page.locator(".vidgen-error").count() == 0
    assert plays(page, player)
    shoot(page, tmp, f"{name}-after")


def plays(page, player) -> bool:
    """The same element shows different pixels within a second: the clip is animating."""
    first = player.screenshot()
    for _ in range(10):
        page.wait_for_timeout(100)
        if player.screenshot() != first:
            return True
    return False


def run_first_cell(page) -> None:
    """Click into the first cell and press Shift+Enter once the kernel is idle; a key press
    that arrives while the kernel is still connecting is lost, so try again if nothing runs."""
    cell = page.locator(".jp-Notebook .jp-Cell").first
    cell.locator(".cm-content").wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"\| Idle")).first.wait_for(timeout=60_000)
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(3):
        cell.locator(".cm-content").click()
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_function(
                "el => !el.innerText.includes('[ ]')", arg=prompt.element_handle(), timeout=10_000
            )
            return
        except Exception:
            page.keyboard.press("Escape")
    raise AssertionError("JupyterLab did not run the cell")


def test_studio_in_jupyterlab(tmp_path):
    from playwright.sync_api import sync_playwright

    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "studio",
                "metadata": {},
                "outputs": [],
                "source": STUDIO_CELL,
            }
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "studio.ipynb").write_text(json.dumps(nb))
    port = free_port()
    proc = serve(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--allow-root",
            f"--ServerApp.root_dir={tmp_path}",
        ],
        f"http://127.0.0.1:{port}/api/status",
        tmp_path,
        "lab",
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/lab/tree/studio.ipynb")
                run_first_cell(page)
                move_seed_and_check_the_clip(page, tmp_path, "lab")
            finally:
                browser.close()
    finally:
        stop(proc)


def test_studio_as_a_voila_app(tmp_path):
    """What ``make app`` serves: app.py through Voilà."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = serve(
        [
            sys.executable,
            "-m",
            "voila",
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            '--VoilaConfiguration.extension_language_mapping={".py": "python"}',
            str(APP),
        ],
        f"http://127.0.0.1:{port}/",
        tmp_path,
        "voila",
    )
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/", timeout=120_000)
                move_seed_and_check_the_clip(page, tmp_path, "voila")
                # the prompt and the export work in the page too
                prompt = page.locator("input[placeholder*='moving left']")
                prompt.fill("一个向左移动的3")
                prompt.press("Enter")
                page.wait_for_function(
                    "() => document.body.innerText.includes('moving left')", timeout=30_000
                )
                page.get_by_role("button", name="export").click()
                page.locator("a.vidgen-export").wait_for(timeout=30_000)
                shoot(page, tmp_path, "voila-prompt")
            finally:
                browser.close()
    finally:
        stop(proc)
    assert list((tmp_path / "exports").glob("studio_seed*_class3.mp4"))
