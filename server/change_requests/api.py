"""Change requests over JSON: every action of the pages, for programs and tests."""


from __future__ import annotations
from typing import Any
from flask import jsonify
from flask_login import current_user
from materials import EditConflict, Write
from review import changes
from server.change_requests import service as crs
from server.api.registry import endpoint, schema
from server.api.schemas import BOOK_PARAM
from server.errors import UserError, describe
from server.library import library
from server.permissions import Ability, book_access, signed_in


NUMBER = {"type": "integer", "minimum": 1}
ID = {"type": "integer", "minimum": 1}
SHA = {"type": "string", "pattern": "^[0-9a-f]{40}$"}
PARAMS = {"book": BOOK_PARAM, "number": NUMBER}

CR_SUMMARY = schema("ChangeRequestSummary", {
    "type": "object",
    "required": ["number", "book", "title", "state", "author", "author_side", "branch", "head", "url"],
    "properties": {
        "number": {"type": "integer"}, "book": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "state": {"type": "string", "enum": ["draft", "open", "merged", "closed"]},
        "author": {"type": "string"}, "author_side": {"type": "string"}, "branch": {"type": "string"},
        "base": {"type": "string"}, "head": {"type": "string"}, "merged_sha": {"type": ["string", "null"]},
        "merged_by": {"type": ["string", "null"]}, "created_at": {"type": "string"}, "updated_at": {"type": "string"},
        "url": {"type": "string"},
    },
})
CR_LIST = schema("ChangeRequestList", {
    "type": "object", "required": ["change_requests"],
    "properties": {"change_requests": {"type": "array", "items": CR_SUMMARY}},
})
CR_DETAIL = schema("ChangeRequest", {
    "type": "object",
    "required": ["change_request", "mergeable", "missing", "behind_main", "main", "reviews", "checks", "comments"],
    "properties": {
        "change_request": CR_SUMMARY, "mergeable": {"type": "boolean"},
        "missing": {"type": "array", "items": {"type": "object", "required": ["code", "text"],
                                               "properties": {"code": {"type": "string"}, "text": {"type": "string"}}}},
        "approvals": {"type": "object"}, "blocking": {"type": "array", "items": {"type": "string"}},
        "ignored": {"type": "array", "description": "approvals that do not count, and why (self | wrote | stale)",
                    "items": {"type": "object", "required": ["reviewer", "reason", "text"],
                              "properties": {"reviewer": {"type": "string"}, "reason": {"type": "string"},
                                             "text": {"type": "string"}}}},
        "behind_main": {"type": "integer"}, "main": {"type": "string"},
        "reviews": {"type": "array", "items": {"type": "object"}},
        "checks": {"type": "array", "items": {"type": "object"}},
        "comments": {"type": "array", "items": {"type": "object"}},
    },
})
NEW_CR = schema("NewChangeRequest", {
    "type": "object", "required": ["title"], "additionalProperties": False,
    "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 200},
                   "description": {"type": "string", "maxLength": 20000}, "draft": {"type": "boolean"}},
})
CR_EDIT = schema("ChangeRequestEdit", {
    "type": "object", "required": ["title"], "additionalProperties": False,
    "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 200},
                   "description": {"type": "string", "maxLength": 20000}},
})
NEW_COMMENT = schema("NewComment", {
    "type": "object", "required": ["body"], "additionalProperties": False,
    "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 20000},
                   "path": {"type": "string", "maxLength": 500}, "line": {"type": "integer", "minimum": 1},
                   "parent_id": {"type": "integer", "minimum": 1}},
})
COMMENT = schema("Comment", {"type": "object", "required": ["id", "author", "body"], "properties": {
    "id": {"type": "integer"}, "parent_id": {"type": ["integer", "null"]}, "author": {"type": "string"},
    "author_side": {"type": "string"}, "body": {"type": "string"}, "path": {"type": ["string", "null"]},
    "line": {"type": ["integer", "null"]}, "line_text": {"type": ["string", "null"]},
    "commit": {"type": ["string", "null"]}, "outdated": {"type": "boolean"}, "resolved": {"type": "boolean"},
    "suggestion": {"type": ["object", "null"]}, "created_at": {"type": "string"}}})
