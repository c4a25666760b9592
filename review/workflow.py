"""The life of a change request, over a real library.

A change request (CR) is a branch ``cr/<number>`` plus a record: title,
description, book, author and side, state and head. Records are plain
dataclasses the server stores in SQL; every transition takes a record and
returns a new one, and refuses illegal moves with a typed error. Git effects
(branch, commits, merges) go through ``materials.Library``, whose ref
updates are compare-and-swap: of two merges racing into main, one wins and
the other is told that main moved.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from materials import (Author, Change, EditConflict, GitCommand, Library, NotFound, PathOutsideBook, RefExists, RefMoved,
                       Rename, Saved)
from materials.merging import tree_changes
from materials.paths import BOOK_SLUG, book_file_path, crosswalk_file_path, standard_file_path
from materials.trailers import CO_AUTHORED_BY, co_authored_by, person, trailer_values

from review.errors import IllegalTransition, MainMoved, PolicyNotSatisfied, ReviewError, StaleVerdict
from review.policy import AuthoredCommit, CRFacts, ReviewPolicy, Verdict

MAIN = "main"
STATES = ("draft", "open", "merged", "closed")

__all__ = [
    "ChangeRequest", "MergeOutcome", "EditConflict",
    "open_change_request", "commit_to", "update_from_main", "behind_count", "ahead_count", "refresh",
    "mark_ready", "convert_to_draft", "merge", "close", "reopen", "facts", "may_commit_directly",
    "commit_to_main", "branch_name", "merge_message", "authored_commits",
]


@dataclass(frozen=True)
class ChangeRequest:
    """The record of one change request, as the server stores it.

    ``author`` is the account that opened it (compared with reviewers for
    self-approval); ``base`` is the main commit it started from; ``head`` the
    last commit of its branch this record knows; ``merged_sha`` the commit on
    main that brought it in; ``co_authors`` the accounts the author asked to
    write it with them.
    """

    number: int
    book: str
    title: str
    description: str
    author: str
    author_side: str
    branch: str
    base: str
    state: str
    head: str
    merged_sha: str | None = None
    co_authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class MergeOutcome:
    """What a merge did: the merged record, and whether the branch could be deleted.

    The branch is kept (``branch_deleted`` False) when someone committed to
    it between the merge and the deletion, so that commit is never lost.
    """

    change_request: ChangeRequest
    branch_deleted: bool


def branch_name(number: int) -> str:
    return f"cr/{number}"


def facts(cr: ChangeRequest, lib: Library | None = None) -> CRFacts:
    """What the policy needs to know about ``cr``; with ``lib``, also who wrote its commits."""
    commits = authored_commits(lib, cr) if lib is not None else ()
    return CRFacts(author=cr.author, author_side=cr.author_side, head=cr.head, state=cr.state, commits=commits,
                   co_authors=frozenset(cr.co_authors))


def _writers(commit) -> list[tuple[str, str]]:  # materials.objects.CommitObject
    """(name, e-mail) of a commit's author and of each of its ``Co-authored-by`` trailers."""
    people = [(commit.author.name, commit.author.email)]
    for value in trailer_values(commit.message, CO_AUTHORED_BY):
        who = person(value)
        if who is not None and who[1]:
            people.append(who)
    return people


def authored_commits(lib: Library, cr: ChangeRequest) -> tuple[AuthoredCommit, ...]:
    """The change request's own commits (not main's) and who wrote each, for the four-eyes rule.

    A merge commit ("update from main") wrote something only where a file
    differs from every parent, as ``git show --cc`` counts it: taking main's
    version of a file writes nothing; combining two versions or resolving a
    collision does, and then its author wrote part of the change.
    """
    if not cr.head:
        return ()
    if cr.state == "merged" and cr.merged_sha:
        parents = lib.objects.commit(cr.merged_sha).parents
        upto = parents[0] if parents else cr.merged_sha
    else:
        upto = lib.resolve(MAIN)
    out = []
    for sha in lib.git(GitCommand("rev-list").value(cr.head).option("--not").value(upto)).split():
        commit = lib.objects.commit(sha)
        if len(commit.parents) > 1:
            written = None
            for parent in commit.parents:
                changed = set(tree_changes(lib.objects, lib.objects.commit(parent).tree, commit.tree))
                written = changed if written is None else written & changed
            if not written:
                continue
        out.append(AuthoredCommit(sha, frozenset(email.lower() for _name, email in _writers(commit) if email)))
    return tuple(out)


def _require(cr: ChangeRequest, allowed: Iterable[str], action: str) -> None:
    allowed = tuple(allowed)
    if cr.state not in allowed:
        raise IllegalTransition(
            f"cannot {action} change request #{cr.number}: it is {cr.state}",
            number=cr.number, state=cr.state, action=action,
        )


