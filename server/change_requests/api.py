"""Change requests over JSON: every action of the pages, for programs and tests."""


from __future__ import annotations
from typing import Any
from flask import jsonify
from flask_login import current_user
from materials import EditConflict, Write
from server.change_requests import checks, coauthors, comments, commits, lifecycle, merging, reviews, service as crs
from server.rest.registry import endpoint
from server.rest.schemas import BookName, Number, Username
from server.change_requests import schemas
from server.errors import UserError, describe
from server.library import library
from server.permissions import Ability, book_access, signed_in


PARAMS = {"book": BookName, "number": Number}


def summary_json(row) -> dict[str, Any]:
    return {"number": row.number, "book": row.book, "title": row.title, "description": row.description or "",
            "state": row.state, "author": row.author_name, "author_side": row.author_side, "branch": row.branch,
            "base": row.base, "head": row.head, "merged_sha": row.merged_sha, "merged_by": row.merged_by,
            "created_at": crs.when(row.created_at), "updated_at": crs.when(row.updated_at), "url": crs.cr_url(row)}


def comment_json(c) -> dict[str, Any]:
    s = c.suggestion
    return {"id": c.id, "parent_id": c.parent_id, "author": c.author_name, "author_side": c.author_side,
            "body": c.body, "path": c.path, "line": c.line, "line_text": c.line_text, "commit": c.commit,
            "outdated": bool(c.outdated), "resolved": bool(c.resolved), "created_at": crs.when(c.created_at),
            "suggestion": None if s is None else {
                "id": s.id, "path": s.path, "start_line": s.start_line, "end_line": s.end_line,
                "base_text": s.base_text, "replacement": s.replacement, "state": s.state, "applied_sha": s.applied_sha}}


def review_json(r) -> dict[str, Any]:
    return {"id": r.id, "reviewer": r.reviewer_name, "reviewer_side": r.reviewer_side, "verdict": r.verdict,
            "head": r.head, "body": r.body, "created_at": crs.when(r.created_at)}


def detail_json(row) -> dict[str, Any]:
    commits.sync_head(row)
    _, verdict = reviews.verdict_of(row)
    return {
        "change_request": summary_json(row), "mergeable": verdict.mergeable,
        "missing": [{**m.to_dict(), "text": crs.describe_missing(m)} for m in verdict.missing],
        "approvals": verdict.approvals, "blocking": verdict.blocking,
        "ignored": [{"reviewer": i.reviewer, "reason": i.reason, "text": crs.describe_ignored(i)}
                    for i in verdict.ignored],
        "behind_main": reviews.behind_main(row), "main": library().resolve("main"),
        "reviews": [review_json(r) for r in row.reviews],
        "checks": [{"name": c.name, "head": c.head, "status": c.status, "findings": checks.described_findings(row, c)}
                   for c in checks.check_runs(row)],
        "comments": [comment_json(c) for c in row.comments],
    }


@endpoint("GET", "/books/{book}/change-requests", summary="Change requests of a book", params={"book": BookName},
          query=schemas.StateFilter, response=schemas.ChangeRequestList, tags=["change requests"])
@book_access(Ability.read)
def list_change_requests(book: str, state: str) -> dict[str, Any]:
    return {"change_requests": [summary_json(r) for r in crs.book_crs(book, None if state == "all" else state)]}


@endpoint("GET", "/change-requests", summary="My change requests and those awaiting my review",
          query=schemas.MineOrReview, response=schemas.ChangeRequestList,
          tags=["change requests"])
@signed_in
def list_my_change_requests(filter: str) -> dict[str, Any]:  # noqa: A002 - the query parameter's name
    rows = crs.awaiting_review(current_user) if filter == "review" else crs.my_crs(current_user)
    return {"change_requests": [summary_json(r) for r in rows]}


@endpoint("POST", "/books/{book}/change-requests", summary="Open a change request", params={"book": BookName},
          body=schemas.NewChangeRequest, response=schemas.ChangeRequestSummary, status=201,
          tags=["change requests"], errors=(403, 404, 409, 422))
@book_access(Ability.write)
def create_change_request(book: str, body: schemas.NewChangeRequest) -> dict[str, Any]:
    row = lifecycle.open_cr(current_user, book, body.title, body.description, draft=body.draft)
    return summary_json(row)


@endpoint("GET", "/books/{book}/change-requests/{number}", summary="A change request: verdict, reviews, checks, comments",
          params=PARAMS, response=schemas.ChangeRequest, tags=["change requests"], errors=(404,))
@book_access(Ability.read)
def get_change_request(book: str, number: int) -> dict[str, Any]:
    return detail_json(crs.get_cr(book, number))


@endpoint("PATCH", "/books/{book}/change-requests/{number}", summary="Change the title and description",
          params=PARAMS, body=schemas.ChangeRequestEdit, response=schemas.ChangeRequestSummary,
          tags=["change requests"], errors=(403, 404, 422))
