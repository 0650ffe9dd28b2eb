"""Every path the project uses, in one place.

The project root is the folder that holds `data/raw/`; it defaults to the checkout this package lives in and can
be overridden with the environment variable ``IPM_ANALYSIS_ROOT`` (tests use this to build into a temp folder).
Curated domain knowledge ships inside the package (``ipm_analysis/data/``) and is read with ``data_path``.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def project_root() -> Path:
    """Return the project root (``IPM_ANALYSIS_ROOT`` or the checkout containing this package)."""
    env = os.environ.get("IPM_ANALYSIS_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parents[1]


def raw_dir() -> Path:
    return project_root() / "data" / "raw"


def manifest_path() -> Path:
    return raw_dir() / "manifest.csv"


def processed_dir() -> Path:
    return project_root() / "data" / "processed"


def cache_dir() -> Path:
    """Scratch caches (jieba's dictionary cache, per-document build cache); safe to delete."""
    return project_root() / ".cache"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def reports_dir() -> Path:
    return project_root() / "reports"


def figures_dir() -> Path:
    return reports_dir() / "figures"


def tables_dir() -> Path:
    return reports_dir() / "tables"


def executed_notebooks_dir() -> Path:
    return reports_dir() / "notebooks"


def figure_formats() -> tuple[str, ...]:
    """The formats every figure is saved in: ``IPM_ANALYSIS_FIGURE_FORMATS`` (e.g. ``png``), else PNG, SVG and
    PDF."""
    return tuple(os.environ.get("IPM_ANALYSIS_FIGURE_FORMATS", "png,svg,pdf").split(","))


def data_path(name: str) -> Path:
    """Path of a curated data file shipped in ``ipm_analysis/data/``."""
    return Path(str(resources.files("ipm_analysis") / "data" / name))
