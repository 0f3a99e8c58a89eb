"""Re-run notebooks from a fresh kernel, top to bottom, and store their outputs in place.

Usage: python tools/execute_notebooks.py [--no-write] [notebooks/NN_name.ipynb ...]   (default: all)
Prints how long each notebook took; the run stops at the first notebook with an error, and
that notebook's file is left unchanged. With --no-write nothing is stored: the run only proves
that every cell runs without error (used for the Colab-pinned environment in `make test`).
The kernel is the Python running this script.

A full run (all notebooks, outputs stored) also records each notebook's run time in
notebooks/run_times.json; `tools/stamp_notebooks.py` then writes those figures into each notebook's
header and README's table (`make execute` does both). Runs of single notebooks leave it alone, so
the figures always come from one run of the whole course.
"""

import copy
import json
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

ROOT = Path(__file__).resolve().parent.parent
RUN_TIMES = ROOT / "notebooks" / "run_times.json"


def all_notebooks():
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


# nbclient sometimes waits for ever on a cell that displays widgets although the kernel is idle (an open
# upstream issue, jupyter/nbclient#312): a cell that takes longer than this is given up and the notebook
# is run once more in a fresh kernel. The slowest cell (06's training) takes about half a minute.
CELL_TIMEOUT = int(os.environ.get("NN_CELL_TIMEOUT", "300"))


def _run_once(nb, folder, kernel_python):
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(folder)}})
    # run the kernel with this interpreter, whatever "python" is on the PATH
    client.km = client.create_kernel_manager()
    client.km.kernel_cmd = [kernel_python or sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def run(nb, folder, kernel_python=None):
    """Execute notebook ``nb`` (in place) in a fresh kernel started in ``folder``; return the seconds it took.

    A cell that hangs (see CELL_TIMEOUT) is retried once, with the whole notebook in a new kernel.
    """
    pristine = copy.deepcopy(nb)
    try:
        return _run_once(nb, folder, kernel_python)
    except CellTimeoutError as err:
        print(f"  a cell took more than {CELL_TIMEOUT} s ({str(err).splitlines()[0][:80]}); "
              f"running the notebook again in a fresh kernel", file=sys.stderr, flush=True)
    nb.clear()
    nb.update(copy.deepcopy(pristine))
    return _run_once(nb, folder, kernel_python)


def coalesce_streams(nb):
    """Merge each cell's consecutive outputs of one stream into one, as a reader sees them: a loop that
    prints one line per epoch is stored as one block of lines, not one fragment per print."""
    for cell in nb.cells:
        merged = []
        for out in cell.get("outputs", []):
            if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == out.get("name")):
                merged[-1]["text"] = "".join(merged[-1]["text"]) + "".join(out["text"])
            else:
                merged.append(out)
        if "outputs" in cell:
            cell["outputs"] = merged


def execute(path, write=True):
    nb = nbformat.read(path, as_version=4)
    seconds = run(nb, path.parent)
    coalesce_streams(nb)
    if write:
        nbformat.write(nb, path)  # written only after the whole notebook ran without error
    return seconds


def record_run_times(times):
    RUN_TIMES.write_text(json.dumps({
        "about": "Seconds per notebook, top to bottom from a fresh kernel, measured by the last full run of "
                 "tools/execute_notebooks.py; tools/stamp_notebooks.py copies them into the notebooks and README.",
        "measured_on": {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()},
        "seconds": {name: round(s, 1) for name, s in times.items()},
    }, indent=1, ensure_ascii=False) + "\n")


def main(argv):
    write = "--no-write" not in argv
    argv = [a for a in argv if a != "--no-write"]
    paths = [Path(p).resolve() for p in argv] or all_notebooks()
    full = write and sorted(paths) == all_notebooks()
    times = {}
    for path in paths:
        print(f"executing {path.name} ...", flush=True)
        times[path.name] = execute(path, write)
        print(f"  {path.name}: {times[path.name]:.1f} s", flush=True)
    print(f"all {len(paths)} notebooks: {sum(times.values()):.1f} s")
    if full:
        record_run_times(times)
        print(f"run times recorded in {RUN_TIMES.relative_to(ROOT)}: run tools/stamp_notebooks.py to copy them "
              "into the notebooks and README")


if __name__ == "__main__":
    main(sys.argv[1:])
