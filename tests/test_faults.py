"""Fault injection: hostile manifests and files, builds killed or interrupted, concurrent builds, a full disk.

Every test builds a tiny project (three short real plans) and asserts that the previous tables are intact or the
new ones complete, that no process is left behind and that the message is one true line. Builds that must be
killed or run side by side are subprocesses; the rest run in-process.
"""
from __future__ import annotations

import csv
import errno
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis import store
from ipm_analysis.__main__ import main
from ipm_analysis.builder import build
from ipm_analysis.corpus import load_corpus, read_tables

REPO = Path(__file__).resolve().parents[1]
DOCS = ["2012_national", "2018_qingdao", "2021_national"]  # zh-Hans, short: the fastest real plans to build
# A build in a subprocess with one plan a part and workers from two plans on, so that three plans keep two
# workers busy (the point of the kill tests).
RUNNER = ("import sys; from ipm_analysis import builder; builder._PART = 1; builder._PARALLEL_FROM = 2; "
          "from ipm_analysis.__main__ import main; sys.exit(main(sys.argv[1:]))")
# The same, with plans that take a minute each in the workers: an interrupt is then surely sent mid-build (on a
# loaded machine, three real plans can be done before the test has even seen the workers).
SLOW_RUNNER = RUNNER.replace("sys.exit(", "import time; builder.document_records = lambda *a: time.sleep(60); "
                                          "sys.exit(")


# ---- a tiny project ----------------------------------------------------------------------------------------


def manifest_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def real_rows() -> list[dict]:
    with open(REPO / "data" / "raw" / "manifest.csv", encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["doc_id"] in DOCS]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, project_copy) -> Path:
    """A project with the three plans, built once (with CSV copies); tests work on copies of it."""
    root = tmp_path_factory.mktemp("tiny")
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    for doc in DOCS:
        shutil.copy(REPO / "data" / "raw" / f"{doc}.txt", raw)
    (raw / "manifest.csv").write_text(manifest_text(real_rows()), encoding="utf-8")
    if (project_copy / ".cache" / "jieba").exists():  # jieba's dictionary cache: saves a second a subprocess
        shutil.copytree(project_copy / ".cache" / "jieba", root / ".cache" / "jieba")
    mp = pytest.MonkeyPatch()
    mp.setenv("IPM_ANALYSIS_ROOT", str(root))
    build(quiet=True, csv=True)
    mp.undo()
    return root


@pytest.fixture
def root(tiny, tmp_path, monkeypatch) -> Path:
    shutil.copytree(tiny, tmp_path / "p", symlinks=True)
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path / "p"))
    return tmp_path / "p"


def processed(root: Path) -> Path:
    return root / "data" / "processed"


def snapshot(root: Path) -> dict[str, bytes]:
    """What a reader sees: the index, every file it names and the CSV copies, by path."""
    out = processed(root)
    corpus = read_tables(out)
    files = [f for name in store.TABLES for f in corpus.files(name)]
    files += sorted((out / "csv").glob("*")) if (out / "csv").exists() else []
    return {"_build.json": (out / "_build.json").read_bytes()} | {
        str(f.relative_to(out)): f.read_bytes() for f in files}


def leftovers(root: Path) -> list[str]:
    """Temp files, unpublished generations and Parquet files no index names."""
    out = processed(root)
    named = {str(f.relative_to(out)) for name in store.TABLES for f in read_tables(out).files(name)}
    parts = [str(p.relative_to(out)) for p in out.glob("*/*.parquet") if str(p.relative_to(out)) not in named]
    current = os.readlink(out / "current").split("/")[-1]
    gens = [g.name for g in (out / ".generations").iterdir() if g.name != current]
    temp = [p.name for p in out.rglob(".*") if p.name not in (".build.lock", ".generations")]
    return sorted(parts + gens + temp)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, out, err


def set_manifest(root: Path, text: str | bytes) -> None:
    path = root / "data" / "raw" / "manifest.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def add_row(root: Path, **changes) -> int:
    """Append a row (a copy of the Qingdao plan's, changed); return its line."""
    rows = real_rows()
    rows.append(dict(rows[1], doc_id="2019_new", file="2019_new.txt", notes="test") | changes)
    set_manifest(root, manifest_text(rows))
    return len(rows) + 1


def diagnostics(corpus, code: str) -> list[tuple]:
    d = corpus.diagnostics[corpus.diagnostics["code"] == code]
    return [(r.file, None if pd.isna(r.line) else int(r.line), r.message) for r in d.itertuples()]


