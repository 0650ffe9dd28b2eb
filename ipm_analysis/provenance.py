"""Where every report output came from: commit, environment, input hashes, parameters, and which notebook made
each figure and table.

The report runs each notebook in a kernel whose environment names the notebook (``IPM_ANALYSIS_NOTEBOOK``) and
the commit (``IPM_ANALYSIS_COMMIT``, ``IPM_ANALYSIS_DIRTY``). ``plots.save_figure`` and ``plots.save_table`` call
``record_output``, which appends one line per file to that notebook's sidecar (``reports/.provenance/<nb>.jsonl``;
one kernel per notebook, so no two writers share a file); the report collects the sidecars into
``reports/provenance.json``. Nothing here holds a timestamp, so two reruns from the same inputs give the same
record and the same figure bytes.
"""
from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from . import config
from .store import atomic_write, file_sha256

ENV_NOTEBOOK = "IPM_ANALYSIS_NOTEBOOK"
ENV_COMMIT = "IPM_ANALYSIS_COMMIT"
ENV_DIRTY = "IPM_ANALYSIS_DIRTY"
PROJECT = "ipm-analysis"
CHECKOUT = Path(__file__).resolve().parents[1]   # the code's checkout (the data root may be elsewhere)
LOCK_FILES = ("uv.lock", "requirements.lock", "requirements.txt", "pylock.toml")


@functools.cache
def git_state(folder: Path = CHECKOUT) -> dict:
    """``{"commit": sha, "dirty": bool}`` of the git checkout holding ``folder``; both None outside git."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True,
                              timeout=30).stdout
    try:
        commit = git("rev-parse", "HEAD").strip()
        dirty = bool(git("status", "--porcelain").strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def source_state() -> dict:
    """The commit state the report passed to this kernel, else the checkout's own."""
    if ENV_COMMIT in os.environ:
        commit = os.environ[ENV_COMMIT] or None
        dirty = {"1": True, "0": False}.get(os.environ.get(ENV_DIRTY, ""))
        return {"commit": commit, "dirty": dirty}
    return git_state()


def kernel_environment(notebook: str) -> dict[str, str]:
    """Environment variables the report sets for the kernel running ``notebook`` (its file stem)."""
    state = git_state()
    return {ENV_NOTEBOOK: notebook, ENV_COMMIT: state["commit"] or "",
            ENV_DIRTY: {True: "1", False: "0", None: ""}[state["dirty"]]}


def current_notebook() -> str | None:
    """Name of the notebook whose kernel this is, or None outside the report (e.g. an interactive session)."""
    return os.environ.get(ENV_NOTEBOOK) or None


def source_label() -> str:
    """One line naming the source of an output, as written into figure metadata (no timestamp)."""
    nb = current_notebook()
    state = source_state()
    where = f"notebooks/{nb}.ipynb" if nb else "an interactive session"
    commit = state["commit"] or "no git commit"
    return f"{PROJECT}: {where} @ {commit}{' (uncommitted changes)' if state['dirty'] else ''}"


def figure_metadata(fmt: str, name: str) -> dict:
    """Metadata for ``savefig(..., metadata=...)`` in ``fmt`` (png, svg, pdf): title, source and commit, and the
    dates matplotlib would add set to None so the bytes do not change between reruns."""
    source = source_label()
    if fmt == "png":   # PNG text chunks take any key
        return {"Title": name, "Source": source, "Commit": source_state()["commit"] or ""}
    if fmt == "svg":   # SVG takes Dublin Core keys only
        return {"Title": name, "Source": source, "Date": None}
    if fmt == "pdf":
        return {"Title": name, "Subject": source, "CreationDate": None, "ModDate": None}
    raise ValueError(f"no metadata for format {fmt!r}")


# --------------------------------------------------------------------------------------------------------------
# per-notebook sidecars


def sidecar_dir() -> Path:
    return config.reports_dir() / ".provenance"


def sidecar_path(notebook: str) -> Path:
    return sidecar_dir() / f"{notebook}.jsonl"


