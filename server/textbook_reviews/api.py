"""Textbook review over the API: every step of the review page, for scripts and the college's own systems."""


from __future__ import annotations
from typing import Any
from flask_login import current_user
from server.rest.registry import endpoint
from server.rest.schemas import BookName
from server.errors import UserError
from server.library import book_title
from server.permissions import Ability, book_access, signed_in
from server.textbook_reviews import schemas, service
from server.textbook_reviews.models import TextbookReview


def review_json(review: TextbookReview) -> dict[str, Any]:
    def revisions(statuses):
        return [{"number": s.revision.number, "text": s.revision.text, "change_request": s.revision.change_request,
                 "done": s.done} for s in statuses]

    previous = review.previous
    return {
        "book": review.book, "number": review.number, "version": review.version, "tag": review.tag,
        "commit": review.commit, "state": review.state, "note": review.note,
        "resubmits": previous.number if previous else None, "submitted_by": review.submitted_by,
        "submitted_at": review.submitted_at, "criteria": service.criteria(),
        "members": [{"id": m.id, "username": m.username, "display_name": m.display_name,
                     "institution": m.institution, "side": m.side, "chair": m.chair, "read": m.read_at is not None,
                     "verdicts": [{"criterion": v.criterion, "verdict": v.verdict, "note": v.note} for v in m.verdicts],
                     "opinion": m.opinion, "attended": m.attended, "vote": m.vote, "signed_at": m.signed_at,
                     "signed_sha256": m.signed_sha256} for m in review.members],
        "comments": [{"id": c.id, "member": c.member.username, "chapter": c.chapter, "passage": c.passage,
                      "body": c.body} for c in review.comments],
        "meeting_date": review.meeting_date, "minutes": review.minutes, "conclusion": review.conclusion,
        "record_sha256": review.record_sha256, "record_path": review.record_path,
        "required_revisions": revisions(service.revision_statuses(review)),
        "previous_revisions": revisions(service.revision_statuses(previous, against=review)) if previous else [],
    }


def _review(book: str, number: int) -> TextbookReview:
    book_title(book)
    review = service.get_review(book, number)
    service.check_view(current_user, review)
    return review


PARAMS = {"book": BookName, "number": schemas.ReviewNumber}


@endpoint("GET", "/books/{book}/textbook-reviews", summary="A book's textbook reviews, newest first",
          params={"book": BookName}, response=schemas.TextbookReviewList, tags=["textbook reviews"], errors=(503,))
@book_access(Ability.read)
def list_textbook_reviews(book: str) -> dict[str, Any]:
    book_title(book)
    return {"book": book, "reviews": [review_json(r) for r in service.reviews_of(book)]}


@endpoint("POST", "/books/{book}/textbook-reviews", summary="Submit a release for review (送审)",
          params={"book": BookName}, body=schemas.NewReview, response=schemas.TextbookReview, status=201,
          tags=["textbook reviews"], errors=(400, 404, 409, 503))
@book_access(Ability.maintain)
def submit_textbook_review(book: str, body: schemas.NewReview) -> dict[str, Any]:
    book_title(book)
    return review_json(service.submit(current_user, book, body.version.strip(), body.note))


@endpoint("GET", "/books/{book}/textbook-reviews/{number}", summary="One textbook review", params=PARAMS,
          response=schemas.TextbookReview, tags=["textbook reviews"], errors=(403, 404, 503))
@signed_in
def get_textbook_review(book: str, number: int) -> dict[str, Any]:
    return review_json(_review(book, number))


@endpoint("PUT", "/books/{book}/textbook-reviews/{number}/panel", summary="Form the panel (administrators)",
          params=PARAMS, body=schemas.Panel, response=schemas.TextbookReview, tags=["textbook reviews"],
          errors=(400, 403, 404, 409, 503))
@signed_in
def form_textbook_review_panel(book: str, number: int, body: schemas.Panel) -> dict[str, Any]:
    review = _review(book, number)
    service.form_panel(current_user, review, [service.Nominee(n.username, n.institution, n.side)
                                              for n in body.members], body.chair)
    return review_json(review)


@endpoint("PUT", "/books/{book}/textbook-reviews/{number}/reading", summary="Record my reading (panel members)",
          params=PARAMS, body=schemas.Reading, response=schemas.TextbookReview, tags=["textbook reviews"],
          errors=(400, 403, 404, 409, 503))
@signed_in
def record_textbook_review_reading(book: str, number: int, body: schemas.Reading) -> dict[str, Any]:
    review = _review(book, number)
    service.record_reading(current_user, review, {v.criterion: (v.verdict, v.note) for v in body.verdicts},
                           body.opinion)
    return review_json(review)


@endpoint("POST", "/books/{book}/textbook-reviews/{number}/comments",
          summary="Comment on a chapter of the reviewed release (panel members)", params=PARAMS,
          body=schemas.NewComment, response=schemas.TextbookReview, status=201, tags=["textbook reviews"],
          errors=(400, 403, 404, 409, 503))
@signed_in
def comment_textbook_review(book: str, number: int, body: schemas.NewComment) -> dict[str, Any]:
    review = _review(book, number)
    service.add_comment(current_user, review, body.chapter, body.passage, body.body)
    return review_json(review)


@endpoint("PUT", "/books/{book}/textbook-reviews/{number}/meeting",
          summary="Record the meeting and the conclusion (the chair); freezes the record", params=PARAMS,
          body=schemas.Meeting, response=schemas.TextbookReview, tags=["textbook reviews"],
          errors=(400, 403, 404, 409, 503))
@signed_in
def record_textbook_review_meeting(book: str, number: int, body: schemas.Meeting) -> dict[str, Any]:
    review = _review(book, number)
    ids = {m.username: m.id for m in review.members}
    if set(body.attendees) - set(ids) or set(body.votes) - set(ids):
        raise UserError("textbook_review.attendees_missing")
    service.record_meeting(current_user, review, meeting_date=body.meeting_date, attendees=[ids[a] for a in body.attendees],
                           votes={ids[a]: v for a, v in body.votes.items()}, minutes=body.minutes,
                           conclusion=body.conclusion, revisions=body.required_revisions)
    return review_json(review)


@endpoint("POST", "/books/{book}/textbook-reviews/{number}/signatures",
          summary="Sign the frozen record (panel members)", params=PARAMS, body=schemas.Signature,
          response=schemas.TextbookReview, status=201, tags=["textbook reviews"], errors=(403, 404, 409, 503))
@signed_in
def sign_textbook_review(book: str, number: int, body: schemas.Signature) -> dict[str, Any]:
    review = _review(book, number)
    service.sign(current_user, review, body.sha256)
    return review_json(review)


@endpoint("PUT", "/books/{book}/textbook-reviews/{number}/revisions/{item}",
          summary="Link a required revision to the change request that addresses it (maintainers)",
          params={**PARAMS, "item": schemas.ReviewNumber}, body=schemas.RevisionLink,
          response=schemas.TextbookReview, tags=["textbook reviews"], errors=(403, 404, 503))
@book_access(Ability.maintain)
def link_textbook_review_revision(book: str, number: int, item: int, body: schemas.RevisionLink) -> dict[str, Any]:
    review = _review(book, number)
    service.link_revision(current_user, review, item, body.change_request)
    return review_json(review)
