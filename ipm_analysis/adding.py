"""``ipm-analysis add FILE…``: the manifest row of a new plan proposed from what its text states
(``metadata.describe``), the file copied into ``data/raw/`` unchanged and the row appended to the manifest.

``propose`` is pure apart from reading the file; ``write`` does the copying and appending. Values given on the
command line always win over detected ones; a disagreement is a warning of the proposal.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import metadata
from .diagnostics import Diagnostic, InputError
from .ingest import LEVELS, MANIFEST_COLUMNS, SCRIPTS, decode_manifest, manifest_records
from .readers import SUFFIXES, read_bytes
from .store import atomic_file

SOURCE_FORMS = {"text": "text file", "html": "web page", "docx": "Word file", "pdf": "PDF"}
DETECTED = ("year", "jurisdiction", "level", "issuer", "issue_date", "script")


@dataclass
class Proposal:
    """The row proposed for one file and what was found on the way."""

    source: Path
    row: dict[str, str]
    origin: dict[str, str] = field(default_factory=dict)  # column -> "given", "detected" or "not stated"
    diagnostics: list[Diagnostic] = field(default_factory=list)
    copy: bool = True  # False: the same file is in data/raw/ already

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def read_listing(manifest: Path) -> tuple[list[str], list[dict]]:
    """The manifest's header and rows (``MANIFEST_COLUMNS`` and none if there is no manifest yet)."""
    if not manifest.exists():
        return list(MANIFEST_COLUMNS), []
    text, _ = decode_manifest(manifest.read_bytes(), manifest.name)
    records = [(line, fields) for line, fields, problem in manifest_records(text) if fields]
    if not records:
        return list(MANIFEST_COLUMNS), []
    header = [h.strip() for h in records[0][1]]
    return header, [dict(zip(header, fields), _line=line) for line, fields in records[1:]]


def propose(path: Path, raw_dir: Path, rows: list[dict], given: dict[str, str]) -> Proposal:
    """The manifest row for ``path``: given values, else what the text states; errors when the file cannot
    be read or added (another file of that name in ``data/raw/``, already listed, a value missing)."""
    path = Path(path)
    name = path.name
    row = dict.fromkeys(MANIFEST_COLUMNS, "")
    proposal = Proposal(path, row)

    def say(severity: str, message: str, code: str = "add") -> None:
        proposal.diagnostics.append(Diagnostic(severity=severity, code=code, message=message, file=name))

    if path.suffix.lower() not in SUFFIXES:
        say("error", f"{path.suffix or 'no suffix'}: not a plan file ({', '.join(SUFFIXES)})")
        return proposal
    try:
        data = path.read_bytes()
        got = read_bytes(data, name)
    except InputError as exc:
        say("error", exc.message)
        return proposal
    except OSError as exc:
        say("error", f"cannot read it ({exc.strerror})")
        return proposal
    proposal.diagnostics += [d for d in got.diagnostics if d.severity != "info"]
    found = metadata.describe(got.text, furniture=[r["removed"] for r in got.removals if r["removed"].strip()])
    for key in DETECTED:
        stated = (given.get(key) or "").strip()
        if stated:
            row[key], proposal.origin[key] = stated, "given"
            if found[key] and found[key] != stated:
                say("warning", f"{key} given as {stated!r}, the text states {found[key]!r}; the given value is "
                               "used", "add_disagrees")
        elif found[key]:
            row[key], proposal.origin[key] = found[key], "detected"
        else:
            proposal.origin[key] = "not stated"
    for key, needed in (("year", "--year 2019"), ("level", f"--level ({'/'.join(LEVELS)})"),
                        ("jurisdiction", "--jurisdiction 深圳市")):
        if not row[key]:
            say("error" if key != "jurisdiction" else "warning",
                f"{key} is not stated in the text; give it with {needed}")
    if row["level"] and row["level"] not in LEVELS:
        say("error", f"level {row['level']!r} must be one of {', '.join(LEVELS)}")
    if row["script"] and row["script"] not in SCRIPTS:
        say("error", f"script {row['script']!r} must be one of {', '.join(SCRIPTS)}")

    target = raw_dir / name
    inside = path.resolve().parent == raw_dir.resolve()
    if inside:
        proposal.copy = False
    elif target.exists():
        if target.read_bytes() == data:
            proposal.copy = False
        else:
            say("error", f"a different file named {name} is already in {raw_dir.parent.name}/{raw_dir.name}/; "
                         "rename yours (or the other one) and add it again")
    listed = next((r for r in rows if r.get("file") == name), None)
    if listed:
        say("error", f"already in the manifest (line {listed['_line']}, doc_id {listed.get('doc_id')!r})")
    row["file"] = name
    row["original_file"] = given.get("original_file") or name
    row["source_form"] = given.get("source_form") or SOURCE_FORMS[got.form]
    row["doc_id"] = given.get("doc_id") or _doc_id(path.stem, row, {r.get("doc_id") for r in rows})
    proposal.origin.update(doc_id="given" if given.get("doc_id") else "proposed")
    if any(r.get("doc_id") == row["doc_id"] for r in rows):
        say("error", f"doc_id {row['doc_id']!r} is already used; give another with --doc-id")
    notes = [given["notes"]] if given.get("notes") else []
    if found["doc_number"]:
        notes.append(found["doc_number"])
    missing = [k for k in ("issuer", "issue_date") if not row[k]]
    if missing:
        notes.append(f"{' and '.join(missing)} not stated in this copy")
    notes.append("row proposed by ipm-analysis add")
    row["notes"] = "; ".join(notes)
    return proposal


