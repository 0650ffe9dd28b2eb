"""ipm_analysis.report: notebooks execute headless with their charts inline, take parameters, survive a failing
neighbour, and leave a provenance record."""
from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import io
import json
import os
from pathlib import Path

import nbformat
import pytest
from PIL import Image

from ipm_analysis import __main__ as cli
from ipm_analysis import provenance, report

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
# Figures of the whole corpus (not of one plan or pair) and the table each one's data is saved in: a plan added
# with a manifest row must appear in every one of them.
CROSS_YEAR = {
    "sections_tasks_clauses_per_plan": "sections_tasks_clauses_per_plan", "top_keywords_per_plan": "top_keywords_per_plan",
    "keyword_trajectories": "keyword_trajectories", "policy_dictionary_rates": "policy_dictionary_rates",
    "campaign_timeline": "campaign_timeline", "lexical_dispersion": "lexical_dispersion",
    "distinctive_terms_per_plan": "distinctive_terms_per_plan", "plan_similarity_heatmap": "plan_similarity",
    "topic_shares_per_plan": "topic_shares_per_plan", "placeholder_tasks_per_plan": "placeholder_tasks_per_plan",
}
NATIONAL_SERIES = {   # figures of the national series only
    "agency_load_heatmap": "agency_load_heatmap", "agency_load_by_successor_heatmap": "agency_load_by_successor_heatmap",
    "national_task_lineage": "national_task_lineage", "national_lineage_counts": "national_lineage_counts",
}
LOCAL = {"local_reuse_shares": "local_reuse_shares"}   # every local plan against every national plan
TABLES = ["corpus_summary", "agency_load", "emerging_fading_terms", "national_lineage_pairs",
          "local_reuse_by_national_plan", "local_task_matches", "policy_dictionary_per_task"]
V4 = nbformat.v4