@book_access(Ability.write)
def edit_change_request(book: str, number: int, body: schemas.ChangeRequestEdit) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    lifecycle.edit_details(current_user, row, body.title,
                           row.description if body.description is None else body.description)
    return summary_json(row)


@endpoint("GET", "/books/{book}/change-requests/{number}/diff", summary="What the change request changes",
          params=PARAMS, response=schemas.ChangeRequestDiff, tags=["change requests"], errors=(404,))
@book_access(Ability.read)
def change_request_diff(book: str, number: int) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    commits.sync_head(row)
    base = crs.diff_base(row)
    diff, added, removed = crs.what_changes(row, base)
    kinds = {" ": "context", "-": "removed", "+": "added"}
    return {"base": base, "head": row.head,
            "files": [{"old_path": f.old_path, "new_path": f.new_path, "status": f.status, "binary": f.binary,
                       "hunks": [{"old_start": h.old_start, "old_lines": h.old_lines, "new_start": h.new_start,
                                  "new_lines": h.new_lines,
                                  "lines": [{"kind": kinds[l.kind], "old_no": l.old_no, "new_no": l.new_no,
                                             "text": l.text} for l in h.lines]} for h in f.hunks]}
                      for f in diff.files],
            "standard_items": {"added": [vars(i) for i in added], "removed": [vars(i) for i in removed]}}


@endpoint("POST", "/books/{book}/change-requests/{number}/commits", summary="Commit files to a change request",
          params=PARAMS, body=schemas.ChangeRequestCommit, response=schemas.Saved, status=201,
          tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.write)
def commit_change_request(book: str, number: int, body: schemas.ChangeRequestCommit):
    row = crs.get_cr(book, number)
    try:
        saved = commits.commit_to_cr(current_user, row, [Write(p, t) for p, t in body.files.items()], body.message,
                                     body.base)
    except EditConflict as conflict:
        return _conflict_response(conflict)
    return {"sha": saved.sha}


def _conflict_response(conflict: EditConflict):
    response = jsonify(error={"code": conflict.code, "message": describe(conflict), "details": {
        "conflicts": [{"path": c.path, "base": c.base, "theirs": c.theirs, "yours": c.yours, "merged": c.merged}
                      for c in conflict.conflicts]}})
    response.status_code = 409
    return response


@endpoint("POST", "/books/{book}/change-requests/{number}/comments", summary="Comment, inline on a line, or reply",
          params=PARAMS, body=schemas.NewComment, response=schemas.Comment, status=201, tags=["change requests"],
          errors=(404, 422))
@book_access(Ability.write)
def create_comment(book: str, number: int, body: schemas.NewComment) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return comment_json(comments.add_comment(current_user, row, body.body, path=body.path, line=body.line,
                                             parent_id=body.parent_id))


@endpoint("POST", "/books/{book}/change-requests/{number}/comments/{comment_id}/resolve",
          summary="Resolve or unresolve a comment thread",
          params={**PARAMS, "comment_id": Number}, body=schemas.Resolve,
          response=schemas.Comment, tags=["change requests"], errors=(404,))
@book_access(Ability.write)
def resolve_comment(book: str, number: int, comment_id: int, body: schemas.Resolve) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return comment_json(comments.set_resolved(current_user, row, comment_id, body.resolved))


@endpoint("POST", "/books/{book}/change-requests/{number}/reviews",
          summary="Approve, request changes or comment on the head", params=PARAMS, body=schemas.NewReview,
          response=schemas.Review, status=201, tags=["change requests"], errors=(404, 409, 422))
@book_access(Ability.review)
def create_review(book: str, number: int, body: schemas.NewReview) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return review_json(reviews.submit_review(current_user, row, body.verdict, body.body, body.head))


@endpoint("POST", "/books/{book}/change-requests/{number}/suggestions", summary="Suggest replacement text for lines",
          params=PARAMS, body=schemas.NewSuggestion, response=schemas.Comment, status=201, tags=["change requests"],
          errors=(404, 409, 422))
@book_access(Ability.write)
def create_suggestion(book: str, number: int, body: schemas.NewSuggestion) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    suggestion = comments.add_suggestion(current_user, row, body.path, body.start_line,
                                         body.end_line or body.start_line, body.replacement, body.body)
    return comment_json(suggestion.comment)


@endpoint("POST", "/books/{book}/change-requests/{number}/suggestions/{suggestion_id}/apply",
          summary="Apply a suggestion (a commit by the author crediting the reviewer)",
          params={**PARAMS, "suggestion_id": Number}, response=schemas.Saved, status=201, tags=["change requests"],
          errors=(403, 404, 409))
@book_access(Ability.write)
def apply_suggestion(book: str, number: int, suggestion_id: int) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return {"sha": comments.apply_suggestion(current_user, row, suggestion_id).sha}


