"""Readers report where they bought a copy whose label may be copied; officers list the reports;
the check says when a label's seller is no longer authorised."""

import logging
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.auth.models import User
from alliance.db import utcnow
from alliance.notifications.models import Notification
from authenticity.labels import codes as label_codes
from authenticity.labels.logs import RedactCodes
from authenticity.labels.models import LabelReport
from authenticity.sellers import services as sellers
from authenticity.sellers.models import SellerAuthorisation

HOSTILE = "<script>alert(1)</script> =cmd|' /C calc'!A0"


@pytest.fixture
def copied(app, publisher, order, monkeypatch):
    """A code whose checks warn that the label may have been copied."""
    monkeypatch.setitem(app.config, "LABEL_CLONE_NETWORKS", 1)
    _batch_id, codes = order(publisher.user, quantity=3)
    return codes[0]


def _report(client, code, **fields):
    data = {"code": code, "place": "某网店 https://shop.example.com/item/42", **fields}
    return client.post("/verify/report", data=data, environ_base={"REMOTE_ADDR": "203.0.113.5"})


def test_the_clone_warning_links_to_the_report_form(client, copied):
    page = client.get(f"/verify/{label_codes.group(copied)}").text
    assert 'data-verdict="copied"' in page
    link = f'href="/verify/report?code={label_codes.group(copied)}"'
    assert link in page and "Report where you bought this copy" in page
    genuine = client.get(f"/verify/{label_codes.group(copied)}?lang=en")
    assert "Report where you bought this copy" in genuine.text
    form = client.get(f"/verify/report?code={label_codes.group(copied)}")
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert f'name="code" type="hidden" value="{label_codes.group(copied)}"' in form.text
    assert "Where did you buy this copy?" in form.text


def test_a_report_is_stored_and_tells_the_officers(client, db, copied, officer, make_user):
    other_officer = make_user("ip_officer")
    sent = _report(client, copied, contact="reader@example.org")
    assert sent.status_code == 302 and sent.headers["Location"] == "/verify/report/sent"
    assert "Thank you for your report" in client.get("/verify/report/sent").text
    report = db.session.scalar(select(LabelReport))
    assert report.place == "某网店 https://shop.example.com/item/42"
    assert report.contact == "reader@example.org"
    assert report.label.batch.title.title == "红楼梦"
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "labels.seller_reported")
    ).all()
    assert sorted(told) == sorted([officer.id, other_officer.id])
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "label_report.create"))
    assert event.actor_id is None and event.actor_label == "system"
    assert "reader@example.org" not in str(event.after)
    assert copied not in str(event.after) and label_codes.group(copied) not in str(event.after)


def test_officers_list_the_reports_newest_first(client, client_of, db, copied, officer):
    for place in ("第一家书店", HOSTILE):
        assert _report(client, copied, place=place).status_code == 302
    page = client_of(officer).get("/labels/reports")
    assert page.status_code == 200
    text = page.text
    assert text.index("&lt;script&gt;alert(1)") < text.index("第一家书店")  # newest first
    assert "<script>alert(1)" not in text
    assert "=cmd|&#39; /C calc&#39;!A0" in text
    inbox = client_of(officer).get("/notifications/").text
    assert "A reader reported where they bought a copy of “红楼梦”" in inbox


def test_bad_reports_are_refused_next_to_the_field(client, db, copied):
    missing = _report(client, copied, place="")
    assert missing.status_code == 422
    assert "Say where you bought this copy: the shop, or the listing&#39;s address." in missing.text
    huge = _report(client, copied, place="x" * 501)
    assert huge.status_code == 422 and "Field cannot be longer than 500 characters." in huge.text
    control = _report(client, copied, place="店\x00铺")
    assert control.status_code == 422
    long_contact = _report(client, copied, contact="y" * 201)
    assert long_contact.status_code == 422
    never_issued = label_codes.derived_codes(label_codes.new_batch_secret(), 1, 1)[0]
    unknown = _report(client, never_issued)
    assert unknown.status_code == 422
    assert "We could not find this code." in unknown.text
    assert db.session.scalar(select(func.count(LabelReport.id))) == 0


