"""Change requests on the server: the records in SQL, the rules from ``review/``, the Git from ``materials``.

Every edit made in the browser lands on a change request branch ``cr/<n>``
(which one is ``server.landing``'s rule); pages, the API and other parts
(editor, feedback) call the functions here and never re-implement a rule.
Each state change is audited and tells the people concerned
(``server.notifications``). Checks run as jobs on every new head.

Public API (used by other parts)::

    open_cr(user, book, title, description="", draft=False, origin=None) -> ChangeRequest
    cr_for_branch(branch) -> ChangeRequest | None
    get_cr(book, number) -> ChangeRequest
    commit_to_cr(user, cr, changes, message, base=None) -> Saved
    sync_head(cr) -> bool                      # after anyone wrote on the branch
    may_write_cr(user, cr) -> bool
    open_crs_of(user, book) -> list[ChangeRequest]
"""


from __future__ import annotations
import contextlib
import re
from datetime import datetime
from typing import Any, Iterator
from flask import Flask, current_app, has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from materials import (ConflictedFile, Delete, EditConflict, MaterialsError, NotFound, Saved, Write,
                       normalise_text, parse_chapter)
from materials.text import lf_line_endings
from materials.merging import merge_text, tree_changes
from review import anchors, policy as review_policy, suggestions as review_suggestions, workflow
from review.checks import CheckResult, Finding, registered_checks, run_check
from review.messages import describe_code
from review.errors import ReviewError
from server.audit.service import record
from server.books.signals import HomeItem, home_panels
from server.database import db, new_session, utcnow
from server.editing.written_files import check_written_files
from server.errors import UserError
from server.jobs.queue import JobContext, Superseded, enqueue, job_kind
from server.library import library
from server.change_requests.models import ChangeRequest, CheckRun, Comment, Override, Review, Suggestion
from server.change_requests.signals import change_request_merged
from server.accounts.models import Membership, Role, User
from server.accounts.service import git_addresses, git_author
from server.notifications.service import notify
from server.permissions import Ability, may
from server.templating import locale_code


MAIN = "main"
BRANCH = re.compile(r"^cr/([1-9][0-9]{0,8})$")
ACTIVE = ("draft", "open")
MAX_BODY = 20000

# HTTP status of each review/ error code (409: the state of things refuses it now).
STATUS = {
    "change_request.illegal_transition": 409, "change_request.policy_not_satisfied": 409,
    "change_request.stale_verdict": 409, "change_request.main_moved": 409, "change_request.exists": 409,
    "change_request.branch_gone": 409, "change_request.nothing_to_merge": 409,
    "change_request.unknown_book": 404, "change_request.title_required": 422, "change_request.title_too_long": 422,
    "change_request.direct_commit_forbidden": 403, "suggestion.outdated": 409, "suggestion.bad_range": 422,
    "suggestion.overlap": 422, "suggestion.empty": 422, "review.bad_verdict": 422,
}


@contextlib.contextmanager
def review_errors() -> Iterator[None]:
    """Turn ``review/`` errors into UserError so pages and the API say them in the reader's language."""
    try:
        yield
    except ReviewError as error:
        params = {k: v for k, v in error.params.items() if k != "missing"}
        if "missing" in error.params:
            params["missing"] = "; ".join(describe_missing(review_policy.Missing.from_dict(m))
                                          for m in error.params["missing"])
        raise UserError(error.code, status=STATUS.get(error.code, 400), **params) from None


def describe_ignored(ignored: review_policy.IgnoredReview) -> str:
    return review_policy.describe_ignored(ignored, lang())


def lang() -> str:
    return "zh-CN" if has_request_context() and locale_code() == "zh_CN" else "en"


def describe_missing(missing: review_policy.Missing) -> str:
    return review_policy.describe(missing, lang())


# ------------------------------------------------------------------ records

def to_domain(row: ChangeRequest) -> workflow.ChangeRequest:
    return workflow.ChangeRequest(
        number=row.number, book=row.book, title=row.title, description=row.description or "",
        author=row.author_name, author_side=row.author_side, branch=row.branch, base=row.base, state=row.state,
        head=row.head, merged_sha=row.merged_sha)


