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
from materials.paths import BOOK_SLUG
from server.feedback import answers, change_requests as feedback_crs, inbox as feedback_inbox, submissions
from server.api.registry import OPERATIONS, blueprint, endpoint, schema
from server.errors import UserError
from server.library import book_title
from server.feedback.models import KINDS, STATES
from server.permissions import Ability, book_access, public
from server.security import BODY_LIMITS, CSRF_EXEMPT


DEFAULT_RATE_LIMIT = "5 per minute; 60 per day"
PUBLIC_ENDPOINTS = {"api.submit_feedback", "api.public_answers", "api.follow_feedback"}
CSRF_EXEMPT.add("api.submit_feedback")
BODY_LIMITS["api.submit_feedback"] = ("FEEDBACK_MAX_BYTES", submissions.MAX_BODY_BYTES)

BOOK = {"type": "string", "pattern": BOOK_SLUG.pattern}
ITEM = {"type": "integer", "minimum": 1}
STRING_OR_NULL = {"type": ["string", "null"]}

SUBMISSION = schema("FeedbackSubmission", {
    "type": "object",
    "required": ["book", "version", "page", "kind"],
    "properties": {
        "book": {"type": "string", "maxLength": 64},
        "version": {"type": "string", "maxLength": 64},
        "page": {"type": "string", "maxLength": 255, "description": "the page's source, e.g. chapters/01-x.md"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "text": {"type": "string", "maxLength": submissions.MAX_TEXT},
        "selection": {"type": "string", "maxLength": submissions.MAX_SELECTION},
        "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        "helpful": {"type": ["boolean", "null"]},
        "name": {"type": "string", "maxLength": submissions.MAX_NAME},
        "contact": {"type": "string", "maxLength": submissions.MAX_CONTACT},
        "website": {"type": "string", "maxLength": 500, "description": "leave empty (a trap for robots)"},
    },
})
RECEIVED = schema("FeedbackReceived", {
    "type": "object", "required": ["received", "id", "follow_url"],
    "properties": {"received": {"type": "boolean"}, "id": {"type": ["integer", "null"]},
                   "follow_url": STRING_OR_NULL},
})
PUBLIC_ANSWER = {
    "type": "object", "required": ["id", "kind", "version", "selection", "text", "answer", "answered_at"],
    "properties": {"id": {"type": "integer"}, "kind": {"type": "string"}, "version": {"type": "string"},
                   "selection": {"type": "string"}, "text": {"type": "string"}, "answer": {"type": "string"},
                   "answered_at": {"type": "string"}},
}
PUBLIC_ANSWERS = schema("PublicAnswers", {
    "type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": PUBLIC_ANSWER}},
})
REPLY = {"type": "object", "required": ["text", "author", "side", "created_at"],
         "properties": {"id": {"type": "integer"}, "text": {"type": "string"}, "author": {"type": "string"},
                        "side": {"type": "string"}, "created_at": {"type": "string"}}}