RESOLVE = schema("Resolve", {"type": "object", "required": ["resolved"], "additionalProperties": False,
                             "properties": {"resolved": {"type": "boolean"}}})
NEW_REVIEW = schema("NewReview", {
    "type": "object", "required": ["verdict"], "additionalProperties": False,
    "properties": {"verdict": {"type": "string", "enum": ["approve", "request_changes", "comment"]},
                   "body": {"type": "string", "maxLength": 20000}, "head": SHA},
})
REVIEW = schema("Review", {"type": "object", "required": ["id", "reviewer", "verdict", "head"], "properties": {
    "id": {"type": "integer"}, "reviewer": {"type": "string"}, "reviewer_side": {"type": "string"},
    "verdict": {"type": "string"}, "head": {"type": "string"}, "body": {"type": "string"},
    "created_at": {"type": "string"}}})
NEW_SUGGESTION = schema("NewSuggestion", {
    "type": "object", "required": ["path", "start_line", "replacement"], "additionalProperties": False,
    "properties": {"path": {"type": "string", "maxLength": 500}, "start_line": {"type": "integer", "minimum": 1},
                   "end_line": {"type": "integer", "minimum": 1}, "replacement": {"type": "string", "maxLength": 20000},
                   "body": {"type": "string", "maxLength": 20000}},
})
NEW_OVERRIDE = schema("NewOverride", {
    "type": "object", "required": ["reviewer", "reason"], "additionalProperties": False,
    "properties": {"reviewer": {"type": "string", "maxLength": 64}, "reason": {"type": "string", "minLength": 1,
                                                                                "maxLength": 20000}},
})
MERGE = schema("MergeRequest", {"type": "object", "additionalProperties": False,
                                "properties": {"expected_main": SHA, "head": SHA}})
MERGED = schema("Merged", {"type": "object", "required": ["merged_sha", "change_request"],
                           "properties": {"merged_sha": {"type": "string"}, "change_request": CR_SUMMARY}})
STATE_CHANGE = schema("StateChange", {"type": "object", "required": ["action"], "additionalProperties": False,
                                      "properties": {"action": {"type": "string",
                                                                "enum": ["close", "reopen", "ready", "draft"]}}})
UPDATED = schema("Updated", {"type": "object", "required": ["head"], "properties": {"head": {"type": "string"}}})
RESOLUTION = schema("UpdateResolution", {
    "type": "object", "required": ["head", "main", "files"], "additionalProperties": False,
    "properties": {"head": SHA, "main": SHA, "files": {"type": "object",
                                                       "additionalProperties": {"type": "string"}}},
})
COMMIT = schema("ChangeRequestCommit", {
    "type": "object", "required": ["files", "message", "base"], "additionalProperties": False,
    "properties": {"files": {"type": "object", "additionalProperties": {"type": "string"}, "minProperties": 1},
                   "message": {"type": "string", "minLength": 1, "maxLength": 500}, "base": SHA},
})
SAVED = schema("Saved", {"type": "object", "required": ["sha"], "properties": {"sha": {"type": "string"}}})
DIFF = schema("ChangeRequestDiff", {"type": "object", "required": ["base", "head", "files"], "properties": {
    "base": {"type": "string"}, "head": {"type": "string"}, "files": {"type": "array", "items": {"type": "object"}},
    "standard_items": {"type": "object"}}})


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
    crs.sync_head(row)
    _, verdict = crs.verdict_of(row)
    return {
        "change_request": summary_json(row), "mergeable": verdict.mergeable,
        "missing": [{**m.to_dict(), "text": crs.describe_missing(m)} for m in verdict.missing],
        "approvals": verdict.approvals, "blocking": verdict.blocking,
        "ignored": [{"reviewer": i.reviewer, "reason": i.reason, "text": crs.describe_ignored(i)}
                    for i in verdict.ignored],
        "behind_main": crs.behind_main(row), "main": library().resolve("main"),
        "reviews": [review_json(r) for r in row.reviews],
        "checks": [{"name": c.name, "head": c.head, "status": c.status, "findings": crs.described_findings(row, c)}
                   for c in crs.check_runs(row)],
        "comments": [comment_json(c) for c in row.comments],
    }