def _notebook(*cells) -> nbformat.NotebookNode:
    nb = V4.new_notebook()
    nb.cells = list(cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _params(source: str):
    return V4.new_code_cell(source, metadata={"tags": ["parameters"]})


CHART = """\
import matplotlib.pyplot as plt
import pandas as pd
from ipm_analysis import plots
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([1, 2, 3], [n or 0, 1, 0])
plots.save_figure(fig, {name!r})
plots.save_table(pd.DataFrame({{"n": [n]}}), {name!r});
"""


# What the kernel had imported before its first cell, and whose child it is: with two notebooks to run, the
# report forks their kernels from the zygote (ipm_analysis.kernels), which has imported scikit-learn already
# and whose parent leads a session of its own (out of reach of a Ctrl-C to the report's process group, which
# would end the zygote and so every kernel). The kernel also leaves an atexit handler and an open file, which
# an interpreter's exit (as ipykernel_launcher's kernel ends) runs and flushes: {marks}.atexit, {marks}.open.
KERNEL_STATE = """\
import atexit, os, sys
from ipykernel.kernelapp import IPKernelApp
print("preloaded", "sklearn.decomposition" in sys.modules,
      "report's child", os.getppid() == int(os.environ.get("REPORT_PID", 0)),
      "watches its parent", IPKernelApp.instance().parent_handle == os.getppid(),
      "parent leads a session", os.getsid(os.getppid()) == os.getppid())
atexit.register(lambda: open({marks!r} + ".atexit", "w").close())
left_open = open({marks!r} + ".open", "w")
left_open.write("data")
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A project with two tiny notebooks, reported twice: first both succeed, then (``fail=True``) the
    second fails between its two figures."""
    root = tmp_path_factory.mktemp("tiny")
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "raw" / "manifest.csv").write_text("doc_id,file\na,a.txt\n", encoding="utf-8")
    (root / "data" / "raw" / "a.txt").write_text("计划", encoding="utf-8")
    nbdir = root / "notebooks"
    nbdir.mkdir()
    good = [V4.new_markdown_cell("# good"), _params("n = None  # None: from the corpus"),
            V4.new_code_cell(KERNEL_STATE.format(marks=str(root / "kernel"))),
            V4.new_code_cell(CHART.format(name="good_chart"))]
    nbformat.write(_notebook(*good, V4.new_code_cell(CHART.format(name="good_dropped"))), nbdir / "01_good.ipynb")
    nbformat.write(_notebook(_params("n = 1\nfail = False"), V4.new_code_cell(CHART.format(name="flaky_early")),
                             V4.new_code_cell("if fail:\n    raise ValueError('bad \\x1b[31mred\\x1b[0m value')"),
                             V4.new_code_cell(CHART.format(name="flaky_late"))), nbdir / "02_flaky.ipynb")
    reports = root / "reports"
    # force: 01_good's inputs are unchanged (it does not declare fail), so without it the good notebook would be
    # reused rather than run again (test_unchanged_notebook_is_reused)
    args = argparse.Namespace(notebook=[], parameter=[["n", "3"], ["fail", "True"], ["undeclared", "[a, b]"]],
                              force=True)
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:   # only while the reports run: other modules share the session
        mp.setenv("IPM_ANALYSIS_ROOT", str(root))
        mp.setenv("REPORT_PID", str(os.getpid()))
        first = report.run_report(report.notebooks(), parameters={"n": 3}, jobs=2)
        executed = nbformat.read(reports / "notebooks" / "01_good.ipynb", as_version=4)
        kernel_state = next(o["text"] for c in executed.cells if c.cell_type == "code"
                            for o in c.get("outputs", []) if o.get("name") == "stdout" and "preloaded" in o["text"])
        kernel_exit = ((root / "kernel.atexit").exists(), (root / "kernel.open").read_text())
        snapshot = {p.relative_to(reports).as_posix(): p.read_bytes() for p in reports.rglob("*") if p.is_file()}
        nbformat.write(_notebook(*good), nbdir / "01_good.ipynb")   # the second run no longer draws good_dropped
        with contextlib.redirect_stderr(err):
            code = cli._report(args)
    return {"root": root, "reports": reports, "first": first, "snapshot": snapshot, "code": code,
            "stderr": err.getvalue(), "kernel_state": kernel_state, "kernel_exit": kernel_exit}


def test_kernels_are_forked_from_a_process_that_imported_their_libraries(tiny):
    # imported before the notebook's first cell; the kernel is the zygote's child, not the report's, and it
    # ends if the zygote does (ipykernel's parent poller watches the zygote)
    assert tiny["kernel_state"].split() == ["preloaded", "True", "report's", "child", "False",
                                            "watches", "its", "parent", "True", "parent", "leads", "a", "session",
                                            "True"]
    assert tiny["kernel_exit"] == (True, "data")   # ended through the interpreter's exit, not os._exit


