"""ipm_analysis.metadata: what a plan's text states about itself (script, year, place, level, issuer, number,
date), on the real plans and on the openings of other places' plans; a manifest script left empty is detected."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ipm_analysis import metadata
from ipm_analysis.builder import document_records
from ipm_analysis.ingest import decode, read_manifest

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def real(doc_id: str) -> str:
    return decode((RAW / f"{doc_id}.txt").read_bytes(), doc_id)[0]


def manifest() -> dict[str, dict]:
    with open(RAW / "manifest.csv", encoding="utf-8-sig", newline="") as fh:
        return {r["doc_id"]: r for r in csv.DictReader(fh)}


@pytest.mark.parametrize("doc_id", ["2012_national", "2017_national", "2018_qingdao", "2020_national",
                                    "2021_national"])
def test_script_of_the_real_plans(doc_id):
    assert metadata.detect_script(real(doc_id))[0] == manifest()[doc_id]["script"]
    assert metadata.check_script(real(doc_id), manifest()[doc_id]["script"], "f.txt") == (
        manifest()[doc_id]["script"], [])   # no warning on the real plans


@pytest.mark.parametrize("doc_id, expected", [
    ("2012_national", dict(year="2012", jurisdiction="全国", level="national", issuer="", issue_date="",
                           doc_number="")),   # the copy states neither issuer nor date
    ("2017_national", dict(year="2017", jurisdiction="全国", level="national", issuer="国务院办公厅",
                           issue_date="2017-05-16", doc_number="国办发〔2017〕46号")),
    ("2018_qingdao", dict(year="2018", jurisdiction="青岛市", level="municipal", issuer="", issue_date="",
                          doc_number="")),
    ("2020_national", dict(year="2020", jurisdiction="全国", level="national",
                           issuer="全国打击侵权假冒工作领导小组办公室", issue_date="2020-05-27", doc_number="")),
])
def test_describe_real_plans(doc_id, expected):
    found = metadata.describe(real(doc_id))
    assert {k: found[k] for k in expected} == expected
    stated = manifest()[doc_id]
    for key in ("year", "jurisdiction", "level", "issue_date"):   # never contradicts the reviewed manifest
        assert found[key] in ("", stated[key])


@pytest.mark.parametrize("text, expected", [
    ("江西省人民政府办公厅关于印发2019年江西省打击侵犯知识产权和制售假冒伪劣商品工作要点的通知\n赣府厅字〔2019〕30号\n"
     "各市、县（区）人民政府，省政府各部门：\n现将《2019年江西省打击侵犯知识产权和制售假冒伪劣商品工作要点》印发给你们。\n"
     "江西省人民政府办公厅\n2019年5月20日\n",
     dict(year="2019", jurisdiction="江西省", level="provincial", issuer="江西省人民政府办公厅",
          issue_date="2019-05-20", doc_number="赣府厅字〔2019〕30号")),
    ("重庆市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室\n二〇一九年五月二十日\n"
     "2019年重庆市打击侵犯知识产权和制售假冒伪劣商品工作要点\n一、加强组织领导\n",
     dict(year="2019", jurisdiction="重庆市", level="provincial", issue_date="2019-05-20",
          issuer="重庆市打击侵犯知识产权和制售假冒伪劣商品工作领导小组办公室")),   # a municipality is provincial
    ("2018年福州市打擊侵犯知識產權和製售假冒偽劣商品工作要點\n一、加強組織領導\n",
     dict(script="zh-Hant", year="2018", jurisdiction="福州市", level="municipal", issuer="", issue_date="")),
    # the place before the year, as many local titles write it
    ("江西省2019年打击侵犯知识产权和制售假冒伪劣商品工作要点\n为深入贯彻……，现提出如下工作要点。\n一、加大重点领域治理力度\n",
     dict(year="2019", jurisdiction="江西省", level="provincial")),
    ("一、加强组织领导\n（一）健全机制。\n", dict(year="", jurisdiction="", level="", issuer="", issue_date="")),
])
def test_describe_other_plans(text, expected):
    found = metadata.describe(text)
    assert {k: found[k] for k in expected} == expected


def test_describe_looks_at_dropped_furniture_last():
    text = "2021年全国打击侵犯知识产权和制售假冒伪劣商品工作要点\n一、深化重点治理\n"
    found = metadata.describe(text, furniture=["全国打击侵权假冒工作领导小组办公室文件",
                                               "全国打击侵权假冒工作领导小组办公室 2021年6月1日印发"])
    assert (found["issuer"], found["issue_date"]) == ("全国打击侵权假冒工作领导小组办公室", "2021-06-01")
    page = metadata.describe(text, furniture=["2021-06-01 10:00 来源：国务院办公厅"])
    assert (page["issuer"], page["issue_date"]) == ("国务院办公厅", "2021-06-01")


@pytest.mark.parametrize("doc_id, stated, warned", [
    ("2020_national", "zh-Hant", True),        # Taiwan vocabulary in a plan declared mainland traditional
    ("2021_national", "zh-Hant-TW", True),     # a simplified plan declared traditional
    ("2017_national", "zh-Hant-TW", False),    # no Taiwan vocabulary is no proof of mainland usage
    ("2017_national", "zh-Hans", False),       # ingest's traditional_in_simplified reports this one
])
def test_stated_script_wins_and_a_contradiction_is_a_warning(doc_id, stated, warned):
    script, diags = metadata.check_script(real(doc_id), stated, "f.txt")
    assert script == stated
    assert [(d.severity, d.code) for d in diags] == ([("warning", "script_mismatch")] if warned else [])


def test_empty_script_is_detected_at_build_time(tmp_path, corpus):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (raw / "2017.txt").write_bytes((RAW / "2017_national.txt").read_bytes())
    row = manifest()["2017_national"] | dict(doc_id="x", file="2017.txt", script="")
    with open(raw / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    rows, diags = read_manifest(raw / "manifest.csv")
    assert diags == [] and rows.at[0, "script"] == ""
    records = document_records(rows.iloc[0].to_dict(), raw)
    assert records["documents"][0]["script"] == "zh-Hant"
    [info] = [d for d in records["diagnostics"] if d["code"] == "script_detected"]
    assert info["severity"] == "info" and "detected zh-Hant" in info["message"]
    expected = corpus.tasks.query("doc_id == '2017_national'")["title"].tolist()
    assert [t["title"] for t in records["tasks"]] == expected
