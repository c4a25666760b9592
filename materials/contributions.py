"""Who wrote the book: the figures behind "evaluating the cooperation".

Two questions a college answers in its annual school–enterprise report,
beside how much of the current text each side wrote (``authorship``):

* Who did the work over a period?  (``commits_by_side``, ``contributors``, from
  one ``git log --numstat`` walk; merge commits are not authorship and are left
  out — change requests and reviews are counted by ``review.metrics``.)
* How did alignment with the standards grow release by release?
  (``coverage_over_releases``, coverage by level at every ``<book>/v*`` tag.)

Results are cached in-process, and every key is content-addressed, which is
how the caches stay fresh without ever being invalidated:

* the per-commit line counts are a history walk (``history_walks``) keyed by
  the commit it was taken at, extended by the new commits when ``main`` moves;
* a release's coverage is keyed by its tag object id: releases are immutable.

Nothing here needs a lock against writers: keys name immutable Git objects.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterator

from cachetools import LRUCache

from .authorship import UNKNOWN
from .changes import SIDE_TRAILER
from .coverage import coverage
from .errors import NotFound
from .history import diff_command
from .history_walks import Walks, repository_key
from .objects import Person
from .paths import validate_book_slug
from .refs import SHA
from .repository import Library

__all__ = ["AuthorContribution", "ReleaseCoverage", "CommitStat", "commits_by_side", "contributors",
           "commit_stats", "coverage_over_releases", "release_periods", "clear_caches", "cache_sizes"]

_RS, _US = "\x1e", "\x1f"


# -- what callers get ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AuthorContribution:
    """One row of the contributors table."""

    name: str
    email: str
    side: str
    commits: int
    lines_added: int
    lines_removed: int


@dataclass(frozen=True)
class CommitStat:
    """One non-merge commit as the contribution figures see it."""

    sha: str
    author_name: str
    author_email: str
    side: str
    authored_at: int  # unix seconds
    books: dict[str, tuple[int, int]] = field(default_factory=dict)  # book -> (lines added, removed)
    added: int = 0    # whole commit, every path
    removed: int = 0


@dataclass(frozen=True)
class ReleaseCoverage:
    """Coverage by level of a book at one release tag: a point of the line over releases."""

    tag: str
    version: str
    date: datetime
    by_standard: dict[str, dict[str, float | None]]  # standard id -> level key -> percent (None: nothing to cover)

    @property
    def levels(self) -> dict[str, float | None]:
        """Level -> percent of the book's first declared standard (the usual single-standard case)."""
        return next(iter(self.by_standard.values()), {})


# -- caches ----------------------------------------------------------------------------------------
_LOCK = threading.Lock()  # request threads share the release cache: held to read or store, never while computing
_HISTORIES = Walks(8)                          # (repo, commit) -> _History
_RELEASES: LRUCache = LRUCache(maxsize=2048)   # (repo, book, tag object) -> ReleaseCoverage


def clear_caches() -> None:
    """Forget every cached commit walk and release (tests and benchmarks measure cold runs with it)."""
    with _LOCK:
        _RELEASES.clear()
    _HISTORIES.clear()


def cache_sizes() -> dict[str, int]:
    return {"histories": len(_HISTORIES), "releases": len(_RELEASES)}


# -- the history walks -----------------------------------------------------------------------------
@dataclass
class _History:
    """Non-merge commits reachable from one commit, in chunks shared with older tips."""

    chunk: tuple[CommitStat, ...]
    by_book: dict[str, tuple[CommitStat, ...]]
    older: "_History | None" = None
    depth: int = 1

    def chunks(self) -> Iterator["_History"]:
        node: _History | None = self
        while node is not None:
            yield node
            node = node.older


def _book_of(path: str) -> str | None:
    if path.startswith("books/"):
        parts = path.split("/", 2)
        if len(parts) == 3:
            return parts[1]
    return None


