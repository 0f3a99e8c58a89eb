"""The setup cell every notebook opens with (tools/stamp_notebooks.py) fails loudly and checks what it found.

Each test runs the stamped cell, as stored, in a fresh Python with IPython (so its `%matplotlib` line
works), in a folder of its own, with the course package hidden from that Python (the test
environment's editable install and PYTHONPATH are removed), as a student's Colab machine would be:
- simulated Colab (a fake `google.colab` module) and an unreachable repository: the cell itself raises
  one error naming the URL it tried and the ways out;
- simulated Colab and a `git+file://` repository standing in for the real one: the cell installs the
  course package (into a throwaway folder, never into the test environment) and imports it;
- a stray `helpers.py` in the working folder: the cell says that this file hides the course package;
- a different package called `helpers`: the cell says it is not the course's;
- a clone opened without installing: the cell finds the package one folder up.
"""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import stamp_notebooks  # noqa: E402

# Runs the cell given as argv[1] the way a notebook would, then prints where `helpers` came from.
RUNNER = textwrap.dedent("""
    import os, sys, types
    from pathlib import Path
    # hide the course package: the editable install's import hook, and any path holding a helpers/ folder
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
    sys.path[:] = [p for p in sys.path if p == "" or not (Path(p) / "helpers").exists()]
    sys.path.insert(0, os.getcwd())  # a notebook's kernel imports from its folder first
    if os.environ.get("FAKE_COLAB"):
        sys.modules["google"] = types.ModuleType("google")
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    if os.environ.get("PIP_TARGET"):  # where the simulated Colab installs; on Colab it is site-packages
        sys.path.append(os.environ["PIP_TARGET"])
    import matplotlib
    matplotlib.use("Agg")
    from IPython.core.interactiveshell import InteractiveShell
    InteractiveShell.enable_gui = lambda self, gui=None: None  # `%matplotlib inline` needs no event loop here
    shell = InteractiveShell.instance(colors="NoColor")
    result = shell.run_cell(Path(sys.argv[1]).read_text())
    if not result.success:
        e = result.error_in_exec or result.error_before_exec
        print(f"SETUP FAILED {type(e).__name__}: {e}")
        sys.exit(3)
    import helpers
    print("HELPERS FROM", Path(helpers.__file__).resolve().parent)
""")


def run_setup(folder, env_extra=None, timeout=240):
    folder.mkdir(parents=True, exist_ok=True)
    cell = folder.parent / "setup_cell.py"
    cell.write_text(stamp_notebooks.SETUP_SOURCE)
    runner = folder.parent / "runner.py"
    runner.write_text(RUNNER)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NN_COURSE_URL", "PIP_TARGET")}
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, str(runner), str(cell)], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout + proc.stderr


def course_repository(tmp_path):
    """A git repository holding the course package, as the real one does (pyproject, README, LICENSE, helpers)."""
    repo = tmp_path / "course-repo"
    repo.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(ROOT / "helpers", repo / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"]
    for cmd in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "course"]):
        subprocess.run(git + cmd, cwd=repo, check=True, capture_output=True)
    return repo


def test_the_setup_cell_is_the_stamped_one():
    assert "google.colab" in stamp_notebooks.SETUP_SOURCE
    assert stamp_notebooks.INSTALL_URL in stamp_notebooks.SETUP_SOURCE, "the install URL comes from pyproject.toml"
    assert stamp_notebooks.INSTALL_URL.startswith("git+https://"), stamp_notebooks.INSTALL_URL


def test_without_the_package_outside_colab_it_says_how_to_install(tmp_path):
    code, out = run_setup(tmp_path / "work")
    assert code == 3, out
    assert "SETUP FAILED ModuleNotFoundError" in out and "pip install -e ." in out, out


def test_colab_with_an_unreachable_repository_raises_one_clear_error(tmp_path):
    url = "git+https://127.0.0.1:9/nobody/no-such-course.git@main"  # port 9 (discard): nothing answers
    code, out = run_setup(tmp_path / "content", {"FAKE_COLAB": "1", "NN_COURSE_URL": url,
                                                 "PIP_TARGET": str(tmp_path / "site"), "GIT_TERMINAL_PROMPT": "0"})
    assert code == 3, out
    assert "SETUP FAILED ModuleNotFoundError: Could not install the course package" in out, out
    assert url in out, "the error names the URL it tried"
    for way_out in ("Check the network", "Upload the repository", "Set the URL", "NN_COURSE_URL"):
        assert way_out in out, f"the error does not mention {way_out!r}:\n{out}"
    assert "No module named 'helpers'" not in out


def test_colab_installs_the_course_from_a_reachable_repository(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = course_repository(tmp_path)
    site = tmp_path / "site"
    code, out = run_setup(tmp_path / "content", {"FAKE_COLAB": "1", "NN_COURSE_URL": f"git+file://{repo}@main",
                                                 "PIP_TARGET": str(site), "GIT_TERMINAL_PROMPT": "0"})
    assert code == 0, out
    assert f"HELPERS FROM {(site / 'helpers').resolve()}" in out, out
    assert (site / "helpers" / "layers.py").is_file()


def test_a_stray_helpers_py_is_named(tmp_path):
    work = tmp_path / "content"
    work.mkdir()
    (work / "helpers.py").write_text("def useful():\n    return 1\n")
    for extra in ({}, {"FAKE_COLAB": "1", "NN_COURSE_URL": "git+https://127.0.0.1:9/x.git"}):
        code, out = run_setup(work, extra)
        assert code == 3, out
        assert f"SETUP FAILED ImportError: A file named {work / 'helpers.py'} hides the course package" in out, out


def test_another_package_called_helpers_is_not_taken_for_the_course(tmp_path):
    work = tmp_path / "content"
    (work / "helpers").mkdir(parents=True)
    (work / "helpers" / "__init__.py").write_text('"""Somebody else\'s helpers."""\n')
    code, out = run_setup(work)
    assert code == 3, out
    assert "is not this course's" in out and str(work / "helpers") in out, out


def test_a_clone_opened_without_installing_finds_the_package_one_folder_up(tmp_path):
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "helpers", clone / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    code, out = run_setup(clone / "notebooks")
    assert code == 0, out
    assert f"HELPERS FROM {(clone / 'helpers').resolve()}" in out, out


def test_the_course_marker_is_what_decides(tmp_path):
    """A package marked as the course's passes even without the usual files; a wrong marker fails."""
    for marker, expected in (('"nn-from-scratch"', 0), ('"some-other-course"', 3)):
        work = tmp_path / marker.strip('"') / "content"
        (work / "helpers").mkdir(parents=True)
        (work / "helpers" / "__init__.py").write_text(f"__course__ = {marker}\n")
        code, out = run_setup(work)
        assert code == expected, out
