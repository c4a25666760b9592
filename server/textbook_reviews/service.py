"""The review of a release (送审 → 审读 → 审核会议 → 签署), as the rules for vocational textbooks ask.

A maintainer submits a release tag; an administrator forms the panel (never
one of the book's authors, as the history names them); each member records a
verdict per criterion, comments on chapters of exactly that release and an
overall opinion; the chair records the meeting and the conclusion, which
freezes the record; each member then signs the SHA-256 of that text. When the
last member signs, the record and its signatures are written into the library
(``materials.review_records``), where nothing may change it again.
"""


from __future__ import annotations
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from flask import current_app
from sqlalchemy import func, select
from build.review_marks import mark_reviewed
from materials import Author, MaterialsError, NotFound
from materials.contributions import contributors
from materials.starter import PLATFORM
from materials.review_records import (SignedRecordChanged, digest, dump, read_record, record_text, split_record,
                                      write_record)
from server.accounts.models import User
from server.accounts.service import git_addresses
from server.audit.service import record
from server.change_requests.models import ChangeRequest
from server.database import db, utcnow
from server.errors import UserError
from server.library import book_title, library
from server.permissions import Ability, is_admin, may
from server.sites.service import sites_dir
from server.textbook_reviews import messages  # noqa: F401 - registers the messages of this domain
from server.textbook_reviews.models import (CONCLUSIONS, VERDICTS, CriterionVerdict, PanelMember, ReadingComment,
                                            RequiredRevision, TextbookReview)
from build.site import release_tag


CORE_CRITERIA = ("思想性", "科学性", "适宜性")
MAX_MEMBERS = 15
OPEN_STATES = ("submitted", "reading", "signing")


def criteria() -> list[str]:
    """思想性, 科学性, 适宜性 and what the college adds in ``REVIEW_CRITERIA`` (a list or comma-separated text)."""
    extra = current_app.config.get("REVIEW_CRITERIA") or []
    if isinstance(extra, str):
        extra = extra.replace("，", ",").split(",")
    out = list(CORE_CRITERIA)
    for name in extra:
        name = str(name).strip()[:100]
        if name and name not in out:
            out.append(name)
    return out


# -- finding ------------------------------------------------------------------------------------------
def reviews_of(book: str) -> list[TextbookReview]:
    return list(db().scalars(select(TextbookReview).where(TextbookReview.book == book)
                             .order_by(TextbookReview.number.desc())))


def get_review(book: str, number: int) -> TextbookReview:
    review = db().scalar(select(TextbookReview).where(TextbookReview.book == book,
                                                      TextbookReview.number == number))
    if review is None:
        raise UserError("textbook_review.not_found", status=404, number=str(number))
    return review


def member_of(review: TextbookReview, user: Any) -> PanelMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return next((m for m in review.members if m.user_id == user.id), None)


def may_view(user: Any, review: TextbookReview) -> bool:
    """The book's team, administrators and the panel."""
    return may(user, Ability.read, review.book) or member_of(review, user) is not None


def check_view(user: Any, review: TextbookReview) -> None:
    if not may_view(user, review):
        raise UserError("textbook_review.forbidden", status=403)