def test_a_report_needs_a_code(client, db):
    for url in ("/verify/report", "/verify/report?code=<script>alert(1)</script>"):
        page = client.get(url)
        assert page.status_code == 404
        assert "There is no label code to report." in page.text
        assert "<script>alert(1)" not in page.text
    posted = client.post("/verify/report", data={"code": HOSTILE, "place": "某店"})
    assert posted.status_code == 404
    assert db.session.scalar(select(func.count(LabelReport.id))) == 0


def test_reports_are_rate_limited_per_address(app, client, db, copied, monkeypatch):
    monkeypatch.setitem(app.config, "LABEL_REPORT_RATE", "2 per hour")
    assert [_report(client, copied).status_code for _ in range(3)] == [302, 302, 429]
    assert db.session.scalar(select(func.count(LabelReport.id))) == 2


def test_a_report_needs_the_csrf_token(app, client, db, copied, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert _report(client, copied).status_code == 400
    assert db.session.scalar(select(func.count(LabelReport.id))) == 0


def test_the_report_form_keeps_codes_out_of_the_logs(copied):
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1,
        '"GET /verify/report?code=%s HTTP/1.1" 200 -', (label_codes.group(copied),), None,
    )  # fmt: skip
    RedactCodes().filter(record)
    message = record.getMessage()
    assert label_codes.group(copied) not in message and "/verify/report?code=#" in message


def test_a_seller_no_longer_authorised_is_said_so(app, db, client, publisher, authorise, order):
    authorisation_id = authorise(publisher.user, merchant_id="shop-42")
    _batch_id, codes = order(publisher.user, merchant_id="shop-42", quantity=2)
    before = client.get(f"/api/v1/labels/{codes[0]}").json
    assert before["seller"] == "shop-42 图书专营店" and before["seller_authorised"] is True
    assert before["advice"] is None
    assert "Authorised seller" in client.get(f"/verify/{codes[0]}").text
    with app.test_request_context():
        sellers.revoke_authorisation(
            db.session.get(User, publisher.user.id),
            db.session.get(SellerAuthorisation, authorisation_id),
            "合同终止",
        )
        db.session.commit()
    after = client.get(f"/api/v1/labels/{codes[0]}").json
    assert after["status"] == "genuine" and after["seller_authorised"] is False
    assert after["seller"] == "shop-42 图书专营店"
    assert after["advice"] == (
        "The publisher no longer authorises shop-42 图书专营店 to sell its books. A copy sold "
        "before then can still be genuine; ask the seller when this copy was bought."
    )
    page = client.get(f"/verify/{codes[0]}").text
    assert 'data-verdict="genuine"' in page
    assert "Authorised seller" not in page
    assert "No longer authorised by the publisher." in page


def test_an_ended_authorisation_is_no_longer_authorised(app, db, client, publisher, authorise,
                                                        order):  # fmt: skip
    today = (utcnow() + timedelta(hours=8)).date()  # the day in China
    authorise(publisher.user, merchant_id="shop-7", valid_until=today)
    _batch_id, codes = order(publisher.user, merchant_id="shop-7", quantity=1)
    assert client.get(f"/api/v1/labels/{codes[0]}").json["seller_authorised"] is True
    with time_machine.travel(utcnow() + timedelta(days=2)):
        assert client.get(f"/api/v1/labels/{codes[0]}").json["seller_authorised"] is False


def test_the_publishers_own_store_stays_authorised(client, publisher, order):
    _batch_id, codes = order(publisher.user, quantity=1)
    body = client.get(f"/api/v1/labels/{codes[0]}").json
    assert body["seller"] == "人民文学出版社" and body["seller_authorised"] is True


def test_the_reports_page_asks_as_few_queries_for_many_reports(
    client, client_of, copied, officer, statements_in
):
    assert _report(client, copied).status_code == 302
    reader = client_of(officer)
    with statements_in() as few:
        assert reader.get("/labels/reports").status_code == 200
    for n in range(4):
        assert _report(client, copied, place=f"店铺 {n}").status_code == 302
    with statements_in() as many:
        assert reader.get("/labels/reports").status_code == 200
    assert len(many) == len(few)
