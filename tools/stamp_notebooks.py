"""Stamp the boilerplate every notebook shares: the Colab badge, the setup cell, the navigation.

Run it after adding or renaming a notebook (``make execute`` runs it first). With ``--check`` it
changes nothing and lists the notebooks whose stamped cells differ; the test suite runs that.

Each notebook ``notebooks/NN_name.ipynb`` gets:
- first cell (markdown, id "colab-badge"): the "Open in Colab" badge and previous/next links;
- first code cell (id "setup"): the setup cell below, identical everywhere;
- last cell (markdown, id "nav"): previous/next links again.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
REPOSITORY = "nn-from-scratch/neural-networks-from-scratch"  # GitHub owner/name, used by Colab
BRANCH = "main"

SETUP_SOURCE = f'''\
# Setup: the same cell opens every notebook (written by tools/stamp_notebooks.py).
# On Colab it installs the course's `helpers` package; elsewhere it only imports.
import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("helpers") is None:
    if "google.colab" in sys.modules:  # Colab: install the course package, leave Colab's own packages alone
        %pip install --quiet --no-deps "git+https://github.com/{REPOSITORY}.git@{BRANCH}"
    elif (Path.cwd().parent / "helpers").is_dir():  # a clone opened without `pip install -e .`
        sys.path.insert(0, str(Path.cwd().parent))
    else:
        raise ModuleNotFoundError("The course package `helpers` is missing: run `make lab` in the repository, "
                                  "or `pip install -e .` in it, then restart the kernel.")

import numpy as np
import matplotlib.pyplot as plt

%matplotlib inline'''


def notebook_paths():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def title_of(path):
    """The notebook's title: the first '# ' heading of its first authored markdown cell."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and cell.get("id") not in ("colab-badge", "nav"):
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def _link(path):
    return f"[{title_of(path)}]({path.name})" if path else None


def badge_source(path, prev_path, next_path):
    url = f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/notebooks/{path.name}"
    parts = [f'<a href="{url}" target="_parent"><img src="https://colab.research.google.com/assets/colab-badge.svg" '
             f'alt="Open In Colab"/></a>']
    nav = nav_line(prev_path, next_path)
    if nav:
        parts.append(nav)
    return "\n\n".join(parts)


def nav_line(prev_path, next_path):
    bits = []
    if prev_path:
        bits.append(f"← Previous: {_link(prev_path)}")
    bits.append("[Course contents](../README.md)")
    if next_path:
        bits.append(f"Next: {_link(next_path)} →")
    return " · ".join(bits)


def _lines(text):
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _markdown(cell_id, text):
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": _lines(text)}


def stamp(nb, path, prev_path, next_path):
    """Return a copy of notebook ``nb`` with the stamped cells in place (outputs kept)."""
    cells = [c for c in nb["cells"] if c.get("id") not in ("colab-badge", "nav")]
    setup = next((c for c in cells if c["cell_type"] == "code"), None)
    if setup is None or setup.get("id") != "setup":
        setup = {"cell_type": "code", "id": "setup", "metadata": {}, "execution_count": None, "outputs": []}
        first_code = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
        cells.insert(first_code, setup)
    setup["source"] = _lines(SETUP_SOURCE)
    setup["metadata"] = {"tags": ["setup"]}
    cells = [_markdown("colab-badge", badge_source(path, prev_path, next_path))] + cells
    cells.append(_markdown("nav", "---\n\n" + nav_line(prev_path, next_path)))
    out = dict(nb)
    out["cells"] = cells
    out["nbformat"], out["nbformat_minor"] = 4, 5
    meta = dict(nb.get("metadata", {}))
    meta["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    meta.setdefault("language_info", {"name": "python"})
    meta["colab"] = {"provenance": []}
    out["metadata"] = meta
    return out


def dumps(nb):
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any notebook differs")
    parser.add_argument("only", nargs="*", help="stamp only these notebooks (default: all)")
    args = parser.parse_args(argv)
    paths = notebook_paths()
    only = {Path(p).resolve() for p in args.only}
    stale = []
    for i, path in enumerate(paths):
        if only and path.resolve() not in only:
            continue
        prev_path = paths[i - 1] if i > 0 else None
        next_path = paths[i + 1] if i + 1 < len(paths) else None
        text = path.read_text()
        new = dumps(stamp(json.loads(text), path, prev_path, next_path))
        if new != text:
            stale.append(path.name)
            if not args.check:
                path.write_text(new)
    if args.check and stale:
        print("stamped cells differ from tools/stamp_notebooks.py in: " + ", ".join(stale)
              + "\nrun `python tools/stamp_notebooks.py` (or `make execute`)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
