"""Books as the library holds them: ``book.yml``, chapters in navigation order,
and the library-wide ``library.yml`` and standards.

``book.yml`` is read through a strict schema: an author can say what a book
is called, in which language, which standards it serves, how it is ordered and
reviewed, and how its site looks (within an allow-list) — nothing else.
"""
from __future__ import annotations

import re
import threading
from datetime import date
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache, cached

from .errors import BookInvalid, LibraryInvalid, MaterialsError, NotFound
from .frontmatter import FrontMatter, chapter_problems, distinct_problems, parse_chapter
from .paths import CHAPTER_NAME, validate_book_slug
from .standards.reading import parse_standard
from .yamlfile import Lines, load_yaml

BOOK_KEYS = ("title", "subtitle", "language", "license", "edition", "description", "contact", "standards",
             "navigation", "review", "site", "institutions", "editors", "print", "edition_date", "revision_due",
             "redirects")
OLD_PAGE = re.compile(r"^(?!/)(?:[^/\\\0\n\r\t<>\"'?#%]+/)*[^/\\\0\n\r\t<>\"'?#%]+\.md$")  # a page of an old site
REVIEW_KEYS = ("required", "self_approval", "dismiss_stale_approvals", "checks", "direct_commits", "merge_method")
CHECKS = ("front-matter", "alignment", "build")
LANGUAGES = ("zh-CN", "zh-TW", "en", "en-US", "en-GB")
# Printed books: paper sizes by name (16开 is the default of Chinese textbooks) and editor roles.
PAPERS = ("16k", "a4", "b5")
EDITOR_ROLES = ("主编", "副主编", "参编")
PRINT_KEYS = ("paper", "chapters_on_right")
DEFAULT_REVIEW: dict[str, Any] = {
    "required": {"school": 1, "enterprise": 1},
    "self_approval": False,
    "dismiss_stale_approvals": True,
    "checks": ["front-matter", "alignment"],
    "direct_commits": False,
    "merge_method": "merge",
}
DEFAULT_PRINT: dict[str, Any] = {"paper": "16k", "chapters_on_right": True}


@dataclass(frozen=True)
class Part:
    title: str
    chapters: tuple[str, ...]
    page: str | None = None  # the part's own page (a folder's index.md), shown before its chapters

    def files(self) -> tuple[str, ...]:
        """The part's chapter files in reading order: its own page first."""
        return ((self.page,) if self.page else ()) + self.chapters


@dataclass(frozen=True)
class BookConfig:
    title: str
    language: str
    license: str
    edition: str
    standards: tuple[str, ...]
    navigation: tuple[Part, ...]
    review: dict[str, Any]
    site: dict[str, Any]
    subtitle: str | None = None
    description: str | None = None
    contact: str | None = None
    institutions: tuple[dict[str, str], ...] = ()     # {name, side}: the school and partner enterprises
    editors: tuple[dict[str, str], ...] = ()          # {name, role, side}, in printed order
    print: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_PRINT))
    edition_date: str | None = None     # YYYY-MM or YYYY-MM-DD: when this edition came out
    revision_due: str | None = None     # the planned revision (default: three years after the edition)
    redirects: dict[str, str] = field(default_factory=dict)  # a page of an old site (a/b.md) -> its chapter file

    def chapter_files(self) -> list[str]:
        return [c for part in self.navigation for c in part.files()]


@dataclass
class Chapter:
    book: str
    filename: str
    path: str
    part: str | None
    meta: FrontMatter
    body: str
    problem: MaterialsError | None = None

    @property
    def title(self) -> str:
        return self.meta.title


@dataclass
class Book:
    name: str
    rev: str
    config: BookConfig
    chapters: list[Chapter] = field(default_factory=list)
    problems: list[MaterialsError] = field(default_factory=list)

    def chapter(self, filename: str) -> Chapter:
        for c in self.chapters:
            if c.filename == filename:
                return c
        raise NotFound(f"chapter {filename} is not in {self.name}", chapter=filename)


