"""What readers see of the team's answers: under the page, and through the asker's private link."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.database import db
from server.feedback.models import Feedback, FeedbackReply
from server.feedback.submissions import site_page_url


def latest_answer(item: Feedback) -> FeedbackReply | None:
    return item.replies[-1] if item.replies else None


def public_answers(book: str, page: str, limit: int = 50) -> list[dict[str, Any]]:
    """Answered items marked public under one page (every version), newest first, without who asked."""
    query = (select(Feedback).where(Feedback.book == book, Feedback.page == page.lstrip("/"),
                                    Feedback.public.is_(True))
             .options(selectinload(Feedback.replies))
             .order_by(Feedback.answered_at.desc(), Feedback.id.desc()).limit(limit))
    out = []
    for item in db().scalars(query):
        answer = latest_answer(item)
        if answer is None:
            continue
        out.append({"id": item.id, "kind": item.kind, "version": item.version, "selection": item.selection,
                    "text": item.text, "answer": answer.text, "answered_at": answer.created_at.isoformat()})
    return out


def follow_view(item: Feedback) -> dict[str, Any]:
    """What the asker sees through their private link: state, decision and answers (no team details)."""
    return {
        "id": item.id, "book": item.book, "version": item.version, "page": item.page, "kind": item.kind,
        "text": item.text, "selection": item.selection, "state": item.state,
        "reason": item.reason if item.state == "declined" else "",
        "public": item.public, "change_request": item.change_request,
        "created_at": item.created_at.isoformat(),
        "page_url": site_page_url(item.book, item.version, item.page),
        "replies": [{"text": r.text, "author": r.author_name, "side": r.author_side,
                     "created_at": r.created_at.isoformat()} for r in item.replies],
    }
