"""Run a notebook's code up to the cell that defines a slider callback, so a benchmark can time it.

Cells tagged "setup" are replaced by plain imports and cells that display a panel
(tagged "nbval-ignore-output") are skipped; IPython magics (lines starting with %) are dropped.
"""

import contextlib
import functools
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=None)
def namespace_with(notebook, function_name):
    """Execute the code cells of ``notebook`` until ``def function_name`` is defined; return the namespace.

    What the cells print is swallowed, so a benchmark prints only its own figures.
    """
    path = ROOT / "notebooks" / notebook
    nb = json.loads(path.read_text())
    ns = {"__name__": "__notebook__"}
    exec("import numpy as np\nimport matplotlib.pyplot as plt", ns)
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "setup" in tags or "nbval-ignore-output" in tags:
            continue
        source = "".join(cell["source"])
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, f"{path.name}:{cell.get('id')}", "exec"), ns)
        if f"def {function_name}(" in source:
            return ns
    raise LookupError(f"{path.name} defines no function {function_name!r}")


def time_callback(fn, kwargs, repeats=20):
    """Median and max wall time in seconds of fn(**kwargs) including drawing the figure, over ``repeats`` calls."""
    import statistics
    import time

    import matplotlib.pyplot as plt

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            fn(**kwargs)
        plt.gcf().canvas.draw()  # render, as the browser would receive it
        plt.close("all")
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)
