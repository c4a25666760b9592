"""In a real browser: a locked-out name is told when to try again; a weak new password is refused beside its field."""
from __future__ import annotations

import pytest

from helpers import PASSWORD, serving

pytestmark = pytest.mark.browser


def _submit_sign_in(page, username: str, password: str):
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.click("button[type=submit].button")
    page.wait_for_load_state()
    return answer.value


def test_after_too_many_failures_the_sign_in_page_says_when_to_try_again(page, make_app):
    app = make_app(LOGIN_FAILURES_PER_ACCOUNT="2 per 15 minutes")
    with serving(app) as url:
        page.goto(f"{url}/login")
        statuses = [_submit_sign_in(page, "teacher", "not the password").status for _ in range(2)]
        assert statuses == [200, 200]
        assert "用户名或密码错误" in page.locator(".flash-error").inner_text()
        refused = _submit_sign_in(page, "teacher", PASSWORD)
        assert refused.status == 429 and int(refused.headers["retry-after"]) > 0
        assert page.locator(".flash-error").inner_text() == "此用户名或此网络地址的登录失败次数过多，请 15 分钟后再试。"
        assert page.locator("#username").is_visible()  # the form stays, for later


def test_a_weak_new_password_is_refused_with_the_reason_beside_the_field(page, make_app):
    with serving(make_app()) as url:
        page.goto(f"{url}/login")
        _submit_sign_in(page, "teacher", PASSWORD)
        page.goto(f"{url}/account")
        page.fill("#password-current", PASSWORD)
        page.fill("#password-new", "1234567890")
        page.fill("#password-repeat", "1234567890")
        page.locator("form", has=page.locator("#password-new")).locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "最常用的密码之一" in page.locator("#password-new-error").inner_text()
        assert page.locator(".flash-success").count() == 0
