"""Who wrote the text as it stands: each side's and each author's share of a book's chapters.

A line belongs to the side of the commit that last changed it, as ``git
blame`` says; blank lines carry no text and are not counted. This is the
first figure of the school–enterprise report (``contributions`` has the
others).

Running ``git blame`` per chapter costs about 2 s each on a library with
50,000 commits, so the figure for many chapters comes from one forward
walk of ``git log -p -U0`` instead (``_replay``): every commit's added lines
are its own, other lines keep their author, a merge that took one side's file
as it was takes that side's authorship. Where a walk cannot be sure to match
``git blame`` (a merge that combined both sides' edits of a chapter, a
rename, a branch started before an earlier walk), that chapter alone is
blamed by git. Tests check the walk against ``git blame`` line for line.

Results are cached in-process, and every key is content-addressed, which is
how the caches stay fresh without ever being invalidated:

* a chapter's blame summary is keyed by (repository, path, blob id, the last
  commit on the first-parent chain that changed the path). A save makes a new
  blob and a new "last commit", hence a new key; an unchanged chapter keeps its
  key however far ``main`` moves, because blame passes whole files through
  commits that did not change them;
* the last commit per path and the blame walk are history walks
  (``history_walks``), extended by the new commits when ``main`` moves.

Nothing here needs a lock against writers: keys name immutable Git objects.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from cachetools import LRUCache

from .changes import SIDE_TRAILER
from .errors import NotFound
from .history import diff_command, parsed_command
from .history_walks import Walks, repository_key
from .paths import validate_book_slug
from .repository import Library

__all__ = ["UNKNOWN", "SideShare", "AuthorText", "text_share_by_side", "text_by_author", "line_authors",
           "clear_caches", "cache_sizes"]

UNKNOWN = "unknown"  # the side of lines and commits that carry no side trailer
_RS, _US = "\x1e", "\x1f"


# -- what callers get ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SideShare:
    """One side's part of the current text; ``percent`` is by characters (lines vary in length)."""

    lines: int
    chars: int
    percent: float


@dataclass(frozen=True)
class AuthorText:
    name: str
    email: str
    side: str
    lines: int
    chars: int


# -- caches ----------------------------------------------------------------------------------------
_LOCK = threading.Lock()  # request threads share the blame cache: held to read or store, never while blaming
_BLAMES: LRUCache = LRUCache(maxsize=60_000)   # (repo, path, blob, last commit) -> tuple[(name, email, side, lines, chars)]
_TOUCHES = Walks(8)                            # (repo, commit) -> dict[path, last first-parent commit changing it]
_REPLAYS = Walks(2)                            # (repo, commit) -> _Replay


def clear_caches() -> None:
    """Forget every cached blame (tests and benchmarks measure cold runs with it)."""
    with _LOCK:
        _BLAMES.clear()
    for walks in (_TOUCHES, _REPLAYS):
        walks.clear()


def cache_sizes() -> dict[str, int]:
    return {"blames": len(_BLAMES), "touches": len(_TOUCHES), "replays": len(_REPLAYS)}


# -- the last commit that changed each chapter -------------------------------------------------------
def _read_touches(lib: Library, rev_range: str, limit_to_books: bool) -> list[tuple[str, str, list[str]]]:
    """(commit, first parent, changed paths) along the first-parent chain, newest first."""
    command = parsed_command("log", "--first-parent", "--diff-merges=first-parent", "--no-renames", "--name-only",
                             "-z", "--no-color", "--no-show-signature", f"--format={_RS}%H{_US}%P").value(rev_range)
    out = lib.git(command.paths(*(["books/"] if limit_to_books else [])))
    rows = []
    for record in out.split(_RS)[1:]:
        header, _, rest = record.partition("\0")
        sha, _, parents = header.partition(_US)
        paths = [p.lstrip("\n") for p in rest.split("\0")]
        rows.append((sha, (parents.split() or [""])[0], [p for p in paths if p]))
    return rows


