"""The build subprocess: ``python -m build.run CONFIG [--cache DIR]``.

Runs MkDocs on a generated configuration, with a page cache around its two
per-page steps (Markdown rendering and theme rendering). MkDocs has no such
cache; we keep one because a change request usually touches one chapter and
the other pages of a 300-chapter book come out byte-identical.

A page's cache key is the hash of the configuration fingerprint (navigation,
theme, hooks, tool versions), the list of pages in the site, the sides, the
page's source, the page's own data (items, contributors) and the pictures and
media its source names (``Assets``). A hit copies the
stored HTML into the site and adds the stored search entries; a miss renders
the page and stores it. Any change to the navigation (a title, a chapter
added or moved) changes the fingerprint, so every page is rendered again.

With a cache directory the build also keeps Jinja's compiled templates and
the Chinese words of the book's search index (``build.cache.Segmenter``), so
a preview neither recompiles Material's templates nor loads jieba's whole
dictionary to index one changed chapter.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .cache import PageCache, Segmenter


class Pages:
    """The page cache as the build sees it: keys, hits and misses of this build."""

    def __init__(self, store: PageCache, fingerprint: str, pages: dict[str, Any], assets: Assets | None = None):
        self.store = store
        self.fingerprint = fingerprint
        self.pages = pages
        self.assets = assets
        self.missed: list = []           # pages rendered by this build (their content, for the segmenter)

    def key(self, page) -> str:
        h = hashlib.sha256(self.fingerprint.encode())
        h.update(page.file.src_uri.encode())
        h.update(b"\0")
        with open(page.file.abs_src_path, "rb") as f:
            source = f.read()
        h.update(source)
        h.update(json.dumps(self.pages.get(page.file.src_uri), sort_keys=True).encode())
        if self.assets is not None:
            h.update(self.assets.used_by(source).encode())
        return h.hexdigest()


class Assets:
    """The site's files other than pages (pictures, media), for the keys of the pages that use them.

    A page's HTML depends on the files its links resolve to, so adding, removing
    or changing a picture must render the pages that show it again, and only
    those: a page's key holds the name and content of every file whose name its
    source mentions. Mentioning is read loosely (the name anywhere in the text,
    as written or URL-encoded), so a link in any Markdown or HTML form counts;
    a name that merely appears renders one page more, never one less.
    """

    def __init__(self, docs_dir: Path):
        self.docs_dir = docs_dir
        self.by_name: dict[bytes, list[str]] = {}
        for path in sorted(p for p in docs_dir.rglob("*") if p.is_file() and p.suffix != ".md"):
            rel = path.relative_to(docs_dir).as_posix()
            for spelling in {path.name, quote(path.name)}:
                self.by_name.setdefault(spelling.encode(), []).append(rel)
        self._digests: dict[str, str] = {}

    def digest(self, rel: str) -> str:
        found = self._digests.get(rel)
        if found is None:
            with open(self.docs_dir / rel, "rb") as f:
                found = self._digests[rel] = hashlib.file_digest(f, "sha256").hexdigest()
        return found

    def used_by(self, source: bytes) -> str:
        """The files ``source`` may use, each with its content's hash, one per line."""
        used = sorted({rel for name, rels in self.by_name.items() if name in source for rel in rels})
        return "".join(f"{rel} {self.digest(rel)}\n" for rel in used)


def search_index(config):
    for plugin in config.plugins.values():
        index = getattr(plugin, "search_index", None)
        if index is not None and hasattr(index, "entries"):
            return index
    return None


def install(cache: Pages, segmenter: Segmenter | None) -> None:
    """Wrap MkDocs' per-page steps with the cache."""
    from mkdocs.commands import build as mkbuild

    populate, render = mkbuild._populate_page, mkbuild._build_page
    store = cache.store
    prepared = False

    def cached_populate(page, config, files, dirty=False):
        key = cache.key(page)
        entry = store.load(key)
        page._jb_key = key
        page._jb_entry = entry
        if entry is None:
            populate(page, config, files, dirty)
            cache.missed.append(page)
            return
        store.hits += 1
        page.markdown = ""
        page.content = ""
        page.title = entry["title"]

    def cached_render(page, config, doc_files, nav, env, dirty=False, excluded=False):
        nonlocal prepared
        entry = getattr(page, "_jb_entry", None)
        index = search_index(config)
        if entry is not None:
            store.copy_to(page._jb_key, page.file.abs_dest_path)
            if index is not None:
                index.entries.extend(entry["search"])
            return
        if segmenter is not None and not prepared:
            prepared = True
            segmenter.prepare(text for p in cache.missed for text in (p.content or "", str(p.title or "")))
        store.misses += 1
        before = len(index.entries) if index is not None else 0
        render(page, config, doc_files, nav, env, dirty, excluded)
        dest = Path(page.file.abs_dest_path)
        if dest.is_file():
            store.store(page._jb_key, dest, {
                "title": page.title,
                "search": index.entries[before:] if index is not None else [],
            })

    mkbuild._populate_page = cached_populate
    mkbuild._build_page = cached_render


def install_segmenter(segmenter: Segmenter) -> bool:
    """Material's search plugin cuts Chinese with ``jieba.cut``: give it the segmenter."""
    try:
        from material.plugins.search import plugin as search
    except ImportError:
        return False
    if getattr(search, "jieba", None) is None:
        return False
    search.jieba = segmenter
    return True


