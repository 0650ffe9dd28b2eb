"""Compose a synthetic corpus of realistic plans from the five real ones, for benchmarks and scale tests.

Every synthetic plan is built from real material: a title in the real form, a real preamble, 4-9 real section
headings and 15-40 real tasks (whole tasks, with their responsibility clauses and 2021-style sub-headings),
shuffled and recombined across plans, renumbered, with a new year and jurisdiction. The raw files vary the way
real copies do: some are web pages (navigation, half-width punctuation, indentation, footer), some are
traditional script (OpenCC s2t, manifest `zh-Hant`), some have Windows line endings or a UTF-8 BOM, and some
restart task numbering in every section (as 2012 does). Local plans keep the national agencies' names in their
clauses, so they report `unknown_agency` diagnostics unless the alias table covers their jurisdiction: that
is what an unreviewed local plan looks like.

    python benchmarks/synthetic.py /tmp/synth --n 2000 [--seed 0] [--copies]

``--copies`` (for the reuse benchmark) makes most local plans adapt a national plan, as real ones do: a local plan
of year Y copies about 70 % of the tasks of a national plan of Y or Y-1 (one generated before it), in order,
with its own name for 全国 and a sentence dropped here and there, plus a few tasks of its own. Without it the
corpus is byte for byte the one the build benchmark has always used.

writes /tmp/synth/data/raw/*.txt and /tmp/synth/data/raw/manifest.csv (never into the repository's data/).
Deterministic for a given seed and n; the first k documents are the same for every n >= k.
"""
from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ipm_analysis import ingest, parse  # noqa: E402

PROVINCES = ["北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省",
             "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
             "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省"]
CITIES = ["青岛市", "济南市", "烟台市", "潍坊市", "深圳市", "广州市", "东莞市", "佛山市", "杭州市", "宁波市",
          "温州市", "义乌市", "南京市", "苏州市", "无锡市", "成都市", "武汉市", "长沙市", "郑州市", "西安市",
          "厦门市", "泉州市", "合肥市", "南昌市", "昆明市", "贵阳市", "大连市", "沈阳市", "哈尔滨市", "石家庄市"]
CN = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 35 → 三十五 (up to 99)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN[ones]
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


@dataclass
class Pool:
    preambles: list[str]
    sections: list[str]
    tasks: list[list[str]]   # paragraphs of one task, marker removed from the first


@cache
def pool() -> Pool:
    """Real preambles, section titles and tasks from data/raw, normalised to simplified text."""
    raw = REPO / "data" / "raw"
    manifest, _ = ingest.read_manifest(raw / "manifest.csv")
    pre, secs, tasks = [], [], []
    for row in manifest.to_dict("records"):
        norm = ingest.read_document(raw / row["file"], doc_id=row["doc_id"], script=row["script"])
        structure = parse.parse(norm)
        pre += [s["text"].strip() for s in structure.segments if s["kind"] == "preamble" and s["section_no"] is None]
        secs += [s["title"] for s in structure.sections]
        for t in structure.tasks:
            paras = t["text"].rstrip("\n").split("\n")
            paras[0] = paras[0][len(t["marker"]):]
            tasks.append(paras)
    return Pool(pre, secs, tasks)


@cache
def _s2t():
    from opencc import OpenCC

    return OpenCC("s2t")


def _adapt(paras: list[str], where: str, rnd: random.Random) -> list[str]:
    """A local copy of a national task: 全国 → the jurisdiction, one sentence in five dropped."""
    out = []
    for para in paras:
        kept = [s for s in re.split(r"(?<=。)", para.replace("全国", where)) if s and rnd.random() >= 0.2]
        out.append("".join(kept) or para.replace("全国", where))
    return out


