"""The reading edition: static HTML pages of the notebooks with their stored outputs, working offline.

Usage: python tools/build_site.py [OUTPUT_FOLDER]        (default: build/site; `make site`)

Every page is the notebook as stored (outputs of the last real run), rendered with JupyterLab's look:
- math typeset by MathJax 3, served from the site itself;
- saved slider panels drawn from the stored widget state by the Jupyter widgets HTML manager, also
  served from the site: each shows the plot it had when the notebook was run;
- every output image has a one-line text description (alt text) for screen readers;
- a plot that repeats one shown just above (the cell that checks a panel's function redraws the panel's
  starting plot) is replaced by a one-line note, so no plot appears twice;
- training progress is one line per epoch (carriage-return updates are collapsed as a terminal would);
- the setup cell's code is left out (it only installs and imports);
- links between notebooks, to the notation page and to the course's contents point inside the site.
No page loads anything from another host (tests/test_site.py checks it, and opens pages offline).

MathJax and the widget manager are npm packages, fetched once with `npm pack` into build/npm-cache/
(git-ignored) and copied into OUTPUT_FOLDER/static/; with the tarballs cached, no network is needed.
"""

import base64
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
NPM_CACHE = ROOT / "build" / "npm-cache"
TEMPLATES = Path(__file__).resolve().parent / "site_template"
# name in static/ -> (npm package spec, the folder inside the package to copy, files to leave out)
PACKAGES = {
    "mathjax": ("mathjax@3.2.2", "package/es5", ()),
    "widgets": ("@jupyter-widgets/html-manager@1.0.15", "package/dist", (".map", "embed-amd.js", "libembed-amd.js")),
}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stamp_notebooks  # noqa: E402


def tarball(spec):
    """The npm tarball of ``spec`` (e.g. "mathjax@3.2.2"), downloaded once into build/npm-cache/."""
    name, version = spec.rsplit("@", 1)
    path = NPM_CACHE / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not path.is_file():
        NPM_CACHE.mkdir(parents=True, exist_ok=True)
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(f"npm is needed once to fetch {spec} (install Node.js), or put {path.name} in {NPM_CACHE}")
        subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", str(NPM_CACHE)], check=True,
                       stdout=subprocess.DEVNULL)
    return path


def install_static(static):
    for folder, (spec, inside, leave_out) in PACKAGES.items():
        target = static / folder
        if target.is_dir():
            continue
        with tarfile.open(tarball(spec)) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith(inside + "/") and m.isfile()
                       and not m.name.endswith(leave_out)]
            for m in members:
                dest = target / m.name[len(inside) + 1:]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(tar.extractfile(m).read())
    shutil.copy(TEMPLATES / "site.css", static / "site.css")
    shutil.copy(TEMPLATES / "site.js", static / "site.js")


def _text(cell):
    return "".join(cell.get("source", ""))


def collapse_carriage_returns(text):
    """What a terminal shows: on each line only the text after the last carriage return."""
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.replace("\r\n", "\n").split("\n"))


def describe(cell, section, n_images):
    """A one-line description of a code cell's figure: its section, and the cell's first comment or line."""
    lines = [line.strip() for line in _text(cell).splitlines() if line.strip()]
    comment = next((line.lstrip("# ").strip() for line in lines if line.startswith("#")), None)
    what = comment or (f"drawn by {lines[0][:80]}" if lines else "a figure")
    where = f"Figure in “{section}”" if section else "Figure"
    return f"{where}: {what}" + (f" (figure {n_images})" if n_images > 1 else "")


def _widget_images(nb):
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for model in state.values():
        for output in model.get("state", {}).get("outputs", []) or []:
            data = output.get("data", {}).get("image/png")
            if data:
                yield data


def _digest(data):
    return hashlib.sha256(base64.b64decode("".join(data))).hexdigest()