def _read_stats(lib: Library, revs: list[str]) -> tuple[CommitStat, ...]:
    """One ``git log --numstat`` over ``revs`` (commit ids or ``a..b`` of ids), newest first."""
    out = lib.git(diff_command(
        "log", "--no-merges", "--no-show-signature", "-M", "--numstat", "-z",
        f"--format={_RS}%H{_US}%an{_US}%ae{_US}%at{_US}%(trailers:key={SIDE_TRAILER},valueonly,separator=%x2c)",
    ).value(*revs).paths())
    stats = []
    for record in out.split(_RS)[1:]:
        header, _, rest = record.partition("\0")
        sha, name, email, when, side = header.split(_US)
        side = side.split(",")[0].strip() or UNKNOWN
        books: dict[str, list[int]] = {}
        added = removed = 0
        tokens = rest.lstrip("\n").split("\0")
        i = 0
        while i < len(tokens):
            token = tokens[i].lstrip("\n")
            i += 1
            if not token:
                continue
            a, _, rest2 = token.partition("\t")
            r, _, path = rest2.partition("\t")
            if not path:  # a rename: the old and the new path follow as tokens of their own
                path = tokens[i + 1] if i + 1 < len(tokens) else ""
                i += 2
            a_n = int(a) if a.isdigit() else 0  # "-" for binary files
            r_n = int(r) if r.isdigit() else 0
            added += a_n
            removed += r_n
            book = _book_of(path)
            if book is not None:
                counts = books.setdefault(book, [0, 0])
                counts[0] += a_n
                counts[1] += r_n
        stats.append(CommitStat(sha, name, email, side, int(when or 0),
                                {b: (c[0], c[1]) for b, c in books.items()}, added, removed))
    return tuple(stats)


def _chunk(stats: tuple[CommitStat, ...], older: _History | None) -> _History:
    by_book: dict[str, list[CommitStat]] = {}
    for s in stats:
        for book in s.books:
            by_book.setdefault(book, []).append(s)
    node = _History(stats, {b: tuple(v) for b, v in by_book.items()}, older, 1 + (older.depth if older else 0))
    if node.depth > 32:  # many small saves: flatten so iteration stays cheap
        flat = tuple(s for n in node.chunks() for s in n.chunk)
        return _chunk(flat, None)
    return node


def _history(lib: Library, commit: str) -> _History:
    repo = repository_key(lib)
    cached = _HISTORIES.get(repo, commit)
    if cached is not None:
        return cached
    base = _HISTORIES.newest(repo)
    if base is not None and lib.is_ancestor(base[0], commit):
        history = _chunk(_read_stats(lib, [f"{base[0]}..{commit}"]), base[1])
    else:
        history = _chunk(_read_stats(lib, [commit]), None)
    _HISTORIES.put(repo, commit, history)
    return history


# -- commits over a period -------------------------------------------------------------------------
def _seconds(when: datetime | None) -> float | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def commit_stats(lib: Library, book: str | None, rev: str = "main", since: datetime | None = None,
                 until: datetime | None = None) -> list[CommitStat]:
    """Non-merge commits reachable from ``rev`` that touched the book (any path when ``book`` is None),
    authored in ``[since, until)``; naive datetimes are taken as UTC."""
    if book is not None:
        validate_book_slug(book)
    history = _history(lib, lib.resolve(rev))
    lo, hi = _seconds(since), _seconds(until)
    out = []
    for node in history.chunks():
        for s in (node.chunk if book is None else node.by_book.get(book, ())):
            if (lo is None or s.authored_at >= lo) and (hi is None or s.authored_at < hi):
                out.append(s)
    return out