def _store(row: ChangeRequest, cr: workflow.ChangeRequest) -> None:
    row.state, row.head, row.merged_sha, row.title = cr.state, cr.head, cr.merged_sha, cr.title
    row.updated_at = utcnow()


def get_cr(book: str, number: int) -> ChangeRequest:
    row = db().scalar(select(ChangeRequest).where(ChangeRequest.number == number, ChangeRequest.book == book))
    if row is None:
        raise UserError("change_request.not_found", status=404, number=number)
    return row


def cr_for_branch(branch: str) -> ChangeRequest | None:
    """The change request whose branch is ``branch`` (None for any other branch)."""
    match = BRANCH.match(branch or "")
    if not match:
        return None
    return db().scalar(select(ChangeRequest).where(ChangeRequest.number == int(match.group(1))))


def cr_url(row: ChangeRequest, **kwargs: Any) -> str:
    return url_for("change_requests.show", book=row.book, number=row.number, **kwargs)


def is_author(user: Any, row: ChangeRequest) -> bool:
    return getattr(user, "is_authenticated", False) and row.author_id == user.id


def may_write_cr(user: Any, row: ChangeRequest) -> bool:
    """Its author, or a maintainer of the book, may commit to an active change request."""
    if row.state not in ACTIVE or not may(user, Ability.write, row.book):
        return False
    return is_author(user, row) or may(user, Ability.maintain, row.book)


def may_manage(user: Any, row: ChangeRequest) -> bool:
    """Closing, reopening, drafting, updating, retitling: the author or a maintainer."""
    return may(user, Ability.write, row.book) and (is_author(user, row) or may(user, Ability.maintain, row.book))


def _require_manage(user: Any, row: ChangeRequest) -> None:
    if not may_manage(user, row):
        raise UserError("change_request.not_yours", status=403, number=row.number)


def may_merge(user: Any, row: ChangeRequest) -> bool:
    """Who may press merge: a reviewer of the book, but not on their own change request unless they
    maintain the book (whether the policy holds is the verdict's part)."""
    return may(user, Ability.review, row.book) and (not is_author(user, row) or may(user, Ability.maintain, row.book))


def _next_number() -> int:
    return (db().scalar(select(func.max(ChangeRequest.number))) or 0) + 1


def open_cr(user: Any, book: str, title: str, description: str = "", *, draft: bool = False,
            origin: str | None = None) -> ChangeRequest:
    """Start a change request on ``book``: branch ``cr/<n>`` from main, record, audit, ask for reviews."""
    if not may(user, Ability.write, book):
        raise UserError("http.403", status=403)
    lib = library()
    description = (description or "")[:MAX_BODY]
    number = _next_number()
    for _attempt in range(20):
        try:
            with review_errors():
                cr = workflow.open_change_request(lib, number=number, book=book, title=title, author=user.username,
                                                  author_side=user.side, description=description, draft=draft)
            break
        except UserError as error:
            if error.code != "change_request.exists":
                raise
            number += 1  # a branch of that number exists (another process, or an old record)
    else:
        raise UserError("change_request.exists", status=409, number=number)
    row = ChangeRequest(number=cr.number, book=book, title=cr.title, description=cr.description,
                        author_id=user.id, author_name=user.username, author_side=user.side, branch=cr.branch,
                        base=cr.base, head=cr.head, state=cr.state, origin=origin)
    db().add(row)
    try:
        db().flush()
    except IntegrityError:
        db().rollback()
        lib.delete_branch(cr.branch)
        raise UserError("change_request.exists", status=409, number=cr.number) from None
    record("change_request.open", target=_target(row), title=row.title, state=row.state)
    db().commit()
    schedule_checks(row)
    if row.state == "open":
        _ask_for_reviews(user, row)
    db().commit()
    return row


def _target(row: ChangeRequest) -> str:
    return f"{row.book}#{row.number}"


def _people_of_book(book: str, roles: tuple[Role, ...]) -> list[int]:
    return list(db().scalars(select(Membership.user_id).where(Membership.book == book,
                                                              Membership.role.in_([r.value for r in roles]))))


def _ask_for_reviews(actor: Any, row: ChangeRequest) -> None:
    reviewers = [i for i in _people_of_book(row.book, (Role.reviewer, Role.maintainer)) if i != actor.id]
    notify(reviewers, "review_requested", cr_url(row), "cr.review_requested", _params(actor, row))


