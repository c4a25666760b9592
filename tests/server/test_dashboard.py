"""The cooperation dashboard on a constructed history, checked against figures worked out by hand."""
from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import datetime, timedelta, timezone

import pytest

from server.change_requests.models import ChangeRequest, Review
from server.database import new_session
from server.feedback.models import Feedback

BOOK = "demo"
STANDARD = """id: demo@2024
scheme: custom
code: DEMO
title: 演示标准
edition: "2024"
status: current
issuer: 演示
language: zh-CN
levels:
  - {key: L1, label: 一级, cumulative: true}
kinds: {F: 职业功能, C: 工作内容, S: 技能要求, K: 相关知识要求}
items:
  - {key: L1.F.1, code: '1', kind: F, level: L1, text: 功能}
  - {key: L1.C.1.1, code: '1.1', kind: C, level: L1, parent: L1.F.1, text: 内容}
  - {key: L1.S.1, code: '1.1.1', kind: S, level: L1, parent: L1.C.1.1, text: 技能一}
  - {key: L1.S.2, code: '1.1.2', kind: S, level: L1, parent: L1.C.1.1, text: 技能二}
  - {key: L1.K.1, code: '1.1.3', kind: K, level: L1, parent: L1.C.1.1, text: 知识一}
  - {key: L1.K.2, code: '1.1.4', kind: K, level: L1, parent: L1.C.1.1, text: 知识二}
"""
BOOK_YML = """title: 演示教材
language: zh-CN
license: CC-BY-SA-4.0
edition: "2026"
standards: [demo@2024]
navigation:
  - part: 全书
    chapters: [a.md, b.md]
"""
# Chapter a: all by the school side (the teacher).
A = "---\ntitle: 甲章\nstandards: [L1.S.1]\n---\n\n制动机检查的步骤很多请按顺序做\n"
# Chapter b: started empty by the school, then written by the enterprise technician.
B = "---\ntitle: 乙章\nstandards: [L1.S.2, L1.K.1]\n---\n\n现场作业时先确认机车已经停稳并且切断电源再进行检查和试验\n"
T0 = datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)


def chars(text: str) -> int:
    return sum(len(line.strip()) for line in text.splitlines() if line.strip())


@pytest.fixture
def demo_app(make_app, tmp_path):
    """A library with one book: two chapters by two sides, two releases; plus reviews and feedback rows."""
    from materials import OVERWRITE, Author, Library, Write

    lib = Library.init(tmp_path / "library.git", starter=False)
    school = Author("王老师", "wang@college.edu.cn", "school")
    enterprise = Author("李师傅", "li@works.com", "enterprise")
    lib.commit("main", [Write("standards/demo@2024.yml", STANDARD), Write(f"books/{BOOK}/book.yml", BOOK_YML),
                        Write(f"books/{BOOK}/chapters/a.md", A), Write(f"books/{BOOK}/chapters/b.md", "---\ntitle: 乙章\n---\n")],
               school, "Start the demo book", base=OVERWRITE)
    lib.create_tag(f"{BOOK}/v1.0", "main", school, "Release 1.0")
    lib.commit("main", [Write(f"books/{BOOK}/chapters/b.md", B)], enterprise, "Write chapter b from the workshop",
               base=OVERWRITE)
    lib.create_tag(f"{BOOK}/v2.0", "main", school, "Release 2.0")
    app = make_app()
    _add_rows(app)
    return app


def _add_rows(app) -> None:
    h = timedelta(hours=1)
    with new_session(app) as session:
        # CR 1 by school: first review (enterprise, approve) after 2 h, merged after 5 h.
        # CR 2 by enterprise: school requests changes after 4 h, approves after 6 h, merged after 9 h.
        for number, side, reviews, merged in ((1, "school", [("enterprise", "approve", 2)], 5),
                                              (2, "enterprise", [("school", "request_changes", 4),
                                                                 ("school", "approve", 6)], 9)):
            cr = ChangeRequest(number=number, book=BOOK, title=f"CR {number}", author_name=side,
                               author_side=side, branch=f"cr/{number}", base="0" * 40, head="1" * 40,
                               state="merged", created_at=T0, updated_at=T0 + merged * h,
                               closed_at=T0 + merged * h)
            session.add(cr)
            session.flush()
            for reviewer_side, verdict, after in reviews:
                session.add(Review(change_request_id=cr.id, reviewer_name=reviewer_side, reviewer_side=reviewer_side,
                                   verdict=verdict, head="1" * 40, created_at=T0 + after * h))
        # Feedback: a question answered after 2 h, an error answered after 6 h (accepted), a suggestion
        # not answered; ratings 5 and 2 on chapter a, a "helpful: yes" on chapter b.
        rows = [("question", "a.md", 2, "answered", None, None), ("error", "a.md", 6, "accepted", None, None),
                ("suggestion", "b.md", None, "new", None, None), ("rating", "a.md", None, "new", 5, None),
                ("rating", "a.md", None, "new", 2, None), ("rating", "b.md", None, "new", None, True)]
        for kind, chapter, answered, state, rating, helpful in rows:
            session.add(Feedback(book=BOOK, version="2.0", page=f"chapters/{chapter}", chapter=chapter, selection="",
                                 kind=kind, text="…", rating=rating, helpful=helpful, name="", contact="", state=state,
                                 reason="", public=False, follow_hash=secrets.token_hex(32), created_at=T0,
                                 updated_at=T0, answered_at=T0 + answered * h if answered else None))
        session.commit()


