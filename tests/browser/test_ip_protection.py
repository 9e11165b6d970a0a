"""A rights holder registers a right, files a notice from a spreadsheet; an officer decides;
a merchant counter-notices; the holder withdraws and the listing is reinstated."""

import hashlib
import hmac

import pytest
from playwright.sync_api import expect

from alliance.extensions import db
from alliance.members.models import Organisation

pytestmark = pytest.mark.browser

SECRET = "browser-test-webhook-secret"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
LISTINGS = (
    "listing id,merchant id,reason\n"
    "PDD-1,shop-ip-1,pirated_copy\nPDD-2,shop-ip-1,\nPDD-3,shop-ip-2,cover_copied\n"
)


@pytest.fixture
def people(live_app, make_account):
    """A rights holder, an IP officer and a merchant whose id shop-ip-1 is linked to it."""
    from authenticity.notices import merchants

    with live_app.app_context():
        holder_org = Organisation(name="青山文化（浏览器）", kind="rights_holder", status="active")
        shop_org = Organisation(name="九号书店（浏览器）", kind="merchant", status="active")
        db.session.add_all([holder_org, shop_org])
        db.session.commit()
        shop_id = shop_org.id
        db.session.expunge_all()
    logins = {
        "holder": make_account("ip-holder@example.org", "青山法务", ["rights_holder"], holder_org),
        "officer": make_account("ip-officer@example.org", "审核专员", ["ip_officer"]),
        "merchant": make_account("ip-merchant@example.org", "九号店长", ["merchant"], shop_org),
    }
    with live_app.test_request_context():
        merchants.set_merchant(None, "shop-ip-1", "九号书店", shop_id)
        db.session.commit()
        db.session.remove()
    return logins


def log_in(page, login, password):
    page.goto("/auth/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("main form input[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Hello")


@pytest.fixture
def marketplace(live_app):
    """A marketplace stand-in receiving the webhooks, signed with a test secret."""
    from tests.alliance.webhook_receiver import Receiver

    receiver = Receiver()
    saved = {name: live_app.config[name] for name in ("MARKETPLACE_WEBHOOK_URL",
                                                     "MARKETPLACE_WEBHOOK_SECRET")}  # fmt: skip
    live_app.config.update(MARKETPLACE_WEBHOOK_URL=receiver.url,
                           MARKETPLACE_WEBHOOK_SECRET=SECRET)  # fmt: skip
    yield receiver
    live_app.config.update(saved)
    receiver.stop()


def test_a_notice_from_registration_to_reinstatement(
    browser, base_url, people, password, marketplace, shoot
):
    holder = browser.new_context(base_url=base_url, locale="en-US").new_page()
    officer = browser.new_context(base_url=base_url, locale="en-US").new_page()
    merchant = browser.new_context(base_url=base_url, locale="en-US").new_page()
    log_in(holder, people["holder"], password)
    log_in(officer, people["officer"], password)
    log_in(merchant, people["merchant"], password)

    # The holder registers a right with a PDF proof.
    holder.get_by_role("link", name="IP protection").click()
    holder.get_by_role("link", name="Register a right").first.click()
    holder.fill("input[name=title]", "《远山》著作权")
    holder.fill("input[name=valid_from]", "2020-01-01")
    holder.fill("textarea[name=work_titles]", "远山")
    holder.set_input_files("input[name=documents]", files=[
        {"name": "登记证书.pdf", "mimeType": "application/pdf", "buffer": PDF}])  # fmt: skip
    holder.get_by_role("button", name="Send for verification").click()
    expect(holder.locator(".alert-success")).to_contain_text("An IP officer will verify it.")
    expect(holder.locator("h1")).to_contain_text("Waiting for verification")

    # The officer opens the queue and verifies it.
    officer.get_by_role("link", name="Rights to verify").click()
    officer.get_by_role("link", name="《远山》著作权").click()
    expect(officer.get_by_role("link", name="Open 登记证书.pdf")).to_be_visible()
    officer.get_by_role("button", name="Verify").click()
    expect(officer.locator(".alert-success")).to_contain_text("the holder is told")

    # The holder files a notice of three listings from a spreadsheet.
    holder.get_by_role("link", name="Notices").first.click()
    holder.get_by_role("link", name="File a notice").first.click()
    holder.select_option(
        "select[name=right_id]", label="《远山》著作权 · Copyright · 青山文化（浏览器）"
    )
    holder.set_input_files("input[name=file]", files=[
        {"name": "listings.csv", "mimeType": "text/csv", "buffer": LISTINGS.encode()}])  # fmt: skip
    for name in ("good_faith", "accurate", "regime_statement"):
        holder.check(f"input[name={name}]")
    holder.fill("input[name=signature]", "张三")
    holder.get_by_role("button", name="Send the notice").click()
    expect(holder.locator(".alert-success")).to_contain_text("3 listings wait for review")
    notice_url = holder.url
    shoot(holder, "1-notice-filed")

    # The officer removes two listings and rejects one with a reason.
    officer.get_by_role("link", name="Listings to review").click()
    officer.get_by_label("Choose listing PDD-1").check()
    officer.get_by_label("Choose listing PDD-2").check()
    officer.get_by_role("button", name="Remove the listings").click()
    expect(officer.locator(".alert-success")).to_contain_text("2 listings decided")
    officer.get_by_label("Choose listing PDD-3").check()
    officer.select_option("select[name=reason_code]", "evidence_insufficient")
    officer.get_by_role("button", name="Reject").click()
    expect(officer.locator(".alert-success")).to_contain_text("1 listings decided")

    holder.goto(notice_url)
    expect(holder.locator("main")).to_contain_text("Removed: 2")
    expect(holder.locator("main")).to_contain_text("The evidence does not show the infringement.")

    # The merchant counter-notices one removal.
    merchant.get_by_role("link", name="Notices against you").click()
    merchant.get_by_role("link", name="PDD-1").click()
    merchant.fill("textarea[name=statement]", "正版书，购自出版社发行部，附发票。")
    merchant.fill("textarea[name=contact]", "王五，上海市某路 1 号，13800000000")
    merchant.set_input_files("input[name=evidence]", files=[
        {"name": "发票.pdf", "mimeType": "application/pdf", "buffer": PDF}])  # fmt: skip
    merchant.check("input[name=accept_jurisdiction]")
    merchant.fill("input[name=signature]", "王五")
    merchant.get_by_role("button", name="Send the counter-notice").click()
    expect(merchant.locator(".alert-success")).to_contain_text("The rights holder has until")

    # The holder reads the counter-notice and withdraws: the listing is reinstated.
    holder.goto(notice_url)
    expect(holder.locator("main")).to_contain_text("正版书，购自出版社发行部")
    holder.select_option("select[name=action]", "withdraw")
    holder.get_by_role("button", name="Send the answer").click()
    expect(holder.locator(".alert-success")).to_contain_text("Reinstated")
    shoot(holder, "2-reinstated")
    merchant.goto("/ip/notices/against-you")
    expect(merchant.locator("main table")).to_contain_text("Reinstated")

    # The marketplace was told of both removals and the reinstatement, signed, in order.
    events = [(r.document["type"], r.document["data"]["listing_id"]) for r in marketplace.received]
    assert events == [
        ("listing.removed", "PDD-1"),
        ("listing.removed", "PDD-2"),
        ("listing.reinstated", "PDD-1"),
    ]
    for received in marketplace.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), received.body, hashlib.sha256).hexdigest()
        assert received.headers["X-Alliance-Signature"] == expected
    assert len(set(marketplace.ids())) == 3