def _params(actor: Any, row: ChangeRequest) -> dict[str, Any]:
    return {"actor": actor.display_name or actor.username, "number": row.number, "title": row.title,
            "book": row.book}


def _participants(row: ChangeRequest) -> list[int]:
    """The author, everyone who reviewed or commented: who hears about what happens next."""
    ids = [row.author_id]
    ids += [r.reviewer_id for r in row.reviews]
    ids += [c.author_id for c in row.comments]
    return [i for i in dict.fromkeys(ids) if i is not None]


def _tell(actor: Any, row: ChangeRequest, kind: str, code: str, only: list[int] | None = None) -> None:
    ids = [i for i in (only if only is not None else _participants(row)) if i != actor.id]
    notify(ids, kind, cr_url(row), code, _params(actor, row))


# ------------------------------------------------------------------ heads and checks

def sync_head(row: ChangeRequest) -> bool:
    """Read the branch head (the editor may have saved); on a new head follow comments and run checks."""
    if row.state not in ACTIVE:
        return False
    head = library().branch_head(row.branch)
    if head is None or head == row.head:
        return False
    _on_new_head(row, head)
    db().commit()
    schedule_checks(row)
    return True


def _on_new_head(row: ChangeRequest, head: str) -> None:
    lib = library()
    old_head = row.head
    row.head = head
    row.updated_at = utcnow()
    texts: dict[tuple[str, str], str | None] = {}

    def text(rev: str, path: str) -> str | None:
        if (rev, path) not in texts:
            try:
                texts[rev, path] = lib.read_text(rev, path)
            except (NotFound, MaterialsError):
                texts[rev, path] = None
        return texts[rev, path]

    for comment in row.comments:
        if comment.path is None or comment.outdated or comment.commit in (None, head):
            continue
        old = text(comment.commit, comment.path)
        anchor = anchors.Anchor(comment.path, comment.line or 0, comment.line_text or "", comment.commit)
        moved = anchors.follow(anchor, old, text(head, comment.path), head) if old is not None else anchors.OUTDATED
        if moved is anchors.OUTDATED:
            comment.outdated = True
        else:
            comment.line, comment.commit = moved.line, moved.commit
    del old_head


def check_names(book: str) -> list[str]:
    """What runs on each head: the checks the policy requires, then every other registered one
    (except the site build, which takes seconds: only when the policy asks for it)."""
    required = list(policy_of(book).checks)
    return list(dict.fromkeys(required + [n for n in registered_checks() if n != "build" or n in required]))


def schedule_checks(row: ChangeRequest) -> None:
    """Pending rows for each check on the current head, and a job to run them (once per head);
    the queued checks of the change request's earlier heads are cancelled."""
    if row.state not in ACTIVE:
        return
    existing = set(db().scalars(select(CheckRun.name).where(CheckRun.change_request_id == row.id,
                                                            CheckRun.head == row.head)))
    for name in check_names(row.book):
        if name not in existing:
            db().add(CheckRun(change_request_id=row.id, name=name, head=row.head, status="pending", findings=[]))
    db().commit()
    enqueue(db(), "change_request.checks", {"id": row.id, "head": row.head}, key=f"cr-checks:{row.id}:{row.head}",
            supersedes=f"cr-checks:{row.id}:")


@job_kind("change_request.checks")
def run_checks_job(job: JobContext) -> dict[str, Any]:
    """Run every check of one head and store each result with its findings."""
    lib = library()
    results: dict[str, str] = {}
    with new_session(job.app) as session:
        row = session.get(ChangeRequest, job.payload["id"])
        if row is None:
            return {"skipped": "gone"}
        head = job.payload["head"]
        base = lib.merge_base(MAIN, head)
        runs = session.scalars(select(CheckRun).where(CheckRun.change_request_id == row.id, CheckRun.head == head)).all()
        for run in runs:
            session.refresh(row)
            if row.state not in ACTIVE or row.head != head:
                raise Superseded(f"change request #{row.number} moved on to {row.head[:10]} ({row.state})")
            try:
                result = run_check(run.name, lib, row.book, head, base)
            except Exception as error:  # a broken check fails itself, never the others
                job.log(f"{run.name}: {error!r}")
                result = CheckResult(run.name, "failed", (Finding("", None, "check.crashed", {"check": run.name},
                                                                  str(error)),), head)
            run.status = result.status
            run.findings = [f.to_dict() for f in result.findings]
            run.finished_at = utcnow()
            results[run.name] = result.status
            job.log(f"{run.name}: {result.status} ({len(result.findings)} findings)")
        session.commit()
    return results


