"""What happened to a book: its history, the difference between two revisions, who wrote each
line (blame, coloured by side) and undoing one change (revert).

Everything is read from ``materials`` and restricted to the book's own files, so a member of one
book never sees another book's text through a revision that touched both. Revisions typed by a
person are checked here before they reach the library: option-like, malformed or unknown
revisions are a translated 400/404, never a 500.
"""


from __future__ import annotations
import re
from dataclasses import dataclass, field
from typing import Any
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from materials import BlameLine, CommitInfo, Diff, DiffLine, EditConflict, FileDiff, MaterialsError, NotFound
from materials.paths import chapter_path
from materials.refs import validate_ref_name
from review.word_diff import Segment, changed_words
from server import landing
from server.accounts.service import git_author
from server.audit.service import record
from server.database import db
from server.errors import UserError, describe
from server.library import book_title, library
from server.permissions import Ability, book_access, may
from server.templating import locale_code
from server.forms import PageForm


blueprint = Blueprint("history", __name__)

PER_PAGE = 30
MAX_PAGE = 1000
SHA_PREFIX = re.compile(r"^[0-9a-f]{4,40}$")
KNOWN_SIDES = ("school", "enterprise")


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
    """The repository path of a chapter file name taken from a URL (no directories, no options)."""
    try:
        return chapter_path(book, filename)
    except MaterialsError:
        raise UserError("chapter.not_found", status=404, chapter=(filename or "")[:80], book=book) from None


# ------------------------------------------------------------------ sides

def side_names(lib: Any) -> dict[str, str]:
    """Side -> its label from ``library.yml`` in the reader's language."""
    language = "zh-CN" if locale_code() == "zh_CN" else "en"
    try:
        config = lib.library_config()
    except MaterialsError:
        return {side: side for side in KNOWN_SIDES}
    return {side: config.side_label(side, language) for side in config.sides}


def side_class(side: str | None) -> str:
    """The CSS colour class of a side (libraries may name more than the two we colour)."""
    if side in KNOWN_SIDES:
        return f"side-{side}"
    return "side-other" if side else "side-unknown"


def side_label(labels: dict[str, str], side: str | None) -> str:
    if not side or side == "unknown":
        return _("Unknown side")
    return labels.get(side, side)


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
        "side_label": side_label(labels, commit.side),
        "authored_at": commit.authored_at.isoformat(),
    }


def message_body(message: str) -> str:
    """The commit message without its first line and without machine trailers."""
    lines = message.strip("\n").split("\n")[1:]
    return "\n".join(l for l in lines if not l.startswith("Jointbook-")).strip()


# ------------------------------------------------------------------ diff presentation

@dataclass
class Row:
    """One row of the side-by-side table (a line on either or both sides)."""

    kind: str  # "context" | "change" | "removed" | "added" | "hunk"
    old_no: int | None = None
    new_no: int | None = None
    old: list[Segment] | None = None
    new: list[Segment] | None = None
    header: str = ""


@dataclass
class UnifiedLine:
    kind: str  # " " | "-" | "+" | "@"
    old_no: int | None
    new_no: int | None
    segments: list[Segment]


@dataclass
class FileView:
    diff: FileDiff
    rows: list[Row] = field(default_factory=list)
    unified: list[UnifiedLine] = field(default_factory=list)


def _flush(removed: list[DiffLine], added: list[DiffLine], view: FileView) -> None:
    pairs = min(len(removed), len(added))
    old_segments, new_segments = [], []
    for i in range(pairs):
        o, n = changed_words(removed[i].text, added[i].text)
        old_segments.append(o)
        new_segments.append(n)
    for i, line in enumerate(removed):
        segments = old_segments[i] if i < pairs else [Segment(line.text, False)]
        view.unified.append(UnifiedLine("-", line.old_no, None, segments))
    for i, line in enumerate(added):
        segments = new_segments[i] if i < pairs else [Segment(line.text, False)]
        view.unified.append(UnifiedLine("+", None, line.new_no, segments))
    for i in range(max(len(removed), len(added))):
        old = removed[i] if i < len(removed) else None
        new = added[i] if i < len(added) else None
        kind = "change" if old and new else ("removed" if old else "added")
        view.rows.append(Row(kind, old.old_no if old else None, new.new_no if new else None,
                             (old_segments[i] if i < pairs else [Segment(old.text, False)]) if old else None,
                             (new_segments[i] if i < pairs else [Segment(new.text, False)]) if new else None))
    removed.clear()
    added.clear()


def file_view(diff: FileDiff) -> FileView:
    """Rows for the side-by-side table and lines for the unified view, with changed words marked."""
    view = FileView(diff)
    for hunk in diff.hunks:
        header = f"@@ -{hunk.old_start},{hunk.old_lines} +{hunk.new_start},{hunk.new_lines} @@ {hunk.header}".rstrip()
        view.rows.append(Row("hunk", header=header))
        view.unified.append(UnifiedLine("@", None, None, [Segment(header, False)]))
        removed: list[DiffLine] = []
        added: list[DiffLine] = []
        for line in hunk.lines:
            if line.kind == "-":
                if added:
                    _flush(removed, added, view)
                removed.append(line)
            elif line.kind == "+":
                added.append(line)
            else:
                _flush(removed, added, view)
                segment = [Segment(line.text, False)]
                view.rows.append(Row("context", line.old_no, line.new_no, segment, segment))
                view.unified.append(UnifiedLine(" ", line.old_no, line.new_no, segment))
        _flush(removed, added, view)
    return view


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


