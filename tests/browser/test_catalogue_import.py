"""A publisher imports a spreadsheet of titles: bad rows are reported, fixed, imported."""

import re

import pytest
from playwright.sync_api import expect

from alliance.extensions import db
from alliance.members.models import Organisation

pytestmark = pytest.mark.browser

HEADER = "书号,书名,作者,定价\n"
GOOD_ROWS = [
    "978-7-02-000220-7,红楼梦,曹雪芹；高鹗,¥59.70",
    '9787101003048,史记,司马迁,"1,200.00"',
]
BAD_ROWS = [
    "978-7-02-000220-8,红楼梦,曹雪芹；高鹗,¥59.70",  # wrong check digit
    "9787101003048,史记,司马迁,abc",  # not an amount
]


@pytest.fixture
def publisher_login(live_app, make_account):
    with live_app.app_context():
        organisation = Organisation(name="浏览器测试出版社", kind="publisher", status="active")
        db.session.add(organisation)
        db.session.commit()
        db.session.expunge(organisation)
    return make_account("import-publisher@example.org", "编辑小王", ["publisher"], organisation)


def test_publisher_imports_after_fixing_the_reported_rows(
    page, publisher_login, password, shoot, tmp_path
):
    page.goto("/auth/login")
    page.fill("input[name=login]", publisher_login)
    page.fill("input[name=password]", password)
    page.locator("main form input[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("编辑小王")

    page.goto("/titles/import")
    bad = tmp_path / "titles.csv"
    bad.write_text(HEADER + "\n".join(BAD_ROWS) + "\n", encoding="gb18030")
    page.set_input_files("input[type=file]", str(bad))
    page.locator("main form input[type=submit]").click()
    report = page.locator("table").first
    expect(report).to_contain_text("check digit does not match")
    expect(report).to_contain_text("Enter an amount such as 12.50.")
    rows = report.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("2")  # rows as the spreadsheet shows them
    expect(rows.nth(1).locator("td").nth(0)).to_have_text("3")
    shoot(page, "report")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("report", re.I)).click()
    saved = download.value.path().read_text(encoding="utf-8-sig")
    assert saved.startswith("row,column,problem") and "check digit" in saved

    page.goto("/titles/?q=红楼")
    expect(page.locator("main")).to_contain_text("No title matches")  # nothing was written

    page.goto("/titles/import")
    good = tmp_path / "titles-fixed.csv"
    good.write_text(HEADER + "\n".join(GOOD_ROWS) + "\n", encoding="gb18030")
    page.set_input_files("input[type=file]", str(good))
    page.locator("main form input[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("2 titles added")
    expect(page.locator("main table")).to_contain_text("红楼梦")
    expect(page.locator("main table")).to_contain_text("史记")
    shoot(page, "imported")

    page.goto("/titles/9787020002207")
    expect(page.locator("main")).to_contain_text("978-7-02-000220-7")
    expect(page.locator("main")).to_contain_text("曹雪芹")
