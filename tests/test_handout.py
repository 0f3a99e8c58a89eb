"""The hand-out edition (`make handout`): every notebook without its solutions, and each still runs.

Building it removes every cell tagged `solution` (and nothing else); then every hand-out notebook runs
top to bottom from a fresh kernel with its exercise stubs unfilled, as a student first meets it. The
run is the slow part (every notebook, about as long as the course): `make test` runs it once, in the
Colab-pinned environment, where it also proves the notebooks run with Colab's versions.
"""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import execute_notebooks  # noqa: E402
import handout  # noqa: E402

NOTEBOOKS = handout.notebook_paths()


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    folder = tmp_path_factory.mktemp("handout")
    return folder, handout.build(folder)


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_the_handout_has_every_notebook_and_no_solution(edition):
    folder, report = edition
    assert sorted(report) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        original = json.loads(path.read_text())["cells"]
        cells = json.loads((folder / path.name).read_text())["cells"]
        solutions = [c for c in original if "solution" in _tags(c)]
        assert report[path.name] == len(solutions), path.name
        assert not [c.get("id") for c in cells if "solution" in _tags(c) or str(c.get("id")).startswith("solution-")], \
            f"{path.name}: a solution cell survived in the hand-out edition"
        assert not any("".join(c["source"]).lstrip().startswith("# @title Solution") for c in cells), path.name
        assert len(cells) == len(original) - len(solutions), f"{path.name}: only solution cells may be removed"
        # every exercise stub and grader is still there, unfilled
        for tag in ("exercise", "grader"):
            assert [c["id"] for c in cells if tag in _tags(c)] == [c["id"] for c in original if tag in _tags(c)]
        assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), f"{path.name}: outputs left"


def test_a_cell_that_uses_a_solution_is_refused():
    nb = {"cells": [
        {"cell_type": "code", "id": "solution-f", "metadata": {"tags": ["solution"]}, "outputs": [],
         "execution_count": None, "source": ["# @title Solution (click to show)\n", "def f_solution(x):\n",
                                             "    return x\n"]},
        {"cell_type": "code", "id": "later", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["f_solution(1)"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    with pytest.raises(SystemExit, match="later.*f_solution"):
        handout.handout(nb, "test.ipynb")
    nb["cells"][1]["source"] = ["f(1)"]
    out, removed = handout.handout(nb, "test.ipynb")
    assert removed == 1 and [c["id"] for c in out["cells"]] == ["later"]


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS])
def test_every_handout_notebook_runs_top_to_bottom(edition, name):
    import nbformat
    from nbclient.exceptions import CellExecutionError

    folder, _ = edition
    nb = nbformat.read(folder / name, as_version=4)
    try:
        execute_notebooks.run(nb, folder)
    except CellExecutionError as e:
        pytest.fail(f"hand-out {name} stops with an error (stubs unfilled, solutions removed):\n{str(e)[-3000:]}")
    for cell in nb.cells:
        if "grader" in _tags(cell):
            text = "".join(o.get("text", "") + "".join(o.get("data", {}).get("text/plain", ""))
                           for o in cell.get("outputs", []))
            assert "not written yet" in text, f"{name}: grader {cell.get('id')} says {text!r} with the stub unfilled"