@endpoint("GET", "/books/{book}/change-requests", summary="Change requests of a book", params={"book": BOOK_PARAM},
          query={"state": {"type": "string", "enum": ["active", "draft", "open", "merged", "closed", "all"],
                           "default": "active"}}, response=CR_LIST, tags=["change requests"])
@book_access(Ability.read)
def list_change_requests(book: str, state: str) -> dict[str, Any]:
    return {"change_requests": [summary_json(r) for r in crs.book_crs(book, None if state == "all" else state)]}


@endpoint("GET", "/change-requests", summary="My change requests and those awaiting my review",
          query={"filter": {"type": "string", "enum": ["mine", "review"], "default": "mine"}}, response=CR_LIST,
          tags=["change requests"])
@signed_in
def list_my_change_requests(filter: str) -> dict[str, Any]:  # noqa: A002 - the query parameter's name
    rows = crs.awaiting_review(current_user) if filter == "review" else crs.my_crs(current_user)
    return {"change_requests": [summary_json(r) for r in rows]}


@endpoint("POST", "/books/{book}/change-requests", summary="Open a change request", params={"book": BOOK_PARAM},
          body=NEW_CR, response=CR_SUMMARY, status=201, tags=["change requests"], errors=(403, 404, 409, 422))
@book_access(Ability.write)
def create_change_request(book: str, body: dict[str, Any]) -> dict[str, Any]:
    row = crs.open_cr(current_user, book, body["title"], body.get("description", ""), draft=body.get("draft", False))
    return summary_json(row)


@endpoint("GET", "/books/{book}/change-requests/{number}", summary="A change request: verdict, reviews, checks, comments",
          params=PARAMS, response=CR_DETAIL, tags=["change requests"], errors=(404,))
@book_access(Ability.read)
def get_change_request(book: str, number: int) -> dict[str, Any]:
    return detail_json(crs.get_cr(book, number))


@endpoint("PATCH", "/books/{book}/change-requests/{number}", summary="Change the title and description",
          params=PARAMS, body=CR_EDIT, response=CR_SUMMARY, tags=["change requests"], errors=(403, 404, 422))
@book_access(Ability.write)
def edit_change_request(book: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    crs.edit_details(current_user, row, body["title"], body.get("description", row.description))
    return summary_json(row)


@endpoint("GET", "/books/{book}/change-requests/{number}/diff", summary="What the change request changes",
          params=PARAMS, response=DIFF, tags=["change requests"], errors=(404,))
@book_access(Ability.read)
def change_request_diff(book: str, number: int) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    crs.sync_head(row)
    lib = library()
    base = crs.diff_base(row)
    diff = lib.diff(base, row.head, [f"books/{book}"])
    added, removed = changes.standard_changes(lib, book, base, row.head, [f.path for f in diff.files])
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
          params=PARAMS, body=COMMIT, response=SAVED, status=201, tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.write)
def commit_change_request(book: str, number: int, body: dict[str, Any]):
    row = crs.get_cr(book, number)
    try:
        saved = crs.commit_to_cr(current_user, row, [Write(p, t) for p, t in body["files"].items()], body["message"],
                                 body["base"])
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
          params=PARAMS, body=NEW_COMMENT, response=COMMENT, status=201, tags=["change requests"],
          errors=(404, 422))