def check_runs(row: ChangeRequest, head: str | None = None) -> list[CheckRun]:
    return list(db().scalars(select(CheckRun).where(CheckRun.change_request_id == row.id,
                                                    CheckRun.head == (head or row.head)).order_by(CheckRun.name)))


def described_findings(row: ChangeRequest, run: CheckRun) -> list[dict[str, Any]]:
    """A check's findings as the page and the API give them: each with its text in the reader's
    language (materials' codes keep the message materials wrote) and the place it points to."""
    return [{**f, "text": describe_code(f["code"], f.get("params") or {}, f.get("message", ""), translate=gettext),
             "url": check_url(row, f)} for f in run.findings or []]


# ------------------------------------------------------------------ policy

def policy_of(book: str) -> review_policy.ReviewPolicy:
    """The book's policy as main has it (a change request cannot relax its own rules)."""
    lib = library()
    try:
        config = lib.book(book, MAIN, chapters=False).config.review
        return review_policy.ReviewPolicy.from_config(config)
    except (MaterialsError, ReviewError):
        return review_policy.ReviewPolicy()  # the strict defaults; the front-matter check reports the mistake


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


# ------------------------------------------------------------------ working on a change request

def commit_to_cr(user: Any, row: ChangeRequest, changes: list, message: str, base: str | None = None) -> Saved:
    """Save ``changes`` on the change request as one commit by ``user`` (EditConflict on overlap)."""
    if not may_write_cr(user, row):
        raise UserError("change_request.not_yours", status=403, number=row.number)
    lib = library()
    changes = check_written_files(row.book, changes)
    sync_head(row)
    with review_errors():
        cr, saved = workflow.commit_to(lib, to_domain(row), changes, git_author(user), message, base)
    if cr.head != row.head:
        _on_new_head(row, cr.head)
        db().commit()
        schedule_checks(row)
    return saved


def update_from_main(user: Any, row: ChangeRequest) -> str:
    """Merge main into the change request; ``EditConflict`` (nothing written) when passages collide."""
    _require_manage(user, row)
    sync_head(row)
    try:
        with review_errors():
            cr = workflow.update_from_main(library(), to_domain(row), git_author(user))
    except EditConflict as conflict:
        raise _told_from_the_change_request(conflict) from None
    if cr.head != row.head:
        _on_new_head(row, cr.head)
        record("change_request.update", target=_target(row), head=cr.head)
        db().commit()
        schedule_checks(row)
    return cr.head


def _told_from_the_change_request(conflict: EditConflict) -> EditConflict:
    """The collision as the person updating their change request reads it.

    The library merges main *into* the branch, so its "theirs" is the text the
    branch has (the change request's) and its "yours" is main's; here theirs is
    main's text and yours the change request's, with the merged proposal marked
    the same way.
    """
    files = []
    for c in conflict.conflicts:
        theirs, yours = c.yours, c.theirs
        merged = merge_text(c.base or "", theirs, yours)[0] if theirs is not None and yours is not None else c.merged
        files.append(ConflictedFile(c.path, c.base, theirs, yours, merged))
    return EditConflict(files, head=conflict.head)


