"""Stamp what every notebook shares: Colab badge and links, the setup cell, the run time; and README's table.

Run it after adding or renaming a notebook, after changing the repository's address in pyproject.toml,
and after `tools/execute_notebooks.py` measured new run times (``make execute`` does all of it). With
``--check`` it changes nothing and lists what differs; the test suite runs that.

Each notebook ``notebooks/NN_name.ipynb`` gets:
- first cell (markdown, id "colab-badge"): the "Open in Colab" badge and previous/next links;
- in its title cell, the line "**Run time:** about N s ...", N measured by ``tools/execute_notebooks.py``
  (``notebooks/run_times.json``); README's table of notebooks and TEACHING.md's headings get the same figure;
- first code cell (id "setup", tag "setup"): the setup cell below, identical everywhere, collapsed;
- last cell (markdown, id "nav"): previous/next links again.

The repository's address lives in ONE place: ``[project.urls] Repository`` in pyproject.toml. The
badges, the Binder link and the setup cell's install URL are all made from it.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
TEACHING = ROOT / "TEACHING.md"
RUN_TIMES = NOTEBOOKS / "run_times.json"
BRANCH = "main"
COURSE_MARKER = "nn-from-scratch"  # helpers.__course__


def repository_url():
    """The repository's web address, from pyproject.toml's [project.urls] Repository."""
    text = (ROOT / "pyproject.toml").read_text()
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            tomllib = None
    if tomllib is not None:
        url = tomllib.loads(text).get("project", {}).get("urls", {}).get("Repository")
    else:
        m = re.search(r'^Repository\s*=\s*"([^"]+)"', text, re.M)
        url = m.group(1) if m else None
    if not url:
        raise SystemExit("pyproject.toml has no [project.urls] Repository = \"https://github.com/<owner>/<name>\"")
    return url.rstrip("/").removesuffix(".git")


REPOSITORY_URL = repository_url()
GITHUB = re.sub(r"^https://github\.com/", "", REPOSITORY_URL)  # owner/name, for Colab and Binder
INSTALL_URL = f"git+{REPOSITORY_URL}.git@{BRANCH}"


def colab_url(name):
    return f"https://colab.research.google.com/github/{GITHUB}/blob/{BRANCH}/notebooks/{name}"


def binder_url(name):
    return f"https://mybinder.org/v2/gh/{GITHUB}/{BRANCH}?urlpath=lab/tree/notebooks/{name}"


COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"

SETUP_SOURCE = '''\
# @title Setup: run this cell first
# The same cell opens every notebook (written by tools/stamp_notebooks.py: change it there, not here).
# On Colab it installs the course's `helpers` package; elsewhere it only checks that it is there.
# Whatever goes wrong, it stops here with one message that says what to do.
import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

COURSE_URL = os.environ.get("NN_COURSE_URL") or "__INSTALL_URL__"


def _course_helpers():
    """The course's `helpers` if Python finds it, None if there is no `helpers`; raise if another one is in the way."""
    importlib.invalidate_caches()
    spec = importlib.util.find_spec("helpers")
    if spec is None:
        return None
    if spec.submodule_search_locations is None:  # a single file helpers.py, not the course's package
        raise ImportError(
            f"A file named {spec.origin} hides the course package `helpers`.\\n"
            "Rename or delete that file (and the __pycache__ folder next to it), then restart the kernel "
            "and run this cell again.")
    import helpers
    folder = Path(helpers.__file__).parent
    # The course's helpers/__init__.py says __course__ = "nn-from-scratch"; a copy from before that
    # marker is known by its files.
    marker = getattr(helpers, "__course__", None)
    known_files = all((folder / f).is_file() for f in ("activations.py", "layers.py", "gradcheck.py"))
    if marker == "nn-from-scratch" or (marker is None and known_files):
        return helpers
    raise ImportError(
        f"The `helpers` package found at {folder} is not this course's (another package with the same "
        "name, e.g. `helpers` from PyPI, or another project's folder).\\n"
        "Rename or uninstall it (`pip uninstall helpers`), then restart the kernel and run this cell again.")