@dataclass(frozen=True)
class LibraryConfig:
    name: str
    languages: tuple[str, ...]
    sides: dict[str, dict[str, str]]

    def side_label(self, side: str | None, language: str = "zh-CN") -> str:
        labels = self.sides.get(side or "", {})
        return labels.get(language) or labels.get("en") or (side or "")


def _text(data, key, path, lines, *, required=True, max_len=500) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise BookInvalid(f"'{key}' is required", path=path, line=lines.of(), key=key, reason="required")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BookInvalid(f"'{key}' must be text", path=path, line=lines.of(key), key=key, reason="type")
    value = str(value).strip()
    if required and not value:
        raise BookInvalid(f"'{key}' is required", path=path, line=lines.of(key), key=key, reason="required")
    if len(value) > max_len:
        raise BookInvalid(f"'{key}' is too long", path=path, line=lines.of(key), key=key, reason="too_long")
    return value


def parse_review(raw: Any, path: str, lines: Lines) -> dict[str, Any]:
    if raw is None:
        return dict(DEFAULT_REVIEW)
    if not isinstance(raw, dict):
        raise BookInvalid("'review' must be a mapping", path=path, line=lines.of("review"), key="review")
    for key in raw:
        if key not in REVIEW_KEYS:
            raise BookInvalid(f"unknown review setting '{key}'", path=path, line=lines.of("review", key),
                              key=f"review.{key}", reason="unknown_key")
    review = dict(DEFAULT_REVIEW)
    review.update(raw)
    required = review["required"]
    if not isinstance(required, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 20
            for k, v in required.items()):
        raise BookInvalid("'review.required' maps a side to a number of approvals", path=path,
                          line=lines.of("review", "required"), key="review.required")
    for flag in ("self_approval", "dismiss_stale_approvals", "direct_commits"):
        if not isinstance(review[flag], bool):
            raise BookInvalid(f"'review.{flag}' must be true or false", path=path, line=lines.of("review", flag),
                              key=f"review.{flag}")
    checks = review["checks"]
    if not isinstance(checks, list) or any(c not in CHECKS for c in checks):
        raise BookInvalid(f"'review.checks' may name: {', '.join(CHECKS)}", path=path,
                          line=lines.of("review", "checks"), key="review.checks")
    if review["merge_method"] not in ("merge", "squash"):
        raise BookInvalid("'review.merge_method' is merge or squash", path=path,
                          line=lines.of("review", "merge_method"), key="review.merge_method")
    return review


