"""A publisher authorises a seller, orders, prints and seals labels; readers scan them."""

import csv
import io
from datetime import date

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from alliance.catalogue.models import Title, search_key
from alliance.extensions import db
from alliance.members.models import Organisation
from authenticity.labels import codes as label_codes

pytestmark = pytest.mark.browser

ISBN = "9787020001057"
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def label_publisher(live_app, make_account):
    with live_app.app_context():
        organisation = Organisation(
            name="标签测试出版社", name_en="Label Test Press", kind="publisher", status="active"
        )
        db.session.add(organisation)
        db.session.flush()
        db.session.add(
            Title(isbn=ISBN, title="呐喊", title_key=search_key("呐喊"), publisher=organisation)
        )
        db.session.commit()
        db.session.expunge(organisation)
    return make_account("label-publisher@example.org", "防伪专员", ["publisher"], organisation)


def test_publisher_labels_a_title_and_readers_check_them(
    page, browser, live_app, live_server, label_publisher, password, shoot
):
    live_app.config["PUBLIC_BASE_URL"] = live_server  # the QR codes open this server
    page.goto("/auth/login")
    page.fill("input[name=login]", label_publisher)
    page.fill("input[name=password]", password)
    page.locator("main form input[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("防伪专员")

    page.get_by_role("link", name="Genuine-book labels").click()
    page.get_by_role("link", name="Authorised sellers").first.click()
    page.fill("input[name=merchant_id]", "duoduo-001")
    page.fill("input[name=merchant_name]", "多多好书专营店")
    page.fill("textarea[name=isbns]", "978-7-02-000105-7")
    page.fill("input[name=valid_from]", date.today().isoformat())
    page.locator("main form input[type=submit][value=Authorise]").click()
    expect(page.locator(".alert-success")).to_contain_text("多多好书专营店 is now authorised.")
    expect(page.locator("main table")).to_contain_text("In force")

    page.goto("/labels/")
    page.fill("input[name=isbn]", ISBN)
    page.fill("input[name=merchant_id]", "duoduo-001")
    page.fill("input[name=quantity]", "100")
    page.locator("main form input[type=submit][value='Order labels']").click()
    expect(page.locator(".alert-success")).to_contain_text("100 labels are ready to download.")
    expect(page.locator("main")).to_contain_text("多多好书专营店")
    shoot(page, "batch")

    with page.expect_download() as sheet_download:
        page.get_by_role("link", name="Label sheet (SVG)").click()
    sheet = sheet_download.value.path().read_text(encoding="utf-8")
    assert sheet.count("<path") >= 100 and sheet.count("呐喊") == 100
    with page.expect_download() as codes_download:
        page.get_by_role("link", name="Codes (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(codes_download.value.path().read_text("utf-8-sig"))))
    assert len(rows) == 100 and rows[0]["code"] in sheet
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Label sheet (PDF)").click()
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    pdf = pdf_download.value.path().read_bytes()
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 7  # 100 labels, 16 a page

    page.get_by_role("button", name="Confirm printing and seal").click()  # not ticked: refused
    expect(page.locator("#seal-form-confirm-error")).to_contain_text("cannot be undone")
    expect(page.locator("#seal-form-confirm")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#seal-form-confirm_not_downloaded")).to_have_count(0)  # downloaded
    page.get_by_label("I understand that the 100 codes of batch").check()
    shoot(page, "seal-confirmation")
    page.get_by_role("button", name="Confirm printing and seal").click()
    expect(page.locator(".alert-success")).to_contain_text("only the keyed hashes")
    expect(page.get_by_role("link", name="Codes (CSV)")).to_have_count(0)

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    reader = phone.new_page()
    try:
        reader.goto(rows[0]["url"])  # what the phone's camera opens from the QR code
        verdict = reader.locator(".verdict")
        expect(verdict).to_have_attribute("data-verdict", "genuine")
        expect(verdict).to_contain_text("正版")
        expect(verdict).to_contain_text("呐喊")
        expect(verdict).to_contain_text("多多好书专营店")
        fits = "document.documentElement.scrollWidth <= window.innerWidth"
        assert reader.evaluate(fits), "the answer must fit a phone screen"
        shoot(reader, "reader-genuine")

        copied = rows[1]["url"]
        # the same label photographed and printed on many fakes, checked by their buyers
        checks = live_app.extensions["label_checks"]
        for network in range(1, 30):  # (until five take different bits: bits can coincide)
            if checks.verify(rows[1]["code"], f"198.51.{network}.20").clone_suspected:
                break
        reader.goto(copied)
        expect(verdict).to_have_attribute("data-verdict", "copied")
        expect(verdict).to_contain_text("此标签可能被复制")
        assert reader.evaluate(fits)
        shoot(reader, "reader-copied")
        reader.locator("a[href^='/verify/report?code=']").click()  # report the seller
        reader.fill("input[name=place]", "某拼团店铺 https://shop.example.com/item/9")
        reader.locator("main form input[type=submit]").click()
        expect(reader.locator("h1")).to_contain_text("感谢您的举报")  # the reader reads Chinese

        reader.goto(live_server + "/verify?lang=en")
        data = label_codes.parse(rows[2]["code"]).normalised[:20]
        right = {label_codes.check_symbol(data), label_codes.legacy_check_symbol(data)}
        wrong = next(symbol for symbol in label_codes.ALPHABET if symbol not in right)
        reader.fill("input[name=code]", data + wrong)  # a check symbol that no scheme accepts
        reader.get_by_role("button", name="Check").click()
        expect(verdict).to_have_attribute("data-verdict", "unknown")
        expect(verdict).to_contain_text("Please check for typing mistakes.")
    finally:
        phone.close()