def change_a_plan(root: Path) -> None:
    path = root / "data" / "raw" / "2012_national.txt"
    path.write_bytes(path.read_bytes().replace("大力开展专项整治".encode(), "大力开展专项整治行动".encode()))


# ---- inputs confined to data/raw ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, why", [
    ("../../../../etc/passwd", "not an absolute path or one with '..'"),
    ("/etc/passwd", "not an absolute path or one with '..'"),
    ("sub/../../outside.txt", "not an absolute path or one with '..'"),
    ("link.txt", "outside"),
])
def test_files_outside_raw_are_refused(root, capsys, name, why):
    outside = root / "outside.txt"
    outside.write_text("2019年打击侵犯知识产权工作要点\n一、总则\n（一）秘密内容。\n", encoding="utf-8")
    (root / "data" / "raw" / "link.txt").symlink_to(outside)
    line = add_row(root, file=name)
    rc, out, _ = cli(capsys, "build")
    corpus = read_tables()
    assert rc == 0 and [(f, ln) for f, ln, _ in diagnostics(corpus, "manifest_row")] == [("manifest.csv", line)]
    assert why in diagnostics(corpus, "manifest_row")[0][2]
    assert f"error: manifest.csv:{line}: file '{name}'" in out
    assert sorted(corpus.documents["doc_id"]) == DOCS                       # the others build
    assert not corpus.documents["text"].str.contains("秘密内容|root:").any()  # nothing of the file read


def test_sub_folder_inside_raw_is_fine(root):
    (root / "data" / "raw" / "local").mkdir()
    shutil.copy(root / "data" / "raw" / "2018_qingdao.txt", root / "data" / "raw" / "local" / "q.txt")
    add_row(root, file="local/q.txt")
    assert "2019_new" in set(build(quiet=True).corpus.documents["doc_id"])


# ---- the manifest, row by row ------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", "doc_id,file,original_file,year,jurisdiction,level,"
                                     "issuer,issue_date,source_form,script,notes\n".encode()])
def test_empty_or_header_only_manifest_keeps_the_tables(root, capsys, content):
    before = snapshot(root)
    set_manifest(root, content)
    rc, out, err = cli(capsys, "build")
    assert rc == 2 and err.count("\n") == 1 and err.startswith("error: ") and "manifest" in err
    assert "empty" in err or "no rows" in err
    assert snapshot(root) == before


def test_malformed_rows_name_their_true_line_and_the_others_build(root):
    rows = real_rows()
    text = manifest_text(rows).split("\n")
    # line 2: a quoted newline in notes (one record over two lines); line 4: an extra comma; line 5: an
    # unclosed quote; line 6: a missing file, reported on its own line although two records before it broke
    text[1] = text[1].rsplit(",", 1)[0] + ',"two\nlines"'
    text.insert(3, text[2].replace("2018_qingdao", "2019_extra", 1) + ",surplus")
    text.insert(4, text[2].replace("2018_qingdao,", '2019_quote,"', 1))
    text.insert(5, text[2].replace("2018_qingdao", "2019_missing"))
    set_manifest(root, "\n".join(text))
    corpus = build(quiet=True).corpus
    found = {line: message for _, line, message in diagnostics(corpus, "manifest_row")}
    assert sorted(found) == [5, 6, 7], found
    assert found[5].startswith("row has 12 fields, the header has 11")
    assert found[6].startswith('a double quote (") on this line is never closed')
    assert found[7].startswith("file '2019_missing.txt' not found")
    assert sorted(corpus.documents["doc_id"]) == DOCS


@pytest.mark.parametrize("encoding", ["gbk", "utf-16"])
def test_gbk_and_utf16_manifests_are_read_with_a_hint(root, encoding):
    set_manifest(root, manifest_text(real_rows()).encode(encoding))
    result = build(quiet=True)
    assert sorted(result.corpus.documents["doc_id"]) == DOCS and result.up_to_date is False
    [(file, _, message)] = diagnostics(result.corpus, "manifest_not_utf8")
    assert file == "manifest.csv" and f"decoded as {'gb18030' if encoding == 'gbk' else 'utf-16'}" in message
    assert 'CSV UTF-8' in message
    assert result.corpus.documents["issuer"].tolist() == [r["issuer"] for r in real_rows()]


# ---- hostile plans -----------------------------------------------------------------------------------------


def plan_lines() -> list[str]:
    return (REPO / "data" / "raw" / "2018_qingdao.txt").read_text(encoding="utf-8").split("\n")


