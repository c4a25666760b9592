"""Jointbook's print-ready PDF against a baseline toolchain, on the same content.

The baseline is what a MkDocs user does today to print a site: plain
``mkdocs build`` (the configuration of ``build_sites.py``: same docs, theme,
extensions, no Jointbook hooks), every chapter's article combined into one
page with Material's stylesheets, and WeasyPrint over it (as the print-site
and with-pdf plugins do). pandoc cannot be the baseline here: Debian 12's
pandoc (2.17) has no Typst writer, and its LaTeX route needs a TeX
installation.

For the starter course and a generated 300-chapter book, in one run:

- baseline: mkdocs build + combined page + WeasyPrint;
- Jointbook, first build (empty cache);
- rebuild of the unchanged release (target <= 0.05x the baseline);
- after one chapter changed (a commit on a branch);
- peak memory (resident set) of each, every one run in its own process.

Times are measured inside that process around the build call (a job worker
is a long-lived process: interpreter start-up is not part of a build), except
for mkdocs, which is a subprocess in both the baseline and Jointbook's site build.

    python3 benchmarks/print.py [--chapters 300]
    python3 benchmarks/print.py --quick            # 30 chapters

Needs the bench extra (``pip install -e '.[bench]'``: WeasyPrint, which needs
Debian's libpango-1.0-0 and libpangoft2-1.0-0) and fonts-noto-cjk.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGETS = {"first": 1.0, "unchanged": 0.05}
SITE_URL = "https://books.example.org/sites/{book}/bench/"
_ARTICLE = re.compile(r'<article class="md-content__inner[^"]*">(.*?)</article>', re.S)
_STYLES = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


# -- what runs in a child process --------------------------------------------------------

def child_jointbook(library: str, book: str, rev: str, out: str, cache: str) -> dict:
    from build.pdf import build_pdf
    from materials import Library

    lib = Library(library)
    started = time.perf_counter()
    result = build_pdf(lib, book, rev, out, version="bench", site_url=SITE_URL.format(book=book), cache_dir=cache)
    return {"seconds": time.perf_counter() - started, "pages": result.pages, "skipped": result.skipped}


def child_baseline(site: str, book: str, library: str, out: str) -> dict:
    """Combine the plain site's chapter pages in book order and print them with WeasyPrint."""
    import weasyprint

    from materials import Library

    started = time.perf_counter()
    chapters = Library(library).book(book, "main").chapters
    site_dir = Path(site)
    first = (site_dir / "chapters" / f"{chapters[0].filename[:-3]}.html").read_text(encoding="utf-8")
    styles = "".join(f'<link rel="stylesheet" href="chapters/{href}">' for href in _STYLES.findall(first))
    articles = []
    for chapter in chapters:
        page = (site_dir / "chapters" / f"{chapter.filename[:-3]}.html").read_text(encoding="utf-8")
        match = _ARTICLE.search(page)
        articles.append(f'<article class="md-content__inner md-typeset">{match.group(1) if match else ""}</article>')
    combined = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">{styles}<style>'
                "@page { size: 185mm 260mm; margin: 20mm 18mm }"
                "article { break-before: page } body { font-family: 'Noto Serif CJK SC' }</style></head>"
                f'<body><div class="md-content">{"".join(articles)}</div></body></html>')
    (site_dir / "combined.html").write_text(combined, encoding="utf-8")
    document = weasyprint.HTML(filename=str(site_dir / "combined.html")).render()
    document.write_pdf(out)
    return {"seconds": time.perf_counter() - started, "pages": len(document.pages)}


# -- the parent ---------------------------------------------------------------------------

def in_child(*args: str) -> tuple[dict, float]:
    """Run one measured step in a fresh process: its own timing and its peak memory (MiB)."""
    proc = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, cwd=ROOT)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"step {args[0]} failed")
    return json.loads(output.decode().strip().splitlines()[-1]), usage.ru_maxrss / 1024


def bench_book(lib, book: str, work: Path) -> str:
    from build_sites import plain_mkdocs, plain_project
    from materials import OVERWRITE, Author, Write

    work.mkdir(parents=True)
    config = plain_project(lib, book, work / "plain")
    mkdocs_wall, _ = plain_mkdocs(config)
    baseline, baseline_mem = in_child("baseline", str(config.parent / "site"), book, str(lib.path),
                                      str(work / "baseline.pdf"))
    baseline_total = mkdocs_wall + baseline["seconds"]

    cache = work / "cache"
    first, first_mem = in_child("jointbook", str(lib.path), book, "main", str(work / "a.pdf"), str(cache))
    unchanged, unchanged_mem = in_child("jointbook", str(lib.path), book, "main", str(work / "b.pdf"), str(cache))
    chapters = lib.book(book, "main").chapters
    path = chapters[len(chapters) // 2].path
    branch = f"print-bench-{book}"
    lib.create_branch(branch)
    lib.commit(branch, [Write(path, lib.read("main", path).decode() + "\n\n补充：作业前必须确认接触网已停电。\n")],
               Author("基准 测试", "bench@example.org", "school"), "修改一章", base=OVERWRITE)
    changed, changed_mem = in_child("jointbook", str(lib.path), book, branch, str(work / "c.pdf"), str(cache))
    lib.delete_branch(branch)
    assert unchanged["skipped"] and not changed["skipped"]

    def row(label: str, seconds: float, mem: float, target: str = "") -> str:
        return f"  {label:26s} {seconds:8.2f} s {seconds / baseline_total:7.3f}x  peak {mem:7.0f} MiB {target}"

    def verdict(key: str, seconds: float) -> str:
        ratio = seconds / baseline_total
        return f"(target <= {TARGETS[key]}, {'ok' if ratio <= TARGETS[key] else 'MISSED'})"

    return "\n".join([
        f"{book}: {len(chapters)} chapters, Jointbook {first['pages']} pages, baseline {baseline['pages']} pages",
        f"  {'baseline (mkdocs + WeasyPrint)':26s} {baseline_total:8.2f} s  1.000x  peak {baseline_mem:7.0f} MiB "
        f"(mkdocs {mkdocs_wall:.2f} s, WeasyPrint {baseline['seconds']:.2f} s)",
        row("Jointbook first build", first["seconds"], first_mem, verdict("first", first["seconds"])),
        row("unchanged rebuild", unchanged["seconds"], unchanged_mem, verdict("unchanged", unchanged["seconds"])),
        row("one chapter changed", changed["seconds"], changed_mem),
    ])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chapters", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="30 chapters")
    parser.add_argument("--books", default="locomotive-maintenance,big-book")
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        print(json.dumps(child_jointbook(*rest) if kind == "jointbook" else child_baseline(*rest)))
        return
    from build_sites import add_big_book
    from materials import Library

    if args.quick:
        args.chapters = 30
    print(f"python3 benchmarks/print.py --chapters {args.chapters} "
          f"(load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        lib = Library.init(root / "library.git", starter=True)
        add_big_book(lib, "big-book", args.chapters)
        for book in args.books.split(","):
            print(bench_book(lib, book, root / book), flush=True)


if __name__ == "__main__":
    main()
