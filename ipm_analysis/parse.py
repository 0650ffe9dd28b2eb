"""Find the structure of a normalised plan: title, preambles, sections, numbered tasks and their subtasks
(unnumbered sub-headings and numbered items at any depth).

The parse works paragraph by paragraph (the normalised body has one paragraph per line) and produces a list of
segments that tiles the body exactly: every character lands in one title, preamble, section heading, task,
subtask or unassigned segment. Sections, tasks and subtasks are derived from the segments. Which marker level
holds the tasks is read from the document (``grammar``): the outermost one below the section. Numbering problems
become diagnostics, never exceptions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import grammar
from .diagnostics import Diagnostic
from .grammar import SECTION_RE, cn_numeral
from .ingest import Normalised

# A sub-heading (2021: `互联网领域侵权假冒治理。`) opens a paragraph with a short sentence that has no inner
# punctuation and is followed by more text in the same paragraph, not by a responsibility clause.
SUBHEADING_RE = re.compile(r"^(?P<title>[^，、；：。（）“”《》]{2,20})。(?!（)(?=.)")


@dataclass
class Structure:
    """Parse result for one document: plain records, turned into frames by ``tables``."""

    segments: list[dict] = field(default_factory=list)
    sections: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    subtasks: list[dict] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    numbering: str = "continuous"


def _paragraphs(body: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each line; ``end`` includes the line's newline."""
    out, pos = [], 0
    for line in body.split("\n")[:-1]:
        out.append((pos, pos + len(line) + 1, line))
        pos += len(line) + 1
    return out


def _title_of(after_marker: str) -> tuple[str, bool]:
    """Task title (text up to the first 。, without a responsibility clause it ends in) and whether the
    paragraph holds nothing but that title."""
    head, dot, rest = after_marker.partition("。")
    return grammar.strip_trailing_clause(head), (not rest)


def _task_levels(paras: list[tuple[int, int, str]], skip_first: bool) -> list[int | None]:
    """The task level of every paragraph's section: the outermost marker level below the section heading that
    opens a paragraph of that section (（一） in most plans; 1. in a plan, or a section such as 保障措施, numbered
    一、→ 1.). Deeper levels are its items."""
    out: list[int | None] = []
    run: list[int] = []          # paragraph indexes of the current section
    level: int | None = None

    def close():
        out.extend([level] * len(run))

    for i, (_, _, text) in enumerate(paras):
        if grammar.is_section(text) and not (i == 0 and skip_first):
            close()
            run, level = [], None
        run.append(i)
        mark = None if (i == 0 and skip_first) or grammar.is_section(text) else grammar.marker_below_section(text)
        if mark is not None and (level is None or mark.level < level):
            level = mark.level
    close()
    return out


