"""The repository agrees with itself: environment.yml and pyproject, stamped notebook cells."""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import stamp_notebooks  # noqa: E402


def _requirement_names(reqs):
    return {re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].strip().lower() for r in reqs}


def _pyproject():
    text = (ROOT / "pyproject.toml").read_text()
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def _conda_packages():
    names = set()
    in_deps = False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        m = re.match(r"^  - ([A-Za-z0-9_.-]+)", line)
        if in_deps and m:
            names.add(m.group(1).lower())
    return names - {"python", "pip"}


def test_environment_yml_matches_pyproject():
    project = _pyproject()["project"]
    expected = _requirement_names(project["dependencies"]) | _requirement_names(project["optional-dependencies"]["lab"])
    assert _conda_packages() == expected, (
        f"environment.yml lists {sorted(_conda_packages())}, pyproject.toml's dependencies + lab list {sorted(expected)}")


def test_notebooks_have_the_stamped_setup_badge_and_navigation():
    assert stamp_notebooks.notebook_paths(), "no notebooks found"
    assert stamp_notebooks.main(["--check"]) == 0, "run `python tools/stamp_notebooks.py`"


def test_every_notebook_opens_with_the_same_setup_cell():
    sources = set()
    for path in stamp_notebooks.notebook_paths():
        nb = json.loads(path.read_text())
        first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        sources.add("".join(first_code["source"]))
        assert "Open In Colab" in "".join(nb["cells"][0]["source"]), f"{path.name} has no Colab badge"
    assert sources == {stamp_notebooks.SETUP_SOURCE}


def test_notebooks_were_run_top_to_bottom_without_errors():
    for path in stamp_notebooks.notebook_paths():
        nb = json.loads(path.read_text())
        counts = [c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1)), f"{path.name}: stored run is not one clean top-to-bottom run"
        for c in nb["cells"]:
            for o in c.get("outputs", []):
                assert o.get("output_type") != "error", f"{path.name}: a stored output is an error"


def test_run_times_agree_in_notebooks_readme_and_the_measurement():
    """Each notebook's header, README's table and notebooks/run_times.json state the same run time."""
    times = stamp_notebooks.run_times()
    paths = stamp_notebooks.notebook_paths()
    assert set(times) == {p.name for p in paths}, (
        f"{stamp_notebooks.RUN_TIMES.name} has {sorted(times)}: run `make execute` (all notebooks) to measure them")
    readme = (ROOT / "README.md").read_text()
    total = 0
    for path in paths:
        figure = stamp_notebooks.seconds_text(times[path.name])
        total += times[path.name]
        nb = json.loads(path.read_text())
        header = [line for c in nb["cells"] if c["cell_type"] == "markdown"
                  for line in "".join(c["source"]).splitlines() if line.startswith("**Run time:**")]
        assert header == [stamp_notebooks.run_time_line(times[path.name])], (
            f"{path.name} states {header}, measured {figure}: run `python tools/stamp_notebooks.py`")
        row = next((r for r in readme.splitlines() if r.startswith(f"| {path.name[:2]} |")), "")
        assert f"| {figure} |" in row and f"notebooks/{path.name}" in row, (
            f"README's row for {path.name} is {row!r}, measured {figure}: run `python tools/stamp_notebooks.py`")
    assert f"the whole course runs in about {stamp_notebooks.seconds_text(total)}" in readme


def test_the_repository_url_lives_in_pyproject_only():
    """Badges, Binder link and install URL are all made from pyproject's [project.urls] Repository."""
    url = _pyproject()["project"]["urls"]["Repository"]
    assert stamp_notebooks.REPOSITORY_URL == url.rstrip("/")
    readme = (ROOT / "README.md").read_text()
    github = url.removeprefix("https://github.com/")
    for found in re.findall(r"https://(?:colab\.research\.google\.com/github|mybinder\.org/v2/gh)/([^/]+/[^/]+)/", readme):
        assert found == github, f"README links to {found}, pyproject says {github}"
    for path in stamp_notebooks.notebook_paths():
        text = path.read_text()
        assert stamp_notebooks.colab_url(path.name) in text, f"{path.name}: Colab badge not made from pyproject's URL"


def test_colab_python_is_the_same_in_constraints_makefile_and_environment_yml():
    """constraints/colab.txt records Colab's Python; the Makefile's Colab environment and Binder use it."""
    pinned = re.search(r"^# python==(\d+\.\d+)\s*$", (ROOT / "constraints" / "colab.txt").read_text(), re.M)
    assert pinned, "constraints/colab.txt should record Colab's Python as a line '# python==3.X'"
    make = re.search(r"^COLAB_PYTHON_VERSION\s*:?=\s*(\S+)", (ROOT / "Makefile").read_text(), re.M)
    assert make and make.group(1) == pinned.group(1), f"Makefile uses {make and make.group(1)}, Colab has {pinned.group(1)}"
    conda = re.search(r"^  - python=(\S+)", (ROOT / "environment.yml").read_text(), re.M)
    assert conda and conda.group(1) == pinned.group(1), f"environment.yml pins {conda and conda.group(1)}"


@pytest.mark.parametrize("path", stamp_notebooks.notebook_paths(), ids=lambda p: p.name[:2])
def test_every_assert_in_a_notebook_says_what_went_wrong(path):
    """A student who trips an assert reads its message: what went wrong and what to do."""
    import ast

    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or "setup" in cell.get("metadata", {}).get("tags", []):
            continue
        source = "\n".join(line for line in "".join(cell["source"]).splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Assert):
                assert node.msg is not None, f"{path.name}, cell {cell.get('id')}: assert without a message"
