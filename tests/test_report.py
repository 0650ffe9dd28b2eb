"""ipm_analysis.report: every notebook executes headless and exports the figures the report promises."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ipm_analysis import report

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
FIGURES = [
    "sections_tasks_clauses_per_plan", "top_keywords_per_plan", "keyword_trajectories", "campaign_timeline",
    "plan_similarity_heatmap", "emerging_fading_terms", "topic_shares_over_time", "agency_load_heatmap",
    "lead_vs_participating_2020", "agency_load_by_successor_2017_2020", "co_responsibility_network_2020",
    "qingdao_alignment_heatmap_2017", "qingdao_reuse_share_per_task", "qingdao_vs_national_agency_load",
]


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in code)


def test_report_runs_every_notebook(corpus, project_copy, monkeypatch):
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(project_copy))   # the kernels inherit it
    done = report.run_report(report.notebooks(NOTEBOOKS))
    assert [p.name for p in done] == [p.name for p in report.notebooks(NOTEBOOKS)]
    out = project_copy / "reports"
    for name in FIGURES:
        assert (out / "figures" / f"{name}.png").exists(), name
        assert (out / "figures" / f"{name}.svg").exists(), name
    assert (out / "notebooks" / "01_corpus_overview.html").exists()
    assert (out / "tables" / "agency_load.csv").exists()


def test_report_without_notebooks_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    with pytest.raises(report.NotebookError, match="no notebooks"):
        report.run_report()
