"""Notebook 03's "Your turn" exercise tried as a student would, in JupyterLab in a real browser.

The student runs the notebook (the grader says the stub is not written yet and the panel trains with
the course's reference), fills in `backprop_gradients` with a typical mistake (a missing transpose in
the backward pass) and runs it and its grader: ✗, naming the mistake. Then fixes it and runs both
again: ✓. Moving a slider of the panel now trains with the student's function, and the panel says so
("your `backprop_gradients`").

The exercise's contract (issue "Students write the code"): stub cell id `exercise-backprop_gradients`,
grader cell id `grader-backprop_gradients`, a slider panel after it. The notebook comes from this
repository; NN_EXERCISE_REPO=/path/to/another/checkout tests that checkout's notebook and helpers
instead (e.g. a branch where the exercise is being written). Skipped, saying why, when the notebook has
no such exercise yet, or without Chromium, Playwright or JupyterLab.
"""

import json
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import (ARTIFACTS, _NOTEBOOK_STATE, KERNEL_IDLE, SKIP, browser_context,  # noqa: E402,F401
                          jupyter_lab, open_and_run_all)

REPO = Path(os.environ.get("NN_EXERCISE_REPO", ROOT)).resolve()
NOTEBOOK = next(iter(sorted((REPO / "notebooks").glob("03_*.ipynb"))), None)
STUB, GRADER = "exercise-backprop_gradients", "grader-backprop_gradients"


def _has_exercise():
    if NOTEBOOK is None:
        return False
    ids = [c.get("id") for c in json.loads(NOTEBOOK.read_text())["cells"]]
    return STUB in ids and GRADER in ids


REASON = SKIP or (None if _has_exercise() else
                  f"{REPO / 'notebooks'} has no notebook 03 with cells {STUB} and {GRADER} yet")
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

# A typical first attempt: delta1 multiplies by W2 instead of W2.T (the missing transpose).
WRONG = '''def backprop_gradients(X, Y, W1, b1, W2, b2):
    N = X.shape[0]
    layer = sigmoid(X @ W1 + b1)
    output = sigmoid(layer @ W2 + b2)
    delta2 = (output - Y) / N * output * (1 - output)
    delta1 = (delta2 @ W2) * layer * (1 - layer)
    return X.T @ delta1, delta1.sum(axis=0), layer.T @ delta2, delta2.sum(axis=0)
'''
RIGHT = WRONG.replace("(delta2 @ W2)", "(delta2 @ W2.T)")


@pytest.fixture(scope="module")
def lab03(tmp_path_factory):
    """JupyterLab serving REPO's notebooks, its kernels importing REPO's helpers."""
    path = os.pathsep.join([str(REPO)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
    with jupyter_lab(REPO / "notebooks", tmp_path_factory.mktemp("lab03"), {"PYTHONPATH": path}) as served:
        yield served


_CELL_JS = """([id, source, run]) => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets;
  const i = cells.findIndex(c => c.model.id === id);
  if (i < 0) return 'no cell ' + id;
  if (source !== null) cells[i].model.sharedModel.setSource(source);
  if (run) {
    panel.content.activeCellIndex = i;
    panel.content.deselectAll();
    window.jupyterapp.commands.execute('notebook:run-cell');
  }
  return 'ok';
}"""

_OUTPUT_TEXT = """(id) => {
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  const cell = cells.find(c => c.model.id === id);
  return cell ? cell.model.outputs.toJSON().map(o => (o.text || '') + (o.data ? (o.data['text/plain'] || '') : '')).join('') : null;
}"""

def _run(page, cell_id, source=None):
    assert page.evaluate(_CELL_JS, [cell_id, source, True]) == "ok"
    page.wait_for_timeout(500)
    page.wait_for_function(KERNEL_IDLE, timeout=120000)


def _grader_says(page):
    return page.evaluate(_OUTPUT_TEXT, GRADER) or ""


def _panel_after_grader(page):
    """The first slider panel below the grader (the one that trains with the student's function)."""
    return page.locator("[data-nn-test=current] .nn-panel").first


def _move_slider_and_read(page, panel):
    before = panel.inner_text()
    handle = panel.locator(".noUi-handle, .ui-slider-handle").first
    for key in ("ArrowRight", "ArrowLeft"):
        handle.focus()
        handle.press(key)
        deadline = time.time() + 90
        while time.time() < deadline:
            page.wait_for_timeout(300)
            now = panel.inner_text()
            if now != before and "working" not in now and "Training with" in now \
                    and panel.locator("img").count() >= 1:
                return now
    return panel.inner_text()


def test_a_student_fills_in_the_backward_pass_wrongly_then_rightly(lab03, browser_context):  # noqa: F811
    base, token = lab03
    page, state = open_and_run_all(browser_context, base, token, "nn-exercise03", NOTEBOOK.name)
    assert not [e for c in state["cells"] for e in c["errors"]], f"errors on Run All: {state}"
    assert "not written yet" in _grader_says(page), _grader_says(page)
    panel = _panel_after_grader(page)
    panel.scroll_into_view_if_needed()
    assert "reference `backprop_gradients`" in panel.inner_text(), panel.inner_text()[:300]

    # 1. a missing transpose: the grader says ✗ and names it
    _run(page, STUB, WRONG)
    _run(page, GRADER)
    said = _grader_says(page)
    assert said.startswith("✗") and "transpose" in said, f"the grader said: {said}"
    page.screenshot(path=str(ARTIFACTS / "exercise03_wrong.png"))

    # 2. fixed: ✓, and the panel now trains with the student's function and says so
    _run(page, STUB, RIGHT)
    _run(page, GRADER)
    said = _grader_says(page)
    assert said.startswith("✓"), f"the grader said: {said}"
    now = _move_slider_and_read(page, panel)
    assert "your `backprop_gradients`" in now, f"after the fix the panel says: {now[:300]}"
    panel.screenshot(path=str(ARTIFACTS / "exercise03_panel_yours.png"))
    state = page.evaluate(_NOTEBOOK_STATE)
    assert not [e for c in state["cells"] for e in c["errors"]]
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.sessionContext.shutdown(); }")
    page.close()
