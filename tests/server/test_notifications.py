"""The bell and e-mail: people hear about reviews asked, comments, approvals and merges."""
from __future__ import annotations

import re
import socketserver
import threading
from email import message_from_bytes, policy

import pytest

from helpers import csrf_from, post_form, sign_in
from materials import OVERWRITE, Author, Library, Write
from server.database import new_session
from server.jobs.queue import run_pending
from server.notifications.models import Notification
from server.accounts.models import User

BOOK = "locomotive-maintenance"
CHAPTER = f"books/{BOOK}/chapters/03-brake-test.md"


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to receive mail: a real socket, a real smtplib client."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
            elif verb == "MAIL":
                sender = command[10:].strip("<>")
                self.wfile.write(b"250 OK\r\n")
            elif verb == "RCPT":
                recipients.append(command[8:].strip("<>"))
                self.wfile.write(b"250 OK\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.received.append((sender, recipients, message_from_bytes(data, policy=policy.default)))
                recipients = []
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _without_build_check(app) -> None:
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{BOOK}/book.yml"
    text = lib.read_text("main", path).replace("checks: [front-matter, alignment, build]", "checks: [front-matter, alignment]")
    lib.commit("main", [Write(path, text)], Author("主编", "zhou@college.edu.cn", "school"), "Checks", base=OVERWRITE)


def _api(client):
    token = csrf_from(client, "/")
    return lambda method, url, json=None: client.open(f"/api{url}", method=method, json=json,
                                                       headers={"X-CSRFToken": token, "Accept-Language": "en"})


def _bell(client) -> int:
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    match = re.search(r'<span class="bell-count"( hidden)?>(\d+)</span>', html)
    assert match, "no bell in the header"
    return int(match.group(2))


def test_bell_counts_review_requests_approvals_and_merges_and_marks_them_read(app, signed_in):
    _without_build_check(app)
    teacher, reviewer, maintainer = signed_in("teacher"), signed_in("reviewer"), signed_in("maintainer")
    assert _bell(reviewer) == 0
    api_t = _api(teacher)
    number = api_t("POST", f"/books/{BOOK}/change-requests", {"title": "修订"}).json["number"]
    text = Library(app.config["LIBRARY_PATH"]).read_text("main", CHAPTER)
    api_t("POST", f"/books/{BOOK}/change-requests/{number}/commits",
          {"files": {CHAPTER: text.replace("列车管定压", "列车管定压（修订）", 1)}, "message": "Edit",
           "base": Library(app.config["LIBRARY_PATH"]).resolve(f"cr/{number}")})
    run_pending(app)
    assert _bell(reviewer) == 1 and _bell(maintainer) == 1 and _bell(teacher) == 0

    page = reviewer.get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Teacher asks for your review of change request #{number} “修订”." in page
    api_r, api_m = _api(reviewer), _api(maintainer)
    api_r("POST", f"/books/{BOOK}/change-requests/{number}/comments", {"body": "看过了"})
    api_r("POST", f"/books/{BOOK}/change-requests/{number}/reviews", {"verdict": "approve"})
    api_m("POST", f"/books/{BOOK}/change-requests/{number}/reviews", {"verdict": "approve"})
    assert _bell(teacher) == 3  # a comment and two approvals
    assert api_r("POST", f"/books/{BOOK}/change-requests/{number}/merge", {}).status_code == 200
    listed = _api(teacher)("GET", "/notifications").json
    assert listed["unread"] == 4 and [n["kind"] for n in listed["notifications"]][0] == "merged"
    assert listed["notifications"][0]["url"] == f"/books/{BOOK}/change-requests/{number}"

    # Opening one notification marks it read and goes where it points.
    first = listed["notifications"][0]["id"]
    opened = post_form(teacher, "/notifications/read", {"id": first, "open": "1"}, page="/notifications")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/change-requests/{number}")
    assert _bell(teacher) == 3
    post_form(teacher, "/notifications/read", {}, page="/notifications")
    assert _bell(teacher) == 0
    # Nobody reads or marks anyone else's.
    other = post_form(reviewer, "/notifications/read", {"id": first}, page="/notifications")
    assert other.status_code == 404


def test_notifications_are_mailed_when_smtp_is_configured(make_app, smtp_server):
    app = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.server_address[1], SMTP_FROM="jointbook@college.edu.cn",
                   SMTP_STARTTLS=False, PLATFORM_URL="https://books.example.edu.cn", DEFAULT_LOCALE="zh_CN")
    with new_session(app) as session:
        session.query(User).filter_by(username="reviewer").update({"email": "chen@depot.example.com"})
        session.commit()
    teacher = app.test_client()
    sign_in(teacher, "teacher")
    number = _api(teacher)("POST", f"/books/{BOOK}/change-requests", {"title": "修订制动机"}).json["number"]
    run_pending(app)
    mails = [m for _sender, to, m in smtp_server.received if to == ["chen@depot.example.com"]]
    assert len(mails) == 1
    mail = mails[0]
    assert mail["From"] == "jointbook@college.edu.cn"
    assert f"Teacher 请你审核变更请求 #{number}“修订制动机”。" in mail["Subject"]
    assert f"https://books.example.edu.cn/books/{BOOK}/change-requests/{number}" in mail.get_content()
    with new_session(app) as session:  # people without an address are not mailed, but still marked done
        assert session.query(Notification).filter_by(emailed=False).count() == 0


def test_no_mail_job_without_smtp(app, signed_in):
    from server.jobs.models import Job

    _api(signed_in("teacher"))("POST", f"/books/{BOOK}/change-requests", {"title": "无邮件"})
    with new_session(app) as session:
        assert session.query(Notification).count() == 2  # reviewer and maintainer, in the platform
        assert session.query(Job).filter_by(kind="notifications.email").count() == 0


def test_other_parts_notify_with_their_own_sentences(app):
    from flask_babel import lazy_gettext as _l

    from server.notifications.service import notify, notifications_of, register_text, text_of

    register_text("test.feedback", _l("%(who)s asked a question."))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from server.database import db
        user = db().query(User).filter_by(username="teacher").one()
        notify([user.id, user.id], "feedback", "/books/x", "test.feedback", {"who": "A student"})
        db().commit()
        rows = notifications_of(user)
        assert len(rows) == 1 and text_of(rows[0]) == "A student asked a question."
        with pytest.raises(ValueError):
            notify([user.id], "feedback", "/", "no.such.text", {})


def test_audit_log_exports_as_csv_for_administrators(app, signed_in):
    _api(signed_in("teacher"))("POST", f"/books/{BOOK}/change-requests", {"title": "审计"})
    assert signed_in("teacher").get("/admin/audit.csv").status_code == 403
    response = signed_in("admin").get("/admin/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0] == "at,actor,action,target,details,ip"
    assert any(",teacher,change_request.open,locomotive-maintenance#1," in r for r in rows)