def commits_by_side(lib: Library, book: str | None, rev: str = "main", since: datetime | None = None,
                    until: datetime | None = None) -> dict[str, int]:
    """Side -> number of commits in the period, most first (see ``commit_stats``)."""
    counts: dict[str, int] = {}
    for s in commit_stats(lib, book, rev, since, until):
        counts[s.side] = counts.get(s.side, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def contributors(lib: Library, book: str | None, rev: str = "main", since: datetime | None = None,
                 until: datetime | None = None) -> list[AuthorContribution]:
    """The contributors table: one row per (name, e-mail, side), most commits first.

    Lines added and removed count the book's own paths (the whole commit when
    ``book`` is None).
    """
    rows: dict[tuple[str, str, str], list[int]] = {}
    for s in commit_stats(lib, book, rev, since, until):
        added, removed = (s.added, s.removed) if book is None else s.books[book]
        row = rows.setdefault((s.author_name, s.author_email, s.side), [0, 0, 0])
        row[0] += 1
        row[1] += added
        row[2] += removed
    table = [AuthorContribution(n, e, side, c, a, r) for (n, e, side), (c, a, r) in rows.items()]
    return sorted(table, key=lambda r: (-r.commits, -r.lines_added, r.name, r.email))


# -- releases --------------------------------------------------------------------------------------
def _tag_date(lib: Library, tag_object: str, commit: str) -> datetime:
    kind, data = lib.objects.read(tag_object)
    if kind == "tag":
        head = data.partition(b"\n\n")[0].decode("utf-8", "replace")
        for line in head.split("\n"):
            if line.startswith("tagger "):
                p = Person.decode(line[len("tagger "):])
                return _aware(p.timestamp, p.offset)
    a = lib.objects.commit(commit).author
    return _aware(a.timestamp, a.offset)


def _aware(timestamp: int, offset: str) -> datetime:
    sign = -1 if offset.startswith("-") else 1
    minutes = int(offset[1:3] or 0) * 60 + int(offset[3:5] or 0)
    return datetime.fromtimestamp(timestamp, timezone(timedelta(minutes=sign * minutes)))


def _releases(lib: Library, book: str) -> list[tuple[str, str, str, datetime]]:
    """(tag, version, commit, date) of the book's ``<book>/v*`` tags, oldest first."""
    validate_book_slug(book)
    prefix = f"{book}/v"
    out = []
    for ref, obj in lib.refs.list(f"refs/tags/{book}/").items():
        tag = ref[len("refs/tags/"):]
        if not tag.startswith(prefix) or not SHA.match(obj):
            continue
        commit = lib.resolve(obj)
        out.append((tag, tag[len(prefix):], commit, _tag_date(lib, obj, commit), obj))
    out.sort(key=lambda r: (r[3], _version_key(r[1])))
    return [(t, v, c, d) for t, v, c, d, _ in out]


def _version_key(version: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in version.replace("-", ".").split("."))


def coverage_over_releases(lib: Library, book: str) -> list[ReleaseCoverage]:
    """Coverage by level at each release of ``book``, oldest release first.

    Book and standards are read as they were at each tag, so a release keeps
    the figures it was published with.
    """
    repo = repository_key(lib)
    tag_objects = {r[len("refs/tags/"):]: s for r, s in lib.refs.list(f"refs/tags/{validate_book_slug(book)}/").items()}
    points = []
    for tag, version, commit, date in _releases(lib, book):
        key = (repo, book, tag_objects[tag])
        with _LOCK:
            point = _RELEASES.get(key)
        if point is None:
            try:
                b = lib.book(book, commit)
            except NotFound:
                continue  # the tag names a commit in which the book did not exist
            cov = coverage(lib.standards(commit), b.config.standards,
                           {c.filename: c.meta.standards for c in b.chapters})
            by_standard = {sid: {row.level: row.percent for row in sc.levels} for sid, sc in cov.standards.items()}
            point = ReleaseCoverage(tag, version, date, by_standard)
            with _LOCK:
                _RELEASES[key] = point
        points.append(point)
    return points


def release_periods(lib: Library, book: str) -> list[tuple[str, datetime | None, datetime]]:
    """(tag, since, until) per release: the work that went into it, for "per release" figures.

    ``since`` is the previous release's date (None for the first release).
    """
    out, previous = [], None
    for tag, _version, _commit, date in _releases(lib, book):
        out.append((tag, previous, date))
        previous = date
    return out
