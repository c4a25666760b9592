"""Revision deadlines on the book page and in the maintainers' notifications, on days passed in."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from helpers import STARTER_BOOK as BOOK
from materials import Author, Library, Write
from server.accounts.models import User
from server.database import new_session
from server.notifications.models import Notification
from server.textbook_reviews.revision_cycle import send_deadline_notices

EDITOR = Author("Editor", "editor@college.example", "school")
SETTINGS = f"books/{BOOK}/book.yml"


def set_dates(app, lines: str) -> None:
    lib = Library(app.config["LIBRARY_PATH"])
    lib.commit("main", [Write(SETTINGS, lib.read_text("main", SETTINGS) + lines)], EDITOR, "Revision dates",
               base=lib.resolve("main"))


def told(app, username: str) -> list[tuple[str, dict]]:
    with new_session(app) as session:
        user = session.scalar(select(User).where(User.username == username))
        return [(n.text_code, n.params) for n in session.scalars(select(Notification).where(
            Notification.user_id == user.id, Notification.text_code.startswith("revision.")).order_by(Notification.id))]


def on(app, day: date) -> int:
    with app.test_request_context():
        return send_deadline_notices(today=day)


def test_the_book_page_says_when_the_revision_is_due(app, signed_in):
    set_dates(app, "edition_date: 2024-09\n")
    teacher = signed_in("teacher")
    teacher.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = teacher.get(f"/books/{BOOK}").get_data(as_text=True)
    assert "3-year revision due 2027-09" in html and "edition of 2024-09" in html
    set_dates(app, "revision_due: 2028-03\n")
    assert "3-year revision due 2028-03" in teacher.get(f"/books/{BOOK}").get_data(as_text=True)
    teacher.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "三年修订期限 2028-03" in teacher.get(f"/books/{BOOK}").get_data(as_text=True)


def test_maintainers_are_told_a_set_time_before_the_revision_and_once_it_has_passed(app):
    set_dates(app, "edition_date: 2024-09\n")
    on(app, date(2027, 5, 1))                       # four months before: not yet
    assert [c for c, _ in told(app, "maintainer") if c.startswith("revision.due")] == []
    on(app, date(2027, 6, 15))                      # within 90 days
    due = [p for c, p in told(app, "maintainer") if c == "revision.due_soon"]
    assert len(due) == 1 and due[0]["due"] == "2027-09"
    on(app, date(2027, 6, 16))                      # the next morning: no second notice
    assert len([c for c, _ in told(app, "maintainer") if c == "revision.due_soon"]) == 1
    on(app, date(2027, 9, 2))
    assert [c for c, _ in told(app, "maintainer") if c == "revision.overdue"] == ["revision.overdue"]
    assert [c for c, _ in told(app, "teacher")] == []  # authors are not maintainers


def test_a_book_without_update_for_a_year_is_flagged(app, signed_in):
    on(app, date(2099, 1, 1))
    update = [p for c, p in told(app, "maintainer") if c == "revision.update_due"]
    assert len(update) == 1 and update[0]["months"] > 12
    page = signed_in("maintainer")
    page.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "no update in" in page.get("/notifications").get_data(as_text=True).lower()