if _course_helpers() is None:
    if "google.colab" in sys.modules:  # Colab: install the course package, leave Colab's own packages alone
        print(f"Installing the course package from {COURSE_URL} ...")
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", COURSE_URL],
                             capture_output=True, text=True)
        if pip.returncode != 0 or _course_helpers() is None:
            said = (pip.stderr or pip.stdout).strip().splitlines()[-3:]
            raise ModuleNotFoundError(
                f"Could not install the course package `helpers` from\\n    {COURSE_URL}\\n"
                + ("pip said:\\n    " + "\\n    ".join(said) + "\\n" if said else "")
                + "Ways out:\\n"
                "  1. Check the network (is the runtime connected? can it reach the address above?), then run "
                "this cell again.\\n"
                "  2. Upload the repository: download it as a ZIP from its page, upload the ZIP in Colab's "
                "Files panel, run `%env NN_COURSE_URL=/content/<the file>.zip` in a new cell, then run this "
                "cell again.\\n"
                "  3. Set the URL to a copy you can reach (a fork or a mirror): run "
                "`%env NN_COURSE_URL=git+https://<host>/<owner>/<repository>.git` in a new cell, then run this "
                "cell again.")
    elif (Path.cwd().parent / "helpers").is_dir():  # a clone opened without `pip install -e .`
        sys.path.insert(0, str(Path.cwd().parent))
    if _course_helpers() is None:
        raise ModuleNotFoundError(
            "The course package `helpers` is missing. In a copy of the repository run `make lab`, or "
            "`pip install -e .` in it, then restart the kernel and run this cell again.")

import numpy as np
import matplotlib.pyplot as plt

