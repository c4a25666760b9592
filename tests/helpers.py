"""What the server's tests do as people do it: the people of every test instance, signing in,
forms with their CSRF token, a change request started from its form, an app served to Chromium.

Imported by name (``from helpers import sign_in``): pyproject's pytest options put ``tests/`` on
``sys.path``. Fixtures stay in the conftest files; plain functions and constants live here.
"""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import select
from waitress.server import create_server

from server.accounts.models import Membership, User
from server.audit.models import AuditEvent
from server.database import engine, new_session

PASSWORD = "correct horse battery"
STARTER_BOOK = "locomotive-maintenance"
STARTER_CHAPTERS = Path(__file__).resolve().parents[1] / "materials/starter/library/books"


@dataclass(frozen=True)
class Person:
    username: str
    side: str
    is_admin: bool = False
    role: str | None = None  # role on the starter book
    active: bool = True


PEOPLE = {
    "admin": Person("admin", "school", is_admin=True),
    "maintainer": Person("maintainer", "school", role="maintainer"),
    "teacher": Person("teacher", "school", role="author"),
    "technician": Person("technician", "enterprise", role="author"),
    "reviewer": Person("reviewer", "enterprise", role="reviewer"),
    "reader": Person("reader", "school", role="reader"),
    "outsider": Person("outsider", "enterprise"),
    "disabled": Person("disabled", "school", role="author", active=False),
}


def add_people(app, password_hash: str) -> None:
    """The people of ``PEOPLE`` with their roles on the starter book, unless the database has people already.

    ``password_hash`` is precomputed and cheap to check: hashing is deliberately slow and the suite must stay fast.
    """
    with new_session(app) as session:
        if session.scalar(select(User.id).limit(1)) is not None:
            return
        for person in PEOPLE.values():
            user = User(username=person.username, display_name=person.username.title(), side=person.side,
                        is_admin=person.is_admin, active=person.active, password_hash=password_hash)
            session.add(user)
            if person.role:
                session.add(Membership(user=user, book=STARTER_BOOK, role=person.role))
        session.commit()


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, as a page hands it to the browser."""
    response = client.get(path)
    match = CSRF_FIELD.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, **extra):
    """Sign in through the sign-in form, as a person does: for the tests of signing in itself."""
    token = csrf_from(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token, **extra})


def sign_in(client, username: str):
    """``client`` with ``username``'s session, as the sign-in form leaves it (Flask-Login's ``_user_id``).

    Every test but those of signing in starts this way: the form costs two requests and a
    password check per person per test, and those tests check the form.
    """
    with new_session(client.application) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, f"no person {username!r}"
        session_id = user.get_id()
    with client.session_transaction() as cookie_session:
        cookie_session.clear()
        cookie_session["_user_id"] = session_id
        cookie_session["_fresh"] = True
    return client


def post_form(client, path: str, data: dict | None = None, page: str | None = None):
    """Submit a form the way a browser does: read the page's CSRF token, then POST."""
    token = csrf_from(client, page or path)
    return client.post(path, data={**(data or {}), "csrf_token": token})


def start_change_request(client, book: str = STARTER_BOOK, title: str = "修改教材", chapter: str = "") -> str:
    """Start a change request the way an author does (the "new change request" form); its branch."""
    path = f"/books/{book}/change-requests/new"
    response = client.post(path, data={"csrf_token": csrf_from(client, path), "title": title, "chapter": chapter})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    listed = client.get(f"/api/books/{book}/change-requests").get_json()["change_requests"]
    return f"cr/{max(cr['number'] for cr in listed)}"


@contextmanager
def serving(app, threads: int = 4) -> Iterator[str]:
    """``app`` served by waitress on a free port of 127.0.0.1, as a browser reaches it; yields its URL."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Closed in the server's own thread: closing its sockets from here races the select() it waits in.
        # With every socket closed (the browser's kept-alive connections too), its loop ends.
        server.trigger.pull_trigger(lambda: [dispatcher.close() for dispatcher in list(server._map.values())])
        thread.join(5)
        server.task_dispatcher.shutdown()
        engine(app).dispose()


def signed_in_page(browser, url: str, username: str, password: str = PASSWORD, **context):
    """A new browser context signed in through the sign-in form as ``username``; its page, on the home page."""
    page = browser.new_context(**{"locale": "zh-CN", **context}).new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")
    return page


def deletions_in_the_audit_log(app) -> list[tuple[str, str, dict]]:
    """(action, target, details) of each deletion the audit log recorded, oldest first."""
    with new_session(app) as session:
        return [(e.action, e.target, e.details) for e in session.query(AuditEvent).order_by(AuditEvent.id)
                if e.action.endswith(".delete")]


def wait_until(page, expression: str, seconds: float = 15.0, arg=None) -> None:
    """Poll ``expression`` (a JavaScript function, given ``arg``) until it is true. Playwright's ``wait_for_function``
    compiles its predicate with eval inside the page, which a Content-Security-Policy without
    'unsafe-eval' refuses; ``evaluate`` runs through the DevTools protocol instead."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {seconds:g} s: {expression}")
        page.wait_for_timeout(25)


def open_chapter_details(page) -> None:
    """Unfold the chapter's details (title, objectives, hours, summary, standard items) in the editor, as an
    author does: one click on their line above the text."""
    if not page.locator("#chapter-details").evaluate("details => details.open"):
        page.click("#details-button")


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def serious_violations(tab) -> list[str]:
    """axe-core's serious and critical violations on the page open in ``tab`` (vendored from npm), one line each."""
    if not tab.evaluate("() => typeof axe !== 'undefined'"):
        tab.add_script_tag(path=str(AXE))
    found = tab.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") +
                                                   (n.any[0] ? " — " + n.any[0].message : ""))}));
    }""")
    return [f"{v['impact']} {v['id']} ({v['help']}): " + "; ".join(v["nodes"]) for v in found
            if v["impact"] in SERIOUS]


def chapter_body(path: Path) -> str:
    """A chapter's body (no front matter) as the chapter page's textarea holds it."""
    from materials.frontmatter import split_front_matter
    text = split_front_matter(path.read_text(encoding="utf-8"))[1]
    return text[1:] if text.startswith("\n") else text


def long_chapter(lines: int = 1500) -> str:
    """About `lines` lines: the starter course's chapters one after another, as often as it takes."""
    parts = [chapter_body(p).strip("\n") for p in sorted(STARTER_CHAPTERS.glob("*/chapters/**/*.md"))]
    out, n = [], 0
    while n < lines:
        part = parts[len(out) % len(parts)].replace("{#", "{#r%d-" % len(out))
        out.append(part)
        n += part.count("\n") + 2
    return "\n\n".join(out) + "\n"
