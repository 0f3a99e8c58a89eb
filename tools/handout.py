"""The hand-out edition: every notebook without its solution cells, for graded assignments.

Usage: python tools/handout.py [OUTPUT_FOLDER]        (default: build/handout; `make handout`)

Writes OUTPUT_FOLDER/NN_name.ipynb for every notebook in notebooks/, with the cells tagged `solution`
removed and all outputs cleared (students run the notebook themselves), plus the notation page the
notebooks link to. The exercises (`exercise` stubs that raise NotImplementedError) and their graders
stay: with the stubs unfilled, each grader says "not written yet" and the notebook carries on with the
course's reference version, so every hand-out notebook runs top to bottom (tests/test_handout.py).
It refuses to write a notebook in which a remaining cell uses a name only a solution cell defined.
"""

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTION_TAG = "solution"


def notebook_paths():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def is_solution(cell):
    return SOLUTION_TAG in tags(cell) or str(cell.get("id", "")).startswith("solution-")


def handout(nb, name="notebook"):
    """Return (hand-out copy of notebook ``nb``, number of solution cells removed)."""
    kept, removed = [], []
    for cell in nb["cells"]:
        (removed if is_solution(cell) else kept).append(cell)
    defined = {m for c in removed for m in re.findall(r"^def\s+(\w+)", "".join(c["source"]), re.M)}
    for cell in kept:
        if cell["cell_type"] != "code":
            continue
        used = [n for n in defined if re.search(rf"\b{n}\b", "".join(cell["source"]))]
        if used:
            raise SystemExit(f"{name}: cell {cell.get('id')!r} uses {', '.join(sorted(used))}, which only a "
                             "solution cell defines; the hand-out edition deletes solution cells, so nothing "
                             "else may use them")
    cells = []
    for cell in kept:
        cell = json.loads(json.dumps(cell))
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    out = dict(nb, cells=cells)
    out["metadata"] = {k: v for k, v in nb.get("metadata", {}).items() if k != "widgets"}
    return out, len(removed)


def build(folder):
    """Write the hand-out edition into ``folder``; return {notebook name: solution cells removed}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = {}
    for path in notebook_paths():
        nb, removed = handout(json.loads(path.read_text()), path.name)
        (folder / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        report[path.name] = removed
    for extra in NOTEBOOKS.glob("*.md"):  # the notation page the notebooks link to
        shutil.copy(extra, folder / extra.name)
    return report


def main(argv):
    folder = Path(argv[0]) if argv else ROOT / "build" / "handout"
    report = build(folder)
    for name, removed in report.items():
        print(f"  {name}: {removed} solution cell{'s' if removed != 1 else ''} removed")
    print(f"hand-out edition written to {folder}")


if __name__ == "__main__":
    main(sys.argv[1:])