def compose(i: int, rnd: random.Random, nationals: dict[int, list[list[list[str]]]] | None = None
            ) -> tuple[dict, str]:
    """One synthetic plan: its manifest row and raw text.

    ``nationals`` (``--copies``): year → task lists of the national plans composed so far; a local plan then
    usually adapts one of its year or the year before, and a national plan adds its own task list to it.
    """
    p = pool()
    year = rnd.randint(2008, 2030)
    kind = rnd.random()
    if kind < 0.15:
        jurisdiction, level = "全国", "national"
    elif kind < 0.45:
        jurisdiction, level = rnd.choice(PROVINCES), "provincial"
    else:
        jurisdiction, level = rnd.choice(CITIES), "municipal"
    where = "全国" if level == "national" else jurisdiction
    title = f"{year}年{where}打击侵犯知识产权和制售假冒伪劣商品工作要点"
    preamble = re.sub(r"\d{4}年", f"{year}年", rnd.choice(p.preambles)).replace("全国", where, 1)
    per_section = rnd.random() < 0.1
    lines = [title, preamble]
    task_no = 0
    sources = [] if nationals is None or level == "national" else nationals.get(year, []) + nationals.get(year - 1, [])
    if sources and rnd.random() < 0.8:   # a local plan adapting a national plan of its year or the year before
        source = rnd.choice(sources)
        tasks = [_adapt(t, where, rnd) for t in source if rnd.random() < 0.7]
        for _ in range(rnd.randint(1, 6)):
            tasks.insert(rnd.randint(0, len(tasks)), list(rnd.choice(p.tasks)))
        s = 0
        while tasks:
            s += 1
            lines.append(f"{cn_number(s)}、{rnd.choice(p.sections)}")
            if per_section:
                task_no = 0
            k = rnd.randint(2, 7)
            for paras in tasks[:k]:
                task_no += 1
                lines.append(f"（{cn_number(task_no)}）{paras[0]}")
                lines.extend(paras[1:])
            tasks = tasks[k:]
    else:
        chosen = []
        for s in range(1, rnd.randint(4, 9) + 1):
            lines.append(f"{cn_number(s)}、{rnd.choice(p.sections)}")
            if per_section:
                task_no = 0
            for _ in range(rnd.randint(2, 7)):
                task_no += 1
                paras = list(rnd.choice(p.tasks))
                chosen.append(paras)
                lines.append(f"（{cn_number(task_no)}）{paras[0]}")
                lines.extend(paras[1:])
        if nationals is not None and level == "national":
            nationals.setdefault(year, []).append(chosen)

    form = rnd.random()
    script = "zh-Hans"
    if form < 0.3:   # a web page: navigation, half-width punctuation, indentation, footer
        source_form = "web page"
        body = ["    " + line.replace("（", "(").replace("）", ")").replace("，", ",") for line in lines]
        lines = ["当前位置:首页> 信息公开> 地方> 地方政策法规", "",
                 f"关于印发《{title}》的通知", "", "   信息来源:        ", *body, "", "【打印】 【关闭】"]
    elif form < 0.4:  # traditional script
        source_form = "official text"
        script = "zh-Hant"
        lines = _s2t().convert("\n".join(lines)).split("\n")
    else:
        source_form = "official text"
    text = "\n".join(lines) + "\n"
    newline = "\r\n" if rnd.random() < 0.1 else "\n"
    data = text.replace("\n", newline).encode("utf-8")
    if rnd.random() < 0.05:
        data = b"\xef\xbb\xbf" + data
    doc_id = f"syn{i:05d}_{year}"
    row = dict(doc_id=doc_id, file=f"{doc_id}.txt", original_file=f"synthetic/{doc_id}.txt", year=str(year),
               jurisdiction=jurisdiction, level=level, issuer=f"{where}打击侵权假冒工作领导小组", issue_date="",
               source_form=source_form, script=script, notes="synthetic (benchmarks/synthetic.py)")
    return row, data


def generate(root: Path, n: int, *, seed: int = 0, copies: bool = False) -> list[dict]:
    """Write n synthetic plans and their manifest into ``root/data/raw``; return the manifest rows.

    ``copies``: local plans adapt national plans of their year or the year before (see the module docstring).
    """
    root = Path(root).resolve()
    if root == REPO or REPO / "data" in root.parents or root == REPO / "data":
        raise SystemExit("refusing to write synthetic plans into the repository's data/")
    raw = root / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rows = []
    nationals: dict | None = {} if copies else None
    for i in range(n):
        rnd = random.Random(f"{seed}-{i}")   # per-document seed: the first k documents never depend on n
        row, data = compose(i, rnd, nationals)
        (raw / row["file"]).write_bytes(data)
        rows.append(row)
    write_manifest(raw / "manifest.csv", rows)
    return rows


def write_manifest(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=ingest.MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path, help="target project root (data/raw is created inside it)")
    ap.add_argument("--n", type=int, default=2000, help="number of documents (default 2000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--copies", action="store_true", help="local plans adapt national plans (reuse benchmark)")
    args = ap.parse_args(argv)
    rows = generate(args.root, args.n, seed=args.seed, copies=args.copies)
    size = sum((args.root / "data" / "raw" / r["file"]).stat().st_size for r in rows)
    print(f"wrote {len(rows)} plans ({size / 1e6:.1f} MB) to {args.root / 'data' / 'raw'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