def _people(raw: Any, key: str, fields: tuple[str, ...], path: str, lines: Lines) -> tuple[dict[str, str], ...]:
    """``institutions`` / ``editors``: a list of small mappings of text, as printed on the cover."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise BookInvalid(f"'{key}' is a list", path=path, line=lines.of(key), key=key)
    out = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or set(entry) - set(fields) or not entry.get("name"):
            raise BookInvalid(f"each of '{key}' has {', '.join(fields)} (name required)", path=path,
                              line=lines.of(key, i), key=key)
        out.append({f: _text(entry, f, path, lines, required=f == "name", max_len=200) or "" for f in fields})
        if key == "editors" and out[-1]["role"] not in EDITOR_ROLES:
            raise BookInvalid(f"an editor's role is one of {', '.join(EDITOR_ROLES)}", path=path,
                              line=lines.of(key, i), key=key, reason="role")
    return tuple(out)


def parse_print(raw: Any, path: str, lines: Lines) -> dict[str, Any]:
    if raw is None:
        return dict(DEFAULT_PRINT)
    if not isinstance(raw, dict) or set(raw) - set(PRINT_KEYS):
        raise BookInvalid(f"'print' may set: {', '.join(PRINT_KEYS)}", path=path, line=lines.of("print"), key="print")
    out = dict(DEFAULT_PRINT)
    out.update(raw)
    out["paper"] = str(out["paper"]).lower()
    if out["paper"] not in PAPERS:
        raise BookInvalid(f"'print.paper' is one of {', '.join(PAPERS)}", path=path,
                          line=lines.of("print", "paper"), key="print.paper", reason="paper")
    if not isinstance(out["chapters_on_right"], bool):
        raise BookInvalid("'print.chapters_on_right' must be true or false", path=path,
                          line=lines.of("print", "chapters_on_right"), key="print.chapters_on_right")
    return out


def parse_book_config(text: str, path: str) -> BookConfig:
    """Validate a ``book.yml``; every mistake is a ``BookInvalid`` with its line."""
    try:
        data, lines = load_yaml(text, path)
    except MaterialsError as exc:
        raise BookInvalid(exc.message, path=path, line=exc.line, reason=exc.code) from None
    return _parse_data(data, path, lines)


def _parse_data(data: Any, path: str, lines: Lines) -> BookConfig:
    if not isinstance(data, dict):
        raise BookInvalid("book.yml must be a mapping of keys", path=path, line=1, reason="not_mapping")
    for key in data:
        if key not in BOOK_KEYS:
            raise BookInvalid(f"unknown key '{key}' (allowed: {', '.join(BOOK_KEYS)})", path=path,
                              line=lines.of(key), key=str(key), reason="unknown_key")
    language = _text(data, "language", path, lines, required=False) or "zh-CN"
    if language not in LANGUAGES:
        raise BookInvalid(f"language must be one of {', '.join(LANGUAGES)}", path=path, line=lines.of("language"),
                          key="language", reason="language")
    standards = data.get("standards") or []
    if not isinstance(standards, list) or not all(isinstance(s, str) and s for s in standards):
        raise BookInvalid("'standards' is a list of standard ids", path=path, line=lines.of("standards"), key="standards")
    if len(set(standards)) != len(standards):
        raise BookInvalid("a standard is declared twice", path=path, line=lines.of("standards"), key="standards")
    nav_raw = data.get("navigation") or []
    if not isinstance(nav_raw, list):
        raise BookInvalid("'navigation' is a list of parts", path=path, line=lines.of("navigation"), key="navigation")
    parts, seen = [], set()
    for i, part in enumerate(nav_raw):
        if not isinstance(part, dict) or set(part) - {"part", "chapters", "page"} \
                or not isinstance(part.get("chapters", []), list):
            raise BookInvalid("each part has 'part' (its title), 'chapters' (a list of files) and may have 'page' "
                              "(its own page)", path=path, line=lines.of("navigation", i), key="navigation")
        title = part.get("part")
        if not isinstance(title, str) or not title.strip():
            raise BookInvalid("each part needs a title", path=path, line=lines.of("navigation", i), key="navigation")
        page = part.get("page")
        listed = ([(page, ("navigation", i, "page"))] if page is not None else []) \
            + [(f, ("navigation", i, "chapters", j)) for j, f in enumerate(part.get("chapters") or [])]
        files = []
        for f, at in listed:
            if not isinstance(f, str) or not CHAPTER_NAME.fullmatch(f):
                raise BookInvalid(f"'{f}' is not a chapter file name (name.md or folder/name.md)", path=path,
                                  line=lines.of(*at), key="navigation")
            if f in seen:
                raise BookInvalid(f"chapter '{f}' is listed twice", path=path,
                                  line=lines.of(*at), key="navigation", reason="duplicate")
            seen.add(f)
            files.append(f)
        parts.append(Part(title.strip(), tuple(files[1:] if page is not None else files), page))
    site = data.get("site") or {}
    if not isinstance(site, dict):
        raise BookInvalid("'site' must be a mapping", path=path, line=lines.of("site"), key="site")
    contact = _text(data, "contact", path, lines, required=False)
    if contact and not re.match(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$", contact):
        raise BookInvalid("'contact' must be an e-mail address", path=path, line=lines.of("contact"), key="contact")
    return BookConfig(
        title=_text(data, "title", path, lines),
        subtitle=_text(data, "subtitle", path, lines, required=False),
        language=language,
        license=_text(data, "license", path, lines, required=False) or "CC-BY-SA-4.0",
        edition=_text(data, "edition", path, lines, required=False) or "1",
        description=_text(data, "description", path, lines, required=False, max_len=5000),
        contact=contact,
        standards=tuple(standards),
        navigation=tuple(parts),
        review=parse_review(data.get("review"), path, lines),
        site=site,
        institutions=_people(data.get("institutions"), "institutions", ("name", "side"), path, lines),
        editors=_people(data.get("editors"), "editors", ("name", "role", "side"), path, lines),
        print=parse_print(data.get("print"), path, lines),
        edition_date=_month(data, "edition_date", path, lines),
        revision_due=_month(data, "revision_due", path, lines),
        redirects=_redirects(data.get("redirects"), path, lines),
    )


def is_old_page(old: Any) -> bool:
    """A page path of a site a book was imported from, fit to be answered by a redirect page."""
    return isinstance(old, str) and len(old) <= 300 and bool(OLD_PAGE.match(old)) \
        and not any(p in (".", "..") or p != p.strip() for p in old.split("/"))


def _redirects(value: Any, path: str, lines: Lines) -> dict[str, str]:
    """``redirects``: where each page of the book's old site went (``chapter_tree/binary_tree.md: 05-tree.md``),
    so the published site answers the old addresses; written by an import, kept by hand."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BookInvalid("'redirects' maps an old page (folder/page.md) to a chapter file", path=path,
                          line=lines.of("redirects"), key="redirects")
    out = {}
    for old, new in value.items():
        if not is_old_page(old):
            raise BookInvalid(f"'{old}' is not a page of a site (folder/page.md)", path=path,
                              line=lines.of("redirects", old), key="redirects")
        if not isinstance(new, str) or not CHAPTER_NAME.fullmatch(new):
            raise BookInvalid(f"'{new}' is not a chapter file name (name.md or folder/name.md)", path=path,
                              line=lines.of("redirects", old), key="redirects")
        out[old] = new
    return out


