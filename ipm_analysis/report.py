"""Execute the notebooks headless and export them (executed .ipynb + HTML with every chart inline) beside the
figures, the tables and ``reports/provenance.json``.

``python -m ipm_analysis report`` builds the data and then calls ``run_report()``. Notebooks (``NN_name.ipynb``)
run with nbclient in the notebooks folder, each in its own kernel over IPC (no TCP port, hence no "running over
TCP without encryption" warning) with matplotlib's inline backend, so the charts they draw are in the executed
notebook and its HTML. When two or more notebooks run, their kernels are forked from one process that has
imported their libraries once (``ipm_analysis.kernels``; ``IPM_ANALYSIS_FORK_KERNELS=0`` starts each kernel
as a new process instead).

Parameters follow papermill's convention: values given with ``-p name value`` go into a code cell tagged
``injected-parameters`` placed right after the cell tagged ``parameters``, and are recorded in the executed
notebook under ``metadata.papermill.parameters``. A notebook gets only the parameters its ``parameters`` cell
declares; a parameter no notebook of the run declares is a warning, not an error.

A notebook is executed again only if something it depends on changed since its last successful run: the
notebook file, its parameters, the processed tables (the build's index) and the raw inputs, the package's code
and data files, the installed packages and Python, the figure formats, and its outputs (executed notebook, HTML,
figures, tables) must all still be there with the bytes recorded then. Otherwise its outputs are reused as they
are, like make's up-to-date targets (``reports/provenance.json`` marks it ``"cache": "reused"`` and names the
commit that made them; see docs/report.md). ``run_report(force=True)`` (``report --force``) executes every
notebook. The record of each successful run is ``.cache/report/<name>.json``.

One failing notebook does not stop the others. Its previous exports are removed and the partly executed
notebook is written as ``<name>.failed.ipynb`` / ``.failed.html`` with a banner naming the failing cell; figures
and tables it made in an earlier run and did not remake are removed, since they are no longer current. The
report then raises ``NotebookError`` with one line per failure (notebook, cell, error, without colour codes).
"""
from __future__ import annotations

import ast
import asyncio
import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from . import config, provenance
from .store import atomic_write, file_sha256

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
CACHE_FORMAT = 1   # bump when what a notebook's run depends on (run_inputs) changes meaning
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")   # CSI sequences: IPython's coloured tracebacks
_print_lock = threading.Lock()
# One BLAS/OpenMP thread per kernel (unless the caller's environment says otherwise): the report already runs one
# kernel per core, and OpenBLAS's idle threads spin, so two kernels of two threads each on two cores ran notebook
# 03's NMF 4x slower than one alone (about 4 s each side by side against 1.1 s). One thread also keeps a
# kernel's sums in the same order whatever the machine's number of cores.
THREAD_LIMITS = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


class NotebookError(RuntimeError):
    """One or more notebooks failed; the message has one line per failure naming notebook, cell and error."""

    def __init__(self, message: str, results: list[NotebookResult] | None = None):
        super().__init__(message)
        self.results = results or []


class UnknownParameterWarning(UserWarning):
    """A parameter was passed that no notebook of the run declares in its ``parameters`` cell."""


@dataclass
class NotebookResult:
    """What became of one notebook: its executed export (None if it failed), parameters and outputs."""

    path: Path
    executed: Path | None
    seconds: float
    parameters: dict = field(default_factory=dict)
    error: str | None = None
    outputs: list[dict] = field(default_factory=list)
    default_parameters: dict = field(default_factory=dict)
    reused: bool = False          # its last run's outputs were current: not executed (see run_inputs)
    made_by: dict | None = None   # git state of the run that made reused outputs

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def ok(self) -> bool:
        return self.error is None


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes."""
    return ANSI.sub("", text)


def notebooks(folder: Path | None = None) -> list[Path]:
    """The project's notebooks in run order."""
    folder = Path(folder or config.notebooks_dir())
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def select_notebooks(paths: list[Path], wanted: list[str]) -> list[Path]:
    """The notebooks matching ``wanted`` (``04``, ``04_agency_load`` or ``04_agency_load.ipynb``), in run order;
    an unmatched name is an error naming the notebooks there are."""
    chosen = []
    for w in wanted:
        hits = [p for p in paths if w in (p.name, p.stem, p.stem.split("_")[0])]
        if not hits:
            raise NotebookError(f"no notebook matches {w!r} (there are: {', '.join(p.stem for p in paths)})")
        chosen += hits
    return [p for p in paths if p in chosen]


