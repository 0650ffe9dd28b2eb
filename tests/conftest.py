"""Shared fixtures: the real corpus, built once per test session into a temporary project root."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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
