"""A book at a commit, built into a static MkDocs Material site.

The tree is read straight from Git at that commit into a fresh temporary
directory (never a shared working tree), the MkDocs configuration is
generated through the allow-list in ``config``, and MkDocs runs in a
subprocess with a time limit, offline, its log kept. An unchanged input
(book tree + standards + library.yml + our code and options) is never built
twice: ``site_key`` names it and ``build.json`` in the output records it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from materials import MaterialsError, NotFound
from materials.coverage import coverage
from materials.standards.statements import statement_html
from materials.yamlfile import load_yaml

from . import config as siteconfig
from .assets import clean_svg, publishable
from .compression import precompress
from .contributors import contributors
from .errors import BookNotFound, BuildFailed, BuildTimedOut
from .hooks import PAGE_DATA
from .downloads import offered
from .pages import (ChangeSummary, alignment_page, changes_page, contributors_page, downloads_page, home_page)

BUILD_RECORD = "build.json"
DEFAULT_TIMEOUT = 600
ROOT = Path(__file__).resolve().parent.parent
TAG_PREFIX = "v"


@dataclass
class BuildResult:
    out_dir: Path
    key: str
    log: str
    duration: float
    skipped: bool = False                    # the same input was already built into out_dir
    warnings: list[str] = field(default_factory=list)


def release_tag(book: str, version: str) -> str:
    return f"{book}/{TAG_PREFIX}{version}"


def site_key(lib, book: str, rev: str, *, version: str = "", platform_url: str | None = None,
             contact: str | None = None, released: bool = False) -> str:
    """What decides a site's content; equal keys give byte-identical sites."""
    commit = lib.resolve(rev)
    parts = [
        lib.subtree(commit, f"books/{book}") or "",
        lib.subtree(commit, "standards") or "",
        lib.files(commit, "library.yml").get("library.yml", ""),
        version, platform_url if platform_url is not None else "\0", contact or "", str(released),
        siteconfig.code_fingerprint(),
    ]
    if not parts[0]:
        raise BookNotFound(f"no book '{book}' at {rev}", book=book, rev=rev)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def recorded_key(out_dir: Path) -> str | None:
    try:
        return json.loads((Path(out_dir) / BUILD_RECORD).read_text())["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def build_site(lib, book: str, rev: str, out_dir: str | Path, *, version: str = "draft",
               platform_url: str | None = None, cache_dir: str | Path | None = None,
               timeout: float = DEFAULT_TIMEOUT, previous: str | None = None, force: bool = False,
               released: bool = False) -> BuildResult:
    """Build ``book`` at ``rev`` into ``out_dir`` (replaced when the build succeeds).

    ``released``: the site is published beside the book's ``versions.json``
    and gets the version selector; previews, drafts and checks have none.

    ``previous`` is the release the "changes" page compares with (a tag or
    commit; by default the latest ``<book>/v*`` tag before ``rev``).
    ``platform_url`` is where the feedback form posts ("" = same origin as the
    site, None = no platform: the form shows a notice instead).
    """
    started = time.monotonic()
    out_dir = Path(out_dir).resolve()  # the build subprocess runs in another directory
    commit = lib.resolve(rev)
    try:
        the_book = lib.book(book, commit)
    except NotFound:
        raise BookNotFound(f"no book '{book}' at {rev}", book=book, rev=rev) from None
    contact = getattr(the_book.config, "contact", None)
    key = site_key(lib, book, commit, version=version, platform_url=platform_url, contact=contact,
                   released=released)
    if not force and recorded_key(out_dir) == key:
        return BuildResult(out_dir, key, "unchanged: already built\n", time.monotonic() - started, skipped=True)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".build-{book}-", dir=out_dir.parent) as tmp:
        work = Path(tmp)
        warnings = write_sources(lib, the_book, commit, work, version=version, platform_url=platform_url,
                                 contact=contact, previous=previous, released=released)
        site = work / "site"
        log = run_mkdocs(work / "mkdocs.yml", site, cache_dir=cache_dir, timeout=timeout)
        (site / BUILD_RECORD).write_text(json.dumps({
            "key": key, "book": book, "commit": commit, "version": version,
            "chinese": siteconfig.is_chinese(the_book.config.language),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }, indent=1))
        precompress(site, previous=out_dir, release=released)
        replace_dir(site, out_dir)
    return BuildResult(out_dir, key, log, time.monotonic() - started, warnings=warnings)


