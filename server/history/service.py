"""What happened to a book: its history, the difference between two revisions, who wrote each
line (blame runs, by side) and undoing one change (revert).

Everything is read from ``materials`` and restricted to the book's own files, so a member of one
book never sees another book's text through a revision that touched both. Revisions typed by a
person are checked here before they reach the library: option-like, malformed or unknown
revisions are a translated 400/404, never a 500.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from materials import BlameLine, CommitInfo, Diff, MaterialsError, NotFound
from materials.paths import chapter_path
from materials.refs import validate_ref_name
from server import landing
from server.accounts.service import git_author
from server.audit.service import record
from server.database import db
from server.errors import UserError
from server.permissions import Ability, may
from server.templating import side_name

PER_PAGE = 30
MAX_PAGE = 1000
SHA_PREFIX = re.compile(r"^[0-9a-f]{4,40}$")


# ------------------------------------------------------------------ revisions and paths

def checked_revision(lib: Any, rev: str | None) -> str:
    """The commit a person's revision names; refuses option-like and malformed names first."""
    rev = (rev or "").strip()
    if not rev:
        raise UserError("revision.missing", status=400)
    if rev.startswith("-") or len(rev) > 200 or any(ord(c) < 33 or c == "\\" for c in rev):
        raise UserError("revision.invalid", status=400, rev=rev[:80])
    if not SHA_PREFIX.match(rev):
        try:
            validate_ref_name(rev)
        except MaterialsError:
            raise UserError("revision.invalid", status=400, rev=rev[:80]) from None
    try:
        return lib.resolve(rev)
    except NotFound:
        raise UserError("revision.not_found", status=404, rev=rev[:80]) from None


def book_prefix(book: str) -> str:
    return f"books/{book}"


def chapter_file_path(book: str, filename: str) -> str:
    """The repository path of a chapter file name taken from a URL (its folders in chapters/ only, no options)."""
    try:
        return chapter_path(book, filename)
    except MaterialsError:
        raise UserError("chapter.not_found", status=404, chapter=(filename or "")[:80], book=book) from None


# ------------------------------------------------------------------ history

@dataclass
class HistoryPage:
    entries: list[CommitInfo]
    page: int
    has_next: bool


def history_page(lib: Any, book: str, page: int, path: str | None = None, rev: str = "main") -> HistoryPage:
    """One page of commits, newest first: of the book, or of one file following renames."""
    page = max(1, min(int(page or 1), MAX_PAGE))
    wanted = page * PER_PAGE + 1
    if path:
        commits = lib.log(rev, path, limit=wanted, follow=True)
    else:
        commits = lib.log(rev, book_prefix(book), limit=wanted, follow=False)
    start = (page - 1) * PER_PAGE
    return HistoryPage(commits[start:start + PER_PAGE], page, len(commits) > start + PER_PAGE)


def commit_json(commit: CommitInfo, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "sha": commit.sha,
        "parents": list(commit.parents),
        "summary": commit.summary,
        "message": message_body(commit.message),
        "author_name": commit.author_name,
        "author_email": commit.author_email,
        "side": commit.side,
        "side_label": side_name(labels, commit.side),
        "authored_at": commit.authored_at.isoformat(),
    }


def message_body(message: str) -> str:
    """The commit message without its first line and without machine trailers."""
    lines = message.strip("\n").split("\n")[1:]
    return "\n".join(l for l in lines if not l.startswith("Jointbook-")).strip()


def previous_change(lib: Any, book: str, info: CommitInfo) -> str | None:
    """The book's change before ``info``: its parent may be a commit of another book, which is not this book's."""
    if not info.parents:
        return None
    found = lib.log(info.parents[0], book_prefix(book), limit=1, follow=False)
    return found[0].sha if found else None


# ------------------------------------------------------------------ differences

def diff_json(diff: Diff) -> dict[str, Any]:
    return {"files": [{
        "old_path": f.old_path, "new_path": f.new_path, "status": f.status, "binary": f.binary,
        "added": f.added, "removed": f.removed,
        "hunks": [{"old_start": h.old_start, "old_lines": h.old_lines, "new_start": h.new_start,
                   "new_lines": h.new_lines, "header": h.header,
                   "lines": [{"kind": {" ": "context", "-": "removed", "+": "added"}[l.kind], "old_no": l.old_no,
                              "new_no": l.new_no, "text": l.text} for l in h.lines]}
                  for h in f.hunks],
    } for f in diff.files]}


