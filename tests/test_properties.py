"""Property tests: mutated real plans never crash normalise → parse → extract_clauses (nor the whole per-document
build: tokens, schema validation, Parquet files), and offsets stay exact.

The mutations are the damage real copies of plans show: lines lost or doubled, paragraphs out of order, web
or PDF noise, half-width brackets where the original has full-width ones (and the reverse), stray markers and
brackets, Windows line endings. Whatever the input, the segments must tile the body exactly and every task,
section, subtask and clause offset must point at its own text in the body.

Deterministic: hypothesis runs derandomized with a bounded number of examples (see ``SETTINGS``).
"""
from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipm_analysis import agencies, ingest, parse

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SETTINGS = settings(derandomize=os.environ.get("IPM_HYPOTHESIS_EXPLORE") is None,
                    max_examples=int(os.environ.get("IPM_HYPOTHESIS_EXAMPLES", 40)), deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@cache
def plans() -> list[dict]:
    """The real plans, decoded: manifest row fields plus the raw text split into lines."""
    manifest = pd.read_csv(RAW / "manifest.csv", dtype=str, keep_default_na=False)
    out = []
    for row in manifest.to_dict("records"):
        text, _ = ingest.decode((RAW / row["file"]).read_bytes(), row["file"])
        out.append(dict(row, lines=text.split("\n")))
    return out


@cache
def agency_tables() -> agencies.AgencyTables:
    return agencies.load_agency_tables()


# ---- mutations ---------------------------------------------------------------------------------------------

NOISE = st.sampled_from([
    "", " ", "\u3000\u3000", "\ufeff", "\t", "（", "）", "(", ")", "（（", "））", "一、", "二、", "十、", "（一）",
    "（三十五）", "三十五）", "（3）", "(七)", "九十九、", "一百零二、", "、", "。", "，", "负责", "牵头",
    "（市公安局负责）", "（公安部、海关总署按职责分工负责）", "（国家知识产权局牵头，有关部门负责）",
    "（甲部门负责", "乙部门负责）", "（某某不存在局牵头）", "（等）", "（，负责）", "（、、牵头）", "（按职责分工负责）",
    "## ", "# 一、", "当前位置:首页", "相关词条", "分享到", "关于印发《2099年全国工作要点》的通知",
    "2099年全国打击侵犯知识产权和制售假冒伪劣商品工作要点", "涉及7方面、35项任务", "和(hé)", "(hé)",
    "abc", "2018,", "1:2", "\r", "\x0b", "\x0c", "\x1c", "\u2028", "\u0085", "\ud7ff", "😀", "\u200b",
    "國務院辦公廳", "網際網路", "第一页", "-- 1 --",
])


def _swap_widths(line: str, rnd: int) -> str:
    """Half-width brackets to full width and back (alternating by the drawn number)."""
    if rnd % 2:
        return line.replace("（", "(").replace("）", ")")
    return line.replace("(", "（").replace(")", "）")


class Plan(dict):
    """A mutated plan; its repr (what hypothesis prints for a failing example) is the text, not the fields."""

    def __repr__(self) -> str:
        return f"Plan({self['doc_id']!r}, text={self['text']!r})"


@st.composite
def mutated_plan(draw) -> dict:
    plan = draw(st.sampled_from(plans()))
    lines = list(plan["lines"])
    n_ops = draw(st.integers(min_value=1, max_value=12))
    for _ in range(n_ops):
        if not lines:
            lines.append(draw(NOISE))
            continue
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        op = draw(st.sampled_from(["delete", "delete_block", "duplicate", "swap", "shuffle_block", "noise_line",
                                   "noise_inline", "widths", "truncate", "crlf"]))
        if op == "delete":
            del lines[i]
        elif op == "delete_block":
            del lines[i:i + draw(st.integers(min_value=1, max_value=40))]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "shuffle_block":
            block = lines[i:i + draw(st.integers(min_value=2, max_value=15))]
            lines[i:i + len(block)] = draw(st.permutations(block))
        elif op == "noise_line":
            lines.insert(i, "".join(draw(st.lists(NOISE, min_size=1, max_size=4))))
        elif op == "noise_inline":
            at = draw(st.integers(min_value=0, max_value=len(lines[i])))
            lines[i] = lines[i][:at] + draw(NOISE) + lines[i][at:]
        elif op == "widths":
            lines[i] = _swap_widths(lines[i], draw(st.integers(min_value=0, max_value=1)))
        elif op == "truncate":
            lines[i] = lines[i][: draw(st.integers(min_value=0, max_value=len(lines[i])))]
        elif op == "crlf":
            lines[i] = lines[i] + "\r"
    if draw(st.booleans()):  # whole-document bracket widths swapped (web copies use half width throughout)
        lines = [_swap_widths(line, 1) for line in lines]
    text = "\n".join(lines)
    # decode() is the only way text reaches normalise in the pipeline: it folds \r\n and lone \r into \n.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Plan(plan, text=text)


# ---- invariants --------------------------------------------------------------------------------------------


def _run(plan: dict):
    norm = ingest.normalise(plan["text"], doc_id=plan["doc_id"], file=plan["file"], script=plan["script"])
    structure = parse.parse(norm)
    found = agencies.extract_clauses(norm, structure.segments, level=plan["level"],
                                     jurisdiction=plan["jurisdiction"], tables=agency_tables())
    return norm, structure, found


def _check_offsets(body: str, rows: list[dict], text_key: str = "text") -> None:
    for r in rows:
        assert 0 <= r["start"] < r["end"] <= len(body), r
        assert body[r["start"]:r["end"]] == r[text_key]


def _check_all(plan: dict) -> None:
    norm, structure, found = _run(plan)
    body = norm.body
    n_raw_lines = plan["text"].count("\n") + 1

    # the body: one non-empty paragraph per line, each ending in a newline
    assert body == "" or body.endswith("\n")
    assert "" not in body.split("\n")[:-1]
    assert "\r" not in body

    # coverage: segments tile the body exactly, in order, without gaps or overlaps
    seg = structure.segments
    assert "".join(s["text"] for s in seg) == body
    if body:
        assert seg[0]["start"] == 0 and seg[-1]["end"] == len(body)
    for a, b in zip(seg, seg[1:]):
        assert a["end"] == b["start"]
    _check_offsets(body, seg)
    assert [s["segment_no"] for s in seg] == list(range(1, len(seg) + 1))
    for s in seg:
        assert s["start"] == 0 or body[s["start"] - 1] == "\n"    # segments start at a line start
        assert 1 <= s["raw_line"] <= n_raw_lines

    # sections, tasks, subtasks, clauses point into the body; keys are unique (the schemas require it)
    _check_offsets(body, structure.tasks)
    _check_offsets(body, structure.subtasks)
    for s in structure.sections:
        assert 0 <= s["start"] < s["end"] <= len(body)
    assert len({s["section_no"] for s in structure.sections}) == len(structure.sections)
    assert len({t["task_id"] for t in structure.tasks}) == len(structure.tasks)
    assert len({(t["task_id"], t["sub_no"]) for t in structure.subtasks}) == len(structure.subtasks)
    _check_offsets(body, found.clauses, "raw")
    assert len({c["start"] for c in found.clauses}) == len(found.clauses)
    spans = {t["task_id"]: (t["start"], t["end"]) for t in structure.tasks}
    for c in found.clauses:
        assert c["raw"].startswith("（") and c["raw"].endswith("）")
        assert 1 <= c["raw_line"] <= n_raw_lines
        if c["task_id"] is not None:
            lo, hi = spans[c["task_id"]]
            assert lo <= c["start"] < c["end"] <= hi
    clause_keys = {(c["task_id"], c["clause_no"]) for c in found.clauses}
    assert {(a["task_id"], a["clause_no"]) for a in found.agencies} <= clause_keys
    assert len({(a["task_id"], a["clause_no"], a["agency_no"]) for a in found.agencies}) == len(found.agencies)

    # every diagnostic is one line and names a line of the file (or none)
    for d in norm.diagnostics + structure.diagnostics + found.diagnostics:
        assert "\n" not in d.message
        assert d.line is None or 1 <= d.line <= n_raw_lines, d


# ---- the tests ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(5))
def test_real_plans_hold_the_invariants(index):
    plan = plans()[index]
    _check_all(dict(plan, text="\n".join(plan["lines"])))


@SETTINGS
@given(mutated_plan())
def test_mutated_plans_never_crash_and_tile(plan):
    _check_all(plan)


@SETTINGS
@given(st.sampled_from(range(5)), st.randoms(use_true_random=False))
def test_shuffled_paragraphs(index, rnd):
    """Every line of a plan shuffled: structure is nonsense, the invariants still hold."""
    plan = plans()[index]
    lines = list(plan["lines"])
    rnd.shuffle(lines)
    _check_all(dict(plan, text="\n".join(lines)))


@SETTINGS
@given(st.sampled_from(range(5)), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)),
                                           min_size=1, max_size=6))
