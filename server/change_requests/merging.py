"""Merging a change request into the book when its policy holds.

Compare-and-swap on main: of two merges racing, one wins and the other is told
to update and try again. The other parts hear of a merge through the
``change_request_merged`` signal, sent before the merge is committed.
"""
from __future__ import annotations

from typing import Any

from flask import current_app

from review import workflow
from server.accounts.service import git_author
from server.audit.service import record
from server.change_requests.commits import sync_head
from server.change_requests.models import ChangeRequest
from server.change_requests.reviews import verdict_of
from server.change_requests.service import audit_target, may_merge, review_errors, store, tell, to_domain
from server.change_requests.signals import change_request_merged
from server.database import db, utcnow
from server.errors import UserError
from server.library import library
from server.permissions import Ability, may


def merge(user: Any, row: ChangeRequest, expected_main: str | None, expected_head: str | None = None) -> str:
    """Merge when the policy holds, compare-and-swap on main: a lost race says "update and try again"."""
    if not may_merge(user, row):
        raise UserError("change_request.author_cannot_merge" if may(user, Ability.review, row.book) else "http.403",
                        status=403)
    lib = library()
    sync_head(row)
    if expected_head and expected_head != row.head:
        raise UserError("change_request.stale_verdict", status=409, number=row.number)
    pol, verdict = verdict_of(row)
    with review_errors():
        outcome = workflow.merge(lib, to_domain(row), pol, verdict, git_author(user), expected_main=expected_main)
    store(row, outcome.change_request)
    row.merged_by = user.username
    row.closed_at = utcnow()
    record("change_request.merge", target=audit_target(row), merged=outcome.change_request.merged_sha,
           method=pol.merge_method, branch_deleted=outcome.branch_deleted)
    change_request_merged.send(current_app._get_current_object(), change_request=row)
    db().flush()
    tell(user, row, "merged", "cr.merged")
    db().commit()
    return outcome.change_request.merged_sha or ""
