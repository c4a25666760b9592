"""The steps of a textbook review as people take them, through the review page's forms.

Used by the server tests and by tests/seed.py (imported by name: tests/ is on ``sys.path``).
"""
from __future__ import annotations

import re

from sqlalchemy import select

from helpers import csrf_from
from server.database import new_session
from server.textbook_reviews.models import PanelMember, TextbookReview

CRITERIA = ("思想性", "科学性", "适宜性")


def page(book: str, number: int) -> str:
    return f"/books/{book}/textbook-reviews/{number}"


def post(client, path: str, data: dict, form_page: str):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, form_page)})


def submit(client, book: str, version: str, note: str = "", expect: int = 302):
    """A maintainer submits ``version``; the review's number (or the response when refused)."""
    new = f"/books/{book}/textbook-reviews/new"
    response = post(client, new, {"version": version, "note": note}, new)
    assert response.status_code == expect, response.get_data(as_text=True)[:800]
    if expect != 302:
        return response
    return int(re.search(r"/textbook-reviews/(\d+)$", response.headers["Location"])[1])


def form_panel(client, book: str, number: int, members: list[tuple[str, str, str]], chair: str):
    data = {"panel-member": [m[0] for m in members], "panel-institution": [m[1] for m in members],
            "panel-side": [m[2] for m in members], "panel-chair": chair}
    return post(client, f"{page(book, number)}/panel", data, page(book, number))


def read(client, book: str, number: int, verdicts: list[str], opinion: str, notes: list[str] | None = None):
    data = {"reading-opinion": opinion}
    for i, verdict in enumerate(verdicts):
        data[f"reading-verdict_{i}"] = verdict
        data[f"reading-note_{i}"] = (notes or [""] * len(verdicts))[i]
    return post(client, f"{page(book, number)}/reading", data, page(book, number))


def comment(client, book: str, number: int, chapter: str, body: str, passage: str = ""):
    return post(client, f"{page(book, number)}/comments",
                {"comment-chapter": chapter, "comment-passage": passage, "comment-body": body}, page(book, number))


def member_ids(app, book: str, number: int) -> dict[str, int]:
    with new_session(app) as session:
        review = session.scalar(select(TextbookReview).where(TextbookReview.book == book,
                                                             TextbookReview.number == number))
        return {m.username: m.id for m in session.scalars(select(PanelMember)
                                                          .where(PanelMember.review_id == review.id))}


def meet(client, book: str, number: int, *, conclusion: str, votes: dict[str, str], minutes: str = "会议讨论了各位委员的意见。",
         when: str = "2026-03-12", revisions: str = "", attendees: list[str] | None = None, confirm: bool = True):
    ids = member_ids(client.application, book, number)
    data = {"meeting-meeting_date": when, "meeting-minutes": minutes, "meeting-conclusion": conclusion,
            "meeting-revisions": revisions,
            "meeting-attendees": [str(ids[name]) for name in (attendees if attendees is not None else votes)]}
    for name, vote in votes.items():
        data[f"meeting-vote_{ids[name]}"] = vote
    if confirm:
        data["meeting-confirm"] = "y"
    return post(client, f"{page(book, number)}/meeting", data, page(book, number))


def record_hash(client, book: str, number: int) -> str:
    html = client.get(page(book, number)).get_data(as_text=True)
    return re.search(r'name="sign-sha256"[^>]*value="([0-9a-f]{64})"', html)[1]


def sign(client, book: str, number: int, sha256: str | None = None):
    sha256 = sha256 or record_hash(client, book, number)
    return post(client, f"{page(book, number)}/sign", {"sign-sha256": sha256, "sign-confirm": "y"},
                page(book, number))


def link(client, book: str, number: int, item: int, change_request: int | str):
    return post(client, f"{page(book, number)}/revisions/{item}", {"link-change_request": str(change_request)},
                page(book, number))