def install_theme_caches(root: Path) -> None:
    """Compiled Jinja templates and the list of the theme's static files, kept on disk.

    Jinja checks each compiled template against its source. Listing the
    theme's files walks Material's 14 000 icons on every build; the list is
    kept under a key naming the theme folders (package versions for
    installed themes, every file's size and time for our overrides) and the
    patterns MkDocs filters them with.
    """
    import jinja2
    from mkdocs import theme

    get_env = theme.Theme.get_env
    bytecode = jinja2.FileSystemBytecodeCache(str(root / "templates"))
    (root / "templates").mkdir(parents=True, exist_ok=True)

    def cached_env(self):
        env = get_env(self)
        env.bytecode_cache = bytecode
        list_templates = env.list_templates

        def cached_list(extensions=None, filter_func=None):
            if extensions is not None or getattr(filter_func, "__qualname__", "") != THEME_FILES_FILTER:
                return list_templates(extensions, filter_func)
            path = root / "theme" / f"{theme_signature(self)}.json"
            try:
                return json.loads(path.read_bytes())
            except (OSError, ValueError):
                names = list_templates(extensions, filter_func)
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{os.getpid()}")
                tmp.write_text(json.dumps(names))
                os.replace(tmp, path)
                return names

        env.list_templates = cached_list
        return env

    theme.Theme.get_env = cached_env


THEME_FILES_FILTER = "Files.add_files_from_theme.<locals>.filter"


def theme_signature(theme) -> str:
    import material
    import mkdocs
    from mkdocs import utils

    installed = [Path(material.__file__).parent, Path(mkdocs.__file__).parent]
    h = hashlib.sha256(f"{mkdocs.__version__} {material.__version__}".encode())
    h.update(json.dumps([sorted(theme.static_templates), sorted(utils.markdown_extensions)]).encode())
    for folder in theme.dirs:
        h.update(b"\0dir " + folder.encode())
        if any(Path(folder).is_relative_to(p) for p in installed):
            continue                                # an installed theme changes with its version
        for base, dirs, names in sorted(os.walk(folder)):
            dirs.sort()
            for name in sorted(names):
                st = os.stat(os.path.join(base, name))
                h.update(f"{os.path.relpath(os.path.join(base, name), folder)} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def light_materials() -> None:
    """Let the hooks import ``materials.rendering`` without the Git layer of ``materials``.

    The package's ``__init__`` imports the whole library (GitPython and all),
    a third of a preview's start-up, while a site build needs only the
    Markdown pipeline and the sanitizer. The package module is created
    empty; its ``__init__`` runs if anything asks it for a name.
    """
    import importlib.util
    if "materials" in sys.modules:
        return
    spec = importlib.util.find_spec("materials")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return
    module = importlib.util.module_from_spec(spec)
    state = {"loaded": False}

    def __getattr__(name: str):
        if not state["loaded"] and not name.startswith("__"):
            state["loaded"] = True
            del module.__getattr__
            spec.loader.exec_module(module)
            return getattr(module, name)
        raise AttributeError(f"module 'materials' has no attribute {name!r}")

    module.__getattr__ = __getattr__
    sys.modules["materials"] = module


def light_jieba() -> None:
    """Import jieba without ``pkg_resources`` (a fifth of a preview's CPU time).

    jieba uses it only to open its own dictionary file, and opens the same
    file by path when it is missing; Material's search plugin then finds
    jieba already imported. Anything else asking for ``pkg_resources``
    later gets the real module.
    """
    if "jieba" in sys.modules or "pkg_resources" in sys.modules:
        return
    sys.modules["pkg_resources"] = None         # type: ignore[assignment]  # import fails: jieba's fallback
    try:
        import jieba  # noqa: F401
    except ImportError:
        pass
    finally:
        if "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]


def files_fingerprint(docs_dir: Path) -> str:
    """Which pages the site has: links between pages resolve against them (other files: ``Assets``)."""
    h = hashlib.sha256()
    for path in sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*.md") if p.is_file()):
        h.update(path.encode() + b"\0")
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build.run")
    parser.add_argument("config")
    parser.add_argument("--cache", default=None)
    args = parser.parse_args(argv)

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)-7s %(name)s: %(message)s")
    light_materials()
    light_jieba()
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from .hooks import PAGE_DATA

    config_path = Path(args.config).resolve()
    data = json.loads((config_path.parent / PAGE_DATA).read_text(encoding="utf-8"))
    cache = segmenter = None
    try:
        if args.cache:
            root = Path(args.cache)
            install_theme_caches(root)
        config = load_config(config_file=str(config_path))
        if args.cache:
            fingerprint = hashlib.sha256(
                (data.get("fingerprint", "") + files_fingerprint(Path(config.docs_dir))
                 + json.dumps(data.get("sides", {}), sort_keys=True)).encode()).hexdigest()
            cache = Pages(PageCache(root), fingerprint, data.get("pages", {}), Assets(Path(config.docs_dir)))
            book = str(config.extra.get("jointbook", {}).get("book", ""))
            segmenter = Segmenter(root, book)
            if not install_segmenter(segmenter):
                segmenter = None
            install(cache, segmenter)
        build(config)
    except MkDocsException as e:
        logging.getLogger("build").error("%s", e)
        return 1
    if cache is not None:
        print(f"page cache: {cache.store.hits} reused, {cache.store.misses} rendered", file=sys.stderr)
        if segmenter is not None:
            segmenter.save()
            s = segmenter.stats
            print(f"search words: {s['remembered']} runs remembered, {s['partial']} cut with a partial "
                  f"dictionary, {s['jieba']} by jieba", file=sys.stderr)
        cache.store.prune()
    return 0


if __name__ == "__main__":
    sys.exit(main())