FOLLOWED = schema("FollowedFeedback", {
    "type": "object", "required": ["id", "book", "state", "text", "replies", "page_url"],
    "properties": {"id": {"type": "integer"}, "book": {"type": "string"}, "version": {"type": "string"},
                   "page": {"type": "string"}, "kind": {"type": "string"}, "text": {"type": "string"},
                   "selection": {"type": "string"}, "state": {"type": "string", "enum": list(STATES)},
                   "reason": {"type": "string"}, "public": {"type": "boolean"},
                   "change_request": {"type": ["integer", "null"]}, "created_at": {"type": "string"},
                   "page_url": {"type": "string"}, "replies": {"type": "array", "items": REPLY}},
})
ITEM_SCHEMA = schema("FeedbackItem", {
    "type": "object",
    "required": ["id", "book", "version", "page", "kind", "text", "state", "public", "replies", "created_at"],
    "properties": {
        "id": {"type": "integer"}, "book": {"type": "string"}, "version": {"type": "string"},
        "page": {"type": "string"}, "chapter": STRING_OR_NULL, "kind": {"type": "string", "enum": list(KINDS)},
        "text": {"type": "string"}, "selection": {"type": "string"}, "rating": {"type": ["integer", "null"]},
        "helpful": {"type": ["boolean", "null"]}, "name": {"type": "string"}, "contact": {"type": "string"},
        "reader": STRING_OR_NULL, "state": {"type": "string", "enum": list(STATES)}, "reason": {"type": "string"},
        "duplicate_of": {"type": ["integer", "null"]}, "assignee": STRING_OR_NULL, "public": {"type": "boolean"},
        "change_request": {"type": ["integer", "null"]}, "created_at": {"type": "string"},
        "answered_at": STRING_OR_NULL, "resolved_at": STRING_OR_NULL, "page_url": {"type": "string"},
        "replies": {"type": "array", "items": REPLY},
    },
})
ITEM_LIST = schema("FeedbackList", {
    "type": "object", "required": ["book", "total", "page", "items"],
    "properties": {"book": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                   "items": {"type": "array", "items": ITEM_SCHEMA}},
})
NEW_REPLY = schema("FeedbackReplyNew", {
    "type": "object", "required": ["text"], "additionalProperties": False,
    "properties": {"text": {"type": "string", "minLength": 1, "maxLength": submissions.MAX_TEXT},
                   "public": {"type": "boolean"}},
})
STATE_CHANGE = schema("FeedbackStateChange", {
    "type": "object", "required": ["state"], "additionalProperties": False,
    "properties": {"state": {"type": "string", "enum": list(feedback_inbox.CHOSEN_STATES)},
                   "reason": {"type": "string", "maxLength": submissions.MAX_TEXT},
                   "duplicate_of": {"type": ["integer", "null"]}},
})
ASSIGNEE = schema("FeedbackAssignee", {
    "type": "object", "required": ["username"], "additionalProperties": False,
    "properties": {"username": {"type": ["string", "null"], "maxLength": 64}},
})
PUBLICITY = schema("FeedbackPublicity", {
    "type": "object", "required": ["public"], "additionalProperties": False,
    "properties": {"public": {"type": "boolean"}},
})
CHANGE_REQUEST = schema("FeedbackChangeRequest", {
    "type": "object", "required": ["number", "url"],
    "properties": {"number": {"type": "integer"}, "url": {"type": "string"}},
})
INBOX_QUERY = {
    "chapter": {"type": "string", "maxLength": 255},
    "version": {"type": "string", "maxLength": 64},
    "kind": {"type": "string", "enum": list(KINDS)},
    "state": {"type": "string", "enum": [*STATES, "open"]},
    "assignee": {"type": "string", "maxLength": 64},
    "page": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1},
}


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
          response=RECEIVED, status=201, tags=["feedback"], errors=(400, 403, 404, 413, 422, 429))
@public
def submit_feedback() -> Any:
    """JSON (``application/json``) or a form post (``application/x-www-form-urlencoded``, answered
    with a 303 redirect to the follow page). Returns the private follow link."""
    limiter = current_app.extensions["jointbook.limiter"]  # body limit: BODY_LIMITS, applied before parsing
    with limiter.limit(_rate_limit):
        as_form = not request.is_json
        origin = request.headers.get("Origin")
        if origin and origin not in allowed_origins():
            raise UserError("feedback.origin_refused", status=403, origin=origin[:100])
        data = request.form if as_form else request.get_json(silent=True)
        if not hasattr(data, "get"):
            raise UserError("request.invalid", status=422, detail="a JSON object or a form is required")
        submission = submissions.Submission.from_mapping(data)
        if submission.is_robot:
            if as_form:
                return Response(render_template("ui/feedback/thanks.html"), status=201, mimetype="text/html")
            return {"received": True, "id": None, "follow_url": None}
        item, token = submissions.receive(submission, _credited_reader())
        follow = url_for("feedback.follow", token=token, _external=True)
        if as_form:
            return redirect(url_for("feedback.follow", token=token, sent=1), code=303)
        return {"received": True, "id": item.id, "follow_url": follow}


OPERATIONS[-1].body = SUBMISSION  # documented as JSON; the view also takes the site's plain form post


@endpoint("GET", "/feedback/public", summary="Answered questions shown under a page of a published site",
          response=PUBLIC_ANSWERS, tags=["feedback"],
          query={"book": {"type": "string", "maxLength": 64}, "page": {"type": "string", "maxLength": 255}})
@public
def public_answers(book: str | None, page: str | None) -> Any:
    if not book or not page:
        raise UserError("request.invalid", status=422, detail="book and page are required")
    response = current_app.json.response({"items": answers.public_answers(book, page)})
    response.headers["Cache-Control"] = "no-cache"  # an answer made public shows at the next page view
    return response


