"""An existing MkDocs project (a folder or a zip of it), or Markdown files and pictures alone, as
chapters of a book.

What it becomes: ``mkdocs.yml``'s ``nav`` gives the parts and the order (a
top-level section is a part, deeper sections are flattened into it; without
``nav`` the files in name order, a part per top folder); a section's first
page, when it is the folder's ``index.md``, becomes its part's own page
(``page:``). Every page becomes a chapter at the same place in ``chapters/``
(``chapter_tree/binary_tree.md`` stays ``chapter_tree/binary_tree.md``; a name
the book cannot hold, in other letters or too deep, is made into one), its
links to other pages rewritten only where a name changed, its pictures
(``*.assets/`` folders included) moved into the book's ``assets/`` and their
links written from the chapter's folder (``../../assets/tree.png``). The title comes from the front matter, else the nav, else
the page's first ``#`` heading, with HTML entities (``&nbsp;``) decoded. Front
matter keys the book's schema does not know (``hide``, ``template``, ``tags``…)
are left out and listed, so nothing changes how the site renders behind the
authors' backs; ``description`` becomes ``summary``.

Everything that was changed or could not come over is in the report, every
problem of every file (not only the first). ``mkdocs.yml`` is read with a
loader that ignores its Python tags (``!!python/name:…``, ``!ENV``): nothing in
it is ever run.
"""
from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import unquote

import yaml

from ..books import BookConfig, Part, is_old_page
from ..errors import FrontMatterInvalid, InvalidPath, MaterialsError
from ..frontmatter import KEYS, parse_chapter, parse_front_matter, serialize_chapter
from ..paths import (CHAPTER_NAME, MAX_CHAPTER_FOLDERS, asset_name, book_file_path, fold, from_chapter,
                     validate_book_slug, validate_path)
from ..text import normalise_text
from ..yamlfile import Lines, dump_yaml, load_yaml
from .docx import DocxImport, ImportedChapter, ImportedImage
from .errors import MkDocsInvalid
from .report import CARRIED, CHANGED, LOST, ImportReport, Place

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg")
MAX_FILES = 20000
MAX_BYTES = 300 * 1024 * 1024  # unpacked
USED_CONFIG = ("site_name", "nav", "docs_dir")
MAPPED_KEYS = {"description": "summary"}
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
INLINE_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|[^()\s]+)(\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(<[^>]*>|\S+)(.*)$")
HTML_ATTR = re.compile(r"(<(?:img|a|source)\b[^>]*?\b(?:src|href)\s*=\s*)([\"'])([^\"']*)\2", re.I)
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
FIRST_HEADING = re.compile(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\n|\Z)")


@dataclass(frozen=True)
class MkDocsImport(DocxImport):
    """A MkDocs project in a book: chapters, pictures, parts, the report, and where each old page went."""

    site_name: str = ""
    redirects: dict[str, str] = field(default_factory=dict)  # old page (docs-relative .md) -> new chapter file
    image_sources: dict[str, str] = field(default_factory=dict)  # picture (docs-relative) -> its path in the book

    def book_yml(self, text: str) -> str:
        """The book's settings with the new parts, and the old pages' redirects added to its ``redirects``."""
        merged = super().book_yml(text)
        kept = {old: new for old, new in self.redirects.items() if is_old_page(old)}
        if not kept:
            return merged
        data, _ = load_yaml(merged, f"books/{self.book}/book.yml")
        data = dict(data)
        data["redirects"] = {**(data.get("redirects") or {}), **kept}
        return dump_yaml(data)


class _TolerantLoader(yaml.SafeLoader):
    """Safe YAML that reads MkDocs' tags (``!!python/name:…``, ``!ENV``) as plain values instead of running them."""


def _tagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_TolerantLoader.add_multi_constructor("!", _tagged)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _tagged)


def _load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_TolerantLoader)  # noqa: S506 - SafeLoader subclass, tags become plain data
    except yaml.YAMLError as error:
        raise MkDocsInvalid(f"mkdocs.yml is not valid YAML: {str(error)[:200]}", reason="mkdocs_yaml") from None