def record_output(kind: str, path: Path) -> None:
    """Append ``path`` (a figure or table just written) to the running notebook's sidecar; a no-op outside the
    report, where no notebook is named."""
    nb = current_notebook()
    if nb is None:
        return
    path = Path(path)
    try:
        rel = path.resolve().relative_to(config.reports_dir().resolve()).as_posix()
    except ValueError:
        rel = str(path)
    side = sidecar_path(nb)
    side.parent.mkdir(parents=True, exist_ok=True)
    with open(side, "a", encoding="utf-8") as f:
        f.write(json.dumps({"kind": kind, "path": rel, "sha256": file_sha256(path)}, ensure_ascii=False) + "\n")


def read_sidecar(notebook: str) -> list[dict]:
    """The outputs ``notebook`` recorded, in the order written (a file written twice keeps its last entry)."""
    side = sidecar_path(notebook)
    if not side.exists():
        return []
    rows = [json.loads(line) for line in side.read_text(encoding="utf-8").splitlines() if line.strip()]
    return list({r["path"]: r for r in rows}.values())


def clear_sidecar(notebook: str) -> None:
    sidecar_path(notebook).unlink(missing_ok=True)


# --------------------------------------------------------------------------------------------------------------
# environment and inputs


def _requirement_name(req: str) -> str | None:
    """Distribution name of a requirement string, or None if it applies only to an extra or another platform."""
    from packaging.requirements import Requirement

    r = Requirement(req)
    if r.marker is not None and not r.marker.evaluate({"extra": ""}):
        return None
    return r.name


def declared_dependencies() -> list[str]:
    """The project's direct dependencies (pyproject.toml of the checkout, else the installed metadata), with
    the dev extra: the tests are part of what was run."""
    pyproject = CHECKOUT / "pyproject.toml"
    if pyproject.exists():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        reqs = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            reqs += extra
    else:
        reqs = [r.split(";")[0] for r in (metadata.requires(PROJECT) or [])]
    return [n for n in map(_requirement_name, reqs) if n]


def package_versions() -> dict[str, str | None]:
    """Installed version of every declared dependency and of everything they require (None if missing)."""
    seen: dict[str, str | None] = {}
    todo = declared_dependencies()
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            seen[key] = None
            continue
        seen[key] = dist.version
        todo += [n for n in map(_requirement_name, dist.requires or []) if n]
    return dict(sorted(seen.items()))


def input_hashes(raw: Path | None = None) -> dict[str, str]:
    """sha256 of every file under ``data/raw`` (the manifest included), keyed by path relative to it."""
    raw = Path(raw or config.raw_dir())
    return {p.relative_to(raw).as_posix(): file_sha256(p)
            for p in sorted(raw.rglob("*")) if p.is_file() and not p.name.startswith(".")}


def lock_hashes() -> dict[str, str]:
    """sha256 of the lock file(s) the environment was installed from, if the checkout has any."""
    return {name: file_sha256(CHECKOUT / name) for name in LOCK_FILES if (CHECKOUT / name).exists()}


def build_record(notebooks: list[dict]) -> dict:
    """The provenance record: ``notebooks`` is one dict per notebook run (name, status, parameters, outputs)."""
    figures, tables = {}, {}
    for nb in notebooks:
        for out in nb.get("outputs", []):
            (figures if out["kind"] == "figure" else tables)[out["path"]] = {
                "notebook": nb["name"], "sha256": out["sha256"]}
    return {
        "project": PROJECT,
        "git": git_state(),
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "packages": package_versions(),
        "lock_files": lock_hashes(),
        "inputs": input_hashes(),
        "notebooks": notebooks,
        "figures": dict(sorted(figures.items())),
        "tables": dict(sorted(tables.items())),
    }


def write_json_atomic(record: dict, path: Path) -> Path:
    """Write ``record`` as indented UTF-8 JSON through a temp file and a rename (never half-written)."""
    atomic_write(path, (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return path
