"""Readers' feedback: the public endpoints the published sites call, and the book team's inbox.

Public, called from the sites (``templates/site/assets/jointbook/site.js``):

* ``POST /api/feedback`` takes the site's form as JSON or as a plain HTML form
  post (then it answers with a redirect to the follow page). Anonymous posts
  are rate-limited per IP address (``FEEDBACK_RATE_LIMIT``). A filled honeypot
  field (``website``) gets the same 201 answer as a real post, with no id and
  no follow link, and nothing is stored: a robot learns nothing.
  The endpoint takes no CSRF token because sites on other origins post to it;
  in exchange it credits the signed-in reader only when the post comes from
  the platform's own origin (``Origin`` header) or carries an access token.
  Cross-origin posts are accepted from the origins in ``allowed_origins``:
  the platform itself, ``null`` (a site opened from disk, ``file://``) unless
  ``FEEDBACK_ALLOW_FILE_SITES`` is off, and ``FEEDBACK_ORIGINS`` (other hosts
  serving the built sites). No credentials are ever allowed cross-origin.
* ``GET /api/feedback/public`` lists answered items marked public under a page
  (any origin may read it: it is public text).
* ``GET /api/feedback/follow/{token}``: the asker's private view of their item.
"""


from __future__ import annotations
from typing import Any
from urllib.parse import urlsplit
from flask import Response, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user
from server.feedback import answers, change_requests as feedback_crs, inbox as feedback_inbox, submissions
from server.rest.registry import blueprint, endpoint
from server.rest.schemas import BookName, Number
from server.feedback import schemas
from server.errors import UserError
from server.library import book_title
from server.permissions import Ability, book_access, public
from server.security import body_limit, takes_posts_from_other_sites


DEFAULT_RATE_LIMIT = "5 per minute; 60 per day"
PUBLIC_ENDPOINTS = {"api.submit_feedback", "api.public_answers", "api.follow_feedback"}


# ----------------------------------------------------------------------------- origins

def origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def own_origin() -> str:
    return request.host_url.rstrip("/")


def allowed_origins() -> set[str]:
    """Origins whose pages may post feedback: the platform, file:// sites, configured site hosts."""
    allowed = {own_origin()}
    platform = origin_of(current_app.config.get("PLATFORM_URL"))
    if platform:
        allowed.add(platform)
    if current_app.config.get("FEEDBACK_ALLOW_FILE_SITES", True):
        allowed.add("null")
    extra = current_app.config.get("FEEDBACK_ORIGINS") or ()
    if isinstance(extra, str):
        extra = extra.replace(",", " ").split()
    allowed.update(o.rstrip("/") for o in extra)
    return allowed


@blueprint.after_request
def _cross_origin(response: Response) -> Response:
    """CORS for the public feedback endpoints only; never with credentials."""
    if request.endpoint not in PUBLIC_ENDPOINTS:
        return response
    origin = request.headers.get("Origin")
    if request.endpoint == "api.submit_feedback":
        if origin and origin in allowed_origins():
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
            response.headers["Access-Control-Max-Age"] = "600"
        response.vary.add("Origin")
    else:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept"
    return response


def _credited_reader() -> Any:
    """The signed-in reader, when the post provably comes from our own pages (or a token)."""
    if not current_user.is_authenticated:
        return None
    if g.get("token_auth") or request.headers.get("Origin") == own_origin():
        return current_user
    return None


def _rate_limit() -> str:
    return current_app.config.get("FEEDBACK_RATE_LIMIT") or DEFAULT_RATE_LIMIT


# ----------------------------------------------------------------------------- public

@endpoint("POST", "/feedback", summary="Send feedback or a question from a page of a published site",
          body=submissions.FeedbackSubmission, forms=True, response=schemas.FeedbackReceived, status=201,
          tags=["feedback"], errors=(400, 403, 404, 413, 422, 429))
@public
@takes_posts_from_other_sites
@body_limit("FEEDBACK_MAX_BYTES", submissions.MAX_BODY_BYTES)
def submit_feedback(body: submissions.FeedbackSubmission) -> Any:
    """JSON (``application/json``) or a form post (``application/x-www-form-urlencoded``, answered
    with a 303 redirect to the follow page). Returns the private follow link."""
    limiter = current_app.extensions["jointbook.limiter"]  # the body limit was applied before parsing
    with limiter.limit(_rate_limit):
        as_form = not request.is_json
        origin = request.headers.get("Origin")
        if origin and origin not in allowed_origins():
            raise UserError("feedback.origin_refused", status=403, origin=origin[:100])
        if body.is_robot:
            if as_form:
                return Response(render_template("ui/feedback/thanks.html"), status=201, mimetype="text/html")
            return {"received": True, "id": None, "follow_url": None}
        item, token = submissions.receive(body, _credited_reader())
        follow = url_for("feedback.follow", token=token, _external=True)
        if as_form:
            return redirect(url_for("feedback.follow", token=token, sent=1), code=303)
        return {"received": True, "id": item.id, "follow_url": follow}