def _touches(lib: Library, commit: str) -> dict[str, str]:
    """Path under ``books/`` -> the last commit on ``commit``'s first-parent chain that changed it."""
    repo = repository_key(lib)
    cached = _TOUCHES.get(repo, commit)
    if cached is not None:
        return cached
    touches: dict[str, str] | None = None
    base = _TOUCHES.newest(repo)
    if base is not None:
        rows = _read_touches(lib, f"{base[0]}..{commit}", limit_to_books=False)
        # Only valid when the old tip lies on the new tip's first-parent chain.
        if rows and rows[-1][1] == base[0]:
            touches = dict(base[1])
            for sha, _, paths in reversed(rows):
                for p in paths:
                    if p.startswith("books/"):
                        touches[p] = sha
    if touches is None:
        touches = {}
        for sha, _, paths in _read_touches(lib, commit, limit_to_books=True):
            for p in paths:
                touches.setdefault(p, sha)
    _TOUCHES.put(repo, commit, touches)
    return touches


# -- share of the current text ---------------------------------------------------------------------
def _chapter_files(lib: Library, book: str | None, commit: str) -> dict[str, str]:
    if book is None:
        return {p: b for p, b in lib.files(commit, "books").items()
                if p.endswith(".md") and p.split("/")[2:3] == ["chapters"]}
    validate_book_slug(book)
    prefix = f"books/{book}/chapters"
    if lib.entry(commit, f"books/{book}/book.yml") is None:
        raise NotFound(f"no book '{book}'", book=book)
    return {p: b for p, b in lib.files(commit, prefix).items() if p.endswith(".md")}


_CHAPTER_MD = re.compile(r"^books/[^/]+/chapters/[^/]+\.md$")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_INDEX = re.compile(r"^index ([0-9a-f]+)\.\.([0-9a-f]+)")
REPLAY_AFTER = 4  # more chapters than this without a cached blame: replay history instead of blaming each


@dataclass(frozen=True)
class _FileState:
    """A chapter as blame sees it at one commit: its blob and, per line, (author id, characters).

    ``lines`` is None when the replay cannot be sure it matches ``git blame``
    (a merge that combined both sides' edits, a rename, a branch started
    before the replay's base): such a chapter is blamed by git itself.
    """

    blob: str
    lines: tuple[tuple[int, int], ...] | None


@dataclass
class _Replay:
    """Blame of every chapter at one commit, built by replaying history forwards."""

    commit: str
    files: dict[str, _FileState]
    authors: list[tuple[str, str, str]]          # author id -> (name, email, side)
    author_ids: dict[tuple[str, str, str], int]

    def author_id(self, who: tuple[str, str, str]) -> int:
        found = self.author_ids.get(who)
        if found is None:
            found = self.author_ids[who] = len(self.authors)
            self.authors.append(who)
        return found


def _apply_hunks(old: tuple, hunks: list[tuple[int, int, list[tuple[int, int]]]]) -> tuple:
    out: list = []
    pos = 0
    for start, count, added in hunks:
        at = start - 1 if count else start
        out.extend(old[pos:at])
        out.extend(added)
        pos = at + count
    out.extend(old[pos:])
    return tuple(out)


def _parse_patches(text: str):
    """Yield (sha, parents, author, {path: (new blob or None, hunks, exact)}) from ``log -p -U0``."""
    for record in text.split(_RS)[1:]:
        header, _, body = record.partition("\n")
        sha, parents, name, email, side = header.split(_US)
        files: dict[str, tuple[str | None, list, bool]] = {}
        path = None
        blob: str | None = None
        hunks: list = []
        exact = True
        added: list | None = None

        def flush():
            if path is not None and _CHAPTER_MD.match(path):
                files[path] = (blob, hunks, exact)

        for line in body.split("\n"):
            if line.startswith("diff --git "):
                flush()
                rest = line[len("diff --git a/"):]
                half = (len(rest) - 3) // 2  # "a/<path> b/<path>": the same path twice, no rename
                path = rest[:half] if rest[half:half + 3] == " b/" and rest[half + 3:] == rest[:half] else rest
                blob, hunks, exact, added = None, [], True, None
            elif path is None:
                continue
            elif line.startswith("@@"):
                m = _HUNK.match(line)
                added = []
                hunks.append((int(m[1]), 1 if m[2] is None else int(m[2]), added))
            elif added is not None and line.startswith("+"):
                added.append(line[1:])
            elif added is not None:
                continue
            elif line.startswith("rename to "):
                path, exact = line[len("rename to "):], False
            elif line.startswith(("rename from ", "copy ", "Binary files ")) or line.startswith('"'):
                exact = False
            elif line.startswith("index "):
                m = _INDEX.match(line)
                if m:
                    blob = None if set(m[2]) == {"0"} else m[2]
            elif line.startswith("deleted file mode"):
                blob = "deleted"
        flush()
        side = side.split(",")[0].strip() or UNKNOWN
        yield sha, parents.split(), (name, email, side), files