def test_nul_after_4kb_html_and_traditional_characters(root):
    raw = root / "data" / "raw"
    lines = plan_lines()
    (raw / "nul.txt").write_bytes("\n".join(lines).encode() + b"\n\x00\x00tail\n")
    (raw / "page.txt").write_text("<!DOCTYPE html>\n<html><body><script>alert(1)</script>\n" + "\n".join(lines),
                                  encoding="utf-8")
    mixed = lines[:]
    mixed[20] += "保護知識產權與"
    mixed[25] += "\ufffd\ufffd"
    mixed[30] += "\x07"
    (raw / "mixed.txt").write_text("\n".join(mixed), encoding="utf-8")
    rows = real_rows()
    rows += [dict(rows[1], doc_id=d, file=f"{d}.txt") for d in ("nul", "page", "mixed")]
    set_manifest(root, manifest_text(rows))
    corpus = build(quiet=True).corpus
    errors = {(f, ln): m for f, ln, m in diagnostics(corpus, "unreadable_document")}
    assert errors[("nul.txt", len(lines) + 1)].startswith("file looks binary (NUL bytes)")
    # the web page saved as .txt is read as HTML: its script dropped (recorded), the plan built as from the .txt
    [(file, line, message)] = diagnostics(corpus, "read_as_html")
    assert (file, line) == ("page.txt", 1) and "read as HTML" in message
    assert not corpus.tokens["token"].str.contains("script|alert").any()
    assert corpus.removals.query("doc_id == 'page' and rule == 'html_script'")["removed"].tolist() == ["alert(1)"]
    tasks = corpus.tasks.set_index("doc_id")
    assert tasks.loc["page", "title"].tolist() == tasks.loc["2018_qingdao", "title"].tolist()
    assert (tasks.loc["page", "raw_line"].to_numpy() == tasks.loc["2018_qingdao", "raw_line"].to_numpy() + 2).all()
    [(file, line, message)] = diagnostics(corpus, "traditional_in_simplified")
    assert (file, line) == ("mixed.txt", 21) and "護識產權與" in message
    [(file, line, message)] = diagnostics(corpus, "replacement_character")
    assert (file, line) == ("mixed.txt", 26) and "(2 in the file)" in message
    [(file, line, message)] = diagnostics(corpus, "damaged_character")
    assert (file, line) == ("mixed.txt", 31) and "U+0007" in message
    assert sorted(corpus.documents["doc_id"]) == sorted(DOCS + ["mixed", "page"])


# ---- CSV copies safe for Excel; permissions ----------------------------------------------------------------


def test_formula_cells_neutralised_in_csv_only(root, capsys):
    rows = real_rows()
    rows[0]["issuer"] = '=HYPERLINK("http://example.com","x")'
    rows[1]["issuer"] = "-2+3"
    set_manifest(root, manifest_text(rows))
    rc, _, _ = cli(capsys, "build")
    docs = pd.read_csv(processed(root) / "csv" / "documents.csv", encoding="utf-8-sig")
    assert rc == 0 and docs["issuer"].tolist() == [
        '\'=HYPERLINK("http://example.com","x")', "'-2+3", rows[2]["issuer"]]
    assert read_tables().documents["issuer"].tolist()[:2] == [rows[0]["issuer"], "-2+3"]  # Parquet exact


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664)])
def test_permissions_follow_the_umask(root, monkeypatch, umask, mode):
    monkeypatch.setattr(store, "_umask", lambda: umask)
    old = os.umask(umask)
    try:
        build(quiet=True, csv=True, force=True)
    finally:
        os.umask(old)
    out = processed(root)
    files = [*out.glob("*/*.parquet"), out / "_build.json", *(out / "csv").glob("*.csv")]
    assert len(files) >= 20 and {oct(f.stat().st_mode & 0o777) for f in files} == {oct(mode)}


# ---- all or nothing ----------------------------------------------------------------------------------------