def book_config_problems(text: str, path: str) -> list[MaterialsError]:
    """Every problem of a ``book.yml``, each with its line, not only the first.

    ``parse_book_config`` stops at the first, as saving needs; here each key (each
    part of the navigation, each redirect) is checked again on its own, with a
    stand-in title, by that same code, so the list says what a save would refuse.
    """
    try:
        parse_book_config(text, path)
        return []
    except MaterialsError as first:
        problems: list[MaterialsError] = [first]
    try:
        data, _lines = load_yaml(text, path)
    except MaterialsError:
        return problems
    if not isinstance(data, dict):
        return problems
    alone: list[dict] = [{"title": data.get("title")}, {"title": "?", "navigation": data.get("navigation")}]
    for key, value in data.items():
        if key == "navigation" and isinstance(value, list):
            blank = {"part": "?", "chapters": []}  # the other parts, so that lines stay where they are
            alone += [{"title": "?", "navigation": [part if j == i else blank for j in range(len(value))]}
                      for i, part in enumerate(value)]
        elif key == "redirects" and isinstance(value, dict):
            alone += [{"title": "?", "redirects": {old: new}} for old, new in value.items()]
        elif key != "title":
            alone.append({"title": "?", key: value})
    for one in alone:
        try:
            _parse_data(one, path, _lines)
        except MaterialsError as problem:
            problems.append(problem)
    listed: set[str] = set()  # a chapter listed twice, which only the whole navigation shows
    for i, part in enumerate(data.get("navigation") if isinstance(data.get("navigation"), list) else []):
        chapters = part.get("chapters") if isinstance(part, dict) else None
        page = [(part["page"], ("navigation", i, "page"))] if isinstance(part, dict) and part.get("page") else []
        for f, at in page + [(f, ("navigation", i, "chapters", j))
                             for j, f in enumerate(chapters if isinstance(chapters, list) else [])]:
            if isinstance(f, str) and f in listed:
                problems.append(BookInvalid(f"chapter '{f}' is listed twice", path=path, key="navigation",
                                            line=_lines.of(*at), reason="duplicate"))
            listed.add(f if isinstance(f, str) else "")
    return distinct_problems(problems)


def _month(data, key, path, lines) -> str | None:
    """A date of the revision cycle: ``YYYY-MM`` or ``YYYY-MM-DD`` (YAML may read the latter as a date)."""
    value = data.get(key)
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])(-\d{2})?", text):
        raise BookInvalid(f"'{key}' is a date written YYYY-MM or YYYY-MM-DD", path=path, line=lines.of(key),
                          key=key, reason="date")
    return text