def table(data: dict, name: str) -> dict:
    found = next(t for t in data["tables"] if t["name"] == name)
    return {row[0]: row[1:] for row in found["rows"]}


def test_book_figures_match_the_hand_computed_ones(demo_app, signed_in):
    from server.database import new_session as session_of
    from server.accounts.models import Membership, User

    with session_of(demo_app) as session:
        session.add(Membership(user=session.query(User).filter_by(username="teacher").one(), book=BOOK, role="author"))
        session.commit()
    data = signed_in("teacher").get(f"/api/books/{BOOK}/dashboard").json

    # b.md: blame keeps "---", "title: 乙章" and the closing "---" from the school's first version.
    kept = chars("---\ntitle: 乙章\n---\n")
    school = chars(A) + kept
    enterprise = chars(B) - kept
    share = table(data, "text_share")
    assert share["school"][1] == school and share["enterprise"][1] == enterprise
    assert share["school"][2] == pytest.approx(round(100 * school / (school + enterprise), 1))

    assert table(data, "commits") == {"school": [1], "enterprise": [1]}
    coverage = table(data, "coverage")  # S and K items of L1: four; 1.0 covers L1.S.1, 2.0 adds L1.S.2 and L1.K.1
    assert coverage["1.0"][1:] == [25.0] and coverage["2.0"][1:] == [75.0]

    kinds = table(data, "feedback_kinds")
    assert kinds == {"error": [1], "suggestion": [1], "question": [1], "rating": [3]}
    summary = {str(k): v[0] for k, v in table(data, "feedback_summary").items()}
    assert list(summary.values()) == [2, 4.0, 66.7]  # answered, median (2+6)/2 h, 2 of 3 resolved (one decimal)
    helpful = table(data, "helpfulness")
    assert helpful == {"甲章": [2, 50.0, 3.5], "乙章": [1, 100.0, None]}  # chapters by their titles

    sides = table(data, "review_by_side")  # opened, reviews given, approvals, changes requested
    assert sides == {"school": [1, 2, 1, 1], "enterprise": [1, 1, 1, 0]}
    times = {str(k): v for k, v in table(data, "review_times").items()}
    assert list(times.values()) == [[2, 3.0, 4.0], [2, 7.0, 9.0]]  # first review 2 h and 4 h; merge 5 h and 9 h


def test_a_period_and_a_release_choose_what_is_counted(demo_app, signed_in):
    admin = signed_in("admin")
    empty = admin.get(f"/api/books/{BOOK}/dashboard?from=2000-01-01&to=2000-12-31").json
    assert table(empty, "commits") == {}
    assert table(empty, "feedback_kinds") == {"error": [0], "suggestion": [0], "question": [0], "rating": [0]}
    first = admin.get(f"/api/books/{BOOK}/dashboard?release=1.0").json
    assert first["release"] == "1.0"
    assert table(first, "commits") == {"school": [1]}
    assert list(table(first, "text_share")) == ["school"]  # the text as released in 1.0
    assert admin.get(f"/api/books/{BOOK}/dashboard?release=9.9").status_code == 404
    assert admin.get(f"/api/books/{BOOK}/dashboard?from=2020-13-01").status_code == 422


def test_the_page_draws_charts_with_their_tables_and_exports_each_table(demo_app, signed_in):
    admin = signed_in("admin")
    page = admin.get(f"/books/{BOOK}/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("<svg") >= 5 and 'role="img"' in html
    assert html.count('<table class="figure-table"') == 16
    assert "<polyline" in html  # coverage over releases
    report = admin.get(f"/books/{BOOK}/dashboard/report?period=year").get_data(as_text=True)
    assert "<form method=\"get\"" not in report and "<svg" in report
    exported = admin.get(f"/books/{BOOK}/dashboard/feedback_kinds.csv")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1:] == [["错误", "1"], ["建议", "1"], ["提问", "1"], ["评价", "3"]] or \
        rows[1:] == [["Error", "1"], ["Suggestion", "1"], ["Question", "1"], ["Rating", "3"]]
    assert admin.get(f"/books/{BOOK}/dashboard/nothing.csv").status_code == 404


