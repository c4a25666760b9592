"""Imports into a book, timed on this machine.

Word: a generated 100-page .docx (ten chapters; each page a heading, about
900 Chinese characters of body text in five paragraphs with bold and italic,
one of: a nested numbered list, a table with merged cells, a picture with a
description, a footnote, two formulas, a 警告 / 提示 paragraph; then a page
break), read by ``import_docx`` into chapters, images and the report.
Target: at most 10 s.
The page count is LibreOffice's, checked with ``--check-pages`` (needs
``soffice`` and pypdf).

MkDocs: a generated project of 120 pages in 12 chapter folders (nested nav,
an ``index.md`` per folder, ``&nbsp;`` in titles, unknown front matter keys),
500 pictures (half in per-page ``*.assets/`` folders) and 488 links between
pages, converted by ``import_mkdocs`` and committed into a library as the
change request's one commit.

MkDocs with history: the same project as a Git repository of 750 commits by
five authors (the first adds ``mkdocs.yml``, 120 add a page each with its
pictures, 629 revise pages, the last revision of each page giving its final
text), made with ``git fast-import``. Timed: the bare clone, the import of
``HEAD``, the authors list, every commit replayed into the library with its
author, date and side, and the import's last commit. Target: at most 60 s.

    python3 benchmarks/imports.py [--docx-pages 100] [--check-pages] [--mkdocs-pages 120] [--commits 750]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOCX_TARGET_SECONDS = 10.0
MKDOCS_TARGET_SECONDS = 60.0
PARAGRAPH = ("机车整备作业是保证机车安全运用的基础工作，司机和检修人员应当按照作业标准逐项检查，"
             "发现问题及时处理并做好记录。检查时应先外后内、先上后下，注意走行部、制动装置和电气设备的状态，"
             "确认各部件安装牢固、功能正常，方可交付使用。")


def word_document(pages: int) -> bytes:
    """A textbook of ``pages`` pages as Word writes one (python-docx and the corpus' WordDocument)."""
    from tests.materials.docx_corpus.make import WordDocument, omml_fraction, omml_power, omml_run, png

    d = WordDocument()
    d.style("警告")
    d.style("提示")
    d.para("电力机车整备与检修", style="Title")
    per_chapter = 10
    for page in range(pages):
        if page % per_chapter == 0:
            d.doc.add_heading(f"第{page // per_chapter + 1}章 整备作业", level=1)
        d.doc.add_heading(f"{page + 1}. 检查项目", level=2)
        d.para(PARAGRAPH[:60], ("b", "重点部位"), PARAGRAPH[60:], ("i", "逐项确认"), "。")
        for _ in range(3):
            d.para(PARAGRAPH + PARAGRAPH[::-1])
        kind = page % 6
        if kind == 0:
            d.numbered("准备工具", 0)
            d.numbered("检查扳手", 1)
            d.numbered("检查万用表", 1)
            d.numbered("校验表笔", 2)
            d.numbered("填写记录", 0)
        elif kind == 1:
            d.table([["部件", "数量", "检查要点"], ["轮对", "6", "目视无裂纹"], ["牵引电机", "6", ""],
                     ["制动缸", "12", "无泄漏"]], merge=[((1, 2), (2, 2))])
        elif kind == 2:
            d.picture(png(64, 48, (page % 256, 90, 160)), f"第{page + 1}页的示意图")
        elif kind == 3:
            d.para("制动缸压力按规定计算", ("note", f"见检修规程第{page + 1}条。"), "。")
        elif kind == 4:
            d.para("压力 ", ("math", omml_run("p=") + omml_fraction(omml_run("F"), omml_run("S"))), " 与速度。")
            d.display_math(omml_power(omml_run("v"), omml_run("2")) + omml_run("=2as"))
        else:
            d.para("作业前必须断开主断路器并降下受电弓。", style="警告")
            d.para("可先用手电检查车底。", style="提示")
        d.para(PARAGRAPH)
        if page + 1 < pages:
            d.doc.add_page_break()
    return d.save()


def libreoffice_pages(data: bytes) -> int:
    """The number of pages LibreOffice lays the document out on."""
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "book.docx"
        source.write_bytes(data)
        subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(source)],
                       check=True, capture_output=True, timeout=300)
        return len(PdfReader(str(Path(tmp) / "book.pdf")).pages)


def bench_docx(pages: int, check_pages: bool) -> dict:
    from materials.imports import import_docx

    data = word_document(pages)
    import_docx(word_document(1), book="bench", file_name="warm-up.docx")  # pandoc's first start from disk
    started = time.perf_counter()
    result = import_docx(data, book="bench", file_name="电力机车整备与检修.docx")
    seconds = time.perf_counter() - started
    figure = {"pages": pages, "bytes": len(data), "seconds": round(seconds, 2), "chapters": len(result.chapters),
              "images": len(result.images), "report_entries": len(result.report.entries),
              "target_seconds": DOCX_TARGET_SECONDS, "within_target": seconds <= DOCX_TARGET_SECONDS}
    if check_pages:
        figure["libreoffice_pages"] = libreoffice_pages(data)
    return figure


