"""Run single cells of the stored notebooks in a test: the answer tests feed check cells right and wrong answers.

``run_cell(path, "grader-backprop_gradients", ns)`` executes that cell's source in the dict ``ns``, as the
notebook would, and returns the value of its last expression (what the notebook would display), or None.
IPython magics (``%...``) and shell lines (``!...``) are dropped.
"""

import ast
import contextlib
import functools
import io
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def notebook_path(name):
    """'03' or '03_backprop' or a path -> the notebook's Path."""
    p = Path(name)
    if p.suffix == ".ipynb":
        return p if p.exists() else NOTEBOOKS / p.name
    matches = sorted(NOTEBOOKS.glob(f"{name}*.ipynb"))
    if len(matches) != 1:
        raise FileNotFoundError(f"no single notebook matches {name!r} in {NOTEBOOKS}: {matches}")
    return matches[0]


def cells(name):
    """{cell id: cell} of a notebook."""
    nb = json.loads(notebook_path(name).read_text())
    return {c.get("id"): c for c in nb["cells"]}


def cells_tagged(name, tag):
    """The ids of the cells carrying ``tag``, in notebook order."""
    nb = json.loads(notebook_path(name).read_text())
    return [c.get("id") for c in nb["cells"] if tag in c.get("metadata", {}).get("tags", [])]


def cell_source(name, cell_id):
    """The source of one cell, with IPython magics and shell lines dropped."""
    all_cells = cells(name)
    if cell_id not in all_cells:
        raise KeyError(f"{notebook_path(name).name} has no cell with id {cell_id!r}; ids: {sorted(map(str, all_cells))}")
    lines = "".join(all_cells[cell_id]["source"]).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def run_source(source, namespace, filename="<cell>"):
    """Execute ``source`` in ``namespace``; return the value of its last expression statement, or None."""
    tree = ast.parse(source, filename=filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        return eval(compile(last, filename, "eval"), namespace)
    return None


def run_cell(name, cell_id, namespace):
    """Run one cell of a stored notebook in ``namespace`` and return what it would display (or None)."""
    return run_source(cell_source(name, cell_id), namespace, filename=f"{notebook_path(name).name}:{cell_id}")


@functools.lru_cache(maxsize=None)
def namespace_with(notebook, function_name):
    """Execute the code cells of ``notebook`` until ``def function_name`` is defined; return the namespace.

    Cells tagged "setup" are replaced by plain imports, cells that display a panel (tagged
    "nbval-ignore-output") are skipped, IPython magics (lines starting with % or !) are dropped, and
    what the cells print is swallowed (a benchmark prints only its own figures).
    """
    path = notebook_path(notebook)
    nb = json.loads(path.read_text())
    import matplotlib.pyplot as plt

    ns = {"__name__": "__notebook__"}
    exec("import numpy as np\nimport matplotlib.pyplot as plt", ns)
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "setup" in tags or "nbval-ignore-output" in tags:
            continue
        source = "".join(cell["source"])
        code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, f"{path.name}:{cell.get('id')}", "exec"), ns)
        plt.close("all")
        if f"def {function_name}(" in source:
            return ns
    raise LookupError(f"{path.name} defines no function {function_name!r}: is the function renamed?")


def run_notebook(name, replace=None, until=None):
    """Run notebook ``name``'s code cells in order (no setup, no panel display) in a fresh namespace.

    replace: {cell id: source} to run instead of the stored source; until: stop after this cell id.
    Returns (namespace, {cell id: printed text}).
    """
    ns = {"__name__": "__notebook__"}
    exec("import numpy as np\nimport matplotlib.pyplot as plt", ns)
    printed = {}
    for cid, cell in cells(name).items():
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "setup" in tags or "nbval-ignore-output" in tags:
            continue
        source = (replace or {}).get(cid, cell_source(name, cid))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            ns["_last"] = run_source(source, ns, filename=f"{notebook_path(name).name}:{cid}")
        printed[cid] = out.getvalue()
        import matplotlib.pyplot as plt

        plt.close("all")
        if cid == until:
            break
    return ns, printed