def _replay(lib: Library, commit: str, *, full: bool = True) -> _Replay | None:
    """Blame of every chapter at ``commit`` from one ``git log -p`` walk — of the new commits only
    when an earlier replay's commit is an ancestor.

    It agrees with ``git blame`` line by line: a commit's added lines are its
    own, the other lines keep their author, and a merge that took one side's
    file as it was takes that side's blame. Anything else (a merge that
    combined both sides' edits, a rename, a branch started before the earlier
    replay) is marked for ``git blame`` itself.
    """
    repo = repository_key(lib)
    cached = _REPLAYS.get(repo, commit)
    if cached is not None:
        return cached
    base = _REPLAYS.newest(repo)
    replay = None
    if base is not None and lib.is_ancestor(base[0], commit):
        replay = _walk(lib, commit, base[1])
    if replay is None:
        if not full:
            return None  # a whole walk costs more than blaming the few chapters asked for
        replay = _walk(lib, commit, None)
    _REPLAYS.put(repo, commit, replay)
    return replay


def _walk(lib: Library, commit: str, base: _Replay | None) -> _Replay | None:
    if base is not None:
        replay = _Replay(commit, {}, list(base.authors), dict(base.author_ids))
        states: dict[str, dict[str, _FileState] | None] = {base.commit: base.files}
        rev_range = f"{base.commit}..{commit}"
    else:
        replay = _Replay(commit, {}, [], {})
        states = {}
        rev_range = commit
    text = lib.git(diff_command("log", "--reverse", "--topo-order", "--no-show-signature", "-p", "-U0",
                                "--full-index", "-M", "--diff-merges=first-parent",
                                f"--format={_RS}%H{_US}%P{_US}%aN{_US}%aE{_US}"
                                f"%(trailers:key={SIDE_TRAILER},valueonly,separator=%x2c)").value(rev_range).paths())
    commits = list(_parse_patches(text))
    pending: dict[str, int] = {}
    for _, parents, _, _ in commits:
        for p in parents:
            pending[p] = pending.get(p, 0) + 1
    for sha, parents, who, changed in commits:
        first = parents[0] if parents else None
        parent_files = states.get(first) if first else {}
        others = [states.get(p) for p in parents[1:]]
        for p in parents:
            pending[p] -= 1
        if parent_files is None:
            files = None  # it grows from a commit this walk has not seen: unknown
        elif first and pending[first] == 0 and (base is None or first != base.commit):
            files = states.pop(first)  # the parent's last child takes its table over
        else:
            files = dict(parent_files)
        if files is not None:
            me = replay.author_id(who)
            for path, (blob, hunks, exact) in changed.items():
                if blob == "deleted":
                    files.pop(path, None)
                    continue
                before = files.get(path, _FileState("", ()))
                if len(parents) > 1:
                    taken = next((o[path] for o in others if o is not None and path in o and o[path].blob == blob),
                                 None)
                    files[path] = taken if taken is not None else _FileState(blob or "", None)
                elif exact and before.lines is not None:
                    files[path] = _FileState(blob or "", _apply_hunks(before.lines, [
                        (start, count, [(me, len(t.strip())) for t in added]) for start, count, added in hunks]))
                else:
                    files[path] = _FileState(blob or "", None)
        for p in parents[1:]:
            if pending[p] == 0:
                states.pop(p, None)
        states[sha] = files
    files = states.get(commit)
    if files is None:
        return None
    replay.files = files
    return replay


