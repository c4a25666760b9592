"""Loose-leaf task sheets (活页式): a PDF of one work task, or a pack of all.

A chapter whose front matter has ``task:`` (``materials.tasks``) is a work
task. Its sheets are the printed book's chapter (the same reading of its
Markdown, ``print_book``) laid out to be filed in a binder
(``templates/print/tasks.typ``): each task opens on a right-hand page and is
numbered on its own (task 3: 3-1, 3-2…), with a wider margin on the hole
side, the standard items it trains with their text, and its record and
evaluation sheets drawn from the front matter. A pack is every task (or the
ones asked for) in one PDF, each still numbered on its own, so a teacher
prints one task or the whole set.

Typst writes PDF page labels only for numbering patterns, and a pattern
cannot hold a task number with the digit 1 ("1" is a counting symbol), so
the labels ("3-1"…) are written afterwards with pypdf, from the first page
of each task as the typesetter reports it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from materials import NotFound
from materials.standards.item_refs import partition_refs

from .errors import BookNotFound, NoTasks, PrintFailed, TaskNotFound
from .pdf import (TEMPLATE_DIR, Formulas, PdfResult, Progress, ReadChapters, book_matter, choose_paper,
                  code_fingerprint, compiler, pdf_key, printed_before)
from .print_book import flow_text, print_book

HERE = Path(__file__).resolve().parent
TEMPLATE = TEMPLATE_DIR / "tasks.typ"
HOLE_MARGIN_MM = 28        # the hole side; the other side has 15 mm


@dataclasses.dataclass(frozen=True)
class TaskChapter:
    number: int            # its place among the book's tasks, from 1
    chapter: object        # materials.Chapter


def book_tasks(the_book) -> list[TaskChapter]:
    """The book's work tasks in book order, numbered from 1."""
    tasks = [c for c in the_book.chapters if c.meta.task is not None]
    return [TaskChapter(i, c) for i, c in enumerate(tasks, start=1)]


def select_tasks(the_book, names: list[str] | None) -> list[TaskChapter]:
    """The tasks asked for by chapter file name (with or without ``.md``), in book order; all for None."""
    tasks = book_tasks(the_book)
    if not tasks:
        raise NoTasks(f"{the_book.name} has no chapter marked as a task", book=the_book.name)
    if names is None:
        return tasks
    if not names:
        raise TaskNotFound(f"no task of {the_book.name} was asked for", book=the_book.name, task="",
                           tasks=[t.chapter.filename for t in tasks])
    by_name = {t.chapter.filename: t for t in tasks} | {t.chapter.filename[:-3]: t for t in tasks}
    chosen: set[str] = set()
    for name in names:
        if name not in by_name:
            raise TaskNotFound(f"{name} is not a task of {the_book.name}", book=the_book.name, task=str(name)[:130],
                               tasks=[t.chapter.filename for t in tasks])
        chosen.add(by_name[name].chapter.filename)
    return [t for t in tasks if t.chapter.filename in chosen]


def trained_items(lib, the_book, commit: str, chapter) -> tuple[list[dict], list[str]]:
    """The standard items a task claims, with their text, grouped by standard; and what could not be found."""
    standards = lib.standards(commit)
    declared = {sid: standards[sid] for sid in the_book.config.standards if sid in standards}
    found, bad = partition_refs(chapter.meta.all_refs(), declared)
    groups: dict[str, dict] = {}
    for sid, key in found:
        std = declared[sid]
        item = std.by_key[key]
        levels = {lv.key: lv.label for lv in std.levels}
        group = groups.setdefault(sid, {"id": sid, "title": flow_text(std.title), "items": []})
        group["items"].append({"key": key, "code": item.code, "text": flow_text(item.text),
                               "kind": " ".join(filter(None, [levels.get(item.level, item.level),
                                                              std.kinds.get(item.kind, item.kind)]))})
    return list(groups.values()), [f"{chapter.filename}: {exc.message}" for exc in bad]


def _sheets_fingerprint() -> str:
    h = hashlib.sha256()
    for path in (HERE / "task_sheets.py", HERE.parent / "materials" / "tasks.py"):
        h.update(path.read_bytes())
    return h.hexdigest()