def parse(norm: Normalised) -> Structure:
    """Segment one normalised document and derive its sections, tasks and subtasks (sub-headings and items)."""
    doc_id, file = norm.doc_id, norm.file
    out = Structure()
    paras = _paragraphs(norm.body)
    seg: list[dict] = out.segments

    def add(kind, start, section_no=None, task_id=None, sub_no=None):
        seg.append(dict(doc_id=doc_id, kind=kind, section_no=section_no, task_id=task_id, sub_no=sub_no,
                        start=start, raw_line=norm.raw_line_at(start)))

    def add_subtask(start, title, marker=None, depth=1, parent=None):
        task["n_subtasks"] += 1
        sub = dict(doc_id=doc_id, task_id=task["task_id"], sub_no=task["n_subtasks"], depth=depth,
                   parent_sub_no=parent["sub_no"] if parent else None, marker=marker.text if marker else None,
                   item_no=marker.number if marker else None, title=title, start=start,
                   raw_line=norm.raw_line_at(start))
        out.subtasks.append(sub)
        add("subtask", start, task["section_no"], task["task_id"], task["n_subtasks"])
        return sub

    task_levels = _task_levels(paras, norm.has_title_line)
    section_no: int | None = None
    task: dict | None = None       # the task currently open
    multi = False                  # current task runs over several paragraphs (title-only marker line)
    items: list[tuple[int, dict]] = []  # the open items of the current task, outermost first, with their level
    seq = 0
    used_ids: dict[str, int] = {}
    for i, (start, end, text) in enumerate(paras):
        if i == 0 and norm.has_title_line:
            add("title", start)
            continue
        sec = SECTION_RE.match(text) if grammar.is_section(text) else None
        mark = None if sec else grammar.marker_below_section(text)
        if sec:
            section_no = cn_numeral(sec.group("num"))
            out.sections.append(dict(doc_id=doc_id, section_no=section_no,
                                     title=sec.group("title").rstrip("。"), start=start,
                                     raw_line=norm.raw_line_at(start)))
            add("section_heading", start, section_no)
            task, multi, items = None, False, []
        elif mark and mark.level == task_levels[i]:
            seq += 1
            task_no = mark.number
            sec_no = section_no if section_no is not None else 0
            task_id = f"{doc_id}-{sec_no:02d}-{task_no:02d}"
            if task_id in used_ids:
                used_ids[task_id] += 1
                task_id = f"{task_id}-dup{used_ids[task_id]}"
            else:
                used_ids[task_id] = 1
            title, multi = _title_of(text[mark.end:])
            task = dict(doc_id=doc_id, section_no=sec_no, task_no=task_no, seq=seq, task_id=task_id,
                        marker=mark.text, title=title, start=start, raw_line=norm.raw_line_at(start),
                        n_subtasks=0)
            out.tasks.append(task)
            items = []
            if not mark.has_open:
                out.diagnostics.append(Diagnostic(
                    "warning", "malformed_marker",
                    f"task marker {mark.text!r} lacks its opening bracket; read as task {task_no}",
                    file, norm.raw_line_at(start), doc_id))
            add("task", start, sec_no, task_id)
        elif mark and task is not None:  # an item (1. under （一）, （1） under 1. …) of the open task
            while items and items[-1][0] >= mark.level:
                items.pop()
            sub = add_subtask(start, _title_of(text[mark.end:])[0], mark, len(items) + 1,
                              items[-1][1] if items else None)
            items.append((mark.level, sub))
        elif task is not None and (items or grammar.is_label_line(text)):
            pass  # continues the open item, or names the task's agencies or a note (牵头单位：…, 完成时限：… in a task division)
        elif task is not None and multi:
            sub = SUBHEADING_RE.match(text)
            if sub:
                add_subtask(start, sub.group("title"))
            # other paragraphs simply continue the current task or subtask segment
        elif task is not None:
            add("unassigned", start, section_no)
            task = None
        elif not seg or seg[-1]["kind"] not in ("preamble", "unassigned"):
            add("preamble", start, section_no)

    _close_spans(seg, len(norm.body))
    for s in seg:
        s["text"] = norm.body[s["start"]:s["end"]]
    _close_spans(out.sections, len(norm.body))
    _close_task_spans(out.tasks, seg, len(norm.body))
    _close_subtask_spans(out.subtasks, out.tasks)
    for rows in (out.tasks, out.subtasks):
        for r in rows:
            r["text"] = norm.body[r["start"]:r["end"]]
    for n, s in enumerate(seg, start=1):
        s["segment_no"] = n
    out.numbering, numbering_diags = check_numbering(out.sections, out.tasks, file=file, doc_id=doc_id,
                                                     items=out.subtasks)
    out.diagnostics.extend(numbering_diags)
    # A repeated section heading (二、 twice) is reported above as numbering_duplicate and keeps its segments;
    # the sections table (keyed by doc_id + section_no) keeps the first occurrence only.
    first_seen: dict[int, dict] = {}
    for s in out.sections:
        first_seen.setdefault(s["section_no"], s)
    out.sections = [s for s in out.sections if first_seen[s["section_no"]] is s]
    out.diagnostics.extend(check_stated_counts(norm, len(out.sections), len(out.tasks)))
    if out.tasks and not out.sections:
        out.diagnostics.append(Diagnostic("warning", "no_sections", "numbered tasks but no section heading (一、) "
                                          "found; the tasks are given section_no 0", file, None, doc_id))
    if not out.tasks:
        out.diagnostics.append(Diagnostic("warning", "no_tasks", "no numbered tasks（一）found; only "
                                          "preamble and section rows were built", file, None, doc_id))
    return out


def _close_spans(rows: list[dict], length: int) -> None:
    for a, b in zip(rows, rows[1:]):
        a["end"] = b["start"]
    if rows:
        rows[-1]["end"] = length


