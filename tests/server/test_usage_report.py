"""The usage-tracking report (使用跟踪报告) of any period, as CSV and PDF, checked against rows worked out by hand;
the review dossier's section on readers' feedback is the same report."""
from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import datetime, timezone

import pypdf

from helpers import STARTER_BOOK as BOOK
from materials import Author, Library
from server.change_requests.models import ChangeRequest
from server.database import new_session
from server.feedback.models import Feedback

BRAKES = "03-brake-test.md"
EDITOR = Author("Editor", "editor@college.example", "school")


def day(month: int, d: int) -> datetime:
    return datetime(2026, month, d, 9, 0, tzinfo=timezone.utc)


def add_rows(app) -> None:
    """March 2026: one error reported and fixed, another reported in February and fixed in March, a third
    reported in March and fixed in April; a question asked in February and answered in March, one asked in March
    and not answered; ratings 5 and 3 in March, 1 in April; a suggestion in April."""
    with new_session(app) as session:
        for number, merged in ((101, day(3, 20)), (102, day(3, 5)), (103, day(4, 2))):
            session.add(ChangeRequest(number=number, book=BOOK, title=f"Fix {number}", author_name="王老师",
                                      author_side="school", branch=f"cr/{number}", base="0" * 40, head="1" * 40,
                                      state="merged", created_at=merged, updated_at=merged, closed_at=merged))
        rows = [("error", day(3, 2), None, 101, None, "表中的压力单位写错了"),
                ("error", day(2, 10), None, 102, None, "图 3 的编号错了"),
                ("error", day(3, 12), None, 103, None, "公式少了括号"),
                ("question", day(2, 25), day(3, 3), None, None, "为什么要做五步闸试验？"),
                ("question", day(3, 10), None, None, None, "保压时间是多少？"),
                ("rating", day(3, 4), None, None, 5, ""), ("rating", day(3, 6), None, None, 3, ""),
                ("rating", day(4, 4), None, None, 1, ""), ("suggestion", day(4, 8), None, None, None, "加一个视频")]
        for kind, at, answered, cr, rating, text in rows:
            session.add(Feedback(book=BOOK, version="1.0", page=f"chapters/{BRAKES}", chapter=BRAKES, selection="",
                                 kind=kind, text=text, rating=rating, name="", contact="", reason="", public=False,
                                 state="closed" if cr else ("answered" if answered else "new"), change_request=cr,
                                 follow_hash=secrets.token_hex(32), created_at=at, updated_at=at, answered_at=answered))
        session.commit()


def sections(text: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    current = None
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if not row:
            current = None
        elif current is None and len(row) == 1:
            current = out.setdefault(row[0], [])
        else:
            current.append(row)
    return out


def test_the_report_of_a_month_counts_what_happened_in_it_in_csv_and_pdf(app, signed_in):
    add_rows(app)
    teacher = signed_in("teacher")
    assert 'action="/books/%s/usage-report.pdf"' % BOOK in teacher.get(f"/books/{BOOK}").get_data(as_text=True)
    assert f"/books/{BOOK}/usage-report.csv" in teacher.get(f"/books/{BOOK}/textbook-reviews").get_data(as_text=True)

    exported = teacher.get(f"/books/{BOOK}/usage-report.csv?from=2026-03-01&to=2026-03-31")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    tables = sections(exported.get_data(as_text=True))
    summary = {row[0]: row[1] for row in tables["本期概况"][1:]}
    assert summary == {"收到的反馈": "5", "其中：错误": "2", "其中：建议": "0", "其中：提问": "1", "其中：评价": "2",
                       "已回答的问题": "1", "经合并的变更请求修正的错误": "2", "评分次数": "2", "平均评分（1–5）": "4.0",
                       "本期发布的版本": "0"}
    fixed = [row[1:3] for row in tables["通过变更请求修正的错误"][1:]]
    assert fixed == [["图 3 的编号错了", "#102"], ["表中的压力单位写错了", "#101"]]  # by merge day
    assert [row[1:] for row in tables["已回答的问题"][1:]] == [["为什么要做五步闸试验？", "2026-03-03"]]
    assert [row[1:] for row in tables["各章评分"][1:]] == [["2", "50.0", "4.0"]]  # 5 is helpful, 3 is not
    assert tables["各章评分"][1][0] == "制动机的检查与试验"  # the chapter by its title

    pdf = teacher.get(f"/books/{BOOK}/usage-report.pdf?from=2026-03-01&to=2026-03-31")
    assert pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    flat = re.sub(r"\s+", "", text)
    assert "统计期间：2026-03-01至2026-03-31" in flat
    for label, value in summary.items():
        assert re.sub(r"\s+", "", label) + value in flat, label
    assert "表中的压力单位写错了" in text and "#101" in text


def test_any_period_and_bad_days(app, signed_in):
    add_rows(app)
    Library(app.config["LIBRARY_PATH"]).create_tag(f"{BOOK}/v1.0", "main", EDITOR, "Release 1.0")
    teacher = signed_in("teacher")
    since_march = sections(teacher.get(f"/books/{BOOK}/usage-report.csv?from=2026-03-01").get_data(as_text=True))
    summary = {row[0]: row[1] for row in since_march["本期概况"][1:]}
    assert summary["收到的反馈"] == "7" and summary["经合并的变更请求修正的错误"] == "3"
    assert summary["本期发布的版本"] == "1" and since_march["本期各版本按等级的标准覆盖率"][1][0] == "1.0"
    assert teacher.get(f"/books/{BOOK}/usage-report.csv?from=2026-13-01").status_code == 422
    assert teacher.get(f"/books/{BOOK}/usage-report.pdf?from=2026-04-01&to=2026-03-01").status_code == 422
    assert signed_in("admin").get("/books/no-such-book/usage-report.csv").status_code == 404
    assert signed_in("outsider").get(f"/books/{BOOK}/usage-report.csv").status_code == 403


def test_the_dossier_section_is_the_usage_report_since_the_previous_release(app):
    from server.textbook_reviews.dossier import readers_feedback
    from server.textbook_reviews.usage_report import usage_period, usage_report

    add_rows(app)
    Library(app.config["LIBRARY_PATH"]).create_tag(f"{BOOK}/v1.0", "main", EDITOR, "Release 1.0")
    with app.test_request_context():
        section = readers_feedback(BOOK, "1.0")
        report = usage_report(BOOK, usage_period(None, None))
    assert section.since is None  # the first release: everything up to now
    assert section.by_kind == {"error": 3, "question": 2, "rating": 3, "suggestion": 1} == \
        {k: n for k, n in report.by_kind.items() if n}
    assert section.errors_fixed == len(report.fixed) == 3 and section.questions_answered == len(report.answered) == 1
    assert section.average_rating == report.average_rating == 3.0