@endpoint("POST", "/books/{book}/change-requests/{number}/overrides",
          summary="Override a reviewer's request for changes (maintainers; audited)", params=PARAMS,
          body=schemas.NewOverride, status=204, tags=["change requests"], errors=(404, 409, 422))
@book_access(Ability.maintain)
def create_override(book: str, number: int, body: schemas.NewOverride) -> None:
    reviews.override(current_user, crs.get_cr(book, number), body.reviewer, body.reason)


@endpoint("POST", "/books/{book}/change-requests/{number}/merge",
          summary="Merge when the policy holds; 409 change_request.main_moved when main moved meanwhile",
          params=PARAMS, body=schemas.MergeRequest, response=schemas.Merged,
          tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.review)
def merge_change_request(book: str, number: int, body: schemas.MergeRequest) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    sha = merging.merge(current_user, row, body.expected_main, body.head)
    return {"merged_sha": sha, "change_request": summary_json(row)}


@endpoint("POST", "/books/{book}/change-requests/{number}/state", summary="Close, reopen, mark ready or make a draft",
          params=PARAMS, body=schemas.StateChange, response=schemas.ChangeRequestSummary,
          tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.write)
def change_request_state(book: str, number: int, body: schemas.StateChange) -> dict[str, Any]:
    return summary_json(lifecycle.change_state(current_user, crs.get_cr(book, number), body.action))


@endpoint("POST", "/books/{book}/change-requests/{number}/update",
          summary="Update from main; 409 edit.conflict with every version of the colliding files",
          params=PARAMS, response=schemas.Updated, tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.write)
def update_change_request(book: str, number: int):
    row = crs.get_cr(book, number)
    try:
        return {"head": commits.update_from_main(current_user, row)}
    except EditConflict as conflict:
        return _conflict_response(conflict)


@endpoint("POST", "/books/{book}/change-requests/{number}/update/resolve",
          summary="Finish an update from main with the merged text of each colliding file", params=PARAMS,
          body=schemas.UpdateResolution, response=schemas.Updated, tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.write)
def resolve_change_request_update(book: str, number: int, body: schemas.UpdateResolution) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return {"head": commits.resolve_update(current_user, row, body.files, body.head, body.main)}


def co_authors_json(row) -> dict[str, Any]:
    return {"co_authors": [c.username for c in row.co_authors], "closed_to_others": row.closed_to_others,
            "writers": [vars(share) for share in coauthors.shares(row)]}


@endpoint("GET", "/books/{book}/change-requests/{number}/co-authors",
          summary="Who writes the change request, and each writer's share", params=PARAMS,
          response=schemas.CoAuthors, tags=["change requests"], errors=(404,))
@book_access(Ability.read)
def list_co_authors(book: str, number: int) -> dict[str, Any]:
    return co_authors_json(crs.get_cr(book, number))


@endpoint("POST", "/books/{book}/change-requests/{number}/co-authors",
          summary="Ask someone with write access to the book to write the change request with its author",
          params=PARAMS, body=schemas.NewCoAuthor, response=schemas.CoAuthors, status=201,
          tags=["change requests"], errors=(403, 404, 409, 422))
@book_access(Ability.write)
def add_co_author(book: str, number: int, body: schemas.NewCoAuthor) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    coauthors.add_co_author(current_user, row, coauthors.person_by_username(body.username))
    return co_authors_json(row)


@endpoint("POST", "/books/{book}/change-requests/{number}/co-authors/join",
          summary="Join the change request as a co-author (anyone who writes the book, unless it is closed to others)",
          params=PARAMS, response=schemas.CoAuthors, status=201, tags=["change requests"],
          errors=(403, 404, 409, 422))
@book_access(Ability.write)
def join_change_request(book: str, number: int) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    coauthors.join(current_user, row)
    return co_authors_json(row)


@endpoint("PUT", "/books/{book}/change-requests/{number}/co-authors/openness",
          summary="Close the change request to people joining on their own, or open it again (its author)",
          params=PARAMS, body=schemas.Openness, response=schemas.CoAuthors, tags=["change requests"],
          errors=(403, 404))
@book_access(Ability.write)
def set_openness(book: str, number: int, body: schemas.Openness) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    coauthors.close_to_others(current_user, row, body.closed_to_others)
    return co_authors_json(row)


@endpoint("DELETE", "/books/{book}/change-requests/{number}/co-authors/{username}",
          summary="Take a co-author off (or leave, as that co-author); what they wrote stays",
          params={**PARAMS, "username": Username},
          response=schemas.CoAuthors, tags=["change requests"], errors=(403, 404))
@book_access(Ability.write)
def remove_co_author(book: str, number: int, username: str) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    coauthors.remove_co_author(current_user, row, coauthors.person_by_username(username))
    return co_authors_json(row)


__all__ = ["summary_json", "UserError"]