def parse_value(text: str):
    """A ``-p`` value as papermill reads it: a Python literal (``None``, ``3``, ``['a', 'b']``), else YAML
    (``null``, ``[a, b]``), else the string itself."""
    import yaml

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    # YAML 1.1 reads 2018_01 as an int and dates as date objects; keep such values as typed
    return value if isinstance(value, (str, int, float, bool, list, dict, type(None))) else text


class _Node(dict):
    """Attribute access to a notebook's JSON, as nbformat's NotebookNode gives it."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def read_cells(path: Path):
    """The notebook at ``path`` for reading its cells (``nb.cells``, ``cell.cell_type``, ``cell.source`` as one
    string): its JSON without nbformat, whose import takes 1.5 s (the schema validator's dependencies), which is
    most of a report that reuses every notebook. Notebooks before format 4 are read with nbformat."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("nbformat", 0) < 4:
        import nbformat

        return nbformat.read(path, as_version=4)
    cells = [_Node(c, source="".join(c.get("source", "")), metadata=c.get("metadata") or {})
             for c in data.get("cells", [])]
    return _Node(data, cells=cells)


def _cell_tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def declared_parameters(nb) -> dict:
    """Names assigned in the cell tagged ``parameters``, with their default (a literal, else its source)."""
    cell = next((c for c in nb.cells if c.cell_type == "code" and PARAMETERS_TAG in _cell_tags(c)), None)
    if cell is None:
        return {}
    tree = ast.parse(cell.source)
    declared = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name) and node.value is not None:
                try:
                    declared[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    declared[target.id] = ast.get_source_segment(cell.source, node.value)
    return declared


def inject_parameters(nb, parameters: dict) -> int | None:
    """Insert (or replace) the cell tagged ``injected-parameters`` after the ``parameters`` cell (at the top if
    there is none); returns its index, or None if ``parameters`` is empty. Modifies ``nb``."""
    import nbformat

    nb.cells = [c for c in nb.cells if INJECTED_TAG not in _cell_tags(c)]
    if not parameters:
        return None
    lines = ["# Parameters"] + [f"{k} = {v!r}" for k, v in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines) + "\n", metadata={"tags": [INJECTED_TAG]})
    cell["id"] = INJECTED_TAG   # a fixed id: a random one would make two runs differ
    at = next((i + 1 for i, c in enumerate(nb.cells) if PARAMETERS_TAG in _cell_tags(c)), 0)
    nb.cells.insert(at, cell)
    return at


def _export(nb, target: Path) -> None:
    """Write ``nb`` to ``target`` (.ipynb) and its HTML beside it, each through a temp file."""
    import nbformat
    from nbconvert import HTMLExporter

    atomic_write(target, nbformat.writes(nb).encode("utf-8"))
    html, _ = HTMLExporter().from_notebook_node(nb)
    atomic_write(target.with_suffix(".html"), html.encode("utf-8"))