@endpoint("GET", "/feedback/follow/{token}", summary="Follow my feedback (private link)",
          params={"token": {"type": "string", "maxLength": 100}}, response=FOLLOWED, tags=["feedback"])
@public
def follow_feedback(token: str) -> dict[str, Any]:
    return answers.follow_view(feedback_inbox.find_by_token(token))


# ----------------------------------------------------------------------------- the book's team

def _require_book(book: str) -> None:
    book_title(book)


def _item(book: str, item: int):
    _require_book(book)
    return feedback_inbox.find(book, item)


@endpoint("GET", "/books/{book}/feedback", summary="The book's feedback inbox", params={"book": BOOK},
          query=INBOX_QUERY, response=ITEM_LIST, tags=["feedback"], errors=(503,))
@book_access(Ability.write)
def list_feedback(book: str, chapter: str | None, version: str | None, kind: str | None, state: str | None,
                  assignee: str | None, page: int) -> dict[str, Any]:
    _require_book(book)
    filters = feedback_inbox.InboxFilter(chapter, version, kind, state, assignee)
    items, total = feedback_inbox.inbox(book, filters, page)
    return {"book": book, "total": total, "page": page, "items": [feedback_inbox.item_json(i) for i in items]}


@endpoint("GET", "/books/{book}/feedback/{item}", summary="One feedback item",
          params={"book": BOOK, "item": ITEM}, response=ITEM_SCHEMA, tags=["feedback"], errors=(503,))
@book_access(Ability.write)
def get_feedback(book: str, item: int) -> dict[str, Any]:
    return feedback_inbox.item_json(_item(book, item))


@endpoint("POST", "/books/{book}/feedback/{item}/replies", summary="Answer a reader",
          params={"book": BOOK, "item": ITEM}, body=NEW_REPLY, response=ITEM_SCHEMA, status=201,
          tags=["feedback"], errors=(413, 503))
@book_access(Ability.write)
def reply_feedback(book: str, item: int, body: dict[str, Any]) -> dict[str, Any]:
    found = _item(book, item)
    feedback_inbox.reply(found, current_user, body["text"], body.get("public"))
    return feedback_inbox.item_json(found)


@endpoint("POST", "/books/{book}/feedback/{item}/state",
          summary="Mark answered, accepted, declined (with a reason) or duplicate (of another item)",
          params={"book": BOOK, "item": ITEM}, body=STATE_CHANGE, response=ITEM_SCHEMA, tags=["feedback"],
          errors=(413, 503))
@book_access(Ability.write)
def change_feedback_state(book: str, item: int, body: dict[str, Any]) -> dict[str, Any]:
    found = _item(book, item)
    feedback_inbox.set_state(found, body["state"], current_user, body.get("reason", ""), body.get("duplicate_of"))
    return feedback_inbox.item_json(found)


@endpoint("PUT", "/books/{book}/feedback/{item}/assignee", summary="Assign an item to a member (null: nobody)",
          params={"book": BOOK, "item": ITEM}, body=ASSIGNEE, response=ITEM_SCHEMA, tags=["feedback"],
          errors=(503,))
@book_access(Ability.write)
def assign_feedback(book: str, item: int, body: dict[str, Any]) -> dict[str, Any]:
    found = _item(book, item)
    feedback_inbox.assign(found, body.get("username"), current_user)
    return feedback_inbox.item_json(found)


@endpoint("PUT", "/books/{book}/feedback/{item}/public", summary="Show the answer under its page, or hide it",
          params={"book": BOOK, "item": ITEM}, body=PUBLICITY, response=ITEM_SCHEMA, tags=["feedback"],
          errors=(503,))
@book_access(Ability.write)
def publish_feedback(book: str, item: int, body: dict[str, Any]) -> dict[str, Any]:
    found = _item(book, item)
    feedback_inbox.set_public(found, body["public"])
    return feedback_inbox.item_json(found)


@endpoint("POST", "/books/{book}/feedback/{item}/change-request",
          summary="Turn an item into a change request on its chapter, prefilled with the reader's words",
          params={"book": BOOK, "item": ITEM}, response=CHANGE_REQUEST, status=201, tags=["feedback"],
          errors=(409, 501, 503))
@book_access(Ability.write)
def feedback_change_request(book: str, item: int) -> dict[str, Any]:
    found = _item(book, item)
    cr = feedback_crs.open_change_request(found, current_user)
    return {"number": cr.number, "url": feedback_crs.change_request_url(book, cr.number)}
