"""Re-run notebooks from a fresh kernel, top to bottom, and store their outputs in place.

Usage: python tools/execute_notebooks.py [--no-write] [notebooks/NN_name.ipynb ...]   (default: all)
Prints how long each notebook took; the run stops at the first notebook with an error, and
that notebook's file is left unchanged. With --no-write nothing is stored: the run only proves
that every cell runs without error (used for the Colab-pinned environment in `make test`).
The kernel is the Python running this script.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def execute(path, write=True):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=1800, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    # run the kernel with this interpreter, whatever "python" is on the PATH
    client.km = client.create_kernel_manager()
    client.km.kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    if write:
        nbformat.write(nb, path)  # written only after the whole notebook ran without error
    return seconds


def main(argv):
    write = "--no-write" not in argv
    argv = [a for a in argv if a != "--no-write"]
    paths = [Path(p).resolve() for p in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for path in paths:
        print(f"executing {path.name} ...", flush=True)
        seconds = execute(path, write)
        total += seconds
        print(f"  {path.name}: {seconds:.1f} s", flush=True)
    print(f"all {len(paths)} notebooks: {total:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
