"""Change request records on the server: finding them, who may act on them, who is told.

The rules come from ``review/`` and the Git from ``materials``; the records are
kept in SQL. One module per concept beside this one: ``lifecycle`` (opening,
closing, drafting), ``commits`` (new heads, saving, updating from main),
``checks``, ``reviews``, ``merging`` and ``comments`` (with suggestions).
Which change request an edit lands in is ``server.landing``'s rule. Each
state change is audited and tells the people concerned
(``server.notifications``).
"""
from __future__ import annotations

import contextlib
import re
from datetime import datetime
from typing import Any, Iterator

from flask import Flask, has_request_context, url_for
from sqlalchemy import or_, select

from materials import MaterialsError, chapter_path, parse_chapter
from materials.history import Diff
from review import policy as review_policy, workflow
from review.changes import ItemChange, standard_changes
from review.errors import ReviewError
from server import names
from server.accounts.models import Membership, Role, User
from server.books.signals import HomeItem, home_panels
from server.change_requests.models import ACTIVE, ChangeRequest, CoAuthor
from server.database import db, utcnow
from server.errors import UserError
from server.library import library
from server.notifications.service import notify
from server.permissions import Ability, may, roles_of
from server.templating import locale_code


MAIN = "main"
BRANCH = re.compile(r"^cr/([1-9][0-9]{0,8})$")
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
    """The sentence, naming the reviewer by their display name."""
    shown = review_policy.IgnoredReview(names.person(ignored.reviewer), ignored.reason)
    return review_policy.describe_ignored(shown, lang())


def lang() -> str:
    return "zh-CN" if has_request_context() and locale_code() == "zh_CN" else "en"


def describe_missing(missing: review_policy.Missing) -> str:
    """The sentence, naming a reviewer by their display name."""
    if missing.params.get("reviewer"):
        missing = review_policy.Missing(missing.code, **{**missing.params,
                                                         "reviewer": names.person(missing.params["reviewer"])})
    return review_policy.describe(missing, lang())


def to_domain(row: ChangeRequest) -> workflow.ChangeRequest:
    return workflow.ChangeRequest(
        number=row.number, book=row.book, title=row.title, description=row.description or "",
        author=row.author_name, author_side=row.author_side, branch=row.branch, base=row.base, state=row.state,
        head=row.head, merged_sha=row.merged_sha, co_authors=tuple(c.username for c in row.co_authors))


def store(row: ChangeRequest, cr: workflow.ChangeRequest) -> None:
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


def is_co_author(user: Any, row: ChangeRequest) -> bool:
    """Did the author ask this person to write the change request with them?"""
    return getattr(user, "is_authenticated", False) and any(c.user_id == user.id for c in row.co_authors)


def may_write_cr(user: Any, row: ChangeRequest) -> bool:
    """Its author, its co-authors, or a maintainer of the book, may commit to an active change request
    (a co-author only while they still have write access to the book)."""
    if row.state not in ACTIVE or not may(user, Ability.write, row.book):
        return False
    return is_author(user, row) or is_co_author(user, row) or may(user, Ability.maintain, row.book)


def may_manage(user: Any, row: ChangeRequest) -> bool:
    """Closing, reopening, drafting, updating, retitling: the author or a maintainer."""
    return may(user, Ability.write, row.book) and (is_author(user, row) or may(user, Ability.maintain, row.book))


def require_manage(user: Any, row: ChangeRequest) -> None:
    if not may_manage(user, row):
        raise UserError("change_request.not_yours", status=403, number=row.number)


def may_merge(user: Any, row: ChangeRequest) -> bool:
    """Who may press merge: a reviewer of the book, but not on their own change request unless they
    maintain the book (whether the policy holds is the verdict's part)."""
    writer = is_author(user, row) or is_co_author(user, row)
    return may(user, Ability.review, row.book) and (not writer or may(user, Ability.maintain, row.book))


def who_may_merge(row: ChangeRequest) -> list[str]:
    """The display names of the people who may press merge once the policy holds (for everyone else's page)."""
    people = db().scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.book == row.book, Membership.role.in_([Role.reviewer.value, Role.maintainer.value]),
        User.active.is_(True)).order_by(User.display_name))
    return [p.display_name or p.username for p in people if may_merge(p, row)]