def test_recombined_plans(index, cuts):
    """Slices of two plans glued together (what a bad copy-paste produces), with the first plan's script."""
    first, second = plans()[index], plans()[(index + 1) % 5]
    lines: list[str] = []
    for a, b in cuts:
        lines += first["lines"][a % len(first["lines"]):][:20] + second["lines"][b % len(second["lines"]):][:20]
    _check_all(dict(first, text="\n".join(lines)))


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("一二三十、（）()。，负责牵头部局市\n 　abc0123")), max_size=400))
def test_arbitrary_marker_soup(text):
    """Text made only of markers, brackets and role verbs."""
    plan = plans()[2]
    _check_all(dict(plan, text=text))


@pytest.mark.parametrize("line", ["（一）（（（市公安局负责", "一、二、三、", "（）", "）（", "（一）。。。", "（十）（市公安局负责）",
                                  "九十九、" * 20, "（一百零二）测试。", "(一)加强。(市公安局负责)"])
def test_edge_lines(line):
    plan = plans()[2]
    body = "\n".join(plan["lines"][:12] + [line] + plan["lines"][12:40])
    _check_all(dict(plan, text=body))


def test_bracket_spans_are_balanced_or_reported():
    """Property of the bracket scanner: spans are balanced, unmatched positions are the rest."""
    line = "甲（乙（丙）丁）戊）己（庚"
    spans, unmatched = agencies.bracket_spans(line)
    assert spans == [(1, 8)] and unmatched == [9, 11]
    for a, b in spans:
        inner = line[a:b]
        assert inner.count("（") == inner.count("）")
    assert re.sub("[^（）]", "", "".join(line[p] for p in unmatched)) == "）（"