def reviews_to_read(user: Any) -> list[TextbookReview]:
    """Open reviews on whose panel ``user`` sits: where a member finds what waits for them."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db().scalars(select(TextbookReview).join(PanelMember)
                             .where(PanelMember.user_id == user.id, TextbookReview.state.in_(OPEN_STATES))
                             .order_by(TextbookReview.id.desc())))


def by_version(book: str) -> dict[str, TextbookReview]:
    """Version -> its latest review, for the releases page."""
    found: dict[str, TextbookReview] = {}
    for review in reviews_of(book):
        found.setdefault(review.version, review)
    return found


# -- submitting ---------------------------------------------------------------------------------------
def submit(user: Any, book: str, version: str, note: str = "") -> TextbookReview:
    """A maintainer submits the release ``<book>/v<version>`` (a release or a release-candidate tag)."""
    if not may(user, Ability.maintain, book):
        raise UserError("textbook_review.forbidden", status=403)
    lib = library()
    tag = release_tag(book, version)
    commit = lib.tags().get(tag)
    if commit is None:
        raise UserError("textbook_review.no_release", status=404, version=version[:40])
    open_one = db().scalar(select(TextbookReview).where(TextbookReview.book == book,
                                                        TextbookReview.version == version,
                                                        TextbookReview.state.in_(OPEN_STATES)))
    if open_one is not None:
        raise UserError("textbook_review.already_open", status=409, version=version, number=str(open_one.number))
    previous = db().scalar(select(TextbookReview).where(TextbookReview.book == book,
                                                        TextbookReview.conclusion == "resubmit")
                           .order_by(TextbookReview.number.desc()))
    if previous is not None and db().scalar(select(TextbookReview.id).where(
            TextbookReview.previous_id == previous.id)) is not None:
        previous = None  # already resubmitted once
    number = (db().scalar(select(func.max(TextbookReview.number)).where(TextbookReview.book == book)) or 0) + 1
    review = TextbookReview(book=book, number=number, version=version, tag=tag, commit=commit,
                            tree=lib.subtree(commit, f"books/{book}") or "", note=(note or "").strip(),
                            previous=previous, submitted_by=user.username, submitted_at=utcnow())
    db().add(review)
    db().flush()
    record("textbook_review.submitted", f"{book}#{number}", version=version, commit=commit,
           resubmits=previous.number if previous else None)
    db().commit()
    return review


# -- the panel ----------------------------------------------------------------------------------------
def book_author_addresses(book: str, commit: str) -> set[str]:
    """The e-mail addresses of everyone who wrote in the book up to the reviewed commit."""
    return {row.email.lower() for row in contributors(library(), book, commit)}


@dataclass
class Nominee:
    username: str
    institution: str
    side: str


def form_panel(user: Any, review: TextbookReview, nominees: list[Nominee], chair: str) -> None:
    """An administrator names the panel and its chair; the book's authors cannot sit on it."""
    if not is_admin(user):
        raise UserError("textbook_review.admin_only", status=403)
    if review.state != "submitted":
        raise UserError("textbook_review.wrong_state", status=409)
    nominees = [n for n in nominees if n.username.strip()]
    if not nominees:
        raise UserError("textbook_review.panel_empty")
    if len(nominees) > MAX_MEMBERS:
        raise UserError("textbook_review.panel_too_large", limit=str(MAX_MEMBERS))
    if chair not in {n.username.strip() for n in nominees}:
        raise UserError("textbook_review.chair_not_member")
    sides = set(library().library_config().sides)
    authors = book_author_addresses(review.book, review.commit)
    seen: set[str] = set()
    members = []
    for n in nominees:
        name = n.username.strip()
        person = db().scalar(select(User).where(User.username == name))
        if person is None or not person.active:
            raise UserError("user.not_found", status=404, username=name[:64])
        if name in seen:
            raise UserError("textbook_review.member_twice", name=person.display_name)
        seen.add(name)
        if git_addresses(person) & authors:
            raise UserError("textbook_review.author_on_panel", name=person.display_name)
        institution = n.institution.strip()
        if not institution:
            raise UserError("textbook_review.institution_missing", name=person.display_name)
        if n.side not in sides:
            raise UserError("textbook_review.side_unknown", side=n.side[:32])
        members.append(PanelMember(user_id=person.id, username=person.username, display_name=person.display_name,
                                   institution=institution[:200], side=n.side, chair=name == chair))
    review.members = members
    review.panel_by = user.username
    review.state = "reading"
    record("textbook_review.panel_formed", f"{review.book}#{review.number}",
           members=[m.username for m in members], chair=chair)
    db().commit()


# -- reading ------------------------------------------------------------------------------------------
def _reading_member(user: Any, review: TextbookReview) -> PanelMember:
    member = member_of(review, user)
    if member is None:
        raise UserError("textbook_review.members_only", status=403)
    if review.state != "reading":
        raise UserError("textbook_review.record_frozen" if review.state in ("signing", "signed")
                        else "textbook_review.wrong_state", status=409)
    return member


def record_reading(user: Any, review: TextbookReview, verdicts: dict[str, tuple[str, str]], opinion: str) -> None:
    """A member's verdict on every criterion and overall opinion (they may revise it until the meeting)."""
    member = _reading_member(user, review)
    names = criteria()
    if set(verdicts) != set(names) or any(v not in VERDICTS for v, _ in verdicts.values()):
        raise UserError("textbook_review.verdict_missing")
    if not (opinion or "").strip():
        raise UserError("textbook_review.opinion_missing")
    member.verdicts = [CriterionVerdict(criterion=name, verdict=verdicts[name][0], note=verdicts[name][1].strip())
                       for name in names]
    member.opinion = opinion.strip()
    member.read_at = utcnow()
    record("textbook_review.reading", f"{review.book}#{review.number}")
    db().commit()


def chapters_of(review: TextbookReview) -> list[tuple[str, str]]:
    """(file name, title) of the chapters of exactly the reviewed release."""
    try:
        book = library().book(review.book, review.commit)
    except MaterialsError:
        return []
    return [(c.filename, c.meta.title) for c in book.chapters]