def load_library_config(lib, rev: str = "main") -> LibraryConfig:
    path = "library.yml"
    try:
        text = lib.read_text(rev, path)
    except NotFound:
        return LibraryConfig("Jointbook", ("zh-CN", "en"), {
            "school": {"zh-CN": "学校", "en": "School"}, "enterprise": {"zh-CN": "企业", "en": "Enterprise"}})
    data, lines = load_yaml(text, path)
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise LibraryInvalid("library.yml needs a name", path=path, line=1)
    sides = data.get("sides") or {}
    if not isinstance(sides, dict) or not sides:
        raise LibraryInvalid("library.yml needs sides (school, enterprise...)", path=path, line=lines.of("sides"))
    return LibraryConfig(data["name"], tuple(data.get("languages") or ("zh-CN", "en")),
                         {str(k): dict(v or {}) for k, v in sides.items()})


def list_books(lib, rev: str = "main") -> list[str]:
    entry = lib._entry_in_tree(lib.tree_of(rev), "books")
    if entry is None or not entry.is_tree:
        return []
    return sorted(name for name, e in lib.objects.tree(entry.sha).items() if e.is_tree and "book.yml" in lib.objects.tree(e.sha))


def load_book(lib, name: str, rev: str = "main", *, chapters: bool = True) -> Book:
    validate_book_slug(name)
    commit = lib.resolve(rev)
    path = f"books/{name}/book.yml"
    try:
        text = lib.read(commit, path).decode("utf-8")
    except NotFound:
        raise NotFound(f"no book '{name}'", book=name) from None
    config = parse_book_config(text, path)
    book = Book(name, commit, config)
    if not chapters:
        return book
    files = lib.files(commit, f"books/{name}/chapters")
    listed = set(config.chapter_files())
    for part in config.navigation:
        for filename in part.files():
            cpath = f"books/{name}/chapters/{filename}"
            if cpath not in files:
                problem = BookInvalid(f"chapter '{filename}' is in the navigation but does not exist", path=path,
                                      chapter=filename, reason="missing_chapter")
                book.problems.append(problem)
                continue
            book.chapters.append(_chapter(lib, name, filename, cpath, files[cpath], part.title, book))
    for cpath in sorted(files):  # chapters no part lists, in sub-folders too
        filename = cpath[len(f"books/{name}/chapters/"):]
        if filename.endswith(".md") and filename not in listed:
            book.chapters.append(_chapter(lib, name, filename, cpath, files[cpath], None, book))
    return book


def _chapter(lib, name, filename, cpath, blob, part, book) -> Chapter:
    text = lib.objects.read(blob)[1].decode("utf-8", "replace")
    try:
        meta, body = parse_chapter(text, cpath)
        return Chapter(name, filename, cpath, part, meta, body)
    except MaterialsError as exc:
        book.problems.extend(chapter_problems(text, cpath) or [exc])  # every problem of the file, not the first
        return Chapter(name, filename, cpath, part, FrontMatter(title=filename[:-3]), text, problem=exc)


def load_standards(lib, rev: str = "main") -> dict:
    """Every standard edition in ``standards/``, parsed and validated, by id.

    Kept by the standards folder's tree id, and each edition by its blob id:
    content-addressed, so never stale; callers get their own dict to keep.
    """
    return dict(_standards_folder(lib, rev, lib.subtree(rev, "standards")))


@cached(LRUCache(maxsize=64), key=lambda lib, rev, tree: tree, lock=threading.Lock())
def _standards_folder(lib, rev: str, tree: str | None) -> dict:
    out = {}
    for path, blob in sorted(lib.files(rev, "standards").items()):
        if path.endswith((".yml", ".yaml")):
            std = _standard_file(lib, path, blob)
            out[std.id] = std
    return out


@cached(LRUCache(maxsize=256), key=lambda lib, path, blob: (path, blob), lock=threading.Lock())
def _standard_file(lib, path: str, blob: str):
    return parse_standard(lib.objects.read(blob)[1].decode("utf-8"), path)
