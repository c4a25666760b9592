"""The conversation of a change request: comments (inline on a line of its head, or replies),
resolving threads, and reviewers' suggestions the author applies in one click."""
from __future__ import annotations

from typing import Any

from materials import MaterialsError, NotFound, Saved, Write
from materials.text import lf_line_endings
from review import suggestions as review_suggestions, workflow
from server.accounts.models import User
from server.accounts.service import git_author
from server.audit.service import record
from server.change_requests.checks import schedule_checks
from server.change_requests.commits import follow_new_head, sync_head
from server.change_requests.models import ACTIVE, ChangeRequest, Comment, Suggestion
from server.change_requests.service import MAX_BODY, audit_target, may_write_cr, review_errors, tell, to_domain
from server.database import db
from server.errors import UserError
from server.library import library
from server.permissions import Ability, may


def _line_at(rev: str, path: str, line: int) -> str:
    try:
        lines = library().read_text(rev, path).splitlines()
    except (NotFound, MaterialsError):
        raise UserError("comment.bad_line", status=422, path=path, line=line) from None
    if not 1 <= line <= len(lines):
        raise UserError("comment.bad_line", status=422, path=path, line=line)
    return lines[line - 1]


def add_comment(user: Any, row: ChangeRequest, body: str, *, path: str | None = None, line: int | None = None,
                parent_id: int | None = None, notify_people: bool = True) -> Comment:
    """A comment on the change request, inline on ``path``:``line`` of its head, or a reply."""
    if not may(user, Ability.write, row.book):
        raise UserError("http.403", status=403)
    body = (body or "").strip()
    if not body:
        raise UserError("comment.empty", status=422)
    comment = Comment(change_request_id=row.id, author_id=user.id, author_name=user.username, author_side=user.side,
                      body=body[:MAX_BODY])
    if parent_id is not None:
        parent = db().get(Comment, parent_id)
        if parent is None or parent.change_request_id != row.id or parent.parent_id is not None:
            raise UserError("comment.not_found", status=404)
        comment.parent_id = parent.id
    elif path:
        if not path.startswith(f"books/{row.book}/") or line is None:
            raise UserError("comment.bad_line", status=422, path=path, line=line)
        sync_head(row)
        comment.path, comment.line, comment.commit = path, int(line), row.head
        comment.line_text = _line_at(row.head, path, int(line))
        comment.original_line, comment.original_commit = comment.line, comment.commit
    db().add(comment)
    row.comments.append(comment)
    db().flush()
    if notify_people:
        tell(user, row, "comment", "cr.comment")
        db().commit()
    return comment


def find_comment(row: ChangeRequest, comment_id: int) -> Comment:
    comment = db().get(Comment, comment_id)
    if comment is None or comment.change_request_id != row.id:
        raise UserError("comment.not_found", status=404)
    return comment


def set_resolved(user: Any, row: ChangeRequest, comment_id: int, resolved: bool) -> Comment:
    if not may(user, Ability.write, row.book):
        raise UserError("http.403", status=403)
    comment = find_comment(row, comment_id)
    if comment.parent_id is not None:
        comment = find_comment(row, comment.parent_id)
    comment.resolved = resolved
    comment.resolved_by = user.username if resolved else None
    db().commit()
    return comment


def add_suggestion(user: Any, row: ChangeRequest, path: str, start_line: int, end_line: int, replacement: str,
                   body: str = "") -> Suggestion:
    """A reviewer's replacement text for lines of the head, shown as an inline comment the author can apply."""
    if row.state not in ACTIVE:
        raise UserError("change_request.illegal_transition", status=409, number=row.number, state=row.state)
    if end_line < start_line:
        raise UserError("suggestion.bad_range", status=422, start_line=start_line, end_line=end_line)
    sync_head(row)
    try:
        lines = library().read_text(row.head, path).splitlines()
    except (NotFound, MaterialsError):
        raise UserError("comment.bad_line", status=422, path=path, line=start_line) from None
    if not 1 <= start_line <= end_line <= len(lines):
        raise UserError("suggestion.bad_range", status=422, start_line=start_line, end_line=end_line)
    comment = add_comment(user, row, (body or "").strip() or "💡", path=path, line=start_line, notify_people=False)
    suggestion = Suggestion(comment_id=comment.id, path=path, start_line=start_line, end_line=end_line,
                            base_text="\n".join(lines[start_line - 1:end_line]),
                            replacement=lf_line_endings(replacement or "")[:MAX_BODY], commit=row.head)
    comment.suggestion = suggestion
    db().add(suggestion)
    db().flush()
    tell(user, row, "comment", "cr.comment")
    db().commit()
    return suggestion


def apply_suggestion(user: Any, row: ChangeRequest, suggestion_id: int) -> Saved:
    """One click: a commit by the change request's author that credits the reviewer (Co-authored-by)."""
    suggestion = db().get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.comment.change_request_id != row.id:
        raise UserError("suggestion.not_found", status=404)
    if not may_write_cr(user, row):
        raise UserError("change_request.not_yours", status=403, number=row.number)
    if suggestion.state == "applied":
        raise UserError("suggestion.applied", status=409)
    lib = library()
    sync_head(row)
    reviewer = db().get(User, suggestion.comment.author_id) if suggestion.comment.author_id else None
    credit = git_author(reviewer) if reviewer is not None else None
    domain = review_suggestions.Suggestion(
        suggestion.path, suggestion.start_line, suggestion.end_line, suggestion.replacement, suggestion.base_text,
        credit.name if credit else "", credit.email if credit else "", suggestion.commit)
    with review_errors():
        try:
            old_text = lib.read_text(suggestion.commit, suggestion.path)
            text = lib.read_text(row.head, suggestion.path)
        except NotFound:
            raise review_suggestions.SuggestionOutdated("file gone", path=suggestion.path,
                                                        start_line=suggestion.start_line,
                                                        end_line=suggestion.end_line) from None
        if suggestion.commit != row.head:
            domain = review_suggestions.relocate(domain, old_text, text, row.head)
        new_text = review_suggestions.apply_suggestion(text, domain)
        message = review_suggestions.suggestion_commit_message(domain)
        cr, saved = workflow.commit_to(lib, to_domain(row), [Write(suggestion.path, new_text)], git_author(user),
                                       message, base=row.head)
    suggestion.state, suggestion.applied_sha, suggestion.applied_by = "applied", saved.sha, user.username
    suggestion.comment.resolved, suggestion.comment.resolved_by = True, user.username
    follow_new_head(row, cr.head)
    record("change_request.apply_suggestion", target=audit_target(row), suggestion=suggestion.id, commit=saved.sha)
    db().flush()
    if suggestion.comment.author_id:
        tell(user, row, "comment", "cr.suggestion_applied", only=[suggestion.comment.author_id])
    db().commit()
    schedule_checks(row)
    return saved