def read_folder(path: str | Path) -> dict[str, bytes]:
    """Every regular file of a MkDocs project folder (no symlinks, no ``.git``), by path from the folder."""
    root = Path(path)
    files: dict[str, bytes] = {}
    total = 0
    for item in sorted(root.rglob("*")):
        relative = item.relative_to(root).as_posix()
        if item.is_symlink() or not item.is_file() or any(p in (".git", "site") for p in relative.split("/")[:1]) \
                or "/.git/" in f"/{relative}":
            continue
        files[relative] = item.read_bytes()
        total += len(files[relative])
        if len(files) > MAX_FILES or total > MAX_BYTES:
            raise MkDocsInvalid("the project is too large to import", reason="too_large")
    return files


def read_zip(data: bytes) -> dict[str, bytes]:
    """The files of a zipped MkDocs project; one folder around everything (as GitHub's downloads have) is taken off."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        raise MkDocsInvalid("the file is not a zip archive", reason="not_zip") from None
    if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_BYTES:
        raise MkDocsInvalid("the project is too large to import", reason="too_large")
    files: dict[str, bytes] = {}
    for info in infos:
        name = info.filename.replace("\\", "/")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:  # a symlink stored in the zip
            continue
        try:
            name = validate_path(name)
        except InvalidPath:
            continue  # "../", absolute or .git paths: never read
        files[name] = archive.read(info)
    tops = {name.split("/", 1)[0] for name in files}
    if not any(name in CONFIG_NAMES for name in files) and len(tops) == 1 and all("/" in n for n in files):
        top = tops.pop() + "/"
        files = {name[len(top):]: value for name, value in files.items()}
    return files


def _clean_title(text: Any) -> str:
    value = html.unescape(str(text)).replace("\xa0", " ").replace("\u3000", " ")
    value = re.sub(r"<[^>]+>", "", value)
    return re.sub(r"\s+", " ", value).strip()


def _slug(path: str) -> str:
    stem = path[:-3] if path.endswith(".md") else path
    parts = stem.split("/")
    if parts[-1].lower() in ("index", "readme") and len(parts) > 1:
        parts = parts[:-1]
    name = re.sub(r"[^A-Za-z0-9]+", "-", parts[-1]).strip("-").lower()[:60]
    return name or "chapter"


def _safe_name(source: str) -> str:
    """A chapter name for a page at ``source`` (docs-relative): the same folders and name where the book can
    hold them (``CHAPTER_NAME``), else each part in ASCII letters, and folders past the limit joined."""
    if CHAPTER_NAME.fullmatch(source):
        return source
    *folders, name = source.split("/")
    if len(folders) > MAX_CHAPTER_FOLDERS:
        folders = folders[:MAX_CHAPTER_FOLDERS - 1] + ["-".join(folders[MAX_CHAPTER_FOLDERS - 1:])]
    folders = [re.sub(r"(\.md|\.assets|[._-])+$", "", re.sub(r"[^A-Za-z0-9._-]+", "-", f).lstrip("._-"))[:100]
               or "section" for f in folders]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name[:-3] if name.endswith(".md") else name).strip("._-")[:100]
    return "/".join([*folders, f"{stem or 'chapter'}.md"])


def _link(source: str, target: str) -> str:
    """A link from the chapter ``source`` to the chapter ``target`` (both names in ``chapters/``)."""
    return posixpath.relpath(target, posixpath.dirname(source) or ".")


@dataclass
class _Page:
    source: str          # docs-relative .md path
    part: str
    nav_title: str | None
    filename: str = ""
    part_page: bool = False  # the section's index.md: its part's own page


class _Project:
    def __init__(self, files: dict[str, bytes], book: str, report: ImportReport, language: str,
                 taken: set[str], source: str = ""):
        self.files = files
        self.book = book
        self.report = report
        self.language = language
        self.taken = taken
        self.config_name = next((n for n in CONFIG_NAMES if n in files), None)
        if self.config_name is None:  # Markdown files and pictures alone: the whole archive is the docs
            self.config, self.docs_dir = {}, ""
            self.docs = dict(files)
        else:
            config = _load(files[self.config_name].decode("utf-8-sig", "replace"))
            self.config = config if isinstance(config, dict) else {}
            self.docs_dir = str(self.config.get("docs_dir") or "docs").strip("/")
            prefix = self.docs_dir + "/"
            self.docs = {name[len(prefix):]: data for name, data in files.items() if name.startswith(prefix)}
        if not any(name.endswith(".md") for name in self.docs):
            raise MkDocsInvalid(f"the project has no Markdown pages in {self.docs_dir or 'it'}/",
                                reason="mkdocs_empty")
        stem = re.sub(r"\.zip$", "", source.replace("\\", "/").rsplit("/", 1)[-1], flags=re.I)
        self.site_name = _clean_title(self.config.get("site_name") or "") or stem or "MkDocs"
        self.images: dict[str, ImportedImage] = {}   # docs path -> image in the book
        self.image_names: dict[str, str] = {}        # folded asset name -> docs path

    def shown(self, source: str) -> str:
        """A page's path as the author knows it: from the project's folder."""
        return f"{self.docs_dir}/{source}" if self.docs_dir else source

    # -- the order of the pages ------------------------------------------------
    def pages(self) -> list[_Page]:
        nav = self.config.get("nav")
        if nav is None:
            return self._pages_without_nav()
        if not isinstance(nav, list):
            self.report.add(CHANGED, "mkdocs.nav_invalid", "the nav of mkdocs.yml is no list: pages in name order")
            return self._pages_without_nav()
        pages: list[_Page] = []
        for item in nav:
            title, value = self._nav_item(item)
            if isinstance(value, list):
                part = title or self.site_name
                first = len(pages)
                self._walk(value, part, pages, depth=1)
                if len(pages) > first and pages[first].source.rsplit("/", 1)[-1].lower() in ("index.md", "readme.md") \
                        and "/" in pages[first].source:
                    pages[first].part_page = True
            elif value is not None:
                self._nav_page(title, value, self.site_name, pages)
        listed = {p.source for p in pages}
        for name in sorted(self.docs):
            if name.endswith(".md") and name not in listed:
                self.report.add(LOST, "mkdocs.not_in_nav", f"{name} is not in the nav and was left out",
                                Place(heading=self.shown(name)), file=self.shown(name))
        return pages

    def _nav_item(self, item: Any) -> tuple[str | None, Any]:
        if isinstance(item, str):
            return None, item
        if isinstance(item, dict) and len(item) == 1:
            title, value = next(iter(item.items()))
            return _clean_title(title) if title is not None else None, value
        self.report.add(LOST, "mkdocs.nav_entry", f"a nav entry that is neither a page nor a section: {str(item)[:80]}",
                        entry=str(item)[:80])
        return None, None

    def _walk(self, items: list, part: str, pages: list[_Page], depth: int) -> None:
        for item in items:
            title, value = self._nav_item(item)
            if isinstance(value, list):
                self.report.add(CHANGED, "mkdocs.nav_nested", f"the section “{title}” inside “{part}” was "
                                f"flattened into the part", Place(heading=title), section=title or "", part=part)
                self._walk(value, part, pages, depth + 1)
            elif value is not None:
                self._nav_page(title, value, part, pages)

    def _nav_page(self, title: str | None, value: Any, part: str, pages: list[_Page]) -> None:
        target = str(value)
        if SCHEME.match(target) or target.startswith("/"):
            self.report.add(LOST, "mkdocs.nav_link", f"the nav link “{title or target}” to {target[:100]} was left out",
                            title=title or "", url=target[:200])
            return
        source = posixpath.normpath(target).lstrip("./") if not target.startswith("..") else target
        if source not in self.docs:
            self.report.add(LOST, "mkdocs.nav_missing", f"the nav names {target}, which is not in the project",
                            Place(heading=title), file=target[:200])
            return
        if any(p.source == source for p in pages):
            self.report.add(CHANGED, "mkdocs.nav_twice", f"{source} is in the nav twice: imported once",
                            Place(heading=self.shown(source)), file=source)
            return
        pages.append(_Page(source, part, title))

    def _pages_without_nav(self) -> list[_Page]:
        names = sorted((n for n in self.docs if n.endswith(".md")),
                       key=lambda n: (n.count("/") > 0, n.rsplit("/", 1)[0] if "/" in n else "",
                                      not n.rsplit("/", 1)[-1].lower().startswith("index"), n))
        if self.config_name is None:
            self.report.add(CHANGED, "markdown.no_config", "there is no mkdocs.yml: the Markdown files are in name "
                            "order, a part per folder")
        else:
            self.report.add(CHANGED, "mkdocs.no_nav", "mkdocs.yml has no nav: the pages are in name order, a part "
                            "per folder")
        pages = [_Page(n, n.split("/", 1)[0] if "/" in n else self.site_name, None) for n in names]
        for page in pages:
            page.part_page = page.source.count("/") == 1 and page.source.split("/")[1].lower() in ("index.md",
                                                                                                   "readme.md")
        return pages

    def _filename(self, source: str) -> str:
        stem = _safe_name(source)[:-3]
        candidate, n = f"{stem}.md", 1
        while fold(f"books/{self.book}/chapters/{candidate}") in self.taken:
            n += 1
            candidate = f"{stem}-{n}.md"
        path = book_file_path(self.book, f"books/{self.book}/chapters/{candidate}")
        self.taken.add(fold(path))
        return candidate

    # -- one page --------------------------------------------------------------
    def chapter(self, page: _Page, by_source: dict[str, str]) -> ImportedChapter:
        where = Place(heading=self.shown(page.source), chapter=page.filename)
        text = normalise_text(self.docs[page.source].decode("utf-8-sig", "replace"))
        raw_meta, body = {}, text
        found = FRONT_MATTER.match(text)
        if found:
            body = text[found.end():]
            try:
                loaded = yaml.safe_load(found.group(1) or "") or {}
            except yaml.YAMLError:
                loaded = None
                self.report.add(LOST, "mkdocs.front_matter_invalid", "the front matter is not valid YAML and was left out",
                                where)
            if isinstance(loaded, dict):
                raw_meta = loaded
        meta: dict[str, Any] = {}
        for key, value in raw_meta.items():
            key = str(key)
            if key == "title":
                continue
            if key in MAPPED_KEYS and MAPPED_KEYS[key] not in raw_meta:
                meta[MAPPED_KEYS[key]] = value
                self.report.add(CHANGED, "mkdocs.key_mapped", f"the front matter key '{key}' became "
                                f"'{MAPPED_KEYS[key]}'", where, key=key, to=MAPPED_KEYS[key])
            elif key in KEYS:
                meta[key] = value
            else:
                self.report.add(LOST, "mkdocs.key_unknown", f"the front matter key '{key}' is not part of a chapter's "
                                f"information and was left out", where, key=key)
        title_source = raw_meta.get("title") or page.nav_title
        heading = FIRST_HEADING.match(body)
        if heading:
            body = body[heading.end():]
            self.report.add(CHANGED, "mkdocs.first_heading", "the page's first heading became the chapter's title",
                            where, heading=_clean_title(heading.group(1)))
            title_source = title_source or heading.group(1)
        raw_title = str(title_source or _slug(page.source))
        title = _clean_title(raw_title)[:200] or _slug(page.source)
        if title != raw_title.strip():
            self.report.add(CHANGED, "mkdocs.title_cleaned", f"the title “{raw_title.strip()[:80]}” was written as “{title}”",
                            where, original=raw_title.strip()[:200], title=title)
        meta = {"title": title, **meta}
        path = f"books/{self.book}/chapters/{page.filename}"
        front = self._front_matter(meta, path, where)
        body, images = self._rewrite(body, page, by_source, where)
        if "--8<--" in body:
            self.report.add(LOST, "mkdocs.snippets", "snippets (--8<--) are not read by the book's pages: the line was "
                            "kept as text", where)
        chapter = normalise_text(serialize_chapter(front, "\n" + body.lstrip("\n")))
        parse_chapter(chapter, path)
        self.report.add(CARRIED, "chapter", f"chapter “{title}” ({page.filename})", where, title=title,
                        filename=page.filename)
        return ImportedChapter(page.filename, path, title, page.part, chapter, tuple(dict.fromkeys(images)))

    def _front_matter(self, meta: dict[str, Any], path: str, where: Place):
        """The chapter's information; a key whose value the schema refuses is left out and reported (all of them)."""
        while True:
            try:
                return parse_front_matter(meta, path, Lines())
            except FrontMatterInvalid as problem:
                key = (problem.params or {}).get("key")
                if not key or key == "title" or key not in meta:
                    raise
                meta.pop(key)
                self.report.add(LOST, "mkdocs.key_invalid", f"the front matter key '{key}' has a value a chapter "
                                f"cannot hold ({problem.message}) and was left out", where, key=key)

    def _rewrite(self, body: str, page: _Page, by_source: dict[str, str], where: Place) -> tuple[str, list[str]]:
        images: list[str] = []
        counts = {"link": 0, "image": 0}

        def target(url: str) -> str:
            bare = url[1:-1] if url.startswith("<") and url.endswith(">") else url
            new = self._target(bare, page, by_source, where, images, counts)
            return new if new is not None else url

        def inline(match: re.Match[str]) -> str:
            return f"{match[1]}[{match[2]}]({target(match[3])}{match[4] or ''})"

        out, fence = [], None
        for line in body.split("\n"):
            opened = FENCE.match(line)
            if fence:
                if opened and opened[1][0] == fence[0] and len(opened[1]) >= len(fence):
                    fence = None
                out.append(line)
                continue
            if opened:
                fence = opened[1]
                out.append(line)
                continue
            parts = re.split(r"(`+[^`]*`+)", line)  # inline code keeps its text
            for i in range(0, len(parts), 2):
                chunk = INLINE_LINK.sub(inline, parts[i])
                chunk = HTML_ATTR.sub(lambda m: f"{m[1]}{m[2]}{target(m[3])}{m[2]}", chunk)
                reference = REFERENCE.match(chunk)
                if reference:
                    chunk = f"{reference[1]}{target(reference[2])}{reference[3]}"
                parts[i] = chunk
            out.append("".join(parts))
        if counts["link"]:
            self.report.add(CHANGED, "mkdocs.links", f"{counts['link']} link(s) to other pages now lead to their "
                            "chapters", where, count=counts["link"])
        if counts["image"]:
            self.report.add(CARRIED, "mkdocs.images", f"{counts['image']} picture(s) moved into the book's assets",
                            where, count=counts["image"])
        return "\n".join(out), images

    def _target(self, url: str, page: _Page, by_source: dict[str, str], where: Place, images: list[str],
                counts: dict[str, int]) -> str | None:
        if not url or url.startswith("#") or SCHEME.match(url) or url.startswith("//"):
            return None
        if url.startswith("/"):
            self.report.add(LOST, "mkdocs.link_absolute", f"the link {url[:100]} starts at the site's root and was "
                            "kept as it is", where, url=url[:200])
            return None
        path, hash_, anchor = url.partition("#")
        path = path.split("?", 1)[0]
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page.source), html.unescape(path))) \
            if path else ""
        resolved = unquote(resolved)
        if resolved.startswith("../") or resolved == "..":
            self.report.add(LOST, "mkdocs.link_outside", f"the link {url[:100]} leads outside the docs", where,
                            url=url[:200])
            return None
        candidates = [resolved, f"{resolved}.md", f"{resolved}/index.md", f"{resolved}/README.md"]
        if resolved.endswith(".html"):
            candidates.insert(0, resolved[:-5] + ".md")
        found = next((c for c in candidates if c in by_source), None)
        if found is not None:
            if found == resolved and by_source[found] == found and by_source[page.source] == page.source:
                return None  # the page and its target kept their names: the link is right as written
            counts["link"] += 1
            return _link(by_source[page.source], by_source[found]) + (hash_ + anchor if hash_ else "")
        if resolved in self.docs and resolved.lower().endswith(IMAGE_SUFFIXES):
            name = self._image(resolved, where)
            if name is None:
                return None
            images.append(f"books/{self.book}/assets/{name}")
            counts["image"] += 1
            return from_chapter(by_source[page.source], f"assets/{name}")
        if any(c in self.docs for c in candidates) and resolved.endswith(".md"):
            self.report.add(LOST, "mkdocs.link_not_imported", f"the link {url[:100]} leads to a page that was not "
                            "imported", where, url=url[:200])
        elif resolved in self.docs:
            self.report.add(LOST, "mkdocs.file_unsupported", f"{resolved} is neither a page nor a picture (.png, .jpg, "
                            ".gif, .webp, .svg) and was left out; its link is kept", where, file=resolved)
        else:
            self.report.add(LOST, "mkdocs.link_broken", f"the link {url[:100]} leads to nothing in the project", where,
                            url=url[:200])
        return None

    def _image(self, source: str, where: Place) -> str | None:
        known = self.images.get(source)
        if known is not None:
            return known.path.rsplit("/", 1)[-1]
        try:
            name = asset_name(source.rsplit("/", 1)[-1])
        except InvalidPath:
            return None
        stem, ext = name.rsplit(".", 1)
        candidate, n = name, 1
        while fold(candidate) in self.image_names or fold(f"books/{self.book}/assets/{candidate}") in self.taken:
            n += 1
            candidate = f"{stem}-{n}.{ext}"
        if candidate != name:
            self.report.add(CHANGED, "mkdocs.image_renamed", f"the picture {source} is stored as {candidate}: "
                            f"another picture has its name", where, file=source, name=candidate)
        self.image_names[fold(candidate)] = source
        path = book_file_path(self.book, f"books/{self.book}/assets/{candidate}")
        self.images[source] = ImportedImage(path, self.docs[source], "")
        return candidate