def mkdocs_project(pages: int, images: int, links: int) -> dict[str, bytes]:
    """A MkDocs textbook as hello-algo is laid out: chapter_x/ folders, an index.md each, .assets folders."""
    from tests.materials.docx_corpus.make import png

    folders = 12
    files: dict[str, bytes] = {}
    nav = ["site_name: 电力机车&nbsp;检修", "theme:", "  name: material", "nav:"]
    per_folder = pages // folders
    names = [f"chapter_{f:02d}/{'index' if p == 0 else f'section_{p:02d}'}.md"
             for f in range(folders) for p in range(per_folder)]
    for f in range(folders):
        nav.append(f"  - 第 {f + 1} 章 &nbsp; 检修:")
        for p in range(per_folder):
            name = names[f * per_folder + p]
            nav.append(f"      - {f + 1}.{p} &nbsp; 小节: {name}" if p else f"      - {name}")
    files["mkdocs.yml"] = "\n".join(nav + [""]).encode()
    picture = png(32, 24)
    for i, name in enumerate(names):
        folder, page = name.split("/")
        body = [f"---\ncomments: true\nstatus: new\n---\n# {name} &nbsp; 标题\n", PARAGRAPH * 3]
        for j in range(images // len(names) + (1 if i < images % len(names) else 0)):
            if j % 2:
                path = f"{page[:-3]}.assets/fig-{j}.png"
                files[f"docs/{folder}/{path}"] = picture
            else:
                path = f"../assets/{folder}-{page[:-3]}-{j}.png"
                files[f"docs/assets/{folder}-{page[:-3]}-{j}.png"] = picture
            body.append(f"![图 {i}.{j}]({path})")
        for k in range(links // len(names) + (1 if i < links % len(names) else 0)):
            target = names[(i + k + 1) % len(names)]
            body.append(f"见 [下一节](../{target}#小节)。")
        files[f"docs/{name}"] = "\n\n".join(body).encode()
    return files


def bench_mkdocs(pages: int) -> dict:
    from materials import OVERWRITE, Author, Library, Write
    from materials.imports import import_mkdocs

    files = mkdocs_project(pages, 500, 488)
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library.init(Path(tmp) / "library.git")
        lib.commit("main", [Write("books/bench/book.yml", "title: 基准\n")], Author("Bench", "b@example.cn", "school"),
                   "Book", base=OVERWRITE, create=True)
        started = time.perf_counter()
        config = lib.book("bench", "main", chapters=False).config
        result = import_mkdocs(files, book="bench", source="site.zip", book_config=config,
                               existing=lib.files("main", "books/bench/"))
        converted = time.perf_counter() - started
        lib.commit("main", result.changes(lib.read_text("main", "books/bench/book.yml")),
                   Author("Bench", "b@example.cn", "school"), "Import", base=lib.resolve("main"))
        problems = lib.book("bench").problems
        seconds = time.perf_counter() - started
    return {"pages": len(result.chapters), "images": len(result.images), "report_entries": len(result.report.entries),
            "convert_seconds": round(converted, 2), "seconds": round(seconds, 2), "problems": len(problems),
            "target_seconds": MKDOCS_TARGET_SECONDS, "within_target": seconds <= MKDOCS_TARGET_SECONDS and not problems}


AUTHORS = [("王老师", "wang@college.example"), ("李师傅", "li@works.example"), ("赵老师", "zhao@college.example"),
           ("陈工", "chen@works.example"), ("访客", "guest@example.org")]
SIDES = {"wang@college.example": "school", "zhao@college.example": "school", "li@works.example": "enterprise",
         "chen@works.example": "enterprise", "guest@example.org": "unknown"}


def history_repository(files: dict[str, bytes], commits: int, into: Path) -> int:
    """A bare repository whose ``main`` holds ``files`` after ``commits`` commits (see the module's docstring)."""
    pages = sorted(n for n in files if n.startswith("docs/") and n.endswith(".md"))
    pictures: dict[str, list[str]] = {p: [] for p in pages}
    for name in files:
        if not name.endswith(".md") and name != "mkdocs.yml":
            owner = next((p for p in pages if name.startswith(p[:-3] + ".assets/")
                          or (name.startswith("docs/assets/") and p[5:-3].replace("/", "-") + "-" in name)), pages[0])
            pictures[owner].append(name)
    revisions = max(0, commits - 1 - len(pages))
    last = {pages[n % len(pages)]: n for n in range(revisions)}
    stream, when, mark = [], 1600000000, 0

    def commit(message: str, changes: dict[str, bytes]) -> None:
        nonlocal when, mark
        mark += 1
        name, email = AUTHORS[mark % len(AUTHORS)]
        when += 3600
        stream.append(f"commit refs/heads/main\nauthor {name} <{email}> {when} +0800\n"
                      f"committer {name} <{email}> {when} +0800\n".encode())
        data = message.encode()
        stream.append(f"data {len(data)}\n".encode() + data + b"\n")
        for path, content in changes.items():
            stream.append(f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n")

    commit("Start the site", {"mkdocs.yml": files["mkdocs.yml"]})
    for page in pages:
        draft = files[page] if page not in last else files[page].split(b"\n\n")[0] + "\n\n初稿。\n".encode()
        commit(f"Add {page}", {page: draft, **{p: files[p] for p in pictures[page]}})
    for n in range(revisions):
        page = pages[n % len(pages)]
        text = files[page] if last[page] == n else files[page] + f"\n\n修订 {n}\n".encode()
        commit(f"Revise {page} ({n})", {page: text})
    subprocess.run(["git", "init", "-q", "--bare", str(into)], check=True)
    subprocess.run(["git", "--git-dir", str(into), "fast-import", "--quiet"], input=b"".join(stream), check=True)
    subprocess.run(["git", "--git-dir", str(into), "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
    return mark


def bench_mkdocs_history(pages: int, commits: int) -> dict:
    from materials import OVERWRITE, Author, Library, Write
    from materials.imports.mkdocs_history import authors, clone_source, completing_changes, project_files, replay
    from materials.imports import import_mkdocs

    files = mkdocs_project(pages, 500, 488)
    importer = Author("Bench", "b@example.cn", "school")
    with tempfile.TemporaryDirectory() as tmp:
        made = history_repository(files, commits, Path(tmp) / "source.git")
        lib = Library.init(Path(tmp) / "library.git")
        lib.commit("main", [Write("books/bench/book.yml", "title: 基准\n")], importer, "Book", base=OVERWRITE,
                   create=True)
        started = time.perf_counter()
        history = clone_source(Path(tmp) / "source.git", Path(tmp) / "clone.git")
        config = lib.book("bench", "main", chapters=False).config
        existing = list(lib.files("main", "books/bench/"))
        head_files = project_files(history)
        final = import_mkdocs(head_files, book="bench", source="site", book_config=config, existing=existing)
        found = authors(history, head_files)
        converted = time.perf_counter() - started
        final, replayed = replay(history, book="bench", source="site", sides=SIDES, book_config=config,
                                 existing=existing, final=final)
        lib.create_branch("cr/1", "main")
        head, written, count = lib.resolve("cr/1"), set(), 0
        for c in replayed:
            head = lib.commit("cr/1", list(c.changes), c.author, c.message, base=head, authored_at=c.authored_at,
                              committer=importer).sha
            written |= {change.path for change in c.changes}
            count += 1
        lib.commit("cr/1", completing_changes(final, lib.read_text("main", "books/bench/book.yml"), written),
                   importer, "Import", base=head)
        seconds = time.perf_counter() - started
        problems = lib.book("bench", "cr/1").problems
        same = lib.snapshot("cr/1", "books/bench/chapters/") == {c.path: c.text.encode() for c in final.chapters}
        history.close()
        lib.close()
    return {"commits": made, "replayed": count, "authors": len(found), "pages": len(final.chapters),
            "images": len(final.images), "convert_seconds": round(converted, 2), "seconds": round(seconds, 2),
            "problems": len(problems), "same_as_import": same, "target_seconds": MKDOCS_TARGET_SECONDS,
            "within_target": seconds <= MKDOCS_TARGET_SECONDS and not problems and same}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docx-pages", type=int, default=100)
    parser.add_argument("--check-pages", action="store_true", help="count the pages with LibreOffice")
    parser.add_argument("--mkdocs-pages", type=int, default=120)
    parser.add_argument("--commits", type=int, default=750, help="commits of the MkDocs project's history")
    args = parser.parse_args()
    docx = bench_docx(args.docx_pages, args.check_pages)
    print(f"Word import, {docx['pages']} pages ({docx['bytes'] // 1024} KiB): {docx['seconds']:.2f} s "
          f"(target <= {DOCX_TARGET_SECONDS:.0f} s) — {docx['chapters']} chapters, {docx['images']} images, "
          f"{docx['report_entries']} report entries"
          + (f", {docx['libreoffice_pages']} pages in LibreOffice" if "libreoffice_pages" in docx else ""))
    mkdocs = bench_mkdocs(args.mkdocs_pages)
    print(f"MkDocs import, {mkdocs['pages']} pages, {mkdocs['images']} images: {mkdocs['seconds']:.2f} s with the "
          f"commit ({mkdocs['convert_seconds']:.2f} s converting; target <= {MKDOCS_TARGET_SECONDS:.0f} s) — "
          f"{mkdocs['report_entries']} report entries, {mkdocs['problems']} problems in the imported book")
    history = bench_mkdocs_history(args.mkdocs_pages, args.commits)
    print(f"MkDocs import with history, {history['pages']} pages, {history['images']} images, {history['commits']} "
          f"commits by {history['authors']} authors: {history['seconds']:.2f} s with every commit replayed "
          f"({history['replayed']} touched the book) and the last one ({history['convert_seconds']:.2f} s cloning "
          f"and converting; target <= {MKDOCS_TARGET_SECONDS:.0f} s) — {history['problems']} problems, chapters "
          f"{'the same as' if history['same_as_import'] else 'DIFFERENT from'} the import without history")
    return 0 if docx["within_target"] and mkdocs["within_target"] and history["within_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
