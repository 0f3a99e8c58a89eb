"""The sliders in a real browser: JupyterLab in headless Chromium, driven by Playwright.

For every notebook with a slider panel: open it in JupyterLab, run all cells from the Run menu as a
student would, check that no cell shows an error and that every panel rendered with its plot, move
one slider of each panel with the keyboard and check that the panel's picture or numbers changed,
and save a screenshot. Chromium comes from Debian (`apt-get install chromium`); Playwright never
downloads a browser. Without Chromium or Playwright the test is skipped and says why.

The notebooks are copied to a temporary folder first, so the browser never touches the stored ones.
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_CANDIDATES = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium", "/usr/bin/chromium-browser"]
CHROMIUM = next((p for p in CHROMIUM_CANDIDATES if p and Path(p).is_file()), None)
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RUN_ALL_TIMEOUT = 600  # seconds for one notebook's Run All (06 trains a CNN for about a minute)


def _panel_count(path):
    nb = json.loads(path.read_text())
    return sum("".join(c["source"]).lstrip().startswith("panel(") for c in nb["cells"] if c["cell_type"] == "code")


SLIDER_NOTEBOOKS = [p for p in NOTEBOOKS if _panel_count(p)]


def _skip_reason():
    if CHROMIUM is None:
        return "Chromium not found (install Debian's package: apt-get install chromium; or set CHROMIUM_PATH)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright not installed (pip install -e '.[browser]')"
    if shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) is None:
        return "JupyterLab not installed in this environment (pip install -e '.[lab]')"
    return None


SKIP = _skip_reason()
if SKIP:
    print(f"\nbrowser test skipped: {SKIP}", file=sys.stderr)
pytestmark = pytest.mark.skipif(SKIP is not None, reason=SKIP or "")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(notebooks, workdir, env_extra=None):
    """JupyterLab on 127.0.0.1 serving a copy of the folder ``notebooks``, with a random token: (base URL, token)."""
    folder = workdir / "notebooks"
    shutil.copytree(notebooks, folder)
    token, port = uuid.uuid4().hex, _free_port()
    # Render every cell, not only those in view (JupyterLab 4 "windows" long notebooks), so every panel
    # is in the page; and keep a student's own settings out of the test.
    settings = folder.parent / "user-settings"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))  # no pop-up, no network
    cmd = [str(Path(sys.executable).parent / "jupyter-lab"), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
           f"--ServerApp.root_dir={folder}", f"--LabApp.user_settings_dir={settings}",
           f"--LabApp.workspaces_dir={folder.parent / 'workspaces'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(folder.parent / "config"))  # no user settings leak in
    env.update(env_extra or {})
    base = f"http://127.0.0.1:{port}"
    with serve(cmd, f"{base}/api/status?token={token}", folder.parent / "jupyterlab.log", "JupyterLab", env=env):
        yield base, token


@contextlib.contextmanager
def serve(cmd, url, log_path, name, env=None, cwd=None, error_means_up=False):
    """Run the server ``cmd`` (its output in ``log_path``) until ``url`` answers, then stop it.

    An HTTP error page counts as an answer only with ``error_means_up``; a server that exits or has not
    answered after 60 s fails the test, naming ``name`` and the log.
    """
    log = open(log_path, "w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError as error:
            if error_means_up and isinstance(error, urllib.error.HTTPError):
                break  # the server answers
            if server.poll() is not None or time.time() > deadline:
                server.kill()
                log.close()
                pytest.fail(f"{name} did not start; see {log_path}")
            time.sleep(0.5)
    try:
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of notebooks/."""
    with jupyter_lab(ROOT / "notebooks", tmp_path_factory.mktemp("lab")) as served:
        yield served


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nbrowser screenshots are saved in {ARTIFACTS}", file=sys.stderr)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            viewport={"width": 1400, "height": 1000},
            args=BROWSER_ARGS)
        yield context
        context.close()