def replace_dir(new: Path, target: Path) -> None:
    """Put ``new`` at ``target`` by renames; the old one is removed afterwards."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{os.getpid()}-{time.monotonic_ns()}")
        os.rename(target, old)
    os.rename(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_sources(lib, book, commit: str, work: Path, *, version: str, platform_url: str | None,
                  contact: str | None, previous: str | None, released: bool = False) -> list[str]:
    """The temporary MkDocs project: docs/, mkdocs.yml and the page data for the hooks."""
    name = book.name
    lang = "zh" if siteconfig.is_chinese(book.config.language) else "en"
    docs = work / "docs"
    (docs / "chapters").mkdir(parents=True)
    (docs / siteconfig.GENERATED_DIR).mkdir()
    warnings: list[str] = []

    prefix = f"books/{name}/"
    for path, data in lib.snapshot(commit, prefix + "assets/").items():
        rel = path[len(prefix):]
        if not publishable(rel):
            warnings.append(f"skipped asset {rel}: not an image or media file")
            continue
        if rel.lower().endswith(".svg"):
            data = clean_svg(data)
            if data is None:
                warnings.append(f"skipped asset {rel}: not a plain SVG image")
                continue
        dest = docs / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)

    chapters = book.chapters
    titles = {c.filename: c.meta.title for c in chapters}
    for chapter in chapters:
        # the body only: front matter is ours to interpret (MkDocs would honour `template:`)
        page = docs / "chapters" / chapter.filename  # in its folder: chapter_tree/binary_tree.md
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(chapter.body, encoding="utf-8")

    sides = side_labels(lib, commit, "en" if lang == "en" else "zh-CN")
    standards = lib.standards(commit)
    cov = coverage(standards, book.config.standards, {c.filename: c.meta.standards for c in chapters})
    history = lib.log(commit, f"books/{name}", follow=False)
    people = contributors(history, name)

    downloads = offered(book) if released else None
    (docs / "index.md").write_text(home_page(book.config, chapters, lang, downloads), encoding="utf-8")
    gen = docs / siteconfig.GENERATED_DIR
    if downloads:
        gen.joinpath(f"{siteconfig.DOWNLOADS_PAGE}.md").write_text(downloads_page(name, version, downloads, lang),
                                                                    encoding="utf-8")
    gen.joinpath("alignment.md").write_text(alignment_page(cov, standards, chapters, lang), encoding="utf-8")
    gen.joinpath("contributors.md").write_text(contributors_page(people, sides, titles, lang), encoding="utf-8")
    summary, old_titles = changes_since(lib, name, commit, previous, history)
    gen.joinpath("changes.md").write_text(changes_page(summary, titles, old_titles, sides, lang), encoding="utf-8")

    config = siteconfig.site_config(name, book.config, titles, version=version,
                                    platform_url=platform_url, contact=contact, released=released)
    pages = {}
    for chapter in chapters:
        pages[f"chapters/{chapter.filename}"] = page_data(chapter, cov, standards, people, sides)
    text = siteconfig.dump(config)              # dumped once: it is also the fingerprint's input
    fingerprint = hashlib.sha256(text.encode())
    fingerprint.update(siteconfig.code_fingerprint().encode())   # = siteconfig.fingerprint(config)
    data = {"fingerprint": fingerprint.hexdigest(), "sides": sides, "pages": pages}
    text += siteconfig.dump({"docs_dir": str(docs), "site_dir": str(work / "site")})
    (work / "mkdocs.yml").write_text(text, encoding="utf-8")
    (work / PAGE_DATA).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return warnings


def side_labels(lib, commit: str, language: str) -> dict[str, str]:
    """Side key -> its label in the book's language, from library.yml."""
    try:
        raw = lib.library_config(commit).sides
    except MaterialsError:  # a library.yml the library refuses still names its sides
        try:
            text = lib.read(commit, "library.yml").decode("utf-8", "replace")
            raw = (load_yaml(text, "library.yml")[0] or {}).get("sides") or {}
        except (MaterialsError, AttributeError):
            raw = {}
    out = {}
    for side, labels in raw.items():
        out[str(side)] = str(labels.get(language) or labels.get("en") or side) if isinstance(labels, dict) else str(side)
    return out


_BLOCK = re.compile(r"<(?:p|div|ul|ol|table|pre|blockquote|h[1-6])[\s>]")