def test_the_library_dashboard_is_for_administrators(demo_app, signed_in):
    assert signed_in("teacher").get("/dashboard").status_code == 403
    admin = signed_in("admin")
    assert admin.get("/dashboard").status_code == 200
    data = admin.get("/api/dashboard").json
    assert table(data, "coverage") == {BOOK: ["2.0", 75.0]}


def test_warm_figures_come_from_the_cache_until_main_or_the_feedback_changes(demo_app, signed_in):
    from materials import OVERWRITE, Author, Library, Write
    from server.dashboard import service as cooperation

    admin = signed_in("admin")
    with demo_app.app_context():
        cache = cooperation._cache("library")
    admin.get(f"/api/books/{BOOK}/dashboard")
    size = len(cache)
    admin.get(f"/api/books/{BOOK}/dashboard")
    assert len(cache) == size  # warm: nothing computed again
    Library(demo_app.config["LIBRARY_PATH"]).commit(
        "main", [Write(f"books/{BOOK}/chapters/a.md", A + "补充一句\n")], Author("王老师", "wang@college.edu.cn", "school"),
        "Add a sentence", base=OVERWRITE)
    assert table(admin.get(f"/api/books/{BOOK}/dashboard").json, "commits") == {"school": [2], "enterprise": [1]}
    client = demo_app.test_client()
    client.post("/api/feedback", json={"book": BOOK, "version": "2.0", "page": "chapters/b.md", "kind": "question",
                                       "text": "新问题"})
    kinds = table(admin.get(f"/api/books/{BOOK}/dashboard").json, "feedback_kinds")
    assert kinds["question"] == [2]  # the whole history: the new question counts at once


# Chapter c: the school sets it out (a tag per block line, an overview, an empty procedure); the technician
# then writes a real case, fills in the procedure's steps and tags one more item.
C_SCHOOL = ("---\ntitle: 丙章\nstandards:\n  - L1.K.2\nsections:\n  steps: [L1.S.1]\n---\n\n"
            "## 概述\n\n学校写的概述\n\n## 操作步骤 {#steps}\n\n待补充\n")
C_ENTERPRISE = ("---\ntitle: 丙章\nstandards:\n  - L1.K.2\n  - L1.S.2\nsections:\n  steps: [L1.S.1]\n---\n\n"
                "## 概述\n\n学校写的概述\n\n## 操作步骤 {#steps}\n\n1. 切断电源\n2. 检查风压\n\n"
                "## 企业案例：副风缸漏风\n\n现场发现副风缸漏风。\n")