def add_comment(user: Any, review: TextbookReview, chapter: str, passage: str, body: str) -> ReadingComment:
    """A comment on a chapter, and optionally a passage quoted from it, of the reviewed release."""
    member = _reading_member(user, review)
    if not (body or "").strip():
        raise UserError("textbook_review.comment_empty")
    if chapter not in dict(chapters_of(review)):
        raise UserError("textbook_review.chapter_unknown", chapter=chapter[:120])
    passage = (passage or "").strip()
    if passage:
        try:
            text = library().read_text(review.commit, f"books/{review.book}/chapters/{chapter}")
        except (MaterialsError, NotFound):
            text = ""
        if passage not in text:
            raise UserError("textbook_review.passage_not_found", chapter=chapter)
    comment = ReadingComment(review=review, member=member, chapter=chapter, passage=passage, body=body.strip())
    db().add(comment)
    record("textbook_review.comment", f"{review.book}#{review.number}", chapter=chapter)
    db().commit()
    return comment


# -- the meeting and the conclusion -----------------------------------------------------------------
def record_meeting(user: Any, review: TextbookReview, *, meeting_date: date, attendees: list[int],
                   votes: dict[int, str], minutes: str, conclusion: str, revisions: list[str]) -> None:
    """The chair records the meeting and the conclusion; the record is frozen and goes to signing."""
    member = member_of(review, user)
    if member is None or not member.chair:
        raise UserError("textbook_review.chair_only", status=403)
    if review.state != "reading":
        raise UserError("textbook_review.record_frozen" if review.state in ("signing", "signed")
                        else "textbook_review.wrong_state", status=409)
    waiting = [m.display_name for m in review.members if m.read_at is None]
    if waiting:
        raise UserError("textbook_review.readings_missing", names="、".join(waiting))
    if conclusion not in CONCLUSIONS:
        raise UserError("textbook_review.conclusion_missing")
    ids = {m.id for m in review.members}
    if not attendees or not set(attendees) <= ids:
        raise UserError("textbook_review.attendees_missing")
    if set(votes) - set(attendees) or any(v not in CONCLUSIONS for v in votes.values()):
        raise UserError("textbook_review.votes_invalid")
    if not (minutes or "").strip():
        raise UserError("textbook_review.minutes_missing")
    revisions = [r.strip() for r in revisions if r.strip()]
    if conclusion == "resubmit" and not revisions:
        raise UserError("textbook_review.revisions_missing")
    if conclusion != "resubmit":
        revisions = []
    for m in review.members:
        m.attended = m.id in attendees
        m.vote = votes.get(m.id) if m.attended else None
    review.meeting_date = meeting_date
    review.minutes = minutes.strip()
    review.conclusion = conclusion
    review.concluded_at = utcnow()
    review.revisions = [RequiredRevision(number=i, text=text[:2000]) for i, text in enumerate(revisions, 1)]
    review.signed_text = record_fields_text(review)
    review.record_sha256 = digest(review.signed_text)
    review.state = "signing"
    record("textbook_review.concluded", f"{review.book}#{review.number}", conclusion=conclusion,
           sha256=review.record_sha256)
    db().commit()


def _stamp(when: datetime | None) -> str | None:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def record_fields_text(review: TextbookReview) -> str:
    """The record as every member signs it: the release judged, the panel, the readings, the meeting."""
    tally = {c: sum(1 for m in review.members if m.vote == c) for c in CONCLUSIONS}
    by_member: dict[int, list[ReadingComment]] = {}
    for c in review.comments:
        by_member.setdefault(c.member_id, []).append(c)
    data = {
        "review": {"book": review.book, "title": book_title(review.book, review.commit), "number": review.number,
                   "version": review.version, "tag": review.tag, "commit": review.commit,
                   "book_tree": review.tree},
        "submitted": {"by": review.submitted_by, "at": _stamp(review.submitted_at), "note": review.note,
                      "resubmits": review.previous.number if review.previous else None},
        "panel": [{"account": m.username, "name": m.display_name, "institution": m.institution, "side": m.side,
                   "chair": m.chair} for m in review.members],
        "readings": [{"account": m.username,
                      "verdicts": [{"criterion": v.criterion, "verdict": v.verdict, "note": v.note}
                                   for v in m.verdicts],
                      "comments": [{"chapter": c.chapter, "passage": c.passage, "comment": c.body}
                                   for c in by_member.get(m.id, [])],
                      "opinion": m.opinion, "read_at": _stamp(m.read_at)} for m in review.members],
        "meeting": {"date": review.meeting_date.isoformat() if review.meeting_date else None,
                    "attendees": [m.username for m in review.members if m.attended],
                    "votes": {m.username: m.vote for m in review.members if m.vote},
                    "tally": tally, "minutes": review.minutes},
        "conclusion": review.conclusion,
        "required_revisions": [r.text for r in review.revisions],
    }
    return dump(data)