def _close_task_spans(tasks: list[dict], segments: list[dict], length: int) -> None:
    """A task ends where the next segment that is not its own (task or subtask) begins."""
    by_id: dict[str, dict] = {t["task_id"]: t for t in tasks}
    for s in segments:
        if s["task_id"] in by_id:
            by_id[s["task_id"]]["end"] = s["end"]


def _close_subtask_spans(subtasks: list[dict], tasks: list[dict]) -> None:
    """A subtask ends where the next subtask of its task at its depth or shallower begins (an item holds the
    deeper items under it), else where its task ends."""
    task_end = {t["task_id"]: t["end"] for t in tasks}
    open_: list[dict] = []
    for st in subtasks:
        while open_ and (open_[-1]["task_id"] != st["task_id"] or open_[-1]["depth"] >= st["depth"]):
            done = open_.pop()
            done["end"] = st["start"] if done["task_id"] == st["task_id"] else task_end[done["task_id"]]
        open_.append(st)
    for done in open_:
        done["end"] = task_end[done["task_id"]]


def check_numbering(sections: list[dict], tasks: list[dict], *, file: str, doc_id: str,
                    items: list[dict] = ()) -> tuple[str, list[Diagnostic]]:
    """Gaps, duplicates and out-of-order markers, for sections, tasks and numbered items (counted within their
    parent); also tells the numbering scheme.

    Task numbers either run through the document (2017-2021) or restart in every section (2012); the scheme is
    read from the document itself: it restarts if a later section opens with task 1. Tasks numbered at another
    level than most of the document's (a 保障措施 section's 1. tasks among （一） tasks) count within their section
    and say nothing about the scheme.
    """
    diags: list[Diagnostic] = []
    level_of = [(m.level if m else None) for t in tasks for m in [grammar.marker_below_section(t["marker"])]]
    main = min(set(level_of), key=lambda lv: (-level_of.count(lv), lv)) if tasks else None  # ties: outermost
    others = [t for t, lv in zip(tasks, level_of) if lv != main]
    tasks = [t for t, lv in zip(tasks, level_of) if lv == main]
    first_in_section = {}
    for t in tasks:
        first_in_section.setdefault(t["section_no"], t["task_no"])
    restarts = any(no == 1 for sec, no in list(first_in_section.items())[1:])
    scheme = "per_section" if restarts else "continuous"

    def walk(items, what, key, scope_of):
        expected: dict = {}
        seen: dict = {}
        for it in items:
            scope = scope_of(it)
            no, line = it[key], it["raw_line"]
            want = expected.get(scope, 1)
            if no in seen.setdefault(scope, set()):
                diags.append(Diagnostic("warning", "numbering_duplicate",
                                        f"{what} {no} appears again; check the marker", file, line, doc_id))
            elif no > want:
                missing = ", ".join(map(str, range(want, no)))
                diags.append(Diagnostic("warning", "numbering_gap",
                                        f"{what} {no} follows {want - 1}: {missing} missing", file, line, doc_id))
            elif no < want:
                diags.append(Diagnostic("warning", "numbering_out_of_order",
                                        f"{what} {no} comes after {want - 1}", file, line, doc_id))
            seen[scope].add(no)
            expected[scope] = max(want, no + 1)

    walk(sections, "section", "section_no", lambda s: None)
    walk(tasks, "task", "task_no", (lambda t: t["section_no"]) if restarts else (lambda t: None))
    walk(others, "task", "task_no", lambda t: t["section_no"])
    walk([it for it in items if it["item_no"] is not None], "item", "item_no",
         lambda it: (it["task_id"], it["parent_sub_no"]))
    return scheme, diags


def check_stated_counts(norm: Normalised, n_sections: int, n_tasks: int) -> list[Diagnostic]:
    """Compare the counts a document states about itself (2020: 7 方面, 35 项任务) with the parse."""
    diags = []
    for what, stated, found in (("sections", norm.stated_sections, n_sections),
                                ("tasks", norm.stated_tasks, n_tasks)):
        if stated is None:
            continue
        if stated == found:
            diags.append(Diagnostic("info", "stated_count_ok",
                                    f"document states {stated} {what}; parsed {found}", norm.file, None,
                                    norm.doc_id))
        else:
            diags.append(Diagnostic("error", "stated_count_mismatch",
                                    f"document states {stated} {what} but {found} were parsed; check the "
                                    "markers", norm.file, None, norm.doc_id))
    return diags