def test_the_cooperation_indicators_a_college_reports(demo_app, signed_in):
    """Experts and their approximate hours, cases and procedures, joint reviews, turnaround, items: by hand."""
    from materials import OVERWRITE, Author, Library, Write
    from server.accounts.models import User
    from server.accounts.service import git_author

    h = timedelta(hours=1)
    t1 = datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc)
    lib = Library(demo_app.config["LIBRARY_PATH"])
    with new_session(demo_app) as session:
        technician, teacher = (session.query(User).filter_by(username=n).one() for n in ("technician", "teacher"))
        lib.commit("main", [Write(f"books/{BOOK}/book.yml", BOOK_YML.replace("[a.md, b.md]", "[a.md, b.md, c.md]")),
                            Write(f"books/{BOOK}/chapters/c.md", C_SCHOOL)],
                   Author("王老师", "wang@college.edu.cn", "school"), "Set out chapter c", base=OVERWRITE,
                   authored_at=(int((t1 - 2 * h).timestamp()), "+0000"))
        lib.commit("main", [Write(f"books/{BOOK}/chapters/c.md", C_ENTERPRISE)], git_author(technician),
                   "Write the case and the steps of chapter c", base=OVERWRITE, authored_at=(int(t1.timestamp()), "+0000"))
        # CR 3 by the school, in review an hour before t1: the technician approves at t1 + 1 h and comments at
        # t1 + 4 h (a second working session), the teacher approves at t1 + 2 h; merged at t1 + 5 h.
        cr = ChangeRequest(number=3, book=BOOK, title="CR 3", author_name="王老师", author_side="school", branch="cr/3",
                           base="0" * 40, head="1" * 40, state="merged", created_at=t1 - h, updated_at=t1 + 5 * h,
                           closed_at=t1 + 5 * h)
        session.add(cr)
        session.flush()
        for who, verdict, after in ((technician, "approve", 1), (teacher, "approve", 2), (technician, "comment", 4)):
            session.add(Review(change_request_id=cr.id, reviewer_id=who.id, reviewer_name=who.display_name,
                               reviewer_side=who.side, verdict=verdict, head="1" * 40, created_at=t1 + after * h))
        session.commit()
        expert = technician.display_name

    data = signed_in("admin").get(f"/api/books/{BOOK}/dashboard").json
    # Sessions: the technician's commit at t1 and approval at t1 + 1 h (1.5 h), the comment alone (0.5 h);
    # 李师傅's one commit and the enterprise reviewer of CR 1 (no account) half an hour each.
    assert table(data, "enterprise_experts") == {expert: [1, 2, 2, 2.0], "李师傅": [1, 0, 1, 0.5],
                                                 "enterprise": [0, 1, 1, 0.5]}
    assert [row[1] for row in table(data, "enterprise_content").values()] == [1, 1, 0, 0]  # case, procedure, task, other
    assert table(data, "enterprise_sections") == {"操作步骤": ["Procedures and steps", "丙章", expert, 66.7],
                                                  "企业案例：副风缸漏风": ["Real cases", "丙章", expert, 100.0]} or \
        table(data, "enterprise_sections") == {"操作步骤": ["操作规程与步骤", "丙章", expert, 66.7],
                                               "企业案例：副风缸漏风": ["真实案例", "丙章", expert, 100.0]}
    # 李师傅 wrote b's tag line; in c the line of L1.K.2 is the school's, L1.S.1 sits on the technician's steps.
    items = next(t for t in data["tables"] if t["name"] == "enterprise_items")["rows"]
    assert [row[:2] for row in items] == [["1.1.2 技能二", "乙章"], ["1.1.3 知识一", "乙章"], ["1.1.2 技能二", "丙章"],
                                          ["1.1.1 技能一", "丙章"]]
    assert "操作步骤" in items[3][2]
    joint = [row[0] for row in table(data, "joint_reviews").values()]
    assert joint == [1, 1, 3, 33.3]  # only CR 3 has both sides' approval; three merged
    turn = table(data, "enterprise_turnaround")  # enterprise: 2 h (CR 1) and 2 h (CR 3); school: 4 h and 3 h
    assert turn == {"school": [2, 3.5, 4.0], "enterprise": [2, 2.0, 2.0]}
    assert [row[0] for row in table(data, "indicators").values()] == [3, 3.0, 1, 1, 0, 1, 2.0, 3]  # 3 distinct items

    page = signed_in("admin").get(f"/books/{BOOK}/dashboard").get_data(as_text=True)
    assert "企业案例：副风缸漏风" in page and ("近似" in page or "Approximate" in page)
    later = signed_in("admin").get(f"/api/books/{BOOK}/dashboard?from=2026-04-02&to=2026-04-30").json
    assert table(later, "enterprise_experts") == {}  # nobody worked in the period
    assert table(later, "enterprise_sections") == table(data, "enterprise_sections")  # the text as it stands


def _sections(text: str) -> dict[str, list[list[str]]]:
    """The tables of a multi-table CSV: title -> rows (header first)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    out, current = {}, None
    for row in rows:
        if not row:
            current = None
        elif current is None and len(row) == 1 and out is not None:
            current = out.setdefault(row[0], [])
        else:
            current.append(row)
    return out


def test_the_annual_export_holds_the_dashboards_figures_of_the_year_in_csv_and_pdf(demo_app, signed_in):
    import pypdf

    admin = signed_in("admin")
    figures = admin.get(f"/api/books/{BOOK}/dashboard?from=2026-01-01&to=2026-12-31").json
    page = admin.get(f"/books/{BOOK}/dashboard").get_data(as_text=True)
    assert f'action="/books/{BOOK}/dashboard/annual.pdf"' in page and f"/books/{BOOK}/dashboard/annual.csv" in page

    exported = admin.get(f"/books/{BOOK}/dashboard/annual.csv?year=2026")
    assert exported.mimetype == "text/csv"
    sections = _sections(exported.get_data(as_text=True))
    shown = lambda v: "–" if v is None else (f"{v:.1f}" if isinstance(v, float) else str(v))  # noqa: E731
    for t in figures["tables"]:
        rows = sections[t["title"]]
        assert rows[0] == t["columns"]
        assert [r[1:] for r in rows[1:]] == [[shown(v) for v in row[1:]] for row in t["rows"]], t["name"]

    pdf = admin.get(f"/books/{BOOK}/dashboard/annual.pdf?year=2026")
    assert pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "2026 年校企合作开发教材情况（质量年报）" in text and "统计期间：2026-01-01 至 2026-12-31" in text
    flat = re.sub(r"\s+", "", text)
    for t in figures["tables"]:
        assert re.sub(r"\s+", "", t["title"]) in flat
    indicators = next(t for t in figures["tables"] if t["name"] == "indicators")
    for label, value in indicators["rows"]:
        assert re.sub(r"\s+", "", label) + shown(value) in flat
    assert "近似值" in text  # the hours say how they are approximated
    assert admin.get(f"/books/{BOOK}/dashboard/annual.txt?year=2026").status_code == 404
