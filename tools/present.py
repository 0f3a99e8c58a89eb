"""Presentation mode: a notebook prepared to be shown as an app on a projector (`make present NB=04`).

Usage: python tools/present.py OUTPUT_FOLDER NN [NN ...]     (NN: the notebook's number, e.g. 04)

Writes OUTPUT_FOLDER/NN_name.ipynb, which Voilà (the optional extra `present`) then shows with all
code hidden and the sliders live. What a projector should not show is marked by cell tags:
- `setup` (the setup cell), `exercise` (stubs) and `grader` (verdicts) still run, so that everything
  below them works, but their output is hidden (the cell starts with `%%capture`);
- `solution` cells are removed (nothing may use them: see the hand-out edition);
- a cell that calls a slider panel's function directly after the panel (the course's way to test a
  callback and store its plot, tag `panel-check` or found by its source) runs with its output hidden:
  on a projector it would show the panel's plot a second time, under the live panel;
- the stamped Colab badge and navigation links are removed.
Figures are projector-sized because `make present` starts Voilà with NN_PROJECTOR=1, which
`helpers.plots` reads at import.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
HIDDEN_OUTPUT_TAGS = ("setup", "exercise", "grader")
REMOVED_TAGS = ("solution",)
REMOVED_IDS = ("colab-badge", "nav")


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def panel_check_ids(nb):
    """Ids of the cells that redraw a panel's plot: the code cell right after a panel that calls its function.

    A cell tagged `panel-check` counts too, wherever it is.
    """
    found, callback = set(), None
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if "panel-check" in tags(cell) or (callback and re.search(rf"(?<![\w.]){callback}\(", source)):
            found.add(cell.get("id"))
        m = re.match(r"\s*panel\(\s*(\w+)", source)
        callback = m.group(1) if m else None
    return found


def presentation(nb):
    """Return the presentation copy of notebook ``nb``."""
    cells = []
    checks = panel_check_ids(nb)
    for cell in nb["cells"]:
        if cell.get("id") in REMOVED_IDS or any(t in tags(cell) for t in REMOVED_TAGS):
            continue
        cell = json.loads(json.dumps(cell))
        if cell["cell_type"] == "code" and (any(t in tags(cell) for t in HIDDEN_OUTPUT_TAGS) or cell.get("id") in checks):
            source = "".join(cell["source"])
            cell["source"] = "%%capture\n" + source  # runs, shows nothing
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    return dict(nb, cells=cells)


def find(number):
    found = sorted(NOTEBOOKS.glob(f"{int(number):02d}_*.ipynb"))
    if not found:
        raise SystemExit(f"no notebook numbered {number} in {NOTEBOOKS}")
    return found[0]


def build(folder, numbers):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number in numbers:
        path = find(number)
        out = folder / path.name
        out.write_text(json.dumps(presentation(json.loads(path.read_text())), indent=1, ensure_ascii=False) + "\n")
        written.append(out)
    return written


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__.split("\n\n")[1])
    for out in build(argv[0], argv[1:]):
        print(f"presentation copy written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