@book_access(Ability.write)
def create_comment(book: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return comment_json(crs.add_comment(current_user, row, body["body"], path=body.get("path"), line=body.get("line"),
                                        parent_id=body.get("parent_id")))


@endpoint("POST", "/books/{book}/change-requests/{number}/comments/{comment_id}/resolve",
          summary="Resolve or unresolve a comment thread", params={**PARAMS, "comment_id": ID}, body=RESOLVE,
          response=COMMENT, tags=["change requests"], errors=(404,))
@book_access(Ability.write)
def resolve_comment(book: str, number: int, comment_id: int, body: dict[str, Any]) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return comment_json(crs.set_resolved(current_user, row, comment_id, body["resolved"]))


@endpoint("POST", "/books/{book}/change-requests/{number}/reviews",
          summary="Approve, request changes or comment on the head", params=PARAMS, body=NEW_REVIEW,
          response=REVIEW, status=201, tags=["change requests"], errors=(404, 409, 422))
@book_access(Ability.review)
def create_review(book: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return review_json(crs.submit_review(current_user, row, body["verdict"], body.get("body", ""), body.get("head")))


@endpoint("POST", "/books/{book}/change-requests/{number}/suggestions", summary="Suggest replacement text for lines",
          params=PARAMS, body=NEW_SUGGESTION, response=COMMENT, status=201, tags=["change requests"],
          errors=(404, 409, 422))
@book_access(Ability.write)
def create_suggestion(book: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    suggestion = crs.add_suggestion(current_user, row, body["path"], body["start_line"],
                                    body.get("end_line", body["start_line"]), body["replacement"], body.get("body", ""))
    return comment_json(suggestion.comment)


@endpoint("POST", "/books/{book}/change-requests/{number}/suggestions/{suggestion_id}/apply",
          summary="Apply a suggestion (a commit by the author crediting the reviewer)",
          params={**PARAMS, "suggestion_id": ID}, response=SAVED, status=201, tags=["change requests"],
          errors=(403, 404, 409))
@book_access(Ability.write)
def apply_suggestion(book: str, number: int, suggestion_id: int) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return {"sha": crs.apply_suggestion(current_user, row, suggestion_id).sha}


@endpoint("POST", "/books/{book}/change-requests/{number}/overrides",
          summary="Override a reviewer's request for changes (maintainers; audited)", params=PARAMS,
          body=NEW_OVERRIDE, status=204, tags=["change requests"], errors=(404, 409, 422))
@book_access(Ability.maintain)
def create_override(book: str, number: int, body: dict[str, Any]) -> None:
    crs.override(current_user, crs.get_cr(book, number), body["reviewer"], body["reason"])


@endpoint("POST", "/books/{book}/change-requests/{number}/merge",
          summary="Merge when the policy holds; 409 change_request.main_moved when main moved meanwhile",
          params=PARAMS, body=MERGE, response=MERGED, tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.review)
def merge_change_request(book: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    sha = crs.merge(current_user, row, body.get("expected_main"), body.get("head"))
    return {"merged_sha": sha, "change_request": summary_json(row)}


@endpoint("POST", "/books/{book}/change-requests/{number}/state", summary="Close, reopen, mark ready or make a draft",
          params=PARAMS, body=STATE_CHANGE, response=CR_SUMMARY, tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.write)
def change_request_state(book: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
    return summary_json(crs.change_state(current_user, crs.get_cr(book, number), body["action"]))


@endpoint("POST", "/books/{book}/change-requests/{number}/update",
          summary="Update from main; 409 edit.conflict with every version of the colliding files",
          params=PARAMS, response=UPDATED, tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.write)
def update_change_request(book: str, number: int):
    row = crs.get_cr(book, number)
    try:
        return {"head": crs.update_from_main(current_user, row)}
    except EditConflict as conflict:
        return _conflict_response(conflict)


@endpoint("POST", "/books/{book}/change-requests/{number}/update/resolve",
          summary="Finish an update from main with the merged text of each colliding file", params=PARAMS,
          body=RESOLUTION, response=UPDATED, tags=["change requests"], errors=(403, 404, 409))
@book_access(Ability.write)
def resolve_change_request_update(book: str, number: int, body: dict[str, Any]) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    return {"head": crs.resolve_update(current_user, row, body["files"], body["head"], body["main"])}


__all__ = ["summary_json", "UserError"]
