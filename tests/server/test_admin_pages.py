"""Administrators manage people, book members, and read the audit log and jobs in the browser."""
from __future__ import annotations

from helpers import csrf_from, login, post_form
from server.database import new_session
from server.jobs.queue import enqueue


def test_admin_creates_an_enterprise_account_who_can_then_sign_in(signed_in, app):
    admin = signed_in("admin")
    response = post_form(admin, "/admin/people/new", {
        "username": "wang.gong", "display_name": "王工", "email": "wang@example.com", "side": "enterprise",
        "password": "a long enough password",
    })
    assert response.status_code == 302
    listing = admin.get("/admin/people", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "wang.gong" in listing and "王工" in listing and "企业" in listing
    assert login(app.test_client(), "wang.gong", "a long enough password").status_code == 302


def test_duplicate_user_name_is_refused_with_a_message(signed_in):
    admin = signed_in("admin")
    response = post_form(admin, "/admin/people/new", {
        "username": "teacher", "display_name": "Another", "side": "school", "password": "a long enough password",
    }, page="/admin/people/new")
    assert response.status_code == 200
    assert "用户名 teacher 已被使用" in response.get_data(as_text=True)


def test_admin_disables_an_account_and_changes_side_and_rights(signed_in, app):
    admin = signed_in("admin")
    teacher = signed_in("technician")
    response = post_form(admin, "/admin/people/technician", {
        "display_name": "Li", "side": "school", "is_admin": "y", "email": "",
    })  # "active" left unticked: disabled
    assert response.status_code == 302
    page = admin.get("/admin/people").get_data(as_text=True)
    assert "已停用" in page
    assert teacher.get("/").status_code == 302  # their session ended
    assert login(app.test_client(), "technician").status_code == 200  # and they cannot sign in


def test_the_last_administrator_cannot_remove_their_own_rights(signed_in):
    admin = signed_in("admin")
    response = post_form(admin, "/admin/people/admin", {"display_name": "Admin", "side": "school",
                                                         "active": "y"})
    assert response.status_code == 200
    assert "不能移除最后一位管理员" in response.get_data(as_text=True)
    assert admin.get("/admin/people").status_code == 200  # still an administrator


def test_maintainer_adds_changes_and_removes_a_member_with_confirmation(signed_in):
    maintainer = signed_in("maintainer")
    members = "/books/locomotive-maintenance/members"
    response = post_form(maintainer, members, {"add-username": "outsider", "add-role": "reviewer"})
    assert response.status_code == 302
    page = maintainer.get(members, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Outsider" in page

    confirm = maintainer.get(f"{members}/outsider/remove", headers={"Accept-Language": "en"})
    assert confirm.status_code == 200 and "Remove Outsider from" in confirm.get_data(as_text=True)
    assert f"{members}/outsider/remove" in maintainer.get(members).get_data(as_text=True)  # asking changed nothing
    assert post_form(maintainer, f"{members}/outsider/remove").status_code == 302
    assert f"{members}/outsider/remove" not in maintainer.get(members).get_data(as_text=True)


def test_membership_change_of_role(signed_in):
    import re

    admin = signed_in("admin")
    members = "/books/locomotive-maintenance/members"
    page = admin.get(members).get_data(as_text=True)
    form = page[page.index('action="/books/locomotive-maintenance/members/reader/role"'):]
    prefix = re.search(r'name="(role-\d+)-role"', form).group(1)
    token = csrf_from(admin, members)
    response = admin.post(f"{members}/reader/role", data={f"{prefix}-role": "author", "csrf_token": token})
    assert response.status_code == 302
    reader = signed_in("reader")
    assert "作者" in reader.get("/").get_data(as_text=True)  # their home page shows the new role


def test_member_of_unknown_book_is_404(signed_in):
    admin = signed_in("admin")
    response = admin.get("/books/no-such-book/members", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "There is no book named no-such-book" in response.get_data(as_text=True)


def test_audit_log_records_who_did_what(app):
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302  # through the form: signing in is recorded
    post_form(admin, "/admin/people/new", {"username": "zhao", "display_name": "Zhao", "side": "enterprise",
                                            "password": "a long enough password"})
    log = admin.get("/admin/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "created an account" in log and "zhao" in log and "signed in" in log


def test_jobs_page_lists_jobs_with_their_status(signed_in, app):
    with new_session(app) as session:
        job = enqueue(session, "test.nothing", {"book": "locomotive-maintenance"})
    admin = signed_in("admin")
    page = admin.get("/admin/jobs", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "test.nothing" in page and "Queued" in page
    detail = admin.get(f"/admin/jobs/{job.id}").get_data(as_text=True)
    assert "locomotive-maintenance" in detail
    assert admin.get("/admin/jobs/99999").status_code == 404


def test_a_name_with_angle_brackets_signs_an_edit_and_a_standard_import_alike(signed_in, app):
    """Git authors are built from the account in one place: every write path cleans the name the same way."""
    from materials import OVERWRITE, Author, Library, Write

    lib = Library(app.config["LIBRARY_PATH"])
    path = "books/locomotive-maintenance/book.yml"
    allowed = lib.read_text("main", path).replace("direct_commits: false", "direct_commits: true")
    lib.commit("main", [Write(path, allowed)], Author("Lead", "lead@example.org", "school"), "Allow direct commits",
               base=OVERWRITE)
    admin = signed_in("admin")
    assert post_form(admin, "/admin/people/admin", {
        "display_name": "管理员 <总部>", "side": "school", "is_admin": "y", "active": "y", "email": "admin@example.org"},
    ).status_code == 302
    token = {"X-CSRFToken": csrf_from(admin, "/")}
    chapter = admin.get("/api/books/locomotive-maintenance/chapters/03-brake-test.md?branch=main").json
    edited = admin.put("/api/books/locomotive-maintenance/chapters/03-brake-test.md", headers=token, json={
        "base": chapter["base"], "branch": "main", "text": chapter["text"] + "\n补充一句。\n"})
    assert edited.status_code == 200, edited.json
    imported = admin.post("/api/books/locomotive-maintenance/standards/import", headers=token, json={
        "format": "csv", "direct": True,
        "csv": "层级,类别,编号,内容,上级编号\r\nL4,F,1,机车检查,\r\nL4,C,1.1,制动机检查,\r\nL4,S,1.1.1,能完成五步闸试验,\r\n",
        "meta": {"id": "cn-noss-test-brakes@2024", "title": "制动机检修（测试）", "scheme": "cn-noss", "edition": "2024"}})
    assert imported.status_code == 201, imported.json
    authors = {(c.author_name, c.author_email) for c in lib.log("main", limit=2)}
    assert authors == {("管理员 总部", "admin@example.org")}