def test_html_carries_the_chart_inline(tiny):
    executed = nbformat.read(tiny["reports"] / "notebooks" / "01_good.ipynb", as_version=4)
    images = [o["data"]["image/png"] for c in executed.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 1        # the figure was displayed although save_figure had run
    html = (tiny["reports"] / "notebooks" / "01_good.html").read_text(encoding="utf-8")
    payload = images[0].replace("\n", "")
    assert f'src="data:image/png;base64,{payload[:200]}' in html.replace("\n", "")
    assert base64.b64decode(payload).startswith(b"\x89PNG")


def test_parameters_injected_after_the_parameters_cell_and_recorded(tiny):
    executed = nbformat.read(tiny["reports"] / "notebooks" / "01_good.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in executed.cells]
    assert tags.index(["injected-parameters"]) == tags.index(["parameters"]) + 1
    assert executed.cells[2].source == "# Parameters\nn = 3\n"
    assert executed.metadata["papermill"]["parameters"] == {"n": 3}
    assert executed.metadata["papermill"]["default_parameters"] == {"n": None}
    assert tiny["first"][0].parameters == {"n": 3}


def test_a_failing_notebook_leaves_the_others_and_is_marked(tiny):
    nbs = tiny["reports"] / "notebooks"
    assert tiny["code"] == 1
    errors = [ln for ln in tiny["stderr"].splitlines() if ln.startswith("error:")]
    assert errors == ["error: 02_flaky.ipynb: cell 3 (if fail:): ValueError: bad red value"]
    assert "\x1b" not in tiny["stderr"]
    # the good notebook was exported again; the failed one's exports are gone, a marked copy instead
    assert (nbs / "01_good.html").exists() and (nbs / "01_good.ipynb").exists()
    assert not (nbs / "02_flaky.ipynb").exists() and not (nbs / "02_flaky.html").exists()
    assert "notebooks/02_flaky.ipynb" in tiny["snapshot"]       # it existed after the first run
    failed = nbformat.read(nbs / "02_flaky.failed.ipynb", as_version=4)
    assert failed.metadata["ipm_analysis"]["status"] == "failed"
    assert failed.cells[0].source.startswith("**FAILED")
    assert (nbs / "02_flaky.failed.html").exists()
    # the figure made before the failing cell is current; the one after it is removed, not left stale
    figures = tiny["reports"] / "figures"
    assert (figures / "flaky_early.png").exists() and not (figures / "flaky_late.png").exists()
    assert "figures/flaky_late.png" in tiny["snapshot"]
    # a figure a successful notebook no longer draws is removed too, with its table
    assert "figures/good_dropped.png" in tiny["snapshot"] and not (figures / "good_dropped.png").exists()
    assert not (tiny["reports"] / "tables" / "good_dropped.csv").exists()
    assert not list(nbs.glob(".*.tmp"))          # atomic writes leave no temp file behind


def test_undeclared_parameter_warns_not_fails(tiny):
    assert "warning: parameter 'undeclared' is not declared by any of 01_good, 02_flaky; ignored" in tiny["stderr"]
    with pytest.warns(report.UnknownParameterWarning):
        report._warn_undeclared(report.notebooks(tiny["root"] / "notebooks"), {"nope": 1})


def test_provenance_names_the_notebook_of_every_output(tiny):
    record = json.loads((tiny["reports"] / "provenance.json").read_text(encoding="utf-8"))
    assert {"git", "python", "packages", "inputs", "notebooks", "figures", "tables"} <= record.keys()
    assert set(record["git"]) == {"commit", "dirty"}
    assert record["packages"]["matplotlib"] and record["packages"]["nbclient"]
    assert set(record["inputs"]) == {"manifest.csv", "a.txt"}
    assert record["inputs"]["a.txt"] == hashlib.sha256((tiny["root"] / "data" / "raw" / "a.txt").read_bytes()).hexdigest()
    assert record["figures"]["figures/good_chart.pdf"]["notebook"] == "01_good"
    assert record["figures"]["figures/flaky_early.svg"]["notebook"] == "02_flaky"
    assert record["tables"]["tables/good_chart.csv"]["notebook"] == "01_good"
    by_name = {nb["name"]: nb for nb in record["notebooks"]}
    assert by_name["01_good"]["status"] == "ok" and by_name["01_good"]["parameters"] == {"n": 3}
    assert by_name["01_good"]["cache"] == "executed"   # unchanged, but the second run was given --force
    assert by_name["02_flaky"]["status"] == "failed"
    assert by_name["02_flaky"]["default_parameters"] == {"n": 1, "fail": False}
    assert by_name["02_flaky"]["parameters"] == {"n": 3, "fail": True}
    png = Image.open(tiny["reports"] / "figures" / "good_chart.png")
    assert "notebooks/01_good.ipynb" in png.text["Source"]
    assert png.text["Commit"] == (record["git"]["commit"] or "")
    # the table's bytes are the table only
    assert (tiny["reports"] / "tables" / "good_chart.csv").read_bytes() == b"\xef\xbb\xbfn\n3\n"


def test_rerun_gives_identical_figures_and_tables(tiny):
    """The first run's good notebook and the second's (same parameters, same inputs) wrote the same bytes."""
    for name in ["figures/good_chart.png", "figures/good_chart.svg", "figures/good_chart.pdf",
                 "tables/good_chart.csv"]:
        assert (tiny["reports"] / name).read_bytes() == tiny["snapshot"][name], name


def test_unchanged_notebook_is_reused_and_a_changed_output_runs_it_again(tiny):
    """Runs after the tests above read ``tiny``: a notebook whose inputs and outputs are as at its last
    successful run is not executed again; one whose output changed since is, and writes the same bytes."""
    reports, good = tiny["reports"], [tiny["root"] / "notebooks" / "01_good.ipynb"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IPM_ANALYSIS_ROOT", str(tiny["root"]))
        (reused,) = report.run_report(good, parameters={"n": 3})
        record = json.loads((reports / "provenance.json").read_text(encoding="utf-8"))
        (reports / "figures" / "good_chart.svg").write_bytes(b"edited")
        (rerun,) = report.run_report(good, parameters={"n": 3})
        rerun_record = json.loads((reports / "provenance.json").read_text(encoding="utf-8"))
    # the outputs of the second run: the first run's but good_dropped, which the edited notebook no longer draws
    assert reused.ok and reused.reused and reused.outputs == [
        o for o in tiny["first"][0].outputs if "good_dropped" not in o["path"]]
    by_name = {nb["name"]: nb for nb in record["notebooks"]}
    assert by_name["01_good"]["cache"] == "reused" and set(by_name["01_good"]["made_by"]) == {"commit", "dirty"}
    assert by_name["02_flaky"]["status"] == "failed"            # the other notebook's entry is carried over
    assert record["figures"]["figures/good_chart.png"]["notebook"] == "01_good"
    assert rerun.ok and not rerun.reused
    assert {nb["name"]: nb["cache"] for nb in rerun_record["notebooks"]}["01_good"] == "executed"
    assert rerun_record["figures"]["figures/good_chart.svg"]["sha256"] == hashlib.sha256(
        tiny["snapshot"]["figures/good_chart.svg"]).hexdigest()      # made again, the same bytes


def test_cache_key_follows_every_input(tmp_path, monkeypatch):
    """The key changes with the notebook, a parameter it declares, the tables, the raw inputs, the code and the
    figure formats, and with nothing else (an undeclared parameter, the root, the commit)."""
    notebook = nbformat.writes(_notebook(_params("n = 1"), V4.new_code_cell("n")))   # cell ids fixed once

    def project(name: str) -> Path:
        root = tmp_path / name
        (root / "data" / "raw").mkdir(parents=True)
        (root / "data" / "raw" / "a.txt").write_text("计划", encoding="utf-8")
        (root / "data" / "processed").mkdir(parents=True)
        (root / "data" / "processed" / "_build.json").write_text("{}", encoding="utf-8")
        (root / "01_a.ipynb").write_text(notebook, encoding="utf-8")
        return root

    def key(root: Path, parameters: dict | None = None, **env) -> str:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("IPM_ANALYSIS_ROOT", str(root))
            for k, v in env.items():
                mp.setenv(k, v)
            return report._notebook_key(root / "01_a.ipynb", parameters or {}, report.run_inputs())

    a, b = project("a"), project("b")
    base = key(a)
    assert key(b) == base                                              # another root, the same inputs
    assert key(a, {"m": 2}) == base                                    # not declared: not passed, no change
    assert key(a, IPM_ANALYSIS_COMMIT="x", IPM_ANALYSIS_NOTEBOOK="y") == base
    assert key(a, {"n": 2}) != base
    assert key(a, IPM_ANALYSIS_FIGURE_FORMATS="png") != base
    (b / "data" / "processed" / "_build.json").write_text('{"parts": []}', encoding="utf-8")
    assert key(b) != base
    (b / "data" / "processed" / "_build.json").write_text("{}", encoding="utf-8")
    (b / "data" / "raw" / "a.txt").write_text("计划。", encoding="utf-8")
    assert key(b) != base
    nbformat.write(_notebook(_params("n = 1"), V4.new_code_cell("n + 1")), a / "01_a.ipynb")
    assert key(a) != base
    (a / "01_a.ipynb").write_text(notebook, encoding="utf-8")
    assert key(a) == base                                              # the notebook as it was
    monkeypatch.setattr(report, "code_fingerprint", lambda: "other code")
    assert key(a) != base                                              # the same files, other code


@pytest.mark.parametrize("text, expected", [
    ("None", None), ("3", 3), ("0.5", 0.5), ("True", True),
    ("['2017_national', '2020_national']", ["2017_national", "2020_national"]),
    ("[a, b]", ["a", "b"]),            # YAML flow list
    ("null", None),                    # YAML null
    ("2020_national", "2020_national"),
    ("剑网", "剑网"),
    ("2018_01", 201801),               # Python (and papermill's int()) allow underscores in numbers
])
def test_parse_value(text, expected):
    assert report.parse_value(text) == expected


def test_inject_parameters_replaces_a_previous_injection():
    nb = _notebook(V4.new_markdown_cell("t"), _params("a = None\nb: int = 2\nc = len('x')"), V4.new_code_cell("a"))
    assert report.declared_parameters(nb) == {"a": None, "b": 2, "c": "len('x')"}
    assert report.inject_parameters(nb, {"a": [1]}) == 2
    assert report.inject_parameters(nb, {"a": "x"}) == 2
    assert [c.source for c in nb.cells].count("# Parameters\na = 'x'\n") == 1 and len(nb.cells) == 4


def test_select_notebooks(tmp_path):
    for name in ["01_a.ipynb", "02_b.ipynb", "03_c.ipynb"]:
        (tmp_path / name).write_text("{}")
    paths = report.notebooks(tmp_path)
    assert [p.name for p in report.select_notebooks(paths, ["03", "01_a"])] == ["01_a.ipynb", "03_c.ipynb"]
    with pytest.raises(report.NotebookError, match="no notebook matches '9'"):
        report.select_notebooks(paths, ["9"])


def test_a_parameter_that_cannot_be_recorded_is_an_error(tmp_path):
    nbformat.write(_notebook(_params("x = None")), tmp_path / "01_a.ipynb")
    with pytest.raises(report.NotebookError, match="parameter 'x'"):
        report.run_report(report.notebooks(tmp_path), parameters={"x": {1, 2}})


def test_an_unreadable_notebook_fails_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    (tmp_path / "01_broken.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(report.NotebookError, match=r"^01_broken.ipynb: \w+") as info:
        report.run_report(report.notebooks(tmp_path), out_dir=tmp_path / "out")
    assert [r.ok for r in info.value.results] == [False]
    assert "\n" not in str(info.value)


def test_cli_reads_parameters_and_notebook_choice(monkeypatch):
    from types import SimpleNamespace

    import ipm_analysis.builder as builder

    monkeypatch.setattr(builder, "build", lambda **kw: SimpleNamespace(corpus=None))   # never the real data
    monkeypatch.setattr(cli, "_print_summary", lambda result: None)
    monkeypatch.setattr(report, "notebooks", lambda: [Path("01_a.ipynb"), Path("04_b.ipynb")])
    seen = {}
    monkeypatch.setattr(report, "run_report",
                        lambda paths, parameters, force: seen.update(paths=paths, p=parameters, force=force))
    argv = ["report", "-p", "top_n", "20", "-p", "plans", "[a, b]", "-p", "focus_plan", "None", "--notebook", "04"]
    assert cli.main(argv) == 0
    assert seen == {"paths": [Path("04_b.ipynb")], "p": {"top_n": 20, "plans": ["a", "b"], "focus_plan": None},
                    "force": False}


def test_strip_ansi():
    assert report.strip_ansi("\x1b[0;31mValueError\x1b[0m: x\x1b[1;32m") == "ValueError: x"


def _mentions(path: Path, doc_id: str, label: str) -> bool:
    text = path.read_text(encoding="utf-8-sig")
    return doc_id in text or label in text


def test_no_code_cell_names_a_plan():
    import csv
    import re

    with open(NOTEBOOKS.parent / "data" / "raw" / "manifest.csv", encoding="utf-8", newline="") as fh:
        doc_ids = [r["doc_id"] for r in csv.DictReader(fh)]
    for path in report.notebooks(NOTEBOOKS):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                assert not re.search(r"(19|20)\d\d_[a-z]", cell.source), (path.name, cell.source)
                assert not any(d in cell.source for d in doc_ids), (path.name, cell.source)


def test_report_follows_the_corpus(grown_report):
    """Every notebook runs on a corpus grown by two plans with no notebook edited; both new plans appear in every
    cross-year figure's data, the per-pair and per-plan figures exist for them, and every chart is inline.
    (The report runs in a process of its own, started after collection: conftest.grown_report.)"""
    grown_corpus, done = grown_report
    assert [r["name"] for r in done] == [p.name for p in report.notebooks(NOTEBOOKS)]
    assert all(r["ok"] for r in done), [r["error"] for r in done]
    out = grown_corpus / "reports"
    national, local = ("2022_national", "2022 全国"), ("2019_qingdao", "2019 青岛市")
    for figure, table in {**CROSS_YEAR, **NATIONAL_SERIES, **LOCAL}.items():
        assert (out / "figures" / f"{figure}.png").exists(), figure
        csv_path = out / "tables" / f"{table}.csv"
        assert _mentions(csv_path, *national), (table, "2022")
        if figure in CROSS_YEAR or figure in LOCAL:
            assert _mentions(csv_path, *local), (table, "local")
    for table in TABLES:
        assert _mentions(out / "tables" / f"{table}.csv", *national), table
    for name in ["emerging_fading_2021_national_2022_national", "alignment_heatmap_2019_qingdao",
                 "task_reuse_2019_qingdao", "agency_counterparts_2019_qingdao"]:
        assert (out / "figures" / f"{name}.png").exists(), name
    # two plans of one year would merge if a chart pivoted on year: the campaign columns are plans
    assert _mentions(out / "tables" / "local_reuse_by_national_plan.csv", "2019_qingdao", "2019_qingdao")
    for r in done:   # every chart a notebook saved is displayed in its HTML
        executed = nbformat.read(r["executed"], as_version=4)
        shown = sum("image/png" in o.get("data", {}) for c in executed.cells for o in c.get("outputs", []))
        saved = sum(o["path"].endswith(".png") for o in r["outputs"] if o["kind"] == "figure")
        assert shown >= saved > 0, r["name"]
        assert "data:image/png;base64" in Path(r["executed"]).with_suffix(".html").read_text(encoding="utf-8")
    assert not list((out / "figures").glob("*.svg")) and not list((out / "figures").glob("*.pdf"))
    record = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert record["figures"]["figures/agency_load_heatmap.png"]["notebook"] == "04_agency_load"


def test_report_without_notebooks_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    with pytest.raises(report.NotebookError, match="no notebooks"):
        report.run_report()


def test_longest_notebook_starts_first(tmp_path, monkeypatch):
    """Two at a time, 01-06 in name order left one core idle while the last long notebook ran; the order is
    now by the seconds each took at its last successful run (kept in its cache entry), unknown ones first."""
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    paths = [tmp_path / f"{n}.ipynb" for n in ("01_a", "02_b", "03_c", "04_d")]
    for path, seconds in zip(paths, (3.4, 12.1, None, 10.0)):
        if seconds is not None:
            report.cache_path(path.stem).parent.mkdir(parents=True, exist_ok=True)
            report.cache_path(path.stem).write_text(json.dumps({"seconds": seconds}), encoding="utf-8")
    assert [p.stem for p in report._longest_first(paths)] == ["03_c", "02_b", "04_d", "01_a"]


def _sleeping_report(root: Path, names: tuple[str, ...]):
    """A report of notebooks ``names`` run two at a time in a process of its own, each cell writing its kernel's
    pid to ``<root>/<name>.pid`` and sleeping; returns the process and the first two kernels' pids once both
    run. The report has Python's own Ctrl-C handler whatever it inherited: a job started in the background by a
    non-interactive shell (a CI runner's, say) starts with SIGINT ignored, which Python then keeps."""
    import subprocess
    import sys
    import time

    nbdir = root / "notebooks"
    nbdir.mkdir()
    (root / "data" / "raw").mkdir(parents=True)
    for name in names:
        cell = (f"import os, time\nopen({str(root / name)!r} + '.pid', 'w').write(str(os.getpid()))\n"
                "time.sleep(120)")
        nbformat.write(_notebook(V4.new_code_cell(cell)), nbdir / f"{name}.ipynb")
    script = ("import signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
              "from pathlib import Path\nfrom ipm_analysis import report\ntry:\n"
              f"    report.run_report(report.notebooks(Path({str(nbdir)!r})), jobs=2)\n"
              "except KeyboardInterrupt:\n    sys.exit(130)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ, IPM_ANALYSIS_ROOT=str(root)),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pids = [root / f"{n}.pid" for n in names[:2]]
    deadline = time.monotonic() + 120
    while not all(p.exists() and p.read_text() for p in pids):
        assert time.monotonic() < deadline and proc.poll() is None, "the kernels did not start"
        time.sleep(0.1)
    return proc, [int(p.read_text()) for p in pids]


def _ended(proc, kernels: list[int], timeout: float = 60) -> str:
    """``proc``'s output once it has ended and its kernels with it (within ``timeout`` s each); never leaves
    either running, whatever the outcome."""
    import signal
    import subprocess
    import time

    from ipm_analysis.kernels import _running   # a zombie (not yet reaped by whoever adopted it) has ended

    try:
        out, _ = proc.communicate(timeout=timeout)
        deadline = time.monotonic() + timeout
        while any(map(_running, kernels)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(_running, kernels)), "a kernel outlived the report"
        return out
    except subprocess.TimeoutExpired:
        raise AssertionError("the report did not end") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in filter(_running, kernels):
            os.kill(pid, signal.SIGKILL)


def test_killed_report_leaves_no_kernel(tmp_path):
    """kill -9 of the report while its forked kernels run: the zygote sees its pipe close and ends, and each
    kernel's parent poller ends the kernel (they are in sessions of their own, so no signal reaches them)."""
    import signal

    proc, kernels = _sleeping_report(tmp_path, ("01_a", "02_b"))
    proc.send_signal(signal.SIGKILL)
    _ended(proc, kernels, timeout=20)


def test_a_timed_out_cell_is_named_with_the_first_line_of_nbclients_message():
    from nbclient.exceptions import CellTimeoutError

    nb = _notebook(V4.new_code_cell("import time\ntime.sleep(99)"))
    exc = CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", 5, nb.cells[0])
    assert report._failure_line(Path("01_a.ipynb"), nb, None, exc) == (
        "01_a.ipynb: CellTimeoutError: A cell timed out while it was being executed, after 5 seconds.")


def test_ctrl_c_stops_the_running_notebooks_and_starts_no_other(tmp_path):
    """SIGINT to the report (Ctrl-C): the two running notebooks stop at once (their kernels, in sessions of their
    own, never see the signal: the report kills them), the third is never started, exit 130."""
    import signal
    import time

    proc, kernels = _sleeping_report(tmp_path, ("01_a", "02_b", "03_c"))
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out = _ended(proc, kernels)
    assert proc.returncode == 130 and time.monotonic() - t0 < 20, out
    assert not (tmp_path / "03_c.pid").exists() and "03_c" not in out
    assert out.count("FAILED") == 2