def build_task_sheets(lib, book: str, rev: str, out_path: str | Path, *, tasks: list[str] | None = None,
                      version: str = "", site_url: str | None = None, paper: str | None = None,
                      cache_dir: str | Path | None = None, force: bool = False,
                      progress: Progress | None = None) -> PdfResult:
    """Typeset the task sheets of ``book`` at ``rev`` into ``out_path``: the tasks named in ``tasks``
    (chapter file names), or all of them as a pack.

    ``site_url``, ``paper`` and ``cache_dir`` are as for ``build_pdf``; an
    unchanged selection is copied from the cache, not typeset again.
    """
    started = time.monotonic()
    out_path = Path(out_path)
    commit = lib.resolve(rev)
    try:
        the_book = lib.book(book, commit)
    except NotFound:
        raise BookNotFound(f"no book '{book}' at {rev}", book=book, rev=rev) from None
    chosen = select_tasks(the_book, tasks)
    paper = choose_paper(the_book, paper)
    key = hashlib.sha256("\n".join([
        pdf_key(lib, book, commit, version=version, site_url=site_url, paper=paper), "tasks",
        *[t.chapter.filename for t in chosen], _sheets_fingerprint()]).encode()).hexdigest()
    store, cached = printed_before(cache_dir, key, out_path, started, force=force)
    if cached is not None:
        return cached

    def step(done: int, total: int, what: str) -> None:
        if progress:
            progress(done, total, what)

    total = len(chosen) + 1
    meta = book_matter(lib, the_book, commit, version=version, site_url=site_url, paper=paper, key=key)
    meta["hole_margin"] = HOLE_MARGIN_MM
    work = Path(cache_dir) / "print" if cache_dir is not None else None
    doc = print_book(lib, dataclasses.replace(the_book, chapters=[t.chapter for t in chosen]), commit,
                     site_url=site_url, meta=meta, formula=Formulas(work), progress=step,
                     store=ReadChapters(work) if work is not None else None, salt=code_fingerprint())
    sheets = []
    for task, printed in zip(chosen, doc.chapters):
        groups, missing = trained_items(lib, the_book, commit, task.chapter)
        doc.warnings += missing
        hours = task.chapter.meta.hours
        sheets.append({"number": task.number, "id": printed.id, "title": printed.title, "qr": printed.qr,
                       "short": printed.url.split("://", 1)[-1] if printed.url else None,
                       "objectives": printed.objectives, "body": printed.body, "standards": groups,
                       "hours": f"{hours:g}" if hours is not None else None})
    step(total - 1, total, "typeset")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tasks-") as tmp:
        root = Path(tmp)
        for name, data in doc.files.items():
            dest = root / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        (root / "tasks.json").write_text(json.dumps({"meta": meta, "tasks": sheets}, ensure_ascii=False),
                                         encoding="utf-8")
        for template in TEMPLATE_DIR.glob("*.typ"):
            shutil.copyfile(template, root / template.name)
        pdf, pages, notes = typeset_tasks(root / TEMPLATE.name, root)
        doc.warnings += notes
        (root / "tasks.pdf").write_bytes(pdf)
        if store is not None:
            store.store(key, root / "tasks.pdf", {"pages": pages, "warnings": doc.warnings, "book": book,
                                                  "commit": commit, "paper": paper,
                                                  "tasks": [t.chapter.filename for t in chosen]})
        tmp_out = out_path.with_name(f".{out_path.name}.{os.getpid()}")
        shutil.copyfile(root / "tasks.pdf", tmp_out)
        os.replace(tmp_out, out_path)
    step(total, total, "done")
    return PdfResult(out_path, key, time.monotonic() - started, pages, warnings=doc.warnings)


def typeset_tasks(main: Path, root: Path) -> tuple[bytes, int, list[str]]:
    """Typeset the sheets and label their pages per task; returns the PDF, its pages and the warnings."""
    import typst

    try:
        typesetter = compiler(main, root)
        pdf, warnings = typesetter.compile_with_warnings(format="pdf")
        starts = json.loads(typesetter.query("<jb-task>", field="value"))
    except typst.TypstError as exc:
        raise PrintFailed("typesetting failed", log=str(exc)) from None
    return (*label_pages(pdf, [(s["number"], s["page"]) for s in starts]),
            [str(getattr(w, "message", w)) for w in warnings])


def label_pages(pdf: bytes, starts: list[tuple[int, int]]) -> tuple[bytes, int]:
    """The PDF with page labels "n-1", "n-2"… from each task's first page (1-based) to the next one's."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    count = len(writer.pages)
    for i, (number, first) in enumerate(starts):
        last = starts[i + 1][1] - 1 if i + 1 < len(starts) else count
        writer.set_page_label(first - 1, last - 1, style="/D", prefix=f"{number}-", start=1)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), count
