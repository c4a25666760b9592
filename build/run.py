"""The build subprocess: ``python -m build.run CONFIG [--cache DIR]``.

Runs MkDocs on a generated configuration, with a page cache around its two
per-page steps (Markdown rendering and theme rendering). MkDocs has no such
cache; we keep one because a change request usually touches one chapter and
the other pages of a 300-chapter book come out byte-identical.

A page's cache key is the hash of the configuration fingerprint (navigation,
theme, hooks, tool versions), the list of files in the site, the page's
source and the page's own data (items, contributors). A hit writes the stored
HTML and search entries; a miss renders and stores them.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

CACHE_DAYS = 14


class PageCache:
    """Rendered pages on disk, one JSON file per key (atomic writes)."""

    def __init__(self, root: Path, fingerprint: str, pages: dict[str, Any]):
        self.root = root
        self.fingerprint = fingerprint
        self.pages = pages
        self.hits = 0
        self.misses = 0

    def key(self, page) -> str:
        h = hashlib.sha256(self.fingerprint.encode())
        h.update(page.file.src_uri.encode())
        h.update(b"\0")
        with open(page.file.abs_src_path, "rb") as f:
            h.update(f.read())
        h.update(json.dumps(self.pages.get(page.file.src_uri), sort_keys=True).encode())
        return h.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def load(self, key: str) -> dict | None:
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        try:
            os.utime(path)
        except OSError:
            pass
        return entry

    def store(self, key: str, entry: dict) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def prune(self, days: int = CACHE_DAYS) -> None:
        """Forget pages no build has used for ``days`` days."""
        cutoff = time.time() - days * 86400
        for path in self.root.glob("*/*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass


def install(cache: PageCache) -> None:
    """Wrap MkDocs' per-page steps with the cache."""
    from mkdocs.commands import build as mkbuild
    from mkdocs import utils

    populate, render = mkbuild._populate_page, mkbuild._build_page

    def search_index(config):
        for plugin in config.plugins.values():
            index = getattr(plugin, "search_index", None)
            if index is not None and hasattr(index, "entries"):
                return index
        return None

    def cached_populate(page, config, files, dirty=False):
        key = cache.key(page)
        entry = cache.load(key)
        page._jb_key = key
        page._jb_entry = entry
        if entry is None:
            return populate(page, config, files, dirty)
        cache.hits += 1
        page.markdown = ""
        page.content = ""
        page.title = entry["title"]

    def cached_render(page, config, doc_files, nav, env, dirty=False, excluded=False):
        entry = getattr(page, "_jb_entry", None)
        index = search_index(config)
        if entry is not None:
            utils.write_file(entry["html"].encode("utf-8", errors="xmlcharrefreplace"), page.file.abs_dest_path)
            if index is not None:
                index.entries.extend(entry["search"])
            return
        cache.misses += 1
        before = len(index.entries) if index is not None else 0
        render(page, config, doc_files, nav, env, dirty, excluded)
        key = getattr(page, "_jb_key", None)
        dest = Path(page.file.abs_dest_path)
        if key and dest.is_file():
            cache.store(key, {
                "title": page.title,
                "html": dest.read_text(encoding="utf-8"),
                "search": index.entries[before:] if index is not None else [],
            })

    mkbuild._populate_page = cached_populate
    mkbuild._build_page = cached_render


def files_fingerprint(docs_dir: Path) -> str:
    """Which files the site has: a page's links resolve against them."""
    h = hashlib.sha256()
    for path in sorted(p.relative_to(docs_dir).as_posix() for p in docs_dir.rglob("*") if p.is_file()):
        h.update(path.encode() + b"\0")
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m build.run")
    parser.add_argument("config")
    parser.add_argument("--cache", default=None)
    args = parser.parse_args(argv)

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)-7s %(name)s: %(message)s")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from .hooks import PAGE_DATA

    config_path = Path(args.config).resolve()
    data = json.loads((config_path.parent / PAGE_DATA).read_text(encoding="utf-8"))
    cache = None
    try:
        config = load_config(config_file=str(config_path))
        if args.cache:
            fingerprint = hashlib.sha256(
                (data.get("fingerprint", "") + files_fingerprint(Path(config.docs_dir))
                 + json.dumps(data.get("sides", {}), sort_keys=True)).encode()).hexdigest()
            cache = PageCache(Path(args.cache), fingerprint, data.get("pages", {}))
            install(cache)
        build(config)
    except MkDocsException as e:
        logging.getLogger("build").error("%s", e)
        return 1
    if cache is not None:
        print(f"page cache: {cache.hits} reused, {cache.misses} rendered", file=sys.stderr)
        cache.prune()
    return 0


if __name__ == "__main__":
    sys.exit(main())