@endpoint("GET", "/feedback/public", summary="Answered questions shown under a page of a published site",
          response=schemas.PublicAnswers, tags=["feedback"], query=schemas.PublicAnswersQuery)
@public
def public_answers(book: str, page: str) -> Any:
    response = current_app.json.response({"items": answers.public_answers(book, page)})
    response.headers["Cache-Control"] = "no-cache"  # an answer made public shows at the next page view
    return response


@endpoint("GET", "/feedback/follow/{token}", summary="Follow my feedback (private link)",
          params={"token": schemas.FollowToken}, response=schemas.FollowedFeedback, tags=["feedback"])
@public
def follow_feedback(token: str) -> dict[str, Any]:
    return answers.follow_view(feedback_inbox.find_by_token(token))


# ----------------------------------------------------------------------------- the book's team

def _require_book(book: str) -> None:
    book_title(book)


def _item(book: str, item: int):
    _require_book(book)
    return feedback_inbox.find(book, item)


@endpoint("GET", "/books/{book}/feedback", summary="The book's feedback inbox", params={"book": BookName},
          query=schemas.InboxQuery, response=schemas.FeedbackList, tags=["feedback"], errors=(503,))
@book_access(Ability.write)
def list_feedback(book: str, chapter: str | None, version: str | None, kind: str | None, state: str | None,
                  assignee: str | None, page: int) -> dict[str, Any]:
    _require_book(book)
    filters = feedback_inbox.InboxFilter(chapter, version, kind, state, assignee)
    items, total = feedback_inbox.inbox(book, filters, page)
    return {"book": book, "total": total, "page": page, "items": [feedback_inbox.item_json(i) for i in items]}


@endpoint("GET", "/books/{book}/feedback/{item}", summary="One feedback item",
          params={"book": BookName, "item": Number}, response=schemas.FeedbackItem, tags=["feedback"], errors=(503,))
@book_access(Ability.write)
def get_feedback(book: str, item: int) -> dict[str, Any]:
    return feedback_inbox.item_json(_item(book, item))


@endpoint("POST", "/books/{book}/feedback/{item}/replies", summary="Answer a reader",
          params={"book": BookName, "item": Number}, body=schemas.FeedbackReplyNew,
          response=schemas.FeedbackItem, status=201,
          tags=["feedback"], errors=(413, 503))
@book_access(Ability.write)
def reply_feedback(book: str, item: int, body: schemas.FeedbackReplyNew) -> dict[str, Any]:
    found = _item(book, item)
    feedback_inbox.reply(found, current_user, body.text, body.public)
    return feedback_inbox.item_json(found)


@endpoint("POST", "/books/{book}/feedback/{item}/state",
          summary="Mark answered, accepted, declined (with a reason) or duplicate (of another item)",
          params={"book": BookName, "item": Number}, body=schemas.FeedbackStateChange,
          response=schemas.FeedbackItem, tags=["feedback"],
          errors=(413, 503))
@book_access(Ability.write)
def change_feedback_state(book: str, item: int, body: schemas.FeedbackStateChange) -> dict[str, Any]:
    found = _item(book, item)
    feedback_inbox.set_state(found, body.state, current_user, body.reason, body.duplicate_of)
    return feedback_inbox.item_json(found)


@endpoint("PUT", "/books/{book}/feedback/{item}/assignee", summary="Assign an item to a member (null: nobody)",
          params={"book": BookName, "item": Number}, body=schemas.FeedbackAssignee,
          response=schemas.FeedbackItem, tags=["feedback"],
          errors=(503,))
@book_access(Ability.write)
def assign_feedback(book: str, item: int, body: schemas.FeedbackAssignee) -> dict[str, Any]:
    found = _item(book, item)
    feedback_inbox.assign(found, body.username, current_user)
    return feedback_inbox.item_json(found)


@endpoint("PUT", "/books/{book}/feedback/{item}/public", summary="Show the answer under its page, or hide it",
          params={"book": BookName, "item": Number}, body=schemas.FeedbackPublicity,
          response=schemas.FeedbackItem, tags=["feedback"],
          errors=(503,))
@book_access(Ability.write)
def publish_feedback(book: str, item: int, body: schemas.FeedbackPublicity) -> dict[str, Any]:
    found = _item(book, item)
    feedback_inbox.set_public(found, body.public)
    return feedback_inbox.item_json(found)


@endpoint("POST", "/books/{book}/feedback/{item}/change-request",
          summary="Turn an item into a change request on its chapter, prefilled with the reader's words",
          params={"book": BookName, "item": Number},
          response=schemas.FeedbackChangeRequest, status=201, tags=["feedback"],
          errors=(409, 501, 503))
@book_access(Ability.write)
def feedback_change_request(book: str, item: int) -> dict[str, Any]:
    found = _item(book, item)
    cr = feedback_crs.open_change_request(found, current_user)
    return {"number": cr.number, "url": feedback_crs.change_request_url(book, cr.number)}