def _check_paths(cr: ChangeRequest, changes: list[Change]) -> None:
    """A change request belongs to one book: only the files a book holds may change (the same
    rule as the chapter and image endpoints), and the standard editions (``standards/``) and crosswalks
    between standards (``crosswalks/``) it brings."""
    for change in changes:
        paths = (change.old, change.new) if isinstance(change, Rename) else (change.path,)
        for path in paths:
            if isinstance(path, str) and path.startswith("standards/"):
                standard_file_path(path)
            elif isinstance(path, str) and path.startswith("crosswalks/"):
                crosswalk_file_path(path)
            else:
                book_file_path(cr.book, path)


# --- opening ------------------------------------------------------------------

def open_change_request(
    lib: Library,
    *,
    number: int,
    book: str,
    title: str,
    author: str,
    author_side: str,
    description: str = "",
    draft: bool = False,
) -> ChangeRequest:
    """Start a change request: branch ``cr/<number>`` from main, state open (or draft)."""
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ReviewError("number must be a positive integer", code="change_request.bad_number", number=repr(number))
    if not isinstance(book, str) or not BOOK_SLUG.match(book) or not lib.exists(MAIN, f"books/{book}/book.yml"):
        raise ReviewError(f"no book {book!r}", code="change_request.unknown_book", book=str(book))
    title = (title or "").strip()
    if not title:
        raise ReviewError("a change request needs a title", code="change_request.title_required")
    if len(title) > 200:
        raise ReviewError("title too long", code="change_request.title_too_long", limit=200)
    branch = branch_name(number)
    try:
        start = lib.create_branch(branch, MAIN)
    except RefExists:
        raise ReviewError(f"{branch} already exists", code="change_request.exists", number=number) from None
    return ChangeRequest(
        number=number, book=book, title=title, description=description or "", author=author,
        author_side=author_side, branch=branch, base=start, state="draft" if draft else "open", head=start,
    )


# --- working on it ------------------------------------------------------------

def commit_to(
    lib: Library,
    cr: ChangeRequest,
    changes: list[Change],
    author: Author,
    message: str,
    base: str | None = None,
) -> tuple[ChangeRequest, Saved]:
    """Save ``changes`` on the CR branch as one commit by ``author``.

    ``base`` is the commit the editor started from (default: the head this
    record knows); a stale base merges three ways, overlapping passages raise
    EditConflict with every version of the text, and nothing is written.
    """
    _require(cr, ("draft", "open"), "commit to")
    changes = list(changes)
    _check_paths(cr, changes)
    saved = lib.commit(cr.branch, changes, author, message, base=base or cr.head)
    return replace(cr, head=saved.sha), saved


def refresh(lib: Library, cr: ChangeRequest) -> ChangeRequest:
    """The record with ``head`` read from its branch (another process may have committed)."""
    if cr.state in ("draft", "open"):
        head = lib.branch_head(cr.branch)
        if head is not None and head != cr.head:
            return replace(cr, head=head)
    return cr


def update_from_main(lib: Library, cr: ChangeRequest, author: Author, message: str | None = None) -> ChangeRequest:
    """Merge main into the CR branch ("update from main").

    Overlapping edits raise materials' EditConflict (``.conflicts`` has base,
    theirs, yours and the marked-up merge per file); nothing is written then.
    """
    _require(cr, ("draft", "open"), "update")
    message = message or f"Update change request #{cr.number} from main"
    head = lib.merge(MAIN, cr.branch, author, message, fast_forward=False)
    return replace(cr, head=head)


def behind_count(lib: Library, cr: ChangeRequest) -> int:
    """How many commits main has that the CR branch lacks."""
    return lib.compare(MAIN, cr.branch if cr.state in ("draft", "open") else cr.head)[1]


def ahead_count(lib: Library, cr: ChangeRequest) -> int:
    """How many commits the CR branch has that main lacks."""
    return lib.compare(MAIN, cr.branch if cr.state in ("draft", "open") else cr.head)[0]


# --- state changes that touch no Git ----------------------------------------------

def mark_ready(cr: ChangeRequest) -> ChangeRequest:
    """Draft -> open: ask for reviews."""
    _require(cr, ("draft",), "mark ready")
    return replace(cr, state="open")


def convert_to_draft(cr: ChangeRequest) -> ChangeRequest:
    """Open -> draft: still being written."""
    _require(cr, ("open",), "convert to draft")
    return replace(cr, state="draft")


def close(cr: ChangeRequest) -> ChangeRequest:
    """Close without merging; the branch is kept so the CR can be reopened."""
    _require(cr, ("draft", "open"), "close")
    return replace(cr, state="closed")


