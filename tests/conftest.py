"""Shared fixtures: the real corpus, built once per test session into a temporary project root."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# One BLAS/OpenMP thread per test process, as for the report's kernels (ipm_analysis.report.THREAD_LIMITS): the
# suite already runs a worker per core, and spinning BLAS threads of two workers on two cores slow both. Set
# before xdist starts its workers, which inherit it; a value in the caller's environment wins.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


@pytest.fixture(scope="session")
def project_copy(tmp_path_factory) -> Path:
    """A scratch project root holding a copy of data/raw, so tests never touch the real data/processed."""
    root = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    return root


@pytest.fixture(scope="session")
def corpus(project_copy):
    """The five real plans, built from scratch (the per-document cache lives in the scratch root)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("IPM_ANALYSIS_ROOT", str(project_copy))
    from ipm_analysis import load_corpus

    c = load_corpus()
    yield c
    mp.undo()


# --------------------------------------------------------------------------------------------------------------
# The report of a grown corpus (tests/test_report.py::test_report_follows_the_corpus) executes all six notebooks,
# about 40 s of two kernels. It is started in a process of its own as soon as the tests are collected, and the
# test waits for it and checks what it made: the other tests run meanwhile instead of waiting for it. Same
# inputs, same report, same assertions; only the start is earlier. With pytest-xdist (the default, see
# pyproject.toml) the controller starts it once its workers have collected and passes its folder to them; without
# xdist (`-p no:xdist`, `-n 0`) the one process starts it after collection.
GROWN_REPORT_TEST = "tests/test_report.py::test_report_follows_the_corpus"
ADDED_PLANS = {"2022_national": ("2020_national", "2022"), "2019_qingdao": ("2018_qingdao", "2019")}
# Runs the report in a child and writes its exit status to `rc` when it ends, however it ends, so that a test in
# another process (an xdist worker) can wait for the file.
_GROWN_RUN = '''
import json, os, subprocess, sys
from pathlib import Path
root = Path(sys.argv[2])
REPORT = """
import json, sys
from ipm_analysis import report
from ipm_analysis.builder import build
from pathlib import Path
build(quiet=True)   # first, as `make all` does: six kernels would otherwise queue for the build lock
done = report.run_report(report.notebooks(Path(sys.argv[1])))
print(json.dumps([dict(name=r.name, ok=r.ok, error=r.error, executed=str(r.executed), outputs=r.outputs)
                  for r in done]))
"""
with open(root / "report.out", "w") as out, open(root / "report.err", "w") as err:
    rc = subprocess.run([sys.executable, "-c", REPORT, sys.argv[1]], stdout=out, stderr=err).returncode
(root / "rc.tmp").write_text(str(rc))
os.replace(root / "rc.tmp", root / "rc")
'''
_grown: dict = {}


def make_grown_corpus(root: Path) -> Path:
    """The real plans plus a 2022 national plan and a second local plan, added with manifest rows only (their
    texts are copies of the 2020 and Qingdao plans: what matters is that they are new rows, and that the 2022
    plan differs from the 2021 plan before it); not built."""
    import csv

    raw = root / "data" / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    with open(raw / "manifest.csv", encoding="utf-8", newline="") as fh:
        rows = {r["doc_id"]: r for r in csv.DictReader(fh)}
    added = [dict(rows[like], doc_id=doc_id, file=f"{doc_id}.txt", year=year)
             for doc_id, (like, year) in ADDED_PLANS.items()]
    for row, (like, _) in zip(added, ADDED_PLANS.values()):
        shutil.copy(raw / rows[like]["file"], raw / row["file"])
    with open(raw / "manifest.csv", "a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, fieldnames=list(rows["2012_national"]), lineterminator="\n").writerows(added)
    return root


def _start_grown_report(root: Path) -> None:
    """Build the grown corpus in `root` and execute the repository's notebooks on it, PNG only (SVG and PDF:
    test_plots), in a process group of its own; its kernels inherit the environment, so they import this
    checkout's code."""
    import os
    import subprocess
    import sys

    make_grown_corpus(root)
    env = dict(os.environ, IPM_ANALYSIS_ROOT=str(root), IPM_ANALYSIS_FIGURE_FORMATS="png",
               PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    _grown.update(root=root, proc=subprocess.Popen(
        [sys.executable, "-c", _GROWN_RUN, str(ROOT / "notebooks"), str(root)], env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True))
    (root / "started").touch()


def _root(config) -> Path:
    """The grown report's folder: made by the controller (or the only process), handed to xdist's workers."""
    if "root" not in _grown:
        workerinput = getattr(config, "workerinput", None)
        _grown["root"] = (Path(workerinput["ipm_grown_root"]) if workerinput is not None
                          else config._tmp_path_factory.mktemp("grown"))
    return _grown["root"]


def pytest_configure(config) -> None:
    _grown["config"] = config


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:   # xdist, in the controller, for each worker before it starts
    node.workerinput["ipm_grown_root"] = str(_root(node.config))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids) -> None:   # xdist, in the controller
    if GROWN_REPORT_TEST in ids and "proc" not in _grown:
        _start_grown_report(_root(node.config))


def pytest_collection_finish(session) -> None:
    config = session.config
    if (config.option.collectonly or hasattr(config, "workerinput")
            or not any(i.nodeid == GROWN_REPORT_TEST for i in session.items)):
        return
    _start_grown_report(_root(config))


def pytest_sessionfinish(session) -> None:
    """A grown report still running (the session stopped before its test) is ended with its kernels."""
    import os
    import signal

    proc = _grown.get("proc")
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


@pytest.fixture(scope="session")
def grown_report():
    """The grown corpus's root and one dict per notebook run on it (name, ok, error, executed, outputs), once
    the report started after collection has finished; started now if it was not (e.g. called from elsewhere)."""
    import json
    import time

    root = _root(_grown["config"])
    if not (root / "started").exists():
        _start_grown_report(root)
    deadline = time.monotonic() + 1800
    while not (root / "rc").exists():
        assert time.monotonic() < deadline, "the grown corpus's report did not finish in 30 min"
        time.sleep(0.2)
    rc = int((root / "rc").read_text())
    assert rc == 0, (root / "report.err").read_text(encoding="utf-8")[-3000:]
    lines = (root / "report.out").read_text(encoding="utf-8").splitlines()
    return root, json.loads(lines[-1])
