"""A campaign end to end: staff set it up, a publisher enrols titles one by one and from a
spreadsheet, staff approve them and apply the proposal, the publisher reports a sale, and the
dashboard shows the spend."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from stdnum import ean

from alliance.auth.models import User
from alliance.catalogue.models import Title, search_key
from alliance.extensions import db
from alliance.i18n import local_today
from alliance.members.models import Organisation

pytestmark = pytest.mark.browser

# ISBNs no other browser test uses: the live server's database is shared by them all.
ISBNS = [body + ean.calc_check_digit(body) for body in ("978753210017", "978753210024",
                                                         "978753210031")]  # fmt: skip


@pytest.fixture
def people(live_app, make_account):
    """Create campaign staff and a publisher with three titles; return their logins."""
    staff = make_account("journey-staff@example.org", "运营小李", ["campaign_staff"])
    publisher = make_account("journey-publisher@example.org", "编辑小张", ["publisher"])
    with live_app.app_context():
        organisation = Organisation(name="旅程出版社", kind="publisher", status="active")
        db.session.add(organisation)
        user = db.session.scalar(db.select(User).where(User.email == publisher))
        user.organisation = organisation
        for number, isbn in enumerate(ISBNS, start=1):
            name = f"旅程之书{number}"
            db.session.add(
                Title(isbn=isbn, title=name, title_key=search_key(name), publisher=organisation,
                      clc_class="I247.5", list_price_fen=5000)
            )  # fmt: skip
        db.session.commit()
        db.session.remove()
    return staff, publisher


def log_in(page: Page, login: str, password: str) -> None:
    """Start a fresh session as `login`."""
    page.context.clear_cookies()
    page.goto("/auth/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("main form input[type=submit]").click()
    expect(page.locator("nav")).to_contain_text("Campaigns")


def test_a_campaign_from_set_up_to_spend(page, people, password, shoot, tmp_path):
    staff, publisher = people
    today = local_today()

    log_in(page, staff, password)
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.fill("input[name=name]", "旅程读书月")
    page.fill("input[name=name_en]", "Journey Reading Month")
    for field, day in (("enrolment_opens", 0), ("enrolment_closes", 0), ("starts", 0),
                       ("ends", 30)):  # fmt: skip
        page.fill(f"input[name={field}]", str(today + timedelta(days=day)))
    page.fill("input[name=budget]", "1,000")
    page.fill("input[name=per_title_cap]", "400")
    page.fill("input[name=per_publisher_cap]", "1000")
    page.fill("input[name=categories]", "I, J")
    page.locator("main form input[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("created as a draft")
    page.get_by_role("button", name="Move to: Enrolment open").click()
    expect(page.locator("main")).to_contain_text("Enrolment open")
    campaign_url = page.url

    log_in(page, publisher, password)
    page.goto(campaign_url)
    page.get_by_role("link", name="Enrol a title").click()
    page.fill("input[name=isbn]", ISBNS[0])
    page.fill("input[name=campaign_price]", "39.80")
    page.fill("input[name=subsidy_per_unit]", "2")
    page.fill("input[name=expected_units]", "100")
    page.locator("main form input[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("awaits review")
    page.get_by_role("link", name="Import enrolments").click()
    sheet = tmp_path / "enrol.csv"
    sheet.write_text(
        f"书号,活动价,补贴,预计销量\n{ISBNS[1]},35,3,200\n{ISBNS[2]},40,5,100\n",
        encoding="gb18030",
    )
    page.set_input_files("input[type=file]", str(sheet))
    page.locator("main form input[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("2 titles enrolled")
    expect(page.locator("main table")).to_contain_text("Awaiting review")
    shoot(page, "enrolled")

    log_in(page, staff, password)
    page.goto(campaign_url)
    page.get_by_role("link", name="Review enrolments").click()
    for box in page.locator("input[name=enrolment]").all():
        box.check()
    page.get_by_role("button", name="Apply to the chosen enrolments").click()
    expect(page.locator(".alert-success")).to_contain_text("3 enrolments decided")
    page.goto(campaign_url)
    page.get_by_role("link", name="Allocation proposal").click()
    expect(page.locator("main")).to_contain_text("¥1,000.00")  # requests total ¥1,300
    shoot(page, "proposal")
    page.get_by_role("button", name="Apply the proposal").click()
    expect(page.locator(".alert-success")).to_contain_text("3 allocations recorded")
    page.goto(campaign_url)
    expect(page.locator("main")).to_contain_text("¥0.00")  # nothing remains
    page.get_by_role("button", name="Move to: Enrolment closed").click()
    page.get_by_role("button", name="Move to: Running").click()
    expect(page.locator("main")).to_contain_text("Running")

    log_in(page, publisher, password)
    page.goto(campaign_url)
    page.get_by_role("link", name="Report a sale").click()
    page.fill("input[name=isbn]", ISBNS[0])
    page.fill("input[name=sale_date]", str(today))
    page.fill("input[name=units]", "30")
    page.fill("input[name=revenue]", "1194")
    page.locator("main form input[type=submit]").click()
    expect(page.locator("main")).to_contain_text("旅程之书1")
    shoot(page, "sale")

    log_in(page, staff, password)
    page.goto(campaign_url)
    expect(page.locator("main")).to_contain_text("¥60.00")  # 30 copies x ¥2 subsidy spent
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("main")).to_contain_text("¥1,000.00")
    expect(page.locator("main")).to_contain_text("旅程之书1")  # the top title by spend
    expect(page.locator("main img").first).to_be_visible()  # the charts are drawn
    shoot(page, "dashboard")
