"""The reading edition (`make site`): static pages that work offline, with math typeset and panels drawn.

Builds the site into a temporary folder (the npm packages come from build/npm-cache, fetched once), then:
- no page loads a script, style, image or font from another host (links to other sites are fine);
- every output image has a text description, no plot appears twice, progress lines are single lines;
- in Chromium, with every request to another host refused: two pages show typeset math (no raw `$`
  left in the text) and a saved slider panel shows its plot (the widget manager drew it from the state).
"""

import functools
import http.server
import re
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))

import build_site  # noqa: E402
import stamp_notebooks  # noqa: E402

LOADS = re.compile(r"""<(?:script|img|link|iframe|source|video|audio)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)""", re.I)
OUTSIDE = re.compile(r"^(?:https?:)?//", re.I)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    try:
        build_site.build(folder)
    except SystemExit as e:  # npm missing and nothing cached
        pytest.skip(str(e))
    return folder


def test_every_notebook_has_a_page_and_the_index_links_them(site):
    index = (site / "index.html").read_text()
    for path in stamp_notebooks.notebook_paths():
        assert (site / f"{path.stem}.html").is_file()
        assert f'href="{path.stem}.html"' in index, f"the index does not link {path.stem}.html"


def test_no_page_loads_anything_from_another_host(site):
    offenders = []
    for page in sorted(site.glob("*.html")) + sorted((site / "static").glob("*.css")):
        text = page.read_text()
        found = LOADS.findall(text) + CSS_URL.findall(text) if page.suffix == ".html" else CSS_URL.findall(text)
        offenders += [f"{page.name}: {u}" for u in found if OUTSIDE.match(u)]
    assert not offenders, "pages load from other hosts:\n" + "\n".join(offenders)
    for page in site.glob("*.html"):  # and what they do load is in the site
        for url in LOADS.findall(page.read_text()):
            if not url.startswith(("data:", "#")):
                assert (site / url.split("?")[0]).is_file(), f"{page.name} loads {url}, which the site lacks"


def test_every_output_image_is_described_and_none_repeats(site):
    for page in site.glob("[0-9][0-9]_*.html"):
        text = page.read_text()
        images = re.findall(r"<img\b[^>]*>", text)
        for img in images:
            alt = re.search(r"""\balt=(?:"([^"]*)"|'([^']*)')""", img)
            assert alt and len(alt.group(1) or alt.group(2) or "") > 10, f"{page.name}: an image without a description: {img[:120]}"
        sources = re.findall(r"""src=["'](data:image/png;base64,[^"']+)""", text)
        assert len(sources) == len(set(sources)), f"{page.name}: the same plot appears twice"


def test_carriage_return_progress_becomes_one_line():
    assert build_site.collapse_carriage_returns("epoch 1 10%\repoch 1 100%\nepoch 2 50%\repoch 2 100%\n") == \
        "epoch 1 100%\nepoch 2 100%\n"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _panel_notebooks():
    return [p for p in stamp_notebooks.notebook_paths() if "application/vnd.jupyter.widget-view+json" in p.read_text()]


def test_two_pages_offline_show_typeset_math_and_a_saved_panel(served, tmp_path):
    from test_browser import SKIP, CHROMIUM

    if SKIP and "Chromium" in SKIP or CHROMIUM is None:
        pytest.skip(SKIP)
    from playwright.sync_api import sync_playwright

    pages = [p for p in stamp_notebooks.notebook_paths() if p.name.startswith(("02", "04"))]
    assert len(pages) == 2 and all(p in _panel_notebooks() for p in pages)
    refused = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, offline=False,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])

        def only_the_site(route):
            if route.request.url.startswith(served) or route.request.url.startswith("data:"):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        context.route("**/*", only_the_site)
        for path in pages:
            page = context.new_page()
            page.goto(f"{served}/{path.stem}.html")
            page.wait_for_function("() => document.querySelectorAll('mjx-container').length > 0", timeout=60000)
            page.wait_for_function("() => !document.querySelector('.MathJax_Processing') && "
                                   "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60000)
            page.evaluate("() => MathJax.startup.promise")
            text = page.evaluate("() => Array.from(document.querySelectorAll('.jp-MarkdownOutput'))"
                                 ".map(e => e.innerText).join('\\n')")
            raw = [line for line in text.splitlines() if re.search(r"\$[^$\s][^$]*\$", line)]
            assert not raw, f"{path.name}: math left untypeset: {raw[:3]}"
            page.wait_for_function("() => document.querySelectorAll('.widget-output img, .jupyter-widgets-output-area img').length > 0",
                                   timeout=60000)
            panel = page.evaluate("""() => {
                const img = document.querySelector('.widget-output img, .jupyter-widgets-output-area img');
                return {w: img.naturalWidth, alt: img.getAttribute('alt') || '',
                        sliders: document.querySelectorAll('.widget-slider, .widget-hslider').length};
            }""")
            assert panel["w"] > 100, f"{path.name}: the saved panel's plot did not load"
            assert panel["sliders"] >= 1, f"{path.name}: the saved panel's sliders were not drawn"
            assert "slider panel" in panel["alt"], f"{path.name}: the panel's plot has no description"
            page.screenshot(path=str(tmp_path / f"{path.stem}.png"), full_page=False)
            page.close()
        context.close()
    assert not refused, f"the pages tried to reach other hosts: {refused}"


def test_a_solution_is_folded_and_a_repeated_plot_becomes_a_note():
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    figure = {"output_type": "display_data", "metadata": {}, "data": {"image/png": png, "text/plain": "<Figure>"}}
    nb = {"cells": [
        {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "## 2. A section\nSee [next](04_x.ipynb)."},
        {"cell_type": "code", "id": "solution-f", "metadata": {"tags": ["solution"]}, "execution_count": 1,
         "outputs": [], "source": "# @title Solution (click to show)\ndef f_solution():\n    pass"},
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": 2, "outputs": [figure],
         "source": "# the loss curve\nplt.show()"},
        {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": 3, "outputs": [figure],
         "source": "plt.show()"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    prepared, _ = build_site.prepare(nb)
    assert prepared["cells"][2]["outputs"][0]["metadata"]["alt"] == "Figure in “2. A section”: the loss curve"
    assert "same plot" in prepared["cells"][3]["outputs"][0]["data"]["text/markdown"]
    assert "](04_x.html)" in prepared["cells"][0]["source"]
    page = build_site.render(prepared, "test")
    assert '<details class="nn-solution"><summary>Solution (click to show)</summary>' in page
    assert page.count("src=\"data:image/png") == 1