def _doc_id(stem: str, row: dict, taken: set) -> str:
    """The file's name if it is a valid doc_id with the year (``2019_shenzhen``), else ``<year>_<level>``;
    made unique."""
    valid = re.fullmatch(r"[A-Za-z0-9_.-]+", stem) and (not row["year"] or row["year"] in stem)
    base = stem if valid else f"{row['year'] or 'plan'}_{row['level'] or 'plan'}"
    doc_id, n = base, 1
    while doc_id in taken:
        n += 1
        doc_id = f"{base}-{n}"
    return doc_id


def write(proposal: Proposal, raw_dir: Path, manifest: Path, header: list[str]) -> None:
    """Copy the file into ``data/raw/`` (unless it is there) and append its row to the manifest."""
    if not proposal.ok:
        raise ValueError("a proposal with errors is not written")
    raw_dir.mkdir(parents=True, exist_ok=True)
    if proposal.copy:
        target = raw_dir / proposal.row["file"]
        # a whole file or none, never a half-copied plan; permissions follow the umask like every output
        with open(proposal.source, "rb") as src, atomic_file(target) as dst:
            shutil.copyfileobj(src, dst)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not manifest.exists() or not manifest.read_bytes().strip():
        writer.writerow(header)
    writer.writerow([proposal.row.get(c, "") for c in header])
    existing = manifest.read_bytes() if manifest.exists() else b""
    lead = "\n" if existing and not existing.endswith((b"\n", b"\r")) else ""
    with open(manifest, "a", encoding="utf-8", newline="") as fh:
        fh.write(lead + out.getvalue())


def manifest_problem(manifest: Path) -> str | None:
    """Why rows may not be appended to the manifest, if they may not (only UTF-8 is appended to)."""
    if not manifest.exists():
        return None
    _, diags = decode_manifest(manifest.read_bytes(), manifest.name)
    if diags:
        return ("the manifest is not UTF-8; rows are not appended to it: save it as CSV UTF-8 (in Excel: File > "
                'Save As > "CSV UTF-8") and add again')
    return None


def describe_proposal(proposal: Proposal, raw_dir: Path) -> str:
    """The proposal as printed: where the file goes, every column with where its value came from."""
    where = (f"copied to {raw_dir.parent.name}/{raw_dir.name}/{proposal.row['file']}" if proposal.copy
             else f"already in {raw_dir.parent.name}/{raw_dir.name}/")
    lines = [f"{proposal.source}: {where}"]
    for column in MANIFEST_COLUMNS:
        origin = proposal.origin.get(column, "")
        lines.append(f"  {column:<14}{proposal.row[column]}" + (f"   ({origin})" if origin else ""))
    lines += [f"  {d.severity}: {d.message} [{d.code}]" for d in proposal.diagnostics]
    return "\n".join(lines)


__all__ = ["Proposal", "propose", "write", "read_listing", "manifest_problem", "describe_proposal"]