def book_diff(lib: Any, book: str, old: str, new: str, path: str | None = None) -> Diff:
    """The difference between two commits, limited to the book (or one of its files)."""
    return lib.diff(old, new, [path or book_prefix(book)])


def commit_in_book(lib: Any, book: str, sha: str) -> tuple[CommitInfo, Diff]:
    """A commit and its changes to the book; 404 when it did not change the book."""
    if not SHA_PREFIX.match(sha or ""):
        raise UserError("commit.not_found", status=404, sha=(sha or "")[:80])
    try:
        full = lib.resolve(sha)
    except NotFound:
        raise UserError("commit.not_found", status=404, sha=sha[:80]) from None
    info = lib.log(full, limit=1)[0]
    # the library's first commit has no parent: it shows as everything added
    diff = lib.diff(info.parents[0] if info.parents else None, full, [book_prefix(book)])
    if not diff.files:
        raise UserError("commit.not_found", status=404, sha=sha[:80])
    return info, diff


# ------------------------------------------------------------------ blame

@dataclass
class BlameRun:
    """Consecutive lines last changed by the same commit."""

    sha: str
    author_name: str
    side: str | None
    authored_at: Any
    summary: str
    lines: list[BlameLine]


def blame_runs(lib: Any, rev: str, path: str) -> list[BlameRun]:
    runs: list[BlameRun] = []
    summaries: dict[str, str] = {}
    for line in lib.blame(rev, path):
        if runs and runs[-1].sha == line.sha:
            runs[-1].lines.append(line)
            continue
        if line.sha not in summaries:
            summaries[line.sha] = lib.objects.commit(line.sha).message.split("\n", 1)[0]
        runs.append(BlameRun(line.sha, line.author_name, line.side, line.authored_at, summaries[line.sha], [line]))
    return runs



def lines_by_side(runs: list[BlameRun]) -> dict[str | None, int]:
    """How many of the chapter's lines each side wrote last (the blame page's legend)."""
    counts: dict[str | None, int] = {}
    for run in runs:
        counts[run.side] = counts.get(run.side, 0) + len(run.lines)
    return counts


def blame_json(runs: list[BlameRun], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [{"number": l.number, "text": l.text, "sha": l.sha, "author_name": l.author_name, "side": l.side,
             "side_label": side_name(labels, l.side), "authored_at": l.authored_at.isoformat()}
            for run in runs for l in run.lines]


# ------------------------------------------------------------------ revert

def revert_targets(lib: Any, book: str, user: Any) -> list[str]:
    """Where this person may put a revert: "draft" (where their edits of the book land), "main" (policy permitting)."""
    targets = []
    if may(user, Ability.write, book):
        targets.append("draft")
    if landing.may_commit_to_main(user, book, lib):
        targets.append("main")
    return targets


@dataclass
class Reverted:
    sha: str
    branch: str


def revert_commit(lib: Any, book: str, sha: str, user: Any, target: str | None) -> Reverted:
    """Undo one commit of the book on ``target``; ``EditConflict`` (nothing written) on overlap."""
    info, diff = commit_in_book(lib, book, sha)
    targets = revert_targets(lib, book, user)
    if not targets:
        raise UserError("revert.not_allowed", status=403, book=book)
    target = target or targets[0]
    if target not in targets:
        raise UserError("revert.target_not_allowed", status=403, target=target)
    if len(info.parents) != 1:
        raise UserError("revert.merge_commit", status=400, sha=info.sha[:10])
    touched = {p for f in lib.diff(info.parents[0], info.sha).files for p in (f.old_path, f.new_path) if p}
    if any(not p.startswith(book_prefix(book) + "/") for p in touched):
        raise UserError("revert.outside_book", status=400, sha=info.sha[:10])
    if target == "draft":
        branch = landing.working_branch(user, book)
        landing.ensure_branch(lib, branch)
    else:
        branch = "main"
    head = lib.branch_head(branch)
    if head is None or not lib.is_ancestor(info.sha, head):
        raise UserError("revert.not_on_branch", status=409, sha=info.sha[:10], branch=branch)
    new_sha = lib.revert(branch, info.sha, git_author(user))
    record("book.revert", target=book, branch=branch, reverted=info.sha, commit=new_sha)
    db().commit()
    return Reverted(new_sha, branch)