def resolve_update(user: Any, row: ChangeRequest, resolutions: dict[str, str], expected_head: str,
                   expected_main: str) -> str:
    """Finish an "update from main" that collided: a merge commit with the person's text for each file."""
    _require_manage(user, row)
    lib = library()
    head, main = lib.branch_head(row.branch), lib.resolve(MAIN)
    if head != expected_head or main != expected_main:
        raise UserError("change_request.update_moved", status=409, number=row.number)
    base = lib.merge_base(main, head)
    tree = lambda rev: lib.objects.commit(rev).tree if rev else None  # noqa: E731
    theirs = tree_changes(lib.objects, tree(base), tree(main))
    ours = tree_changes(lib.objects, tree(base), tree(head))
    read = lambda entry: lib.objects.read(entry.sha)[1]  # noqa: E731
    changes: list = []
    for path, (old, new) in sorted(theirs.items()):
        if path in resolutions:
            text = normalise_text(resolutions[path])
            if re.search(r"^(<<<<<<<|>>>>>>>)( |$)", text, re.MULTILINE):
                raise UserError("change_request.update_unresolved", status=409, path=path)
            if path.endswith(".md"):
                parse_chapter(text, path)  # refuse a chapter the library could not read
            changes.append(Write(path, text))
        elif path not in ours or ours[path][1] == new:
            changes.append(Write(path, read(new)) if new else Delete(path))
        else:
            mine = ours[path][1]
            datas = [read(e).decode("utf-8", "replace") if e else "" for e in (old, mine, new)]
            merged, clean = merge_text(datas[0], datas[2], datas[1])
            if not clean:
                raise UserError("change_request.update_unresolved", status=409, path=path)
            changes.append(Write(path, merged))
    message = f"Update change request #{row.number} from main"
    saved = lib.commit(row.branch, changes, git_author(user), message, base=head, parents_extra=(main,))
    _on_new_head(row, saved.sha)
    record("change_request.update", target=_target(row), head=saved.sha, resolved=sorted(resolutions))
    db().commit()
    schedule_checks(row)
    return saved.sha


# ------------------------------------------------------------------ reviews, overrides, merging

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
    record(f"change_request.{verdict}", target=_target(row), head=row.head)
    db().flush()
    code = {"approve": "cr.approved", "request_changes": "cr.changes_requested"}.get(verdict, "cr.commented_review")
    kind = {"approve": "approval", "request_changes": "changes_requested"}.get(verdict, "comment")
    _tell(user, row, kind, code)
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
    record("change_request.override", target=_target(row), reviewer=reviewer, reason=reason[:500])
    db().flush()
    _tell(user, row, "other", "cr.overridden")
    db().commit()
    return row_override


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
    _store(row, outcome.change_request)
    row.merged_by = user.username
    row.closed_at = utcnow()
    record("change_request.merge", target=_target(row), merged=outcome.change_request.merged_sha,
           method=pol.merge_method, branch_deleted=outcome.branch_deleted)
    change_request_merged.send(current_app._get_current_object(), change_request=row)
    db().flush()
    _tell(user, row, "merged", "cr.merged")
    db().commit()
    return outcome.change_request.merged_sha or ""


def change_state(user: Any, row: ChangeRequest, action: str) -> ChangeRequest:
    """close | reopen | ready (draft -> open) | draft (open -> draft)."""
    _require_manage(user, row)
    lib = library()
    with review_errors():
        cr = to_domain(row)
        if action == "close":
            new = workflow.close(cr)
        elif action == "reopen":
            new = workflow.reopen(lib, cr)
        elif action == "ready":
            new = workflow.mark_ready(cr)
        elif action == "draft":
            new = workflow.convert_to_draft(cr)
        else:
            raise UserError("request.invalid", status=422, detail=f"action: {action[:20]}")
    old_head = row.head
    _store(row, new)
    row.closed_at = utcnow() if new.state == "closed" else None
    if new.head != old_head:
        row.head = old_head
        _on_new_head(row, new.head)
    record(f"change_request.{action}", target=_target(row), state=row.state)
    db().flush()
    if action == "ready" or (action == "reopen" and row.state == "open"):
        _ask_for_reviews(user, row)
    elif action == "close":
        _tell(user, row, "closed", "cr.closed")
    db().commit()
    schedule_checks(row)
    return row


def edit_details(user: Any, row: ChangeRequest, title: str, description: str) -> None:
    _require_manage(user, row)
    title = (title or "").strip()
    if not title:
        raise UserError("change_request.title_required", status=422)
    if len(title) > 200:
        raise UserError("change_request.title_too_long", status=422, limit=200)
    row.title, row.description = title, (description or "")[:MAX_BODY]
    record("change_request.edit", target=_target(row))
    db().commit()