# JavaScript run in the page through the JupyterLab app object (exposed by --LabApp.expose_app_in_browser).
_NOTEBOOK_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model) return null;
  const cells = [];
  const model = panel.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== 'code') continue;
    const outputs = cell.outputs.toJSON();
    cells.push({count: cell.executionCount,
                errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)});
  }
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {cells: cells, kernel: kernel ? kernel.status : 'none'};
}"""

_PANEL_STATE = """() => Array.from(document.querySelectorAll('[data-nn-test=current] .nn-panel')).map(p => ({
  images: Array.from(p.querySelectorAll('img')).map(img => img.src.length + ':' + img.src.slice(-200)).join('|'),
  text: Array.from(p.querySelectorAll('.jp-OutputArea-output, .output_subarea')).map(o => o.innerText).join('|'),
  readouts: Array.from(p.querySelectorAll('.widget-readout')).map(r => r.innerText || r.value),
  sliders: p.querySelectorAll('.widget-slider, .widget-hslider').length,
  busy: p.innerText.includes('working')
}))"""


def _run_all_from_menu(page):
    """Run → Run All Cells, clicked like a student."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def _wait_until_done(page, timeout):
    deadline = time.time() + timeout
    state = None
    while time.time() < deadline:
        state = page.evaluate(_NOTEBOOK_STATE)
        if state and state["kernel"] == "idle" and state["cells"] and all(c["count"] for c in state["cells"]):
            return state
        page.wait_for_timeout(1000)
    pytest.fail(f"the notebook did not finish running in {timeout} s; last state: {state}")


def _wait_for_change(page, index, before, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        now = page.evaluate(_PANEL_STATE)[index]
        if not now["busy"] and (now["images"], now["text"]) != (before["images"], before["text"]):
            return now
        page.wait_for_timeout(300)
    return None


KERNEL_IDLE = """() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;
                   return s.session && s.session.kernel && s.session.kernel.status === 'idle'; }"""


def open_and_run_all(context, base, token, workspace, name):
    """Open notebook ``name`` in JupyterLab, clear its outputs and Run All from the menu as a student would.

    ``workspace``: a workspace of its own, so JupyterLab does not reopen the notebooks of earlier tests
    beside it. Returns the page and the state of every cell once the run is done.
    """
    page = context.new_page()
    page.goto(f"{base}/lab/workspaces/{workspace}/tree/{name}?token={token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.content "
                           "&& window.jupyterapp.shell.currentWidget.content.model", timeout=60000)
    page.wait_for_function(KERNEL_IDLE, timeout=60000)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.node.setAttribute('data-nn-test', 'current')")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    _run_all_from_menu(page)
    return page, _wait_until_done(page, RUN_ALL_TIMEOUT)


@pytest.mark.parametrize("path", SLIDER_NOTEBOOKS, ids=[p.stem for p in SLIDER_NOTEBOOKS])
def test_sliders_work_in_the_browser(path, lab, browser_context):
    base, token = lab
    page, state = open_and_run_all(browser_context, base, token, f"nn-{path.stem}", path.name)

    errors = [e for c in state["cells"] for e in c["errors"]]
    assert not errors, f"{path.name}: cells show errors in the browser: {errors}"

    expected = _panel_count(path)
    page.wait_for_function(f"() => document.querySelectorAll('[data-nn-test=current] .nn-panel').length >= {expected}",
                           timeout=60000)
    panels = page.evaluate(_PANEL_STATE)
    assert len(panels) == expected, f"{path.name}: {expected} panels in the code, {len(panels)} rendered"
    for k, p in enumerate(panels):
        assert p["sliders"] >= 1, f"{path.name}: panel {k} has no slider"
        assert p["images"] or p["text"].strip(), f"{path.name}: panel {k} shows neither a plot nor text"

    for k in range(len(panels)):
        panel = page.locator("[data-nn-test=current] .nn-panel").nth(k)
        panel.scroll_into_view_if_needed()
        before = page.evaluate(_PANEL_STATE)[k]
        handle = panel.locator(".noUi-handle, .ui-slider-handle").first
        changed = None
        for key in ("ArrowLeft", "ArrowRight"):  # left first: a slider may start at its maximum
            handle.focus()
            handle.press(key)
            changed = _wait_for_change(page, k, before)
            if changed:
                break
        assert changed, f"{path.name}: moving the first slider of panel {k} changed nothing on screen"
        assert changed["readouts"] != before["readouts"], f"{path.name}: panel {k}'s slider readout did not move"
        assert changed["images"].count("|") == before["images"].count("|"), \
            f"{path.name}: panel {k} now shows a different number of plots: redraws must replace, not stack"

        panel.screenshot(path=str(ARTIFACTS / f"{path.stem}_panel{k + 1}.png"))
    page.screenshot(path=str(ARTIFACTS / f"{path.stem}.png"))
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.sessionContext.shutdown(); }")  # free its memory
    page.close()
