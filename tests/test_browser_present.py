"""Presentation mode in a real browser: `make present NB=04` as a teacher would drive it on a projector.

Builds the presentation copy of notebook 04 (tools/present.py), serves it with Voilà (the optional
extra `present`) with NN_PROJECTOR=1 as `make present` does, opens it in headless Chromium and checks:
no code is shown; the setup cell, the exercises' stubs and the graders show nothing; no plot appears
twice; every slider panel is drawn; moving a slider redraws its panel's plot.
Skipped, saying why, without Chromium, Playwright or Voilà.
"""

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))

import present  # noqa: E402
from test_browser import ARTIFACTS, BROWSER_ARGS, CHROMIUM, SKIP, _free_port, serve  # noqa: E402

NUMBER = "04"
VOILA = shutil.which("voila", path=str(Path(sys.executable).parent))
REASON = SKIP or (None if VOILA else "Voilà is not installed (pip install -e '.[present]')")
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

_PAGE_STATE = """() => ({
  code: document.querySelectorAll('.jp-InputArea .highlight, .jp-CodeMirrorEditor, .cm-editor').length,
  images: Array.from(document.querySelectorAll('img')).map(i => i.src.length + ':' + i.src.slice(-120)),
  panels: document.querySelectorAll('.nn-panel').length,
  text: document.body.innerText
})"""


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    folder = tmp_path_factory.mktemp("present")
    (path,) = present.build(folder, [NUMBER])
    port = _free_port()
    env = dict(os.environ, NN_PROJECTOR="1", JUPYTER_CONFIG_DIR=str(folder / "config"))
    cmd = [VOILA, str(path), f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1", "--strip_sources=True",
           "--theme=light"]
    base = f"http://127.0.0.1:{port}"
    with serve(cmd, f"{base}/voila/static/", folder / "voila.log", "Voilà", env=env, cwd=folder,
               error_means_up=True):
        yield base, path


def _open_presentation(context, base, attempts=2, seconds=180):
    """Open the page once Voilà has run the whole notebook (it sends the page only then; about 15 s).

    Voilà executes through nbclient, which sometimes waits for ever on a cell that displays widgets with
    the kernel idle (jupyter/nbclient#312); every page request gets a new kernel, so a second page is the
    retry."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, attempts + 1):
        page = context.new_page()
        try:
            page.goto(base, timeout=seconds * 1000)
            page.wait_for_selector(".nn-panel img", timeout=seconds * 1000)
            page.wait_for_timeout(1000)
            return page
        except PlaywrightTimeout:
            page.close()
            if attempt == attempts:
                raise
            print(f"presentation page not ready after {seconds} s (attempt {attempt}); opening it again")


def test_presentation_mode_hides_code_and_exercises_and_the_sliders_work(voila, tmp_path):
    from playwright.sync_api import sync_playwright

    base, path = voila
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
            viewport={"width": 1400, "height": 1000}, args=BROWSER_ARGS)
        page = _open_presentation(context, base)
        state = page.evaluate(_PAGE_STATE)
        assert state["code"] == 0, "presentation mode shows code"
        assert "Error" not in state["text"] and "Traceback" not in state["text"], state["text"][-2000:]
        for hidden in ("not written yet", "Installing the course package", "NotImplementedError"):
            assert hidden not in state["text"], f"presentation mode shows {hidden!r} (setup, exercise or grader output)"
        assert len(state["images"]) == len(set(state["images"])), "a plot appears twice"
        assert state["panels"] >= 1
        page.screenshot(path=str(ARTIFACTS / f"present_{NUMBER}.png"), full_page=True)

        panel = page.locator(".nn-panel").first
        panel.scroll_into_view_if_needed()
        before = panel.locator("img").first.get_attribute("src")
        handle = panel.locator(".noUi-handle, .ui-slider-handle").first
        changed = False
        for key in ("ArrowRight", "ArrowLeft"):
            handle.focus()
            handle.press(key)
            deadline = time.time() + 60
            while time.time() < deadline:
                imgs = panel.locator("img")
                if imgs.count() and imgs.first.get_attribute("src") != before and "working" not in panel.inner_text():
                    changed = True
                    break
                page.wait_for_timeout(300)
            if changed:
                break
        assert changed, "moving the first slider did not redraw the panel's plot in presentation mode"
        assert panel.locator("img").count() == 1, "the panel's redraw stacked a second plot"
        panel.screenshot(path=str(ARTIFACTS / f"present_{NUMBER}_panel.png"))
        context.close()


def test_the_presentation_copy_hides_what_the_tags_mark():
    import json

    src = json.loads(present.find(NUMBER).read_text())
    out = present.presentation(src)
    ids = [c.get("id") for c in out["cells"]]
    assert "colab-badge" not in ids and "nav" not in ids
    for cell in out["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        assert "solution" not in tags
        if cell["cell_type"] == "code" and ({"setup", "exercise", "grader"} & set(tags)
                                            or cell.get("id") in present.panel_check_ids(src)):
            assert "".join(cell["source"]).startswith("%%capture\n"), cell.get("id")
    assert present.panel_check_ids(src), "notebook 04 checks its panel's function in the cell after the panel"