# ------------------------------------------------------------------ comments and suggestions

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
        _tell(user, row, "comment", "cr.comment")
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
    _tell(user, row, "comment", "cr.comment")
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
    _on_new_head(row, cr.head)
    record("change_request.apply_suggestion", target=_target(row), suggestion=suggestion.id, commit=saved.sha)
    db().flush()
    if suggestion.comment.author_id:
        _tell(user, row, "comment", "cr.suggestion_applied", only=[suggestion.comment.author_id])
    db().commit()
    schedule_checks(row)
    return saved


# ------------------------------------------------------------------ lists

def open_crs_of(user: Any, book: str) -> list[ChangeRequest]:
    """The person's active change requests on a book, newest first (what "continue editing" offers)."""
    return list(db().scalars(select(ChangeRequest).where(
        ChangeRequest.book == book, ChangeRequest.author_id == user.id, ChangeRequest.state.in_(ACTIVE))
        .order_by(ChangeRequest.updated_at.desc(), ChangeRequest.id.desc())))


def book_crs(book: str, state: str | None = None) -> list[ChangeRequest]:
    query = select(ChangeRequest).where(ChangeRequest.book == book)
    if state == "active":
        query = query.where(ChangeRequest.state.in_(ACTIVE))
    elif state:
        query = query.where(ChangeRequest.state == state)
    return list(db().scalars(query.order_by(ChangeRequest.number.desc()).limit(500)))


def my_crs(user: Any) -> list[ChangeRequest]:
    return list(db().scalars(select(ChangeRequest).where(ChangeRequest.author_id == user.id)
                             .order_by(ChangeRequest.state.in_(ACTIVE).desc(), ChangeRequest.number.desc())
                             .limit(200)))


def awaiting_review(user: Any) -> list[ChangeRequest]:
    """Open change requests on books I review, not mine, whose current head has no decisive review of mine."""
    from server.permissions import roles_of
    books = [b for b, role in roles_of(user).items() if role in (Role.reviewer, Role.maintainer)]
    if getattr(user, "is_admin", False):
        books = None  # administrators see every book's
    query = select(ChangeRequest).where(ChangeRequest.state == "open",
                                        or_(ChangeRequest.author_id.is_(None), ChangeRequest.author_id != user.id))
    if books is not None:
        if not books:
            return []
        query = query.where(ChangeRequest.book.in_(books))
    out = []
    for row in db().scalars(query.order_by(ChangeRequest.number.desc()).limit(200)):
        mine = [r for r in row.reviews if r.reviewer_id == user.id and r.verdict != "comment"]
        if not mine or mine[-1].head != row.head:
            out.append(row)
    return out


def diff_base(row: ChangeRequest) -> str:
    """Where the change starts: the merge base with main (for a merged CR, with main just before the merge)."""
    lib = library()
    if row.state == "merged" and row.merged_sha:
        parents = lib.objects.commit(row.merged_sha).parents
        target = parents[0] if parents else row.merged_sha
        return lib.merge_base(target, row.head) or row.base
    try:
        return lib.merge_base(MAIN, row.head) or row.base
    except MaterialsError:
        return row.base


def when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def check_url(row: ChangeRequest, finding: dict[str, Any]) -> str | None:
    """Where a finding points: the file in the change's diff at its line, or the chapter page."""
    path = finding.get("path") or ""
    if not path:
        return None
    anchor = f"#L-{_path_id(path)}-{finding['line']}" if finding.get("line") else f"#F-{_path_id(path)}"
    return url_for("change_requests.files", book=row.book, number=row.number) + anchor


def _path_id(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", path)


# ------------------------------------------------------------------ home page

def home_items(_app: Flask, user: Any, **_: Any) -> dict[str, list[HomeItem]]:
    """The home page's change requests (the ``home_panels`` signal): those awaiting my review, my active ones."""
    return {
        "reviews": [HomeItem(title=f"#{r.number} {r.title}", url=cr_url(r), detail=r.book, side=r.author_side)
                    for r in awaiting_review(user)[:20]],
        "drafts": [HomeItem(title=f"#{r.number} {r.title}", url=cr_url(r), detail=r.book)
                   for r in my_crs(user) if r.state in ACTIVE][:20],
    }


def init_change_requests(app: Flask) -> None:
    """Change requests' part in the application: their lines on the home page."""
    home_panels.connect(home_items, sender=app)
