"""Execute every notebook headless and export it (executed .ipynb + HTML) next to the figures and tables.

``python -m ipm_analysis report`` builds the data and then calls ``run_report()``. Notebooks run in order
(``NN_name.ipynb``) with nbclient in the notebooks folder; a failing cell stops the report with a one-line
message naming the notebook and the cell.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from . import config


class NotebookError(RuntimeError):
    """A notebook cell failed; the message names the notebook and the cell."""


def notebooks(folder: Path | None = None) -> list[Path]:
    """The project's notebooks in run order."""
    folder = Path(folder or config.notebooks_dir())
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def execute_notebook(path: Path, out_dir: Path, *, timeout: int = 600) -> Path:
    """Execute one notebook; write ``out_dir/<name>.ipynb`` and ``.html``; return the executed path."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        cell = next((i for i, c in enumerate(nb.cells)
                     if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))),
                    None)
        last = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"{path.name}: cell {cell} failed: {last}") from None
    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / path.name
    nbformat.write(nb, executed)
    html, _ = HTMLExporter().from_notebook_node(nb)
    executed.with_suffix(".html").write_text(html, encoding="utf-8")
    return executed


def run_report(paths: list[Path] | None = None, *, out_dir: Path | None = None, timeout: int = 600,
               jobs: int | None = None) -> list[Path]:
    """Execute the notebooks (``jobs`` kernels at a time, default one per core), printing the time each took;
    returns the executed notebooks in run order. Notebooks only read the processed tables and write
    distinct figures, so they are independent of each other."""
    from concurrent.futures import ThreadPoolExecutor

    out_dir = Path(out_dir or config.executed_notebooks_dir())
    paths = list(paths or notebooks())
    if not paths:
        raise NotebookError(f"no notebooks (NN_name.ipynb) found in {config.notebooks_dir()}")
    jobs = jobs or min(len(paths), os.cpu_count() or 1) or 1

    def one(path: Path) -> Path:
        t0 = time.perf_counter()
        executed = execute_notebook(path, out_dir, timeout=timeout)
        print(f"  {path.name:<40} {time.perf_counter() - t0:6.1f} s", flush=True)
        return executed

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        done = list(pool.map(one, paths))
    figures = sorted(config.figures_dir().glob("*.png")) if config.figures_dir().exists() else []
    tables = sorted(config.tables_dir().glob("*.csv")) if config.tables_dir().exists() else []
    print(f"reports/: {len(done)} notebooks, {len(figures)} figures (PNG+SVG), {len(tables)} tables")
    return done