%matplotlib inline'''.replace("__INSTALL_URL__", INSTALL_URL)

# The setup cell: tagged (presentation mode hides it) and collapsed in JupyterLab, Notebook 7 and Colab.
SETUP_METADATA = {"tags": ["setup"], "jupyter": {"source_hidden": True}, "cellView": "form"}


def notebook_paths():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _authored_title_cell(nb):
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown" and cell.get("id") not in ("colab-badge", "nav"):
            return cell
    return None


def title_of(path):
    """The notebook's title: the first '# ' heading of its first authored markdown cell."""
    cell = _authored_title_cell(json.loads(path.read_text()))
    for line in "".join(cell["source"]).splitlines() if cell else []:
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def run_times():
    """Seconds per notebook file name, as measured by the last full run of tools/execute_notebooks.py."""
    if not RUN_TIMES.is_file():
        return {}
    return json.loads(RUN_TIMES.read_text())["seconds"]


def seconds_text(seconds):
    return f"{max(1, round(seconds))} s"


def run_time_line(seconds):
    return (f"**Run time:** about {seconds_text(seconds)} on a 2-core CPU, top to bottom (measured with "
            "`tools/execute_notebooks.py`; the same figure as in the [course's table](../README.md#the-notebooks)).")


def _link(path):
    return f"[{title_of(path)}]({path.name})" if path else None


def badge_source(path, prev_path, next_path):
    parts = [f'<a href="{colab_url(path.name)}" target="_parent"><img src="{COLAB_BADGE}" alt="Open In Colab"/></a>']
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


def _stamp_run_time(cell, seconds):
    """Write the measured run time into the title cell's "**Run time:**" line (added after the title if missing)."""
    lines = "".join(cell["source"]).split("\n")
    new = run_time_line(seconds)
    at = [i for i, line in enumerate(lines) if line.startswith("**Run time:**")]
    if at:
        lines[at[0]] = new
    else:
        lines += ["", new]
    cell["source"] = _lines("\n".join(lines))


def stamp(nb, path, prev_path, next_path, seconds=None):
    """Return a copy of notebook ``nb`` with the stamped cells in place (outputs kept)."""
    cells = [c for c in nb["cells"] if c.get("id") not in ("colab-badge", "nav")]
    setup = next((c for c in cells if c["cell_type"] == "code"), None)
    if setup is None or setup.get("id") != "setup":
        setup = {"cell_type": "code", "id": "setup", "metadata": {}, "execution_count": None, "outputs": []}
        first_code = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
        cells.insert(first_code, setup)
    setup["source"] = _lines(SETUP_SOURCE)
    setup["metadata"] = json.loads(json.dumps(SETUP_METADATA))
    title = next((c for c in cells if c["cell_type"] == "markdown"), None)
    if title is not None and seconds is not None:
        _stamp_run_time(title, seconds)
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
    """The notebook as nbformat writes it (sorted keys, indent 1), so executing and stamping agree byte for byte."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


# README: the badges at the top and the table of notebooks live between these markers.
BADGES_BEGIN, BADGES_END = "<!-- badges: written by tools/stamp_notebooks.py -->", "<!-- end of badges -->"
TABLE_BEGIN, TABLE_END = "<!-- notebooks table: written by tools/stamp_notebooks.py -->", "<!-- end of notebooks table -->"


def _between(text, begin, end):
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise SystemExit(f"README.md lacks the markers {begin!r} ... {end!r}")
    return i + len(begin), j


def readme_text(text, paths, times):
    """README.md with its badges and its table of notebooks (titles, run times, Colab links) stamped."""
    first = paths[0].name
    badges = (f"\n[![Open in Colab]({COLAB_BADGE})]({colab_url(first)})\n"
              f"[![Binder]({BINDER_BADGE})]({binder_url(first)})\n")
    i, j = _between(text, BADGES_BEGIN, BADGES_END)
    text = text[:i] + badges + text[j:]
    i, j = _between(text, TABLE_BEGIN, TABLE_END)
    # keep the hand-written "what you learn" column, found by notebook number
    learn = {}
    for row in text[i:j].splitlines():
        cols = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cols) >= 3 and re.fullmatch(r"\d\d", cols[0]):
            learn[cols[0]] = cols[2]
    rows = ["", "| # | notebook | what you learn | run time | |", "|---|---|---|---:|---|"]
    for path in paths:
        number = path.name[:2]
        title = re.sub(r"^\d\d\s*·\s*", "", title_of(path))
        seconds = times.get(path.name)
        rows.append(f"| {number} | [{title}](notebooks/{path.name}) | {learn.get(number, '')} | "
                    f"{seconds_text(seconds) if seconds is not None else '–'} | "
                    f"[![Open in Colab]({COLAB_BADGE})]({colab_url(path.name)}) |")
    measured = [times[p.name] for p in paths if p.name in times]
    rows += ["", "Run times are for the whole notebook, top to bottom, measured on a 2-core CPU with "
             "`tools/execute_notebooks.py` (each notebook states the same figure in its header)"
             + (f"; the whole course runs in about {seconds_text(sum(measured))}." if len(measured) == len(paths)
                else "."), ""]
    return text[:i] + "\n".join(rows) + text[j:]


def teaching_text(text, paths, times):
    """TEACHING.md with the measured run times stamped: each notebook's section heading
    ("### 06 · ... (36.3 s)") and the course's range ("from 3.4 s (01) to 36.3 s (06)")."""
    for path in paths:
        if path.name in times:
            text = re.sub(rf"^(### {path.name[:2]} · .*) \(\d+(?:\.\d+)? s\)$",
                          lambda m: f"{m.group(1)} ({times[path.name]:.1f} s)", text, flags=re.M)
    first, last = paths[0].name, paths[-1].name
    if first in times and last in times:
        text = re.sub(rf"from \d+(?:\.\d+)? s \({first[:2]}\) to \d+(?:\.\d+)? s \({last[:2]}\)",
                      f"from {times[first]:.1f} s ({first[:2]}) to {times[last]:.1f} s ({last[:2]})", text)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything differs")
    parser.add_argument("only", nargs="*", help="stamp only these notebooks (default: all, and README.md)")
    args = parser.parse_args(argv)
    paths = notebook_paths()
    times = run_times()
    only = {Path(p).resolve() for p in args.only}
    stale = []
    for i, path in enumerate(paths):
        if only and path.resolve() not in only:
            continue
        prev_path = paths[i - 1] if i > 0 else None
        next_path = paths[i + 1] if i + 1 < len(paths) else None
        text = path.read_text()
        stamped = stamp(json.loads(text), path, prev_path, next_path, times.get(path.name))
        if stamped != json.loads(text):  # content, not key order: a notebook saved by Jupyter is not "stale"
            new = dumps(stamped)
            stale.append(path.name)
            if not args.check:
                path.write_text(new)
    if not only:
        for target, stamp_text in ((README, readme_text), (TEACHING, teaching_text)):
            text = target.read_text()
            new = stamp_text(text, paths, times)
            if new != text:
                stale.append(target.name)
                if not args.check:
                    target.write_text(new)
    if args.check and stale:
        print("stamped cells differ from tools/stamp_notebooks.py in: " + ", ".join(stale)
              + "\nrun `python tools/stamp_notebooks.py` (or `make execute`)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