def _summary_of(replay: _Replay, state: _FileState):
    totals: dict[int, list[int]] = {}
    for author, chars in state.lines:
        if chars:
            row = totals.setdefault(author, [0, 0])
            row[0] += 1
            row[1] += chars
    return tuple(sorted((*replay.authors[a], c[0], c[1]) for a, c in totals.items()))


def _blame_by_git(lib: Library, rev: str, path: str):
    totals: dict[tuple[str, str, str], list[int]] = {}
    for line in lib.blame(rev, path):
        if not line.text.strip():
            continue
        row = totals.setdefault((line.author_name, line.author_email, line.side or UNKNOWN), [0, 0])
        row[0] += 1
        row[1] += len(line.text.strip())
    return tuple((n, e, s, c[0], c[1]) for (n, e, s), c in sorted(totals.items()))


def _blame_rows(lib: Library, book: str | None, rev: str):
    """(name, email, side, lines, chars) per author per chapter at ``rev``, from the cache where it can."""
    commit = lib.resolve(rev)
    files = _chapter_files(lib, book, commit)
    touches = _touches(lib, commit)
    repo = repository_key(lib)
    keys = {path: (repo, path, blob, touches.get(path) or commit) for path, blob in files.items()}
    with _LOCK:
        summaries = {path: _BLAMES.get(key) for path, key in keys.items()}
    missing = [path for path, s in summaries.items() if s is None]
    replay = _replay(lib, commit, full=len(missing) > REPLAY_AFTER) if missing else None
    if replay is not None:
        for path in missing:
            state = replay.files.get(path)
            if state is not None and state.lines is not None and state.blob == files[path]:
                summaries[path] = _summary_of(replay, state)
                with _LOCK:
                    _BLAMES[keys[path]] = summaries[path]
    for path in sorted(files):
        if summaries[path] is None:
            summaries[path] = _blame_by_git(lib, keys[path][3], path)
            with _LOCK:
                _BLAMES[keys[path]] = summaries[path]
        yield from summaries[path]


def text_share_by_side(lib: Library, book: str | None, rev: str = "main") -> dict[str, SideShare]:
    """Side -> its lines, characters and percent (by characters) of the book's chapters at ``rev``.

    ``book=None`` is the whole library. Lines whose commit carries no side
    count under ``"unknown"``. Sides are listed largest first.
    """
    totals: dict[str, list[int]] = {}
    for _name, _email, side, lines, chars in _blame_rows(lib, book, rev):
        row = totals.setdefault(side, [0, 0])
        row[0] += lines
        row[1] += chars
    all_chars = sum(c for _, c in totals.values())
    ordered = sorted(totals.items(), key=lambda kv: (-kv[1][1], kv[0]))
    return {side: SideShare(l, c, 100.0 * c / all_chars if all_chars else 0.0) for side, (l, c) in ordered}


def text_by_author(lib: Library, book: str | None, rev: str = "main") -> list[AuthorText]:
    """Each author's lines and characters of the current text, most first."""
    totals: dict[tuple[str, str, str], list[int]] = {}
    for name, email, side, lines, chars in _blame_rows(lib, book, rev):
        row = totals.setdefault((name, email, side), [0, 0])
        row[0] += lines
        row[1] += chars
    rows = [AuthorText(n, e, s, l, c) for (n, e, s), (l, c) in totals.items()]
    return sorted(rows, key=lambda r: (-r.chars, r.name, r.email))


def line_authors(lib: Library, book: str | None, rev: str = "main") -> dict[str, list[tuple[str, str, str]]]:
    """Chapter path -> who last wrote each of its lines at ``rev``, as (name, e-mail, side), line by line as
    ``git blame`` says; from the history replay where it is exact, ``git blame`` for the other chapters."""
    commit = lib.resolve(rev)
    files = _chapter_files(lib, book, commit)
    replay = _replay(lib, commit, full=len(files) > REPLAY_AFTER) if files else None
    out: dict[str, list[tuple[str, str, str]]] = {}
    for path, blob in sorted(files.items()):
        state = replay.files.get(path) if replay is not None else None
        if state is not None and state.lines is not None and state.blob == blob:
            out[path] = [replay.authors[author] for author, _chars in state.lines]
        else:
            out[path] = [(line.author_name, line.author_email, line.side or UNKNOWN) for line in lib.blame(commit, path)]
    return out