def _failure_line(path: Path, nb, injected_at: int | None, exc: BaseException) -> str:
    """``name: cell N (first line of it): Error: message`` with N counted in the source notebook (1-based)."""
    at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"
               and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        error = f"{ename}: {evalue}" if evalue else ename
    else:
        text = str(exc).strip()
        # nbclient's timeout message ends with the cell's source between dashes: its first line says what happened
        shown = text.splitlines()[0 if isinstance(exc, TimeoutError) else -1] if text else ""
        error = f"{type(exc).__name__}: {shown}" if text else type(exc).__name__
    error = " ".join(strip_ansi(error).split())
    if at is None:
        return f"{path.name}: {error}"
    number = at + 1 - (injected_at is not None and at > injected_at)
    if injected_at is not None and at == injected_at:
        where = "the injected parameters"
    else:
        first = next((ln.strip() for ln in nb.cells[at].source.splitlines() if ln.strip()), "")
        where = f"cell {number} ({first[:50] + ('…' if len(first) > 50 else '')})"
    return f"{path.name}: {where}: {error}"


_clients: set = set()   # the NotebookClients executing now (worker threads of run_report)


def _kill_kernels() -> None:
    """Kill every kernel executing a notebook now (each leads a process group of its own): their notebooks then
    fail at once with a dead kernel, instead of running to their end after a Ctrl-C."""
    import signal

    for client in list(_clients):
        pid = getattr(getattr(getattr(client, "km", None), "provisioner", None), "pid", None)
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:   # ended meanwhile
                pass


def kernel_base_environment() -> dict[str, str]:
    """The environment of every kernel (and of the zygote that forks them): this process's, with one BLAS
    thread unless it says otherwise, matplotlib's inline backend and Jupyter's platform folders."""
    return {**THREAD_LIMITS, **os.environ, "MPLBACKEND": INLINE_BACKEND, "JUPYTER_PLATFORM_DIRS": "1"}


def execute_notebook(path: Path, out_dir: Path, *, parameters: dict | None = None, timeout: int = 600,
                     ipc_dir: Path | None = None) -> NotebookResult:
    """Execute one notebook with ``parameters`` injected; export ``out_dir/<name>.ipynb`` and ``.html`` (or
    the ``.failed`` pair, see the module docstring); never raises for a failing cell."""
    import nbformat
    from nbclient import NotebookClient
    from traitlets.config import Config

    from . import kernels

    t0 = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    declared = declared_parameters(nb)
    parameters = {k: v for k, v in (parameters or {}).items() if k in declared}
    injected_at = inject_parameters(nb, parameters)
    nb.metadata["papermill"] = {"input_path": f"notebooks/{path.name}", "output_path": f"{path.stem}.ipynb",
                                "default_parameters": declared, "parameters": parameters}
    ipc_dir = Path(ipc_dir or tempfile.gettempdir())
    # IPC sockets are files named <ip>-<port>: a prefix per notebook keeps parallel kernels apart
    cfg = Config({"KernelManager": {"transport": "ipc", "ip": str(ipc_dir / path.stem)}})
    env = {**kernel_base_environment(), **provenance.kernel_environment(path.stem)}
    provenance.clear_sidecar(path.stem)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", config=cfg,
                            kernel_manager_class=kernels.ForkedKernelManager,
                            resources={"metadata": {"path": str(path.parent)}})
    out_dir.mkdir(parents=True, exist_ok=True)
    target, failed = out_dir / path.name, out_dir / f"{path.stem}.failed.ipynb"
    _clients.add(client)
    try:
        # a loop of our own, closed at the end (the sync wrapper leaves one per worker thread unclosed)
        asyncio.run(client.async_execute(env=env))
    except Exception as exc:  # a cell error, a timeout or a dead kernel: this notebook failed, the rest go on
        line = _failure_line(path, nb, injected_at, exc)
        for stale in (target, target.with_suffix(".html")):
            stale.unlink(missing_ok=True)
        nb.metadata["ipm_analysis"] = {"status": "failed", "error": line}
        banner = nbformat.v4.new_markdown_cell(
            f"**FAILED: this notebook did not run to the end.** `{line}`\n\n"
            "Outputs stop at the failing cell; figures and tables after it are not current.")
        banner["id"] = "report-failed"
        nb.cells.insert(0, banner)
        _export(nb, failed)
        return NotebookResult(path, None, time.perf_counter() - t0, parameters, line,
                              provenance.read_sidecar(path.stem), declared)
    finally:
        _clients.discard(client)
    nb.metadata["ipm_analysis"] = {"status": "ok"}
    _export(nb, target)
    for stale in (failed, failed.with_suffix(".html")):
        stale.unlink(missing_ok=True)
    return NotebookResult(path, target, time.perf_counter() - t0, parameters, None,
                          provenance.read_sidecar(path.stem), declared)

