"""Journeys through the real browser: register, switch language, log out and in, grant a role."""

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser


class TranslatedStrings:
    """Check Chinese strings without stopping the journey, then report every missing one."""

    def __init__(self) -> None:
        self.missing: list[str] = []

    def expect_text(self, locator: Locator, text: str, where: str) -> None:
        try:
            expect(locator).to_contain_text(text, timeout=2_000)
        except AssertionError:
            self.missing.append(f"{where}: {text!r}")

    def assert_all_found(self) -> None:
        assert not self.missing, "Chinese strings not shown (catalog not compiled?): " + "; ".join(
            self.missing
        )


def html(page: Page) -> Locator:
    return page.locator("html")


def navbar(page: Page) -> Locator:
    return page.locator("#nav")


def submit(page: Page) -> None:
    """Press the form's submit button, whatever language the page is in."""
    page.locator("main form [type=submit]").click()


def log_in(page: Page, login: str, password: str) -> None:
    page.goto("/auth/login")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(password)
    submit(page)


def test_newcomer_registers_with_mobile_switches_language_and_logs_back_in(
    page: Page, base_url, unique_mobile, password, shoot, outbox
):
    """Register with a mobile number, switch to Chinese, log out, log back in with spaces."""
    mobile = unique_mobile()  # "138 1234 5678"
    chinese = TranslatedStrings()

    page.goto("/auth/register")
    expect(html(page)).to_have_attribute("lang", "en")
    page.locator("input[name=login]").fill(mobile.replace(" ", ""))
    page.locator("input[name=display_name]").fill("李华")
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=confirm]").fill(password)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(base_url + "/auth/register/confirm")
    e164 = "+86" + mobile.replace(" ", "")
    page.get_by_label("Code").fill(outbox.code_for(e164))  # the SMS, from the log
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(base_url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, 李华")
    expect(page.get_by_text("Your account has no role yet")).to_be_visible()
    shoot(page, "1-registered")

    navbar(page).get_by_role("link", name="中文").click()
    expect(page).to_have_url(re.compile(r"/\?lang=zh$"))
    expect(html(page)).to_have_attribute("lang", "zh-CN")
    expect(navbar(page).get_by_role("link", name="English")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("李华")
    chinese.expect_text(navbar(page), "首页", "navbar on the home page")
    chinese.expect_text(page.get_by_role("heading", level=2).first, "待办事项", "home heading")
    assert {"name": "lang", "value": "zh"} in [
        {"name": c["name"], "value": c["value"]} for c in page.context.cookies()
    ]
    shoot(page, "2-chinese-home")

    navbar(page).locator(".dropdown-toggle", has_text="李华").click()
    log_out = navbar(page).locator("form[action='/auth/logout'] button[type=submit]")
    expect(log_out).to_be_visible()
    chinese.expect_text(log_out, "退出登录", "log-out button")
    shoot(page, "3-account-menu")
    log_out.click()

    # The language choice outlives the session: the cookie, not the URL, keeps it Chinese.
    expect(page).to_have_url(base_url + "/auth/login")
    expect(html(page)).to_have_attribute("lang", "zh-CN")
    expect(page.locator("input[name=login]")).to_be_visible()
    chinese.expect_text(page.get_by_role("heading", level=1), "登录", "log-in page heading")
    chinese.expect_text(navbar(page), "登录", "navbar on the log-in page")
    shoot(page, "4-logged-out-chinese")

    page.locator("input[name=login]").fill(mobile)  # typed with spaces this time
    page.locator("input[name=password]").fill(password)
    submit(page)

    expect(page).to_have_url(base_url + "/")
    expect(html(page)).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_contain_text("李华")
    expect(navbar(page).locator(".dropdown-toggle")).to_have_text("李华")
    chinese.expect_text(navbar(page), "首页", "navbar after logging back in")
    chinese.expect_text(page.get_by_role("heading", level=2).first, "待办事项", "home heading")
    shoot(page, "5-back-home-chinese")

    chinese.assert_all_found()


def test_admin_grants_a_role(
    page: Page, new_context, base_url, make_account, unique_mobile, password, shoot
):
    """An admin finds a newcomer, makes them an independent writer; the newcomer sees it."""
    number = unique_mobile()
    digits = number.replace(" ", "")
    admin = make_account(f"admin-{uuid.uuid4().hex[:8]}@example.org", "Admin", roles=["admin"])
    newcomer_name = f"王芳 {digits[-4:]}"
    newcomer = make_account(digits, newcomer_name)  # stored as +86...

    log_in(page, admin, password)
    expect(page).to_have_url(base_url + "/")
    navbar(page).get_by_role("link", name="Users").click()
    expect(page).to_have_url(base_url + "/admin/users")
    page.locator("input[name=q]").fill(digits)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/admin/users\?.*q=" + digits))
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("No role yet")
    shoot(page, "1-search")

    rows.first.get_by_role("link", name=newcomer_name).click()
    expect(page).to_have_url(re.compile(r"/admin/users/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(newcomer_name)
    writer = page.get_by_label("Independent writer")
    expect(writer).not_to_be_checked()
    writer.check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".alert-success")).to_contain_text(
        f"The changes to {newcomer} have been saved."
    )
    expect(page.get_by_label("Independent writer")).to_be_checked()
    expect(page.get_by_label("Account active")).to_be_checked()
    shoot(page, "2-role-granted")

    newcomer_page = new_context().new_page()
    log_in(newcomer_page, number, password)
    expect(newcomer_page).to_have_url(base_url + "/")
    expect(newcomer_page.get_by_role("heading", level=1)).to_have_text(f"Hello, {newcomer_name}")
    expect(newcomer_page.locator("main .badge", has_text="Independent writer")).to_be_visible()
    expect(newcomer_page.get_by_text("Your account has no role yet")).to_have_count(0)
    shoot(newcomer_page, "3-newcomer-home")


def test_navbar_collapses_on_a_small_screen(new_context, shoot):
    """On a phone the menu hides behind the toggler, which opens it."""
    page = new_context(viewport={"width": 375, "height": 740}).new_page()
    page.goto("/")
    toggler = page.locator(".navbar-toggler")
    log_in_link = navbar(page).get_by_role("link", name="Log in")

    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(log_in_link).to_be_hidden()
    shoot(page, "1-collapsed")

    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    # Bootstrap marks the menu "collapsing" while it slides open, then "show" when it is open.
    expect(navbar(page)).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    expect(log_in_link).to_be_visible()
    expect(navbar(page).get_by_role("link", name="中文")).to_be_visible()
    shoot(page, "2-open")

    log_in_link.click()
    expect(page).to_have_url(re.compile(r"/auth/login$"))
    expect(page.locator("input[name=login]")).to_be_visible()