def import_mkdocs(files: dict[str, bytes], *, book: str, source: str, book_config: BookConfig | None = None,
                  existing: Iterable[str] = ()) -> MkDocsImport:
    """Convert a MkDocs project (``read_folder`` / ``read_zip``) into chapters of ``book``.

    ``book_config`` numbers the new chapters after the book's own; ``existing`` are the repository
    paths already in the book, which no new file may take. Raises ``MkDocsInvalid`` for what is no
    MkDocs project.
    """
    validate_book_slug(book)
    report = ImportReport(source)
    taken = {fold(p) for p in existing}
    project = _Project(files, book, report, book_config.language if book_config else "zh-CN", taken, source)
    pages = project.pages()
    if not pages:
        raise MkDocsInvalid("the nav of mkdocs.yml names no page of the project", reason="mkdocs_empty")
    for page in pages:
        page.filename = project._filename(page.source)
    by_source = {p.source: p.filename for p in pages}
    chapters = []
    for page in pages:
        try:
            chapters.append(project.chapter(page, by_source))
        except MaterialsError as problem:
            report.add(LOST, "mkdocs.page_failed", f"{page.source} could not be imported: {problem.message}",
                       Place(heading=project.shown(page.source)), file=page.source)
    ignored = [str(k) for k in project.config if k not in USED_CONFIG]
    if ignored:
        report.add(CHANGED, "mkdocs.config", "the site settings of mkdocs.yml were not carried over (the platform "
                   f"writes the site's configuration from book.yml): {', '.join(ignored)}", keys=", ".join(ignored))
    renamed = [p for p in pages if p.filename != p.source and any(c.filename == p.filename for c in chapters)]
    for page in renamed:
        report.add(CHANGED, "mkdocs.renamed", f"{page.source} is the chapter {page.filename}: the book's chapter "
                   "names are in ASCII letters and digits, at most four folders deep",
                   Place(heading=project.shown(page.source), chapter=page.filename), file=page.source,
                   chapter=page.filename)
    imported = {c.filename for c in chapters}
    redirects = {p.source: p.filename for p in pages if p.filename in imported}
    for old in sorted(o for o in redirects if not is_old_page(o)):
        report.add(LOST, "mkdocs.redirect_lost", f"the old address of {old} cannot be kept: its name cannot be a "
                   "page of the published site", Place(heading=project.shown(old)), file=old)
    if any(is_old_page(o) for o in redirects):
        report.add(CARRIED, "mkdocs.redirects", f"{sum(is_old_page(o) for o in redirects)} old page address(es) lead "
                   "to their chapters in the published site", count=sum(is_old_page(o) for o in redirects))
    parts: dict[str, list[str]] = {}
    own_pages: dict[str, str] = {}
    for page in pages:
        if page.part_page and page.filename in imported and page.part not in own_pages:
            own_pages[page.part] = page.filename
            report.add(CARRIED, "mkdocs.part_page", f"{page.source} is the own page of the part “{page.part}”",
                       Place(heading=project.shown(page.source), chapter=page.filename), file=page.source,
                       part=page.part)
    for chapter in chapters:
        if own_pages.get(chapter.part) != chapter.filename:
            parts.setdefault(chapter.part, []).append(chapter.filename)
        else:
            parts.setdefault(chapter.part, [])
    used = {image for chapter in chapters for image in chapter.images}
    images = tuple(image for image in project.images.values() if image.path in used)
    return MkDocsImport(book, tuple(chapters), images,
                        tuple(Part(t, tuple(f), own_pages.get(t)) for t, f in parts.items()), report,
                        site_name=project.site_name, redirects=redirects,
                        image_sources={src: image.path for src, image in project.images.items() if image.path in used})