# --------------------------------------------------------------------------------------------------------------
# results cache: a notebook whose inputs and outputs are as at its last successful run is not executed again


def code_fingerprint(pkg: Path | None = None) -> str:
    """sha256 over every source and data file of the package the kernels import (``ipm_analysis/``)."""
    pkg = Path(pkg or Path(__file__).resolve().parent)
    digest = hashlib.sha256()
    for p in sorted(pkg.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"):
            digest.update(p.relative_to(pkg).as_posix().encode() + b"\0" + file_sha256(p).encode())
    return digest.hexdigest()


def run_inputs() -> dict:
    """What every notebook of this run depends on besides its own file and parameters: the processed tables
    (sha256 of the build's index, which names every part file by content), the raw inputs, the package's code
    and data, the installed packages, Python, the figure formats and the project's other settings from the
    environment (``IPM_ANALYSIS_*`` but the root, which only moves the files)."""
    from .store import INDEX

    index = config.processed_dir() / INDEX
    settings = {k: v for k, v in sorted(os.environ.items()) if k.startswith("IPM_ANALYSIS_") and k not in (
        "IPM_ANALYSIS_ROOT", provenance.ENV_NOTEBOOK, provenance.ENV_COMMIT, provenance.ENV_DIRTY)}
    return {"format": CACHE_FORMAT, "tables": file_sha256(index) if index.exists() else None,
            "inputs": provenance.input_hashes(), "code": code_fingerprint(),
            "packages": provenance.package_versions(), "python": sys.version.split()[0],
            "platform": sys.platform, "figure_formats": list(config.figure_formats()), "settings": settings}


def _notebook_key(path: Path, parameters: dict, common: dict) -> str:
    """The cache key of running ``path`` with ``parameters`` (only those it declares count) on ``common``."""
    declared = declared_parameters(read_cells(path))
    used = {k: v for k, v in parameters.items() if k in declared}
    blob = json.dumps({"notebook": file_sha256(path), "parameters": used, **common}, sort_keys=True,
                      ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def cache_path(notebook: str) -> Path:
    return config.cache_dir() / "report" / f"{notebook}.json"


def _exports(target: Path) -> dict[str, str]:
    return {str(p): file_sha256(p) for p in (target, target.with_suffix(".html"))}


def _remember(result: NotebookResult, key: str) -> None:
    """Record a successful run of ``result``'s notebook under ``key``, with the hashes of all it wrote."""
    entry = {"key": key, "seconds": round(result.seconds, 2), "executed": str(result.executed),
             "exports": _exports(result.executed),
             "outputs": result.outputs, "parameters": result.parameters,
             "default_parameters": result.default_parameters, "made_by": provenance.git_state()}
    atomic_write(cache_path(result.path.stem), json.dumps(entry, ensure_ascii=False, indent=1).encode("utf-8"))


def _reusable(path: Path, key: str, out_dir: Path) -> NotebookResult | None:
    """The result of the last successful run of ``path`` if it was made under ``key`` into ``out_dir`` and
    everything it wrote is still there, byte for byte; else None."""
    t0 = time.perf_counter()
    try:
        entry = json.loads(cache_path(path.stem).read_text(encoding="utf-8"))
        if entry.get("key") != key or Path(entry["executed"]) != out_dir / path.name:
            return None
        root = config.reports_dir()
        files = {**entry["exports"], **{str(root / o["path"]): o["sha256"] for o in entry["outputs"]}}
        if any(not Path(p).is_file() or file_sha256(Path(p)) != sha for p, sha in files.items()):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return NotebookResult(path, Path(entry["executed"]), time.perf_counter() - t0, entry["parameters"], None,
                          entry["outputs"], entry["default_parameters"], reused=True, made_by=entry["made_by"])


def _longest_first(paths: list[Path]) -> list[Path]:
    """``paths`` in the order to start them: the longest at their last successful run first (so that no long
    notebook starts last, with one core idle meanwhile), notebooks never run before them, else name order."""
    def last_seconds(path: Path) -> float:
        try:
            return float(json.loads(cache_path(path.stem).read_text(encoding="utf-8"))["seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            return float("inf")
    return sorted(paths, key=lambda p: -last_seconds(p))   # stable: ties keep name order


def _previous_record() -> dict:
    """The last report's provenance.json (empty if none or unreadable)."""
    try:
        return json.loads((config.reports_dir() / "provenance.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remove_stale(result: NotebookResult, before: list[str]) -> list[str]:
    """Delete what a notebook made last time and did not remake (it is no longer current): a failed notebook's
    old outputs, and figures a notebook no longer draws (a parameter, or the corpus, changed what it shows)."""
    remade = {o["path"] for o in result.outputs}
    root = config.reports_dir().resolve()
    removed = []
    for rel in before:
        path = (root / rel).resolve()
        if rel not in remade and path.is_relative_to(root) and path.exists():
            path.unlink()
            removed.append(rel)
    return removed


def run_report(paths: list[Path] | None = None, *, out_dir: Path | None = None, timeout: int = 600,
               jobs: int | None = None, parameters: dict | None = None,
               force: bool = False) -> list[NotebookResult]:
    """Execute the notebooks (``jobs`` kernels at a time, default one per core) with ``parameters``, printing
    one line per notebook (name, seconds, ok/failed/reused) and writing ``reports/provenance.json``; returns one
    result per notebook in run order, or raises ``NotebookError`` after all have run if any failed.
    Notebooks only read the processed tables and write distinct figures, so they are independent. A notebook
    whose last successful run is still current (see the module docstring) is reused unless ``force``."""
    from concurrent.futures import ThreadPoolExecutor, wait

    out_dir = Path(out_dir or config.executed_notebooks_dir())
    paths = list(paths or notebooks())
    if not paths:
        raise NotebookError(f"no notebooks (NN_name.ipynb) found in {config.notebooks_dir()}")
    parameters = dict(parameters or {})
    for name, value in parameters.items():   # the executed notebook and provenance.json record them as JSON
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise NotebookError(f"parameter {name!r}: {value!r} is not a JSON value (a set or bytes cannot "
                                "be recorded; use a list)") from None
    _warn_undeclared(paths, parameters)
    previous = _previous_record()
    common = run_inputs()
    keys: dict[Path, str | None] = {}
    reused: dict[Path, NotebookResult] = {}
    for path in paths:
        try:
            keys[path] = _notebook_key(path, parameters, common)
        except Exception:  # an unreadable notebook: it fails when it runs, with its own message
            keys[path] = None
        hit = None if force or keys[path] is None else _reusable(path, keys[path], out_dir)
        if hit is not None:
            reused[path] = hit
    to_run = [p for p in paths if p not in reused]
    jobs = jobs or min(len(to_run), os.cpu_count() or 1) or 1
    before = {nb["name"]: [o["path"] for o in nb.get("outputs", [])] for nb in previous.get("notebooks", [])}

    with tempfile.TemporaryDirectory(prefix="ipm-kernels-") as ipc_dir:
        def one(path: Path) -> NotebookResult:
            t0 = time.perf_counter()
            try:
                result = execute_notebook(path, out_dir, parameters=parameters, timeout=timeout,
                                          ipc_dir=Path(ipc_dir))
            except Exception as exc:  # an unreadable notebook, a kernel that cannot start: this one fails
                error = " ".join(strip_ansi(str(exc)).split()) or type(exc).__name__
                result = NotebookResult(path, None, time.perf_counter() - t0,
                                        error=f"{path.name}: {type(exc).__name__}: {error}")
            if result.ok and keys[path] is not None:
                _remember(result, keys[path])
            else:
                cache_path(path.stem).unlink(missing_ok=True)
            with _print_lock:
                print(f"  {path.name:<40} {result.seconds:6.1f} s  {'ok' if result.ok else 'FAILED'}",
                      flush=True)
            return result

        for path, hit in reused.items():
            print(f"  {path.name:<40} {hit.seconds:6.1f} s  ok (unchanged: reused)", flush=True)
        # two or more kernels: forked from one process that imports their libraries once (ipm_analysis.kernels)
        from . import kernels

        fork = len(to_run) > 1 and os.environ.get("IPM_ANALYSIS_FORK_KERNELS", "1") != "0"
        with (kernels.Zygote(kernel_base_environment(), ipc_dir) if fork else contextlib.nullcontext()), \
                ThreadPoolExecutor(max_workers=jobs) as pool:
            order = _longest_first(to_run)
            futures = [pool.submit(one, path) for path in order]
            try:
                ran_now = {path: future.result() for path, future in zip(order, futures)}
            except KeyboardInterrupt:   # Ctrl-C: no notebook starts, the running ones stop now (marked failed)
                for future in futures:
                    future.cancel()
                while not all(future.done() for future in futures):   # a kernel may be starting still
                    _kill_kernels()
                    wait(futures, timeout=0.5)
                raise
        results = [reused.get(p) or ran_now[p] for p in paths]

    removed = [rel for r in results for rel in _remove_stale(r, before.get(r.path.stem, []))]
    ran = [{"name": r.path.stem, "status": "ok" if r.ok else "failed", "error": r.error,
            "cache": "reused" if r.reused else "executed", "made_by": r.made_by if r.reused else None,
            "default_parameters": r.default_parameters, "parameters": r.parameters, "outputs": r.outputs}
           for r in results]
    # a run of some notebooks (--notebook) keeps the others' entries, marked with the commit that made them
    carried = [{**nb, "carried_over_from_commit": nb.get("carried_over_from_commit",
                                                         previous.get("git", {}).get("commit"))}
               for nb in previous.get("notebooks", []) if nb["name"] not in {r["name"] for r in ran}]
    record = provenance.build_record(sorted(ran + carried, key=lambda nb: nb["name"]))
    provenance.write_json_atomic(record, config.reports_dir() / "provenance.json")
    failed = [r for r in results if not r.ok]
    print(f"reports/: {len(results) - len(failed)} of {len(results)} notebooks ok, "
          f"{len(record['figures'])} figure files, {len(record['tables'])} tables, provenance.json"
          + (f"; {len(reused)} reused unchanged (--force executes them)" if reused else "")
          + (f"; failed: {', '.join(r.path.stem for r in failed)}" if failed else "")
          + (f"; removed {len(removed)} stale output(s) no notebook made this time" if removed else ""))
    if failed:
        raise NotebookError("\n".join(r.error for r in failed), results)
    return results


def _warn_undeclared(paths: list[Path], parameters: dict) -> None:
    declared = set()
    for path in paths:
        try:
            declared |= set(declared_parameters(read_cells(path)))
        except Exception:  # an unreadable notebook fails when it runs, with its own message
            continue
    for name in parameters:
        if name not in declared:
            warnings.warn(f"parameter {name!r} is not declared by "
                          f"{'any of ' if len(paths) > 1 else ''}{', '.join(p.stem for p in paths)}; ignored",
                          UnknownParameterWarning, stacklevel=3)