def test_disk_full_while_writing_csv_keeps_the_previous_generation(root, capsys, monkeypatch):
    before = snapshot(root)
    change_a_plan(root)
    real = store.atomic_file

    def full_disk(path):
        if path.name == "tokens.csv":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path)

    monkeypatch.setattr(store, "atomic_file", full_disk)
    rc, _, err = cli(capsys, "build")
    assert rc == 2 and err.count("\n") == 1 and "No space left on device" in err
    assert "the previous tables are unchanged" in err
    assert snapshot(root) == before                    # index, parts and CSV copies: all the old ones
    assert "大力开展专项整治" in read_tables().sections["title"].tolist()

    monkeypatch.setattr(store, "atomic_file", real)
    rc, out, _ = cli(capsys, "build")                  # the next build completes the change, cleans up
    assert rc == 0 and "rebuilt 1, reused 2" in out
    assert leftovers(root) == []
    csv_sections = pd.read_csv(processed(root) / "csv" / "sections.csv", encoding="utf-8-sig")
    assert "大力开展专项整治行动" in csv_sections["title"].tolist()


def test_no_change_build_writes_nothing(root, capsys):
    out = processed(root)

    def times() -> dict[str, int]:
        return {str(p): p.lstat().st_mtime_ns for p in out.rglob("*") if p.name != ".build.lock"}

    before = times()
    rc, text, _ = cli(capsys, "build")
    assert rc == 0 and "up to date" in text and times() == before


def test_load_corpus_falls_back_to_the_tables_on_disk(root):
    before = read_tables().documents
    set_manifest(root, b"")
    with pytest.warns(UserWarning, match="could not be brought up to date.*manifest is empty"):
        corpus = load_corpus()
    pd.testing.assert_frame_equal(corpus.documents, before)


# ---- one build at a time -----------------------------------------------------------------------------------


def spawn(root: Path, *argv: str, runner: str = RUNNER) -> subprocess.Popen:
    env = dict(os.environ, IPM_ANALYSIS_ROOT=str(root), PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", runner, *argv], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_second_build_exits_or_waits_while_the_lock_is_held(root):
    with store.build_lock(processed(root)):
        assert (processed(root) / ".build.lock").read_text().strip() == str(os.getpid())
        proc = spawn(root, "build", "--no-wait")
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 75
        assert err == f"error: another build (pid {os.getpid()}) is running; not waiting (--no-wait)\n"
        waiting = spawn(root, "build")
        line = waiting.stderr.readline()              # said before it blocks; we release only then
        assert line == f"another build (pid {os.getpid()}) is running; waiting\n"
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0 and "rebuilt 0, reused 3" in out and err == ""   # re-cut into parts of 1
    assert (processed(root) / ".build.lock").read_text() == ""   # nobody holds it: no pid claimed


def test_stale_lock_of_a_dead_build_is_taken_over(root, capsys):
    (processed(root) / ".build.lock").write_text("999999\n")    # its holder is gone: no flock on it
    rc, _, err = cli(capsys, "build", "--no-wait")
    assert rc == 0 and err == ""


def test_two_builds_at_once_both_succeed(root):
    change_a_plan(root)
    procs = [spawn(root, "build"), spawn(root, "build")]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert all("Traceback" not in err for _, err in results)
    assert sorted("rebuilt 1" in out for out, _ in results) == [False, True]   # the second found it done
    assert leftovers(root) == [] and "大力开展专项整治行动" in read_tables().sections["title"].tolist()


# ---- killed or interrupted: no worker left ----------------------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for_workers(proc: subprocess.Popen) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        workers = children(proc.pid)
        if len(workers) >= 2:
            return workers
        time.sleep(0.02)
    pytest.fail("the build started no workers")


def assert_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + 10
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in pids if alive(p)], "workers outlived the build"


@pytest.mark.skipif(not Path("/proc").exists(), reason="counts processes through /proc")
def test_kill_9_leaves_no_worker_and_the_tables_intact(root):
    before = snapshot(root)
    proc = spawn(root, "build", "--force", "--jobs", "2", runner=SLOW_RUNNER)
    workers = wait_for_workers(proc)
    time.sleep(random.Random().uniform(0, 0.4))        # a random point while the workers are busy
    proc.kill()
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert_gone(workers)
    assert snapshot(root) == before
    with store.build_lock(processed(root), wait=False):  # the kernel released the dead build's lock
        pass
    for name in store.TABLES:
        getattr(read_tables(), name)                   # every table named by the index reads


@pytest.mark.skipif(not Path("/proc").exists(), reason="counts processes through /proc")
def test_ctrl_c_is_one_line_exit_130_and_no_worker_left(root):
    before = snapshot(root)
    proc = spawn(root, "build", "--force", "--jobs", "2", runner=SLOW_RUNNER)
    workers = wait_for_workers(proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err == "interrupted; the previous tables are unchanged\n"
    assert_gone(workers)
    assert snapshot(root) == before
    with store.build_lock(processed(root), wait=False):
        pass
