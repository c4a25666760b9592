"""The print-ready PDF of a book at a revision.

The engine is Typst (its PyPI wheel carries the whole compiler: nothing to
install on the machine, nothing fetched at run time). It was chosen over
WeasyPrint for Chinese: it justifies Chinese lines (WeasyPrint stretches only
spaces, so lines of pure Chinese stay ragged and lines with a Latin word get
wide gaps), compresses adjacent punctuation, keeps closing marks off the start
of a line and opening marks off its end, and spaces Chinese and Latin text by
itself; it is also some three times faster on the starter course.

Fonts are Noto CJK (Debian's ``fonts-noto-cjk``, SIL Open Font License, so
embedding them is allowed), found with fontconfig and embedded as subsets.
The platform starts without them; only building a PDF needs them, and then
fails with ``PrintEngineMissing`` naming the package.

An unchanged book is never typeset twice: ``pdf_key`` names everything the PDF
is made of, and with a ``cache_dir`` the PDF is kept under that key (the same
store as the site's rendered pages, ``build.cache.PageCache``).
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from materials import NotFound

from . import formulas
from .cache import PageCache, _atomic_write
from .errors import BookNotFound, PaperInvalid, PrintEngineMissing, PrintFailed
from .print_book import flow_text, print_book

HERE = Path(__file__).resolve().parent
TEMPLATE_DIR = HERE.parent / "templates" / "print"
TEMPLATE = TEMPLATE_DIR / "book.typ"
FONT_PACKAGE = "fonts-noto-cjk"
# family -> what it sets: the text, headings, code
FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC")
PAPERS = {"16k": (185, 260), "a4": (210, 297), "b5": (176, 250)}   # width, height in mm
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")      # Typst writes page objects uncompressed


@dataclass
class PdfResult:
    path: Path
    key: str
    duration: float
    pages: int | None = None
    skipped: bool = False                      # the same input was already typeset (from the cache)
    warnings: list[str] = field(default_factory=list)


Progress = Callable[[int, int, str], None]


# -- what the machine must provide ---------------------------------------------------

@functools.lru_cache(maxsize=1)
def font_files() -> tuple[Path, ...]:
    """The Noto CJK font files, as fontconfig knows them; PrintEngineMissing if absent."""
    install = f"apt-get install {FONT_PACKAGE} fontconfig"
    if shutil.which("fc-list") is None:
        raise PrintEngineMissing(f"print needs fontconfig and Noto CJK fonts: {install}", install=install)
    files: set[Path] = set()
    missing = []
    for family in FONTS:
        out = subprocess.run(["fc-list", "-f", "%{file}\n", f"{family}"], capture_output=True, text=True,
                             timeout=30, stdin=subprocess.DEVNULL).stdout
        found = [Path(line) for line in out.splitlines() if line.strip()]
        if not found:
            missing.append(family)
        files.update(found)
    if missing:
        raise PrintEngineMissing(f"print needs the fonts {', '.join(missing)}: {install}", install=install,
                                 fonts=missing)
    return tuple(sorted(files))


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Our print code, the engine's and libraries' versions, and the fonts used."""
    h = hashlib.sha256()
    for name in ("typst", "ziamath", "segno", "markdown", "pymdown-extensions", "nh3"):
        h.update(f"{name} {importlib.metadata.version(name)}\n".encode())
    for path in sorted([*TEMPLATE_DIR.rglob("*.typ"), HERE / "pdf.py", HERE / "print_book.py", HERE / "formulas.py",
                        HERE / "qr.py", HERE.parent / "materials" / "rendering.py"]):
        h.update(str(path.relative_to(HERE.parent)).encode())
        h.update(path.read_bytes())
    for font in font_files():
        stat = font.stat()
        h.update(f"{font} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return h.hexdigest()


def pdf_key(lib, book: str, rev: str, *, version: str = "", site_url: str | None = None,
            paper: str | None = None) -> str:
    """What decides a PDF's content; equal keys give the same book."""
    commit = lib.resolve(rev)
    tree = lib.subtree(commit, f"books/{book}")
    if not tree:
        raise BookNotFound(f"no book '{book}' at {rev}", book=book, rev=rev)
    parts = [tree, lib.subtree(commit, "standards") or "",
             lib.files(commit, "library.yml").get("library.yml", ""),
             version, site_url or "", paper or "", code_fingerprint()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# -- the book's matter ---------------------------------------------------------------

def edition_label(edition: str) -> str:
    if re.fullmatch(r"(19|20)\d\d", edition):
        return f"{edition} 年版"
    if edition.isdigit():
        return f"第 {edition} 版"
    return edition


def book_matter(lib, the_book, commit: str, *, version: str, site_url: str | None, paper: str,
                key: str) -> dict[str, Any]:
    """Cover and edition page: title, edition, institutions, editors, version, date, licence, standards."""
    config = the_book.config
    try:
        sides = lib.library_config(commit).sides
    except Exception:  # an unreadable library.yml only loses the sides' labels
        sides = {}

    def side_label(side: str) -> str:
        labels = sides.get(side) or {}
        return str(labels.get("zh-CN") or labels.get("en") or side) if isinstance(labels, dict) else side

    standards = lib.standards(commit)
    when = lib.log(commit, f"books/{the_book.name}", limit=1, follow=False)
    date = when[0].authored_at.date() if when else None
    facts = [("版次", edition_label(config.edition))]
    if version:
        facts.append(("版本", version))
    if date:
        facts.append(("日期", f"{date.year} 年 {date.month} 月 {date.day} 日"))
    facts.append(("许可", config.license))
    editors = "；".join(f"{e['role']} {e['name']}" + (f"（{side_label(e['side'])}）" if e["side"] else "")
                       for e in config.editors)
    if editors:
        facts.append(("编者", editors))
    if site_url:
        facts.append(("数字资源", site_url))
    chinese = config.language.lower().startswith("zh")
    return {
        "title": flow_text(config.title), "subtitle": flow_text(config.subtitle or ""),
        "edition_label": edition_label(config.edition),
        "lang": config.language.split("-")[0].lower(),
        "region": (config.language.split("-") + ["cn" if chinese else "us"])[1].lower(),
        "paper": paper, "chapters_on_right": bool(config.print.get("chapters_on_right", True)),
        "key": key,
        "editors": [{"name": e["name"], "role": e["role"], "side_label": side_label(e["side"]) if e["side"] else ""}
                    for e in config.editors],
        "institutions": [{"name": i["name"], "side_label": side_label(i["side"]) if i["side"] else ""}
                         for i in config.institutions],
        "facts": [{"label": k, "value": v} for k, v in facts],
        "standards": [{"id": sid, "title": standards[sid].title if sid in standards else sid}
                      for sid in config.standards],
    }


class Formulas:
    """Typeset formulas, kept on disk by their TeX: a book repeats many, a rebuild repeats all."""

    def __init__(self, cache_dir: Path | None):
        self.root = cache_dir / "formulas" if cache_dir else None
        self.memo: dict[tuple[str, bool], formulas.Formula] = {}

    def __call__(self, tex: str, display: bool) -> formulas.Formula:
        found = self.memo.get((tex, display))
        if found is not None:
            return found
        name = hashlib.sha256(f"{int(display)}{tex}\0{code_fingerprint()}".encode()).hexdigest()
        path = self.root / name[:2] / f"{name}.json" if self.root else None
        if path is not None:
            try:
                d = json.loads(path.read_text(encoding="utf-8"))
                found = formulas.Formula(d["svg"].encode("utf-8"), d["width"], d["height"], d["depth"])
            except (OSError, ValueError, KeyError):
                found = None
        if found is None:
            found = formulas.typeset(tex, display=display)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{os.getpid()}")
                tmp.write_text(json.dumps({"svg": found.svg.decode("utf-8"), "width": found.width,
                                           "height": found.height, "depth": found.depth}), encoding="utf-8")
                os.replace(tmp, path)
        self.memo[(tex, display)] = found
        return found


class ReadChapters:
    """Chapters already read for print, as JSON files by key (see ``print_book``)."""

    def __init__(self, root: Path):
        self.root = root / "chapters"

    def load(self, key: str) -> dict | None:
        try:
            return json.loads((self.root / key[:2] / f"{key}.json").read_bytes())
        except (OSError, ValueError):
            return None

    def save(self, key: str, entry: dict) -> None:
        _atomic_write(self.root / key[:2] / f"{key}.json", json.dumps(entry, ensure_ascii=False).encode("utf-8"))


# -- building ------------------------------------------------------------------------


def printed_before(cache_dir: str | Path | None, key: str, out_path: Path, started: float, *,
                   force: bool = False) -> tuple[PageCache | None, PdfResult | None]:
    """The print cache (None without ``cache_dir``), and the result when ``key`` was printed before.

    An unchanged book is never typeset again: its PDF is copied from the cache into ``out_path``.
    """
    store = PageCache(Path(cache_dir) / "print", suffix=".pdf") if cache_dir is not None else None
    if store is None or force:
        return store, None
    entry = store.load(key)
    if entry is None:
        return store, None
    store.copy_to(key, out_path)
    return store, PdfResult(out_path, key, time.monotonic() - started, entry.get("pages"), skipped=True,
                            warnings=entry.get("warnings", []))


def build_pdf(lib, book: str, rev: str, out_path: str | Path, *, version: str = "", site_url: str | None = None,
              paper: str | None = None, cache_dir: str | Path | None = None, force: bool = False,
              progress: Progress | None = None) -> PdfResult:
    """Typeset ``book`` at ``rev`` into ``out_path`` (replaced only when the PDF is complete).

    ``site_url`` is the release's published site (its immutable address): the
    QR codes beside chapter titles and media lead to its pages; without it
    there are no QR codes. ``paper`` overrides book.yml's ``print.paper``.
    """
    started = time.monotonic()
    out_path = Path(out_path)
    commit = lib.resolve(rev)
    try:
        the_book = lib.book(book, commit)
    except NotFound:
        raise BookNotFound(f"no book '{book}' at {rev}", book=book, rev=rev) from None
    paper = choose_paper(the_book, paper)
    key = pdf_key(lib, book, commit, version=version, site_url=site_url, paper=paper)   # checks the fonts too
    store, cached = printed_before(cache_dir, key, out_path, started, force=force)
    if cached is not None:
        return cached

    def step(done: int, total: int, what: str) -> None:
        if progress:
            progress(done, total, what)

    total = len(the_book.chapters) + 1
    meta = book_matter(lib, the_book, commit, version=version, site_url=site_url, paper=paper, key=key)
    work = Path(cache_dir) / "print" if cache_dir is not None else None
    doc = print_book(lib, the_book, commit, site_url=site_url, meta=meta, formula=Formulas(work), progress=step,
                     store=ReadChapters(work) if work is not None else None, salt=code_fingerprint())
    step(total - 1, total, "typeset")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".print-") as tmp:
        root = Path(tmp)
        for name, data in doc.files.items():
            dest = root / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        (root / "book.json").write_text(json.dumps(doc.to_data(), ensure_ascii=False), encoding="utf-8")
        for template in TEMPLATE_DIR.glob("*.typ"):      # book.typ and what it imports
            shutil.copyfile(template, root / template.name)
        pdf, pages, notes = typeset(root / "book.typ", root)
        doc.warnings += notes
        (root / "book.pdf").write_bytes(pdf)
        if store is not None:
            store.store(key, root / "book.pdf", {"pages": pages, "warnings": doc.warnings, "book": book,
                                                 "commit": commit, "paper": paper})
        tmp_out = out_path.with_name(f".{out_path.name}.{os.getpid()}")
        shutil.copyfile(root / "book.pdf", tmp_out)
        os.replace(tmp_out, out_path)
    step(total, total, "done")
    return PdfResult(out_path, key, time.monotonic() - started, pages, warnings=doc.warnings)


def choose_paper(the_book, paper: str | None) -> str:
    """``paper``, else book.yml's ``print.paper``, else 16开; PaperInvalid for a size print does not know."""
    paper = (paper or the_book.config.print.get("paper") or "16k").lower()
    if paper not in PAPERS:
        raise PaperInvalid(f"unknown paper {paper!r}", paper=paper, papers=list(PAPERS))
    return paper


def compiler(main: Path, root: Path):
    """Typst over the print root with only our fonts (the output never depends on the machine's others)."""
    import typst

    fonts = sorted({str(f.parent) for f in font_files()})
    return typst.Compiler(str(main), root=str(root), font_paths=fonts, ignore_system_fonts=True)


def typeset(main: Path, root: Path) -> tuple[bytes, int, list[str]]:
    """Run Typst over the print root; returns the PDF, its number of pages and the typesetter's warnings."""
    import typst

    try:
        pdf, warnings = compiler(main, root).compile_with_warnings(format="pdf")
    except typst.TypstError as exc:
        raise PrintFailed("typesetting failed", log=str(exc)) from None
    return pdf, len(_PAGE.findall(pdf)), [str(getattr(w, "message", w)) for w in warnings]
