"""A user with only a mobile number forgets the password and chooses a new one by SMS code."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
NEW_PASSWORD = "lantern river autumn 88"


def test_a_mobile_only_user_resets_the_password_by_sms(
    page, make_account, unique_mobile, outbox, shoot
):
    mobile = unique_mobile()
    login = make_account(mobile, "赵敏")  # stored as +86...
    page.goto("/auth/forgot?lang=zh")
    page.get_by_label("邮箱或手机号").fill(mobile)
    page.locator("main form input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/auth/reset/code$"))
    expect(page.get_by_role("alert")).to_contain_text("短信")
    shoot(page, "1-code-page")
    page.get_by_label("验证码").fill(outbox.code_for(login))
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.locator("main form input[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("密码已重置")
    page.fill("input[name=login]", mobile)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.locator("main form input[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("赵敏")
    shoot(page, "2-logged-in")
