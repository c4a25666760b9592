"""Pre-compressed copies of a site's text files, made once at build.

A chapter's HTML, Material's stylesheets and scripts and the search index are
text that shrinks to a fifth or less. Compressing each file once at build, as
``page.html.gz`` (gzip) and ``page.html.br`` (Brotli) beside it, lets nginx
(``gzip_static``, ``brotli_static``) and the platform (``server.sites``) send
them as they are, with ``Content-Encoding``, instead of compressing every
response again, or not at all.

A rebuilt preview changes a few pages: a file whose bytes are those of the
site it replaces takes that site's compressed copies instead of being
compressed again.
"""
from __future__ import annotations

import gzip
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli

# Text worth compressing; images, fonts (woff2 is compressed already), media and downloads are not.
TEXT_SUFFIXES = frozenset({".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".map"})
MIN_SIZE = 512  # below this the headers weigh more than what is saved
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))  # best first: what a client that accepts both is sent
# (gzip level, Brotli quality). A release is read by every student: gzip -9 and Brotli 7, a tenth
# smaller than gzip. A preview or a draft is waited for by its author: gzip -6 and Brotli 5 take a
# third of the time (0.6 s against 1.9 s of CPU for a 120-chapter book) for files 1-8% larger.
# Brotli 11 would save another tenth at thirty times the time of 7.
RELEASE_LEVELS = (9, 7)
PREVIEW_LEVELS = (6, 5)


def _compress(path: Path, levels: tuple[int, int]) -> bool:
    """Write the file's compressed copies that are smaller than it; whether any was."""
    data = path.read_bytes()
    made = {".gz": gzip.compress(data, compresslevel=levels[0], mtime=0),   # mtime=0: same bytes every build
            ".br": brotli.compress(data, mode=brotli.MODE_TEXT, quality=levels[1])}
    kept = False
    for suffix, packed in made.items():
        if len(packed) < len(data) * 0.95:
            path.with_name(path.name + suffix).write_bytes(packed)
            kept = True
    return kept


def compressible(path: Path) -> bool:
    return path.suffix.lower() in TEXT_SUFFIXES


def precompress(site: str | Path, previous: str | Path | None = None, *, release: bool = False) -> dict[str, int]:
    """Write ``.gz`` and ``.br`` beside every text file of ``site`` that they make smaller.

    ``previous`` is the site this one replaces: unchanged files reuse its copies.
    ``release``: compress harder (``RELEASE_LEVELS``). zlib and Brotli let go of
    the interpreter while they work, so files are compressed on every core.
    Returns counts: ``compressed`` (files compressed now), ``reused``, ``skipped``.
    """
    site = Path(site)
    old = Path(previous) if previous is not None and Path(previous).is_dir() else None
    levels = RELEASE_LEVELS if release else PREVIEW_LEVELS
    counts = {"compressed": 0, "reused": 0, "skipped": 0}
    todo = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or not compressible(path) or path.stat().st_size < MIN_SIZE:
            continue
        if old is not None and _reuse(old / path.relative_to(site), path):
            counts["reused"] += 1
        else:
            todo.append(path)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for kept in pool.map(lambda p: _compress(p, levels), todo):
            counts["compressed" if kept else "skipped"] += 1
    return counts


def _reuse(before: Path, path: Path) -> bool:
    """Copy the previous site's compressed copies of a file whose bytes did not change."""
    copies = [before.with_name(before.name + suffix) for _, suffix in ENCODINGS]
    present = [c for c in copies if c.is_file()]
    try:
        if not present or before.stat().st_size != path.stat().st_size or before.read_bytes() != path.read_bytes():
            return False
    except OSError:
        return False
    for copy in present:
        dest = path.with_name(copy.name)
        try:
            os.link(copy, dest)     # the old site is removed once the new one is in place
        except OSError:
            shutil.copyfile(copy, dest)
    return True
