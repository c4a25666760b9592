"""Reviews of a change request: approving, requesting changes, a maintainer's override, and the
verdict of the book's policy over them (``review.policy``)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from review import policy as review_policy, workflow
from review.checks import CheckResult
from server.accounts.models import User
from server.accounts.service import git_addresses
from server.audit.service import record
from server.change_requests.checks import check_runs
from server.change_requests.commits import sync_head
from server.change_requests.models import ACTIVE, ChangeRequest, Override, Review
from server.change_requests.service import MAX_BODY, audit_target, policy_of, review_errors, tell, to_domain
from server.database import db
from server.errors import UserError
from server.library import library
from server.permissions import Ability, may


def verdict_of(row: ChangeRequest) -> tuple[review_policy.ReviewPolicy, review_policy.Verdict]:
    pol = policy_of(row.book)

    def addresses(review: Review) -> frozenset[str]:
        person = db().get(User, review.reviewer_id) if review.reviewer_id is not None else None
        return git_addresses(person) if person is not None else frozenset()

    reviews = [review_policy.Review(r.reviewer_name, r.reviewer_side, r.reviewer_is_maintainer, r.verdict, r.head,
                                    r.created_at, addresses(r)) for r in row.reviews]
    overrides = [review_policy.Override(o.reviewer_name, o.by_name, True, o.created_at, o.reason)
                 for o in db().scalars(select(Override).where(Override.change_request_id == row.id))]
    checks = [CheckResult(c.name, c.status, (), c.head) for c in check_runs(row)]
    facts = workflow.facts(to_domain(row), library())
    return pol, review_policy.evaluate(pol, facts, reviews, checks, overrides)


def behind_main(row: ChangeRequest) -> int:
    if row.state not in ACTIVE:
        return 0
    with review_errors():
        return workflow.behind_count(library(), to_domain(row))


def submit_review(user: Any, row: ChangeRequest, verdict: str, body: str = "", head: str | None = None) -> Review:
    """Approve, request changes or comment on the head the reviewer saw."""
    if not may(user, Ability.review, row.book):
        raise UserError("http.403", status=403)
    if verdict not in review_policy.VERDICTS:
        raise UserError("review.bad_verdict", status=422)
    if row.state != "open":
        raise UserError("change_request.illegal_transition", status=409, number=row.number, state=row.state)
    sync_head(row)
    if head and head != row.head:
        raise UserError("change_request.stale_verdict", status=409, number=row.number)
    review = Review(change_request_id=row.id, reviewer_id=user.id, reviewer_name=user.username,
                    reviewer_side=user.side, reviewer_is_maintainer=may(user, Ability.maintain, row.book),
                    verdict=verdict, head=row.head, body=(body or "")[:MAX_BODY])
    db().add(review)
    row.reviews.append(review)
    record(f"change_request.{verdict}", target=audit_target(row), head=row.head)
    db().flush()
    code = {"approve": "cr.approved", "request_changes": "cr.changes_requested"}.get(verdict, "cr.commented_review")
    kind = {"approve": "approval", "request_changes": "changes_requested"}.get(verdict, "comment")
    tell(user, row, kind, code)
    db().commit()
    return review


def override(user: Any, row: ChangeRequest, reviewer: str, reason: str) -> Override:
    """A maintainer lifts one reviewer's standing "changes requested" (audited, with the reason)."""
    if not may(user, Ability.maintain, row.book):
        raise UserError("http.403", status=403)
    _, verdict = verdict_of(row)
    if reviewer not in verdict.blocking:
        raise UserError("change_request.nothing_to_override", status=409, reviewer=reviewer)
    reason = (reason or "").strip()
    if not reason:
        raise UserError("change_request.reason_required", status=422)
    row_override = Override(change_request_id=row.id, reviewer_name=reviewer, by_id=user.id, by_name=user.username,
                            reason=reason[:MAX_BODY])
    db().add(row_override)
    record("change_request.override", target=audit_target(row), reviewer=reviewer, reason=reason[:500])
    db().flush()
    tell(user, row, "other", "cr.overridden")
    db().commit()
    return row_override