def reopen(lib: Library, cr: ChangeRequest) -> ChangeRequest:
    """Closed -> open, on whatever its branch holds now."""
    _require(cr, ("closed",), "reopen")
    head = lib.branch_head(cr.branch)
    if head is None:
        raise IllegalTransition("its branch is gone", code="change_request.branch_gone", number=cr.number)
    return replace(cr, state="open", head=head)


# --- merging ------------------------------------------------------------------

def _co_authors(lib: Library, main_head: str, cr_head: str, merger: Author) -> list[str]:
    """``Co-authored-by`` lines for everyone whose commit a squash folds away."""
    out: list[str] = []
    seen = {merger.email.strip().lower()}
    shas = lib.git(GitCommand("rev-list", "--no-merges", "--reverse").value(f"{main_head}..{cr_head}")).split()
    for sha in shas:
        for name, email in _writers(lib.objects.commit(sha)):
            if email.lower() not in seen:
                seen.add(email.lower())
                out.append(co_authored_by(name, email))
    return out


def merge_message(cr: ChangeRequest, squash: bool, co_authors: list[str] = ()) -> str:
    """The message of the commit that brings ``cr`` into main."""
    title = " ".join(cr.title.split())
    if squash:
        head = f"{title} (#{cr.number})"
    else:
        head = f"Merge change request #{cr.number}: {title}"
    body = cr.description.strip()
    message = head + ("\n\n" + body if body else "")
    if co_authors:
        message += "\n\n" + "\n".join(co_authors)
    return message


def merge(
    lib: Library,
    cr: ChangeRequest,
    policy: ReviewPolicy,
    verdict: Verdict,
    merger: Author,
    *,
    expected_main: str | None = None,
    message: str | None = None,
) -> MergeOutcome:
    """Bring ``cr`` into main, only when ``verdict`` says the policy holds.

    The verdict must be for the branch's current head (StaleVerdict
    otherwise: someone pushed after the reviews). Main is updated by
    compare-and-swap from ``expected_main`` (what the caller saw; default:
    main as read now): if it moved, MainMoved and nothing is written. A merge
    commit by default, a squash commit when the policy's merge_method says so.
    The branch is deleted afterwards.
    """
    _require(cr, ("open",), "merge")
    if not verdict.mergeable:
        raise PolicyNotSatisfied(verdict.missing)
    head = lib.branch_head(cr.branch)
    if head is None:
        raise IllegalTransition("its branch is gone", code="change_request.branch_gone", number=cr.number)
    if verdict.head != head or cr.head != head:
        raise StaleVerdict(
            f"change request #{cr.number} moved to {head[:10]} after it was evaluated",
            number=cr.number, evaluated=verdict.head, current=head,
        )
    main_head = lib.branch_head(MAIN)
    if expected_main is not None and main_head != expected_main:
        raise MainMoved("main moved; update the change request and try again",
                        expected=expected_main, current=main_head)
    expected = expected_main or main_head
    if lib.is_ancestor(head, expected):
        raise IllegalTransition("nothing to merge: main already has these commits",
                                code="change_request.nothing_to_merge", number=cr.number)
    squash = policy.merge_method == "squash"
    if message is None:
        message = merge_message(cr, squash, _co_authors(lib, expected, head, merger) if squash else [])
    try:
        merged = lib.merge(head, MAIN, merger, message, squash=squash, expected=expected, fast_forward=False)
    except RefMoved as exc:
        raise MainMoved("main moved; update the change request and try again",
                        expected=expected, current=exc.params.get("current")) from None
    deleted = True
    try:
        lib.delete_branch(cr.branch, expected=head)
    except RefMoved:
        deleted = False  # a commit arrived after the merge: keep it on the branch
    except NotFound:
        pass
    return MergeOutcome(replace(cr, state="merged", head=head, merged_sha=merged), deleted)


# --- direct commits -------------------------------------------------------------

def may_commit_directly(policy: ReviewPolicy, is_maintainer: bool) -> bool:
    """Only maintainers, and only when the book's policy allows direct commits."""
    return bool(policy.direct_commits and is_maintainer)


def commit_to_main(
    lib: Library,
    book: str,
    policy: ReviewPolicy,
    is_maintainer: bool,
    changes: list[Change],
    author: Author,
    message: str,
    *,
    base: str,
) -> Saved:
    """Commit straight to main on top of ``base``, where the policy allows it (refused otherwise)."""
    if not may_commit_directly(policy, is_maintainer):
        raise ReviewError("direct commits to main are not allowed", code="change_request.direct_commit_forbidden",
                          book=book)
    probe = ChangeRequest(0, book, "", "", "", "", MAIN, "", "open", "")
    changes = list(changes)
    _check_paths(probe, changes)
    return lib.commit(MAIN, changes, author, message, base=base)
