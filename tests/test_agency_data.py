"""The reviewed agency data files: keys unique, references resolve, lineage facts right."""
from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from ipm_analysis import config


def _csv(name):
    if name == "agency_aliases.csv":   # both alias files: one alias table, unique within a scope
        from ipm_analysis.agencies import ALIAS_FILES

        return pd.concat([_csv(n) for n in ALIAS_FILES if n != name] + [
            pd.read_csv(config.data_path(name), comment="#", dtype=str, keep_default_na=False)], ignore_index=True)
    return pd.read_csv(config.data_path(name), comment="#", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def agencies():
    return _csv("agencies.csv")


def test_keys_unique(agencies):
    assert not agencies.duplicated(["scope", "agency"]).any()
    aliases = _csv("agency_aliases.csv")
    assert not aliases.duplicated(["scope", "alias"]).any()
    assert (aliases["alias"].str.strip() == aliases["alias"]).all()


def test_references_resolve(agencies):
    known = set(zip(agencies["scope"], agencies["agency"]))
    aliases = _csv("agency_aliases.csv")
    assert set(zip(aliases["scope"], aliases["agency"])) <= known
    assert set(zip(agencies["scope"], agencies["successor"])) <= known
    cp = _csv("agency_counterparts.csv")
    assert set(zip(cp["scope"], cp["agency"])) <= known
    national = set(agencies.loc[agencies["scope"] == "national", "agency"])
    assert set(cp["counterpart"]) - {""} <= national
    assert set(cp["counterpart_successor"]) - {""} <= national


@pytest.mark.parametrize("agency, successor", [
    ("工商总局", "市场监管总局"), ("质检总局", "市场监管总局"), ("食品药品监管总局", "市场监管总局"),
    ("农业部", "农业农村部"), ("文化部", "文化和旅游部"), ("环境保护部", "生态环境部"), ("国家林业局", "林草局"),
    ("国务院法制办", "司法部"), ("中央综治办", "中央政法委"), ("卫生计生委", "卫生健康委"),
    ("新闻出版广电总局", "中央宣传部"), ("市场监管总局", "市场监管总局"),
])
def test_2018_lineage(agencies, agency, successor):
    row = agencies[(agencies["scope"] == "national") & (agencies["agency"] == agency)]
    assert row["successor"].tolist() == [successor]


def test_required_fields(agencies):
    for col in ("scope", "agency", "agency_full", "level", "successor"):
        assert (agencies[col] != "").all(), col
    assert set(agencies["level"]) == {"national", "municipal"}


def test_generic_patterns_compile_and_match():
    entries = yaml.safe_load(open(config.data_path("generic_agencies.yaml"), encoding="utf-8"))
    patterns = {e["name"]: re.compile(e["pattern"]) for e in entries}
    assert patterns["各地领导小组"].fullmatch("各省、自治区、直辖市和新疆生产建设兵团打击侵权假冒工作领导小组")
    assert patterns["各地领导小组"].fullmatch("各区（市）打击侵权假冒领导小组办公室")
    assert patterns["领导小组有关成员单位"].fullmatch("相关成员单位")
    assert not any(p.fullmatch("全国打击侵权假冒工作领导小组办公室") for p in patterns.values())