def blame_json(runs: list[BlameRun], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [{"number": l.number, "text": l.text, "sha": l.sha, "author_name": l.author_name, "side": l.side,
             "side_label": side_label(labels, l.side), "authored_at": l.authored_at.isoformat()}
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


class RevertForm(PageForm):
    """Only the CSRF token and the chosen target (read from the request)."""


# ------------------------------------------------------------------ pages

def _page_arg() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), MAX_PAGE))
    except ValueError:
        return 1


@blueprint.route("/books/<book>/history")
@book_access(Ability.read)
def book_history(book: str):
    lib = library()
    book_title(book)
    page = history_page(lib, book, _page_arg())
    return render_template("ui/history/log.html", book=book, title=book_title(book), history=page,
                           chapter=None, labels=side_names(lib), side_class=side_class, side_name=side_label)


@blueprint.route("/books/<book>/chapters/<file>/history")
@book_access(Ability.read)
def chapter_history(book: str, file: str):
    lib = library()
    book_title(book)
    path = chapter_file_path(book, file)
    page = history_page(lib, book, _page_arg(), path=path)
    if not page.entries and page.page == 1:
        raise UserError("chapter.not_found", status=404, chapter=file, book=book)
    return render_template("ui/history/log.html", book=book, title=book_title(book), history=page,
                           chapter=file, path=path, labels=side_names(lib), side_class=side_class,
                           side_name=side_label)


@blueprint.route("/books/<book>/compare")
@book_access(Ability.read)
def compare(book: str):
    lib = library()
    book_title(book)
    old_rev, new_rev = request.args.get("from", ""), request.args.get("to", "")
    if not old_rev and not new_rev:
        return render_template("ui/history/compare_form.html", book=book, title=book_title(book),
                               branches=sorted(lib.branches()))
    old, new = checked_revision(lib, old_rev), checked_revision(lib, new_rev)
    diff = book_diff(lib, book, old, new)
    return _render_diff("ui/history/compare.html", lib, book, diff, old=old, new=new, old_rev=old_rev,
                        new_rev=new_rev)


@blueprint.route("/books/<book>/commits/<sha>")
@book_access(Ability.read)
def commit(book: str, sha: str):
    lib = library()
    book_title(book)
    info, diff = commit_in_book(lib, book, sha)
    labels = side_names(lib)
    return _render_diff("ui/history/commit.html", lib, book, diff, info=info, body=message_body(info.message),
                        previous=previous_change(lib, book, info),
                        can_revert=bool(revert_targets(lib, book, current_user)) and len(info.parents) == 1,
                        labels=labels, side_class=side_class, side_name=side_label)


def previous_change(lib: Any, book: str, info: CommitInfo) -> str | None:
    """The book's change before ``info``: its parent may be a commit of another book, which is not this book's."""
    if not info.parents:
        return None
    found = lib.log(info.parents[0], book_prefix(book), limit=1, follow=False)
    return found[0].sha if found else None


def _render_diff(template: str, lib: Any, book: str, diff: Diff, **context: Any):
    unified = request.args.get("view") == "unified"
    files = [file_view(f) for f in diff.files]
    args = {k: v for k, v in request.args.items() if k != "view"}
    here = {"book": book, **(request.view_args or {})}
    return render_template(template, book=book, title=book_title(book), files=files, unified=unified,
                           split_url=url_for(request.endpoint, **here, **args),
                           unified_url=url_for(request.endpoint, **here, **args, view="unified"), **context)


@blueprint.route("/books/<book>/chapters/<file>/blame")
@book_access(Ability.read)
def blame(book: str, file: str):
    lib = library()
    book_title(book)
    path = chapter_file_path(book, file)
    rev = request.args.get("rev")
    commit_sha = checked_revision(lib, rev) if rev else lib.resolve("main")
    try:
        runs = blame_runs(lib, commit_sha, path)
    except NotFound:
        raise UserError("chapter.not_found", status=404, chapter=file, book=book) from None
    labels = side_names(lib)
    counts: dict[str | None, int] = {}
    for run in runs:
        counts[run.side] = counts.get(run.side, 0) + len(run.lines)
    return render_template("ui/history/blame.html", book=book, title=book_title(book), chapter=file,
                           runs=runs, labels=labels, counts=counts, side_class=side_class, side_name=side_label)


@blueprint.route("/books/<book>/commits/<sha>/revert", methods=["GET", "POST"])
@book_access(Ability.write)
def revert(book: str, sha: str):
    lib = library()
    book_title(book)
    info, diff = commit_in_book(lib, book, sha)
    targets = revert_targets(lib, book, current_user)
    form = RevertForm()
    conflict = None
    error = None
    if not targets:
        error = _("You cannot revert changes in this book: the book does not allow direct changes to the main "
                  "version, and you have no draft to put the revert on.")
    elif form.validate_on_submit():
        try:
            done = revert_commit(lib, book, info.sha, current_user, request.form.get("target"))
        except EditConflict as exc:
            db().rollback()
            conflict = exc
        except (UserError, MaterialsError) as exc:
            db().rollback()
            error = describe(exc)
        else:
            flash(_("The change was reverted on %(branch)s.", branch=done.branch), "success")
            return redirect(url_for("history.commit", book=book, sha=done.sha))
    status = 409 if conflict else (400 if error and request.method == "POST" else 200)
    return render_template("ui/history/revert.html", book=book, title=book_title(book), info=info,
                           files=diff.files, targets=targets, form=form, conflict=conflict, error=error,
                           labels=side_names(lib), side_class=side_class, side_name=side_label), status