def sign(user: Any, review: TextbookReview, sha256: str) -> None:
    """A member signs the frozen record; ``sha256`` is what their page showed them (it must still match)."""
    member = member_of(review, user)
    if member is None:
        raise UserError("textbook_review.members_only", status=403)
    if review.state != "signing":
        raise UserError("textbook_review.not_signing", status=409)
    if member.signed_at is not None:
        raise UserError("textbook_review.already_signed", status=409)
    if sha256 != review.record_sha256 or digest(review.signed_text) != review.record_sha256:
        raise UserError("textbook_review.record_changed", status=409)
    member.signed_at = utcnow()
    member.signed_sha256 = digest(review.signed_text)
    record("textbook_review.signed", f"{review.book}#{review.number}", sha256=member.signed_sha256)
    if all(m.signed_at for m in review.members):
        _write_into_library(user, review)
    db().commit()


def signatures(review: TextbookReview) -> list[dict[str, Any]]:
    return [{"account": m.username, "name": m.display_name, "signed_at": _stamp(m.signed_at),
             "sha256": m.signed_sha256} for m in review.members if m.signed_at]


def _write_into_library(user: Any, review: TextbookReview) -> None:
    text = record_text(review.signed_text, signatures(review))
    lib = library()
    # Written by the platform, not the last signer: signing a review makes nobody an author of the book.
    try:
        commit = write_record(lib, review.book, review.version, review.number, text, Author(*PLATFORM),
                              f"Record the signed review #{review.number} of {review.tag}\n\n"
                              f"Signed by {', '.join(m.username for m in review.members)}.")
    except SignedRecordChanged:
        # Written by an earlier attempt whose database commit failed: the same record, kept as it is.
        kept = read_record(lib, review.book, review.version, review.number)
        if split_record(kept)[0] != review.signed_text:
            raise
        commit = lib.resolve("main")
    review.record_path = f"books/{review.book}/reviews/{review.version}/{review.number}.yml"
    review.record_commit = commit
    review.signed_at = utcnow()
    review.state = "signed"
    record("textbook_review.recorded", f"{review.book}#{review.number}", path=review.record_path, commit=commit)
    if review.conclusion == "passed" and review.meeting_date:
        try:
            mark_reviewed(sites_dir(), review.book, review.version, review.meeting_date.isoformat())
        except MaterialsError:
            pass  # a release tagged by hand has no site to mark


def library_record(review: TextbookReview) -> str | None:
    """The record as the library holds it (None until signed)."""
    if not review.record_path:
        return None
    try:
        return library().read_text("main", review.record_path)
    except (MaterialsError, NotFound):
        return None


def passed_on(book: str, version: str) -> date | None:
    """When ``version`` passed review (the meeting's date), for the releases page and the site."""
    review = db().scalar(select(TextbookReview).where(TextbookReview.book == book, TextbookReview.version == version,
                                                      TextbookReview.state == "signed",
                                                      TextbookReview.conclusion == "passed")
                         .order_by(TextbookReview.number.desc()))
    return review.meeting_date if review else None


# -- required revisions ------------------------------------------------------------------------------
def link_revision(user: Any, review: TextbookReview, number: int, change_request: int | None) -> None:
    """A maintainer names the change request that addresses a required revision (None: unlink)."""
    if not may(user, Ability.maintain, review.book):
        raise UserError("textbook_review.forbidden", status=403)
    revision = next((r for r in review.revisions if r.number == number), None)
    if revision is None:
        raise UserError("textbook_review.revision_not_found", status=404, number=str(number))
    if change_request is not None:
        cr = db().scalar(select(ChangeRequest).where(ChangeRequest.number == change_request,
                                                     ChangeRequest.book == review.book))
        if cr is None:
            raise UserError("textbook_review.change_request_unknown", status=404, number=str(change_request))
    revision.change_request = change_request
    revision.linked_by = user.username
    record("textbook_review.revision_linked", f"{review.book}#{review.number}", revision=number,
           change_request=change_request)
    db().commit()


@dataclass
class RevisionStatus:
    revision: RequiredRevision
    change_request: ChangeRequest | None
    done: bool   # its change request is merged (and, for a resubmission, inside the release submitted)


def revision_statuses(review: TextbookReview, against: TextbookReview | None = None) -> list[RevisionStatus]:
    """Each required revision of ``review`` with its change request; with ``against`` (the resubmission),
    done only when the merge is part of the release submitted again."""
    numbers = [r.change_request for r in review.revisions if r.change_request]
    crs = {cr.number: cr for cr in db().scalars(select(ChangeRequest).where(ChangeRequest.number.in_(numbers),
                                                                            ChangeRequest.book == review.book))}
    lib = library()
    out = []
    for r in review.revisions:
        cr = crs.get(r.change_request) if r.change_request else None
        done = bool(cr and cr.state == "merged" and cr.merged_sha)
        if done and against is not None:
            try:
                done = lib.is_ancestor(cr.merged_sha, against.commit)
            except MaterialsError:
                done = False
        out.append(RevisionStatus(r, cr, done))
    return out