def page_data(chapter, cov, standards, people, sides) -> dict[str, Any]:
    """What the theme shows around one chapter."""
    items = []
    for sid, key in sorted(cov.matrix.get(chapter.filename, ()), key=lambda r: (r[0], r[1])):
        std = standards[sid]
        item = std.item(key)
        level = next((lv.label for lv in std.levels if lv.key == item.level), item.level)
        statement = statement_html(item.text)
        items.append({"ref": key if len(cov.standards) == 1 else f"{sid}:{key}", "code": item.code,
                      "text": item.text, "kind": std.kinds.get(item.kind, item.kind), "level": level,
                      "standard": std.title, "html": statement,
                      # one line of it under the closed item: the rendered statement when it is inline
                      "inline": not _BLOCK.search(statement)})
    by_side = people.of_chapter(chapter.filename)
    writers = [{"side": side or "", "label": sides.get(side, side or ""), "names": names}
               for side, names in sorted(by_side.items(), key=lambda kv: (kv[0] not in sides, kv[0] or ""))]
    meta = chapter.meta
    return {"items": items, "objectives": list(meta.objectives), "hours": meta.hours,
            "contributors": writers}


def previous_release(lib, book: str, commit: str, exclude: str | None = None) -> tuple[str, str] | None:
    """The latest ``<book>/v*`` release tag reachable from ``commit`` (version, commit)."""
    best = None
    prefix = f"{book}/{TAG_PREFIX}"
    for tag in lib.tags():
        if not tag.startswith(prefix) or tag == exclude:
            continue
        target = lib.resolve(tag)
        if target != commit and not lib.is_ancestor(target, commit):
            continue
        if best is None or lib.is_ancestor(best[1], target):
            best = (tag[len(prefix):], target)
    return best


def changes_since(lib, book: str, commit: str, previous: str | None, history) -> tuple[ChangeSummary, dict]:
    if previous is None:
        found = previous_release(lib, book, commit)
    else:
        found = (previous.rsplit("/" + TAG_PREFIX, 1)[-1], lib.resolve(previous))
    if found is None:
        return ChangeSummary(previous=None), {}
    label, base = found
    summary = ChangeSummary(previous=label)
    prefix = f"books/{book}/"
    chapters = prefix + "chapters/"
    diff = lib.diff(base, commit, [f"books/{book}"])
    for f in diff.files:
        old, new = f.old_path or "", f.new_path or ""
        path = new or old
        if path == prefix + "book.yml":
            summary.config_changed = True
        elif path.startswith(prefix + "assets/"):
            summary.assets.append(path[len(prefix):])
        elif path.startswith(chapters) and path.endswith(".md"):
            added = sum(len([ln for ln in h.lines if ln.kind == "+"]) for h in f.hunks)
            removed = sum(len([ln for ln in h.lines if ln.kind == "-"]) for h in f.hunks)
            if f.status == "added":
                summary.added.append(new[len(chapters):])
            elif f.status == "deleted":
                summary.removed.append(old[len(chapters):])
            elif f.status == "renamed":
                summary.renamed.append((old[len(chapters):], new[len(chapters):]))
                if f.hunks:
                    summary.changed.append((new[len(chapters):], added, removed))
            else:
                summary.changed.append((new[len(chapters):], added, removed))
    old_titles = {}
    if summary.removed or summary.renamed:
        try:
            old_titles = {c.filename: c.meta.title for c in lib.book(book, base).chapters}
        except Exception:  # an unreadable old book.yml only loses the old titles
            old_titles = {}
    before = {c.sha for c in lib.log(base, f"books/{book}", follow=False)}
    summary.history = [c for c in history if c.sha not in before and len(c.parents) <= 1][:50]
    return summary, old_titles


def offline_env() -> dict[str, str]:
    """The build's environment: no proxy, no credentials, nothing to reach out with."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update({
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
        "NO_PROXY": "*", "no_proxy": "*",
        "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
        "PIP_NO_INDEX": "1", "HF_HUB_OFFLINE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "JOINTBOOK_OFFLINE": "1", "LC_ALL": env.get("LC_ALL", "C.UTF-8"),
    })
    return env


def run_mkdocs(config_file: Path, site: Path, *, cache_dir: str | Path | None, timeout: float) -> str:
    """Run the build subprocess; returns its log, raises BuildFailed with it."""
    cmd = [sys.executable, "-m", "build.run", str(config_file)]
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        cmd += ["--cache", str(Path(cache_dir).resolve())]
    try:
        proc = subprocess.run(cmd, cwd=str(config_file.parent), env=offline_env(), capture_output=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        log = ((exc.stdout or b"") + (exc.stderr or b"")).decode("utf-8", "replace")
        raise BuildTimedOut(f"build exceeded {timeout:.0f} s", log=log, timeout=timeout) from None
    log = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if proc.returncode != 0 or not (site / "index.html").is_file():
        raise BuildFailed("mkdocs build failed", log=log, returncode=proc.returncode)
    return log