def audit_target(row: ChangeRequest) -> str:
    return f"{row.book}#{row.number}"


def _people_of_book(book: str, roles: tuple[Role, ...]) -> list[int]:
    return list(db().scalars(select(Membership.user_id).where(Membership.book == book,
                                                              Membership.role.in_([r.value for r in roles]))))


def ask_for_reviews(actor: Any, row: ChangeRequest) -> None:
    reviewers = [i for i in _people_of_book(row.book, (Role.reviewer, Role.maintainer)) if i != actor.id]
    notify(reviewers, "review_requested", cr_url(row), "cr.review_requested", _params(actor, row))


def _params(actor: Any, row: ChangeRequest) -> dict[str, Any]:
    return {"actor": actor.display_name or actor.username, "number": row.number, "title": row.title,
            "book": row.book}


def _participants(row: ChangeRequest) -> list[int]:
    """The author, everyone who reviewed or commented: who hears about what happens next."""
    ids = [row.author_id]
    ids += [c.user_id for c in row.co_authors]
    ids += [r.reviewer_id for r in row.reviews]
    ids += [c.author_id for c in row.comments]
    return [i for i in dict.fromkeys(ids) if i is not None]


def tell(actor: Any, row: ChangeRequest, kind: str, code: str, only: list[int] | None = None) -> None:
    ids = [i for i in (only if only is not None else _participants(row)) if i != actor.id]
    notify(ids, kind, cr_url(row), code, _params(actor, row))


def policy_of(book: str) -> review_policy.ReviewPolicy:
    """The book's policy as main has it (a change request cannot relax its own rules)."""
    lib = library()
    try:
        config = lib.book(book, MAIN, chapters=False).config.review
        return review_policy.ReviewPolicy.from_config(config)
    except (MaterialsError, ReviewError):
        return review_policy.ReviewPolicy()  # the strict defaults; the front-matter check reports the mistake


def open_crs_of(user: Any, book: str) -> list[ChangeRequest]:
    """The person's active change requests on a book, their own and those they co-write, newest first
    (what "continue editing" offers)."""
    return list(db().scalars(select(ChangeRequest).where(
        ChangeRequest.book == book, _written_by(user), ChangeRequest.state.in_(ACTIVE))
        .order_by(ChangeRequest.updated_at.desc(), ChangeRequest.id.desc())))


def _written_by(user: Any):
    """The change requests ``user`` opened or was made a co-author of."""
    return or_(ChangeRequest.author_id == user.id,
               ChangeRequest.id.in_(select(CoAuthor.change_request_id).where(CoAuthor.user_id == user.id)))


def book_crs(book: str, state: str | None = None) -> list[ChangeRequest]:
    query = select(ChangeRequest).where(ChangeRequest.book == book)
    if state == "active":
        query = query.where(ChangeRequest.state.in_(ACTIVE))
    elif state:
        query = query.where(ChangeRequest.state == state)
    return list(db().scalars(query.order_by(ChangeRequest.number.desc()).limit(500)))


def my_crs(user: Any) -> list[ChangeRequest]:
    return list(db().scalars(select(ChangeRequest).where(_written_by(user))
                             .order_by(ChangeRequest.state.in_(ACTIVE).desc(), ChangeRequest.number.desc())
                             .limit(200)))


def awaiting_review(user: Any) -> list[ChangeRequest]:
    """Open change requests on books I review, not mine nor co-written by me, whose current head has no
    decisive review of mine."""
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
        if is_co_author(user, row):
            continue
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


def what_changes(row: ChangeRequest, base: str) -> tuple[Diff, list[ItemChange], list[ItemChange]]:
    """What the change request changes in its book since ``base``: the diff, and the standard items
    its chapters start and stop covering (added, removed)."""
    lib = library()
    diff = lib.diff(base, row.head, [f"books/{row.book}"])
    added, removed = standard_changes(lib, row.book, base, row.head, [f.path for f in diff.files])
    return diff, added, removed


def chapter_title(book: str, filename: str) -> str:
    """A chapter's title on main (its file name when it cannot be read): a new change request's default title."""
    try:
        path = chapter_path(book, filename)
        meta, _ = parse_chapter(library().read_text(MAIN, path), path)
        return meta.title
    except (MaterialsError, ValueError):
        return filename


def when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


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