@settings(SETTINGS, max_examples=min(SETTINGS.max_examples, 15))
@given(mutated_plan())
def test_mutated_plans_build_whole(plan):
    """The whole per-document build (decode, tokens, schema validation, Parquet files) on a mutated plan: never
    an internal error, tokens point at their text, and the files read back as written."""
    import tempfile

    import pyarrow.parquet as pq

    from ipm_analysis import builder

    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw", Path(tmp) / "out"
        raw.mkdir()
        row = {k: (v or None) for k, v in plan.items() if k not in ("lines", "text")}
        (raw / row["file"]).write_bytes(plan["text"].encode("utf-8"))
        part, docs, processed = builder._build_part(("0" * 16, [(row, "k", None)], raw, out))
        assert processed == 1 and part["docs"] == [row["doc_id"]]
        read = {name: pq.read_table(out / entry["file"]).to_pandas() for name, entry in part["tables"].items()}
        codes = set(read["diagnostics"]["code"]) if "diagnostics" in read else set()
        assert "internal_error" not in codes
        if docs[0]["status"] == "error":                       # e.g. every line deleted: an empty file
            assert set(read) == {"diagnostics"} and read["diagnostics"]["code"].tolist() == ["unreadable_document"]
            return
        body = read["documents"]["text"].iloc[0]
        assert "".join(read["segments"]["text"]) == body
        if "tokens" in read:
            tok = read["tokens"]
            assert [body[s:e] for s, e in zip(tok["start"], tok["end"])] == tok["token"].tolist()
            assert tok["position"].tolist() == list(range(len(tok)))
        assert {n: len(f) for n, f in read.items()} == docs[0]["rows"]
