"""Releases: an annotated tag ``<book>/v<version>`` and an immutable site.

Layout under ``sites_dir`` (what the server, or nginx, serves as is)::

    <book>/versions.json        mike's format: [{version, title, aliases, properties}]
    <book>/<version>/           one built site per release, never written again
    <book>/latest/              redirect pages to the latest version, page by page
    <book>/index.html           redirect to latest/

A release builds into a fresh directory beside the others and renames it
into place, so readers never see half a site; an existing version is
refused. ``latest`` is a directory of tiny redirect pages rather than a
symlink or a copy: it works on any static server and from disk, keeps deep
links (``latest/chapters/x.html``), and switching it rewrites only those
stubs. Hiding or withdrawing a version only edits ``versions.json``: the
version's pages read it when opened and show a banner when withdrawn.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from materials import Author

from .errors import VersionExists, VersionInvalid, VersionNotFound
from .site import BUILD_RECORD, BuildResult, build_site, release_tag

LATEST = "latest"
VERSIONS = "versions.json"
# The one pattern of release versions: numbers joined by dots (2026.1, 1.2.0), optionally a
# pre-release -alpha.N, -beta.N or -rc.N. It starts with a digit and holds a dot, so no git
# revision reads like it (HEAD, main, an abbreviated commit, a~1, a..b), nor "latest" or a file.
VERSION_PATTERN = r"[0-9]+(?:\.[0-9]+){1,3}(?:-(?:alpha|beta|rc)\.[0-9]+)?"
VERSION_RE = re.compile(VERSION_PATTERN)
MAX_VERSION_LENGTH = 40


@dataclass
class Release:
    book: str
    version: str
    tag: str
    commit: str
    site: Path
    build: BuildResult


def validate_version(version: str) -> str:
    """``version`` if it follows ``VERSION_PATTERN``; ``VersionInvalid`` otherwise."""
    if not isinstance(version, str) or len(version) > MAX_VERSION_LENGTH or not VERSION_RE.fullmatch(version):
        raise VersionInvalid(f"“{version}” is not a valid version: write numbers joined by dots, such as 2026.1 "
                             "or 1.2.0, optionally followed by -rc.1, -beta.1 or -alpha.1", version=version)
    return version


def book_dir(sites_dir: str | Path, book: str) -> Path:
    from materials.paths import validate_book_slug
    validate_book_slug(book)
    return Path(sites_dir) / book


@contextmanager
def book_lock(sites_dir: str | Path, book: str) -> Iterator[Path]:
    """One publisher per book at a time (across processes)."""
    root = book_dir(sites_dir, book)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def release(lib, book: str, version: str, sites_dir: str | Path, tagger: Author, message: str | None = None,
            *, rev: str = "main", platform_url: str | None = "", cache_dir: str | Path | None = None,
            timeout: float = 600) -> Release:
    """Tag ``rev`` (main) as ``<book>/v<version>`` and publish its site as that version."""
    validate_version(version)
    tag = release_tag(book, version)
    with book_lock(sites_dir, book) as root:
        target = root / version
        if target.exists() or tag in lib.tags():
            raise VersionExists(f"{book} {version} is already released", book=book, version=version)
        commit = lib.resolve(rev)
        staging = Path(tempfile.mkdtemp(prefix=f".release-{version}-", dir=root))
        try:
            result = build_site(lib, book, commit, staging / "site", version=version, platform_url=platform_url,
                                cache_dir=cache_dir if cache_dir is not None else Path(sites_dir) / ".cache",
                                timeout=timeout, force=True, released=True)
            lib.create_tag(tag, commit, tagger, message or f"Release {book} {version}")
            os.rename(staging / "site", target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        versions = [v for v in read_versions(sites_dir, book) if v["version"] != version]
        versions.insert(0, {"version": version, "title": version, "aliases": [], "properties": {}})
        write_versions(root, _with_latest(versions, prefer=version))
    return Release(book, version, tag, commit, target, result)


def read_versions(sites_dir: str | Path, book: str) -> list[dict]:
    try:
        data = json.loads((book_dir(sites_dir, book) / VERSIONS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [v for v in data if isinstance(v, dict) and "version" in v] if isinstance(data, list) else []


def latest_version(sites_dir: str | Path, book: str) -> str | None:
    for v in read_versions(sites_dir, book):
        if LATEST in v.get("aliases", []):
            return v["version"]
    return None


def set_version_state(sites_dir: str | Path, book: str, version: str, *, hidden: bool | None = None,
                      withdrawn: bool | None = None) -> list[dict]:
    """Hide a version from the selector or mark it withdrawn (its pages then show a banner)."""
    with book_lock(sites_dir, book) as root:
        versions = read_versions(sites_dir, book)
        entry = next((v for v in versions if v["version"] == version), None)
        if entry is None:
            raise VersionNotFound(f"{book} has no version {version}", book=book, version=version)
        props = dict(entry.get("properties") or {})
        if hidden is not None:
            props["hidden"] = hidden
        if withdrawn is not None:
            props["withdrawn"] = withdrawn
        entry["properties"] = {k: v for k, v in props.items() if v}
        entry["title"] = version + (_withdrawn_label(root / version) if props.get("withdrawn") else "")
        write_versions(root, _with_latest(versions))
        return versions


def _withdrawn_label(site: Path) -> str:
    try:
        chinese = json.loads((site / BUILD_RECORD).read_text()).get("chinese", True)
    except (OSError, ValueError):
        chinese = True
    return "（已撤回）" if chinese else " (withdrawn)"


def _with_latest(versions: list[dict], prefer: str | None = None) -> list[dict]:
    """Move the ``latest`` alias to ``prefer`` or the newest listed, visible, not withdrawn version."""
    def usable(v: dict) -> bool:
        props = v.get("properties") or {}
        return not props.get("hidden") and not props.get("withdrawn")

    for v in versions:
        v["aliases"] = [a for a in v.get("aliases", []) if a != LATEST]
    chosen = next((v for v in versions if v["version"] == prefer and usable(v)), None) \
        or next((v for v in versions if usable(v)), None)
    if chosen is not None:
        chosen["aliases"].append(LATEST)
    return versions


def write_versions(root: Path, versions: list[dict]) -> None:
    """versions.json, the latest/ redirects and the book's index.html, each replaced atomically."""
    _write_atomic(root / VERSIONS, json.dumps(versions, ensure_ascii=False, indent=1))
    latest = next((v["version"] for v in versions if LATEST in v.get("aliases", [])), None)
    _write_latest(root, latest)
    target = f"{LATEST}/index.html" if latest else ""
    _write_atomic(root / "index.html", redirect_page(target) if latest else _empty_page())


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def redirect_page(url: str) -> str:
    """A page that sends the reader on to ``url`` (relative), keeping the #anchor."""
    u = json.dumps(url)
    h = url.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return ("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Redirecting</title>\n"
            f"<noscript><meta http-equiv=\"refresh\" content=\"0; url={h}\"></noscript>\n"
            f"<script>location.replace({u} + location.hash)</script>\n"
            f"</head><body><a href=\"{h}\">{h}</a></body></html>\n")


def _empty_page() -> str:
    return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>No release</title></head><body></body></html>\n"


def _write_latest(root: Path, version: str | None) -> None:
    fresh = Path(tempfile.mkdtemp(prefix=".latest-", dir=root))
    fresh.chmod(0o755)
    if version is not None:
        site = root / version
        for page in site.rglob("*.html"):
            rel = page.relative_to(site)
            depth = len(rel.parts) - 1
            dest = fresh / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(redirect_page("../" * (depth + 1) + f"{version}/{rel.as_posix()}"), encoding="utf-8")
    current = root / LATEST
    old = None
    if current.exists():
        old = root / f".old-latest-{os.getpid()}-{time.monotonic_ns()}"
        os.rename(current, old)
    os.rename(fresh, current)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
