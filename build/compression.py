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
from pathlib import Path

import brotli

# Text worth compressing; images, fonts (woff2 is compressed already), media and downloads are not.
TEXT_SUFFIXES = frozenset({".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".map"})
MIN_SIZE = 512  # below this the headers weigh more than what is saved
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))  # best first: what a client that accepts both is sent
# Brotli's 11 saves a tenth more than 7 but takes thirty times as long (11 s against 0.4 s
# for the starter site): a preview is waited for, so the build uses 7 (still smaller than gzip -9).
QUALITY = 7


def _gzip(data: bytes) -> bytes:
    # mtime=0: the same file compresses to the same bytes in every build
    return gzip.compress(data, compresslevel=9, mtime=0)


def _brotli(data: bytes) -> bytes:
    return brotli.compress(data, mode=brotli.MODE_TEXT, quality=QUALITY)


def compressible(path: Path) -> bool:
    return path.suffix.lower() in TEXT_SUFFIXES


def precompress(site: str | Path, previous: str | Path | None = None) -> dict[str, int]:
    """Write ``.gz`` and ``.br`` beside every text file of ``site`` that they make smaller.

    ``previous`` is the site this one replaces: unchanged files reuse its copies.
    Returns counts: ``compressed`` (files compressed now), ``reused``, ``skipped``.
    """
    site = Path(site)
    old = Path(previous) if previous is not None and Path(previous).is_dir() else None
    counts = {"compressed": 0, "reused": 0, "skipped": 0}
    for path in sorted(site.rglob("*")):
        if not path.is_file() or not compressible(path) or path.stat().st_size < MIN_SIZE:
            continue
        data = path.read_bytes()
        rel = path.relative_to(site)
        if old is not None and _reuse(old / rel, data, path):
            counts["reused"] += 1
            continue
        made = {".gz": _gzip(data), ".br": _brotli(data)}
        kept = False
        for suffix, packed in made.items():
            if len(packed) < len(data) * 0.95:
                path.with_name(path.name + suffix).write_bytes(packed)
                kept = True
        counts["compressed" if kept else "skipped"] += 1
    return counts


def _reuse(before: Path, data: bytes, path: Path) -> bool:
    """Copy the previous site's compressed copies of a file whose bytes did not change."""
    copies = [before.with_name(before.name + suffix) for _, suffix in ENCODINGS]
    present = [c for c in copies if c.is_file()]
    try:
        if not present or before.stat().st_size != len(data) or before.read_bytes() != data:
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