def prepare(nb):
    """The notebook as the site shows it (a copy), and {cell id: description} for the saved panels' plots."""
    nb = json.loads(json.dumps(nb))
    seen = {_digest(d) for d in _widget_images(nb)}
    panel_alt, section = {}, ""
    for cell in nb["cells"]:
        source = _text(cell)
        if cell["cell_type"] == "markdown":
            if cell.get("id") == "colab-badge":  # the badge image lives on Google's server: a plain link instead
                source = re.sub(r'<a href="([^"]+)"[^>]*><img[^>]*alt="Open In Colab"/></a>', r"[Open in Colab](\1)", source)
            source = re.sub(r"\]\((\d\d_[\w-]+)\.ipynb\)", r"](\1.html)", source)
            source = source.replace("](../README.md)", "](index.html)").replace("](NOTATION.md)", "](notation.html)")
            cell["source"] = source
            headings = [line.lstrip("#").strip() for line in source.splitlines() if line.startswith("#")]
            section = headings[-1] if headings else section
            continue
        if cell["cell_type"] != "code":
            continue
        if "setup" in cell.get("metadata", {}).get("tags", []):  # boilerplate: a reader needs none of it
            cell.setdefault("metadata", {}).setdefault("transient", {})["remove_source"] = True
        outputs, n_images = [], 0
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output["text"] = collapse_carriage_returns("".join(output["text"]))
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                panel_alt[cell.get("id")] = (f"Saved plot of the slider panel in “{section}”, drawn when the "
                                             "notebook was run; open the notebook in Jupyter to move its sliders")
            if "image/png" in data:
                digest = _digest(data["image/png"])
                if digest in seen:  # the same plot is already on the page just above
                    outputs.append({"output_type": "display_data", "metadata": {},
                                    "data": {"text/markdown": "*(The same plot as shown above.)*"}})
                    continue
                seen.add(digest)
                n_images += 1
                output.setdefault("metadata", {})["alt"] = describe(cell, section, n_images)
            outputs.append(output)
        cell["outputs"] = outputs
    return nb, panel_alt


def exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="site", extra_template_basedirs=[str(TEMPLATES)])


def render(nb, title, panel_alt=None):
    import nbformat

    body, _ = exporter().from_notebook_node(nbformat.from_dict(nb), resources={
        "site_static": "static", "nn_alt": panel_alt or {}, "metadata": {"name": title}})
    return body


def _markdown_notebook(text):
    return {"cells": [{"cell_type": "markdown", "id": "page", "metadata": {}, "source": text}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def index_markdown(paths):
    readme = (ROOT / "README.md").read_text()
    intro = readme.split("\n## ", 1)[0].split("\n", 1)[1]
    intro = re.sub(r"<!--.*?-->", "", intro, flags=re.S)
    intro = "\n".join(line for line in intro.splitlines() if not line.startswith("[![")).strip()
    learn = {}
    for row in readme.splitlines():
        cols = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cols) >= 3 and re.fullmatch(r"\d\d", cols[0]):
            learn[cols[0]] = cols[2]
    lines = ["# Neural Networks from Scratch", "", intro, "", "## The notebooks", ""]
    for path in paths:
        lines.append(f"{path.name[:2]}. **[{stamp_notebooks.title_of(path)}]({path.stem}.html)**: "
                     f"{learn.get(path.name[:2], '')}")
    lines += ["", "Also: [the notation used in every notebook](notation.html).", "",
              "This is the reading edition: the notebooks with the outputs of their last run. To run the code and "
              "move the sliders, open the notebooks in Jupyter or Colab (see the course's README).", "",
              "Code: MIT licence. Text and figures: CC BY 4.0."]
    return "\n".join(lines)


def _read(path):
    import nbformat

    return json.loads(json.dumps(nbformat.read(path, as_version=4)))  # sources as strings


def build(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    install_static(folder / "static")
    paths = stamp_notebooks.notebook_paths()
    written = []
    for path in paths:
        nb, panel_alt = prepare(_read(path))
        out = folder / f"{path.stem}.html"
        out.write_text(render(nb, stamp_notebooks.title_of(path), panel_alt))
        written.append(out)
    notation = NOTEBOOKS / "NOTATION.md"
    if notation.is_file():
        text = re.sub(r"\]\((\d\d_[\w-]+)\.ipynb\)", r"](\1.html)", notation.read_text())
        (folder / "notation.html").write_text(render(_markdown_notebook(text), "Notation"))
        written.append(folder / "notation.html")
    (folder / "index.html").write_text(render(_markdown_notebook(index_markdown(paths)), "Neural Networks from Scratch"))
    written.append(folder / "index.html")
    return written


def main(argv):
    folder = Path(argv[0]) if argv else ROOT / "build" / "site"
    for page in build(folder):
        print(f"  {page}")
    print(f"reading edition written to {folder}: open {html.escape(str(folder / 'index.html'))}")


if __name__ == "__main__":
    main(sys.argv[1:])
