"""Authorised sellers: publishers authorise, revoke, import and export; anyone with a key checks."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from alliance.api.services import create_api_key
from alliance.audit import AuditEvent
from alliance.auth.models import User
from alliance.errors import FieldsInvalid
from authenticity.sellers import services as sellers
from authenticity.sellers.models import SellerAuthorisation

ISBNS = ["9787020001002", "9787020001019", "9787020001026", "9787020001033"]

FORM = {
    "merchant_id": "shop-42",
    "merchant_name": "多多好书专营店",
    "merchant_uscc": "",
    "isbns": "",
    "valid_from": "2021-04-01",
    "valid_until": "",
}


def test_publisher_authorises_a_seller_for_some_titles_and_it_is_audited(publisher, db):
    response = publisher.post("/sellers/", data={**FORM, "isbns": f"978-7-02-000100-2; {ISBNS[1]}"})
    assert response.status_code == 302
    authorisation = db.session.scalar(select(SellerAuthorisation))
    assert authorisation.isbns == [ISBNS[0], ISBNS[1]] and not authorisation.all_titles
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "authorisation.create"))
    assert event.after["merchant_id"] == "shop-42" and event.actor_id == publisher.user.id
    page = publisher.get("/sellers/").get_data(as_text=True)
    assert "多多好书专营店" in page and "In force" in page


def test_bad_values_are_explained_next_to_the_fields_and_kept(publisher, db):
    response = publisher.post(
        "/sellers/",
        data={
            **FORM,
            "merchant_id": "<script>alert(1)</script>",
            "merchant_uscc": "=cmd|' /C calc'!A0",
            "isbns": f"{ISBNS[3]} 9787020001003",
            "valid_from": "2021-13-45",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "letters, digits and - _ . : only" in page
    assert "not a valid unified social credit code" in page
    assert "Enter a date such as 2021-04-23." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert db.session.scalar(select(func.count(SellerAuthorisation.id))) == 0


def test_another_publishers_isbn_cannot_be_authorised(publisher, db):
    response = publisher.post("/sellers/", data={**FORM, "isbns": ISBNS[3]})
    assert "These ISBNs are not among your titles: " + ISBNS[3] in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SellerAuthorisation.id))) == 0


def test_the_window_is_inclusive_and_ends_with_revocation(app, publisher, db, authorise):
    authorisation_id = authorise(
        publisher.user, isbns=[ISBNS[0]], valid_from=date(2021, 4, 1), valid_until=date(2021, 4, 30)
    )
    with app.test_request_context():
        assert not sellers.check("shop-42", ISBNS[0], date(2021, 3, 31)).allowed
        assert sellers.check("shop-42", ISBNS[0], date(2021, 4, 1)).allowed
        assert sellers.check("shop-42", ISBNS[0], date(2021, 4, 30)).allowed
        assert not sellers.check("shop-42", ISBNS[0], date(2021, 5, 1)).allowed
        assert not sellers.check("shop-42", ISBNS[1], date(2021, 4, 10)).allowed  # not listed
        assert not sellers.check("shop-43", ISBNS[0], date(2021, 4, 10)).allowed  # another shop
        user = db.session.get(User, publisher.user.id)
        authorisation = db.session.get(SellerAuthorisation, authorisation_id)
        sellers.revoke_authorisation(user, authorisation, "店铺售卖盗版")
        db.session.commit()
        assert not sellers.check("shop-42", ISBNS[0], date(2021, 4, 10)).allowed
        with pytest.raises(sellers.ConflictError):
            sellers.revoke_authorisation(user, authorisation, "again")


def test_an_end_before_the_start_is_refused(ctx):
    with pytest.raises(FieldsInvalid) as refused:
        sellers.read_authorisation(
            {**FORM, "valid_from": "2021-05-01", "valid_until": "2021-04-01"}
        )
    assert "valid_until" in refused.value.problems


def test_revoking_from_the_page_needs_a_reason_and_the_owner(
    publisher, rival_publisher, db, authorise
):
    authorisation_id = authorise(publisher.user)
    url = f"/sellers/{authorisation_id}/revoke"
    assert rival_publisher.post(url, data={"reason": "mine now"}).status_code == 404
    publisher.post(url, data={"reason": ""})
    assert db.session.get(SellerAuthorisation, authorisation_id).revoked_at is None
    publisher.post(url, data={"reason": "合同到期"})
    db.session.expire_all()
    revoked = db.session.get(SellerAuthorisation, authorisation_id)
    assert revoked.revoked_at is not None and revoked.revoke_reason == "合同到期"


def test_check_api_answers_yes_or_no_with_the_authorisation(
    app, publisher, make_user, db, authorise
):
    authorisation_id = authorise(publisher.user, merchant_id="shop-7")  # all titles
    merchant = make_user("merchant")
    with app.test_request_context():
        _record, key = create_api_key(db.session.get(User, merchant.id), "marketplace")
        db.session.commit()
    client = publisher.application.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    yes = client.get(
        "/api/v1/authorisations/check?merchant=shop-7&isbn=978-7-02-000101-9", headers=headers
    )
    assert yes.status_code == 200 and yes.json["allowed"] is True
    assert yes.json["authorisation"]["id"] == authorisation_id
    assert yes.json["authorisation"]["isbns"] is None and yes.json["isbn"] == ISBNS[1]
    rival_title = client.get(
        f"/api/v1/authorisations/check?merchant=shop-7&isbn={ISBNS[3]}", headers=headers
    )
    assert rival_title.json["allowed"] is False and rival_title.json["authorisation"] is None
    past = client.get(
        f"/api/v1/authorisations/check?merchant=shop-7&isbn={ISBNS[1]}&date=2019-12-31",
        headers=headers,
    )
    assert past.json["allowed"] is False
    nonsense = client.get(
        "/api/v1/authorisations/check?merchant=x&isbn=' OR 1=1 --", headers=headers
    )
    assert nonsense.status_code == 200 and nonsense.json["allowed"] is False
    assert client.get("/api/v1/authorisations/check?merchant=x&isbn=1").status_code == 401


def test_api_create_list_and_revoke_only_own(app, publisher, rival_publisher, db):
    with app.test_request_context():
        _r, key = create_api_key(db.session.get(User, publisher.user.id), "erp")
        _r, rival_key = create_api_key(db.session.get(User, rival_publisher.user.id), "erp")
        db.session.commit()
    client = publisher.application.test_client()
    mine = {"Authorization": f"Bearer {key}"}
    theirs = {"Authorization": f"Bearer {rival_key}"}
    created = client.post(
        "/api/v1/authorisations",
        json={
            "merchant_id": "shop-9",
            "merchant_name": "好书店",
            "isbns": [ISBNS[2]],
            "valid_from": "2021-04-01",
            "valid_until": "2021-12-31",
        },
        headers=mine,
    )
    assert created.status_code == 201 and created.json["isbns"] == [ISBNS[2]]
    bad = client.post(
        "/api/v1/authorisations",
        json={
            "merchant_id": "shop-9",
            "merchant_name": "x",
            "isbns": [ISBNS[3]],
            "valid_from": "2021-04-01",
        },
        headers=mine,
    )
    assert bad.status_code == 422 and "isbns" in bad.json["errors"]["json"]
    assert [a["id"] for a in client.get("/api/v1/authorisations", headers=mine).json] == [
        created.json["id"]
    ]
    assert client.get("/api/v1/authorisations", headers=theirs).json == []
    url = f"/api/v1/authorisations/{created.json['id']}/revoke"
    assert client.post(url, json={"reason": "x"}, headers=theirs).status_code == 404
    revoked = client.post(url, json={"reason": "合同结束"}, headers=mine)
    assert revoked.status_code == 200 and revoked.json["revoke_reason"] == "合同结束"
    assert client.post(url, json={"reason": "again"}, headers=mine).status_code == 409


def _csv(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_import_checks_every_row_then_writes_all_and_reimport_changes_nothing(publisher, db):
    header = ["商家ID", "商家名称", "isbns", "valid_from", "valid_until"]
    good = _csv(
        [
            header,
            ["shop-1", "一号店", "", "2021-04-01", ""],
            ["shop-2", "二号店", f"{ISBNS[0]};{ISBNS[1]}", "2021/4/1", "2021年12月31日"],
        ]
    )
    bad = _csv(
        [
            header,
            ["shop-3", "三号店", "", "2021-04-01", ""],
            ["bad id!", "", "", "yesterday", ""],
            ["shop-4", "四号店", ISBNS[3], "2021-04-01", ""],
        ]
    )
    response = publisher.post(
        "/sellers/import",
        data={"file": (io.BytesIO(bad), "sellers.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "Nothing was imported: the file has 4 problems." in page
    cells = [
        re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    ]
    assert cells[cells.index("3") : cells.index("3") + 2] == ["3", "商家ID"]
    assert cells[cells.index("3") + 2].startswith("Enter the merchant")
    assert cells[cells.index("4") + 1] == "isbns"
    assert cells[cells.index("4") + 2].startswith("These ISBNs are not among your titles")
    assert db.session.scalar(select(func.count(SellerAuthorisation.id))) == 0
    for _ in range(2):
        publisher.post(
            "/sellers/import",
            data={"file": (io.BytesIO(good), "sellers.csv")},
            content_type="multipart/form-data",
        )
    assert db.session.scalar(select(func.count(SellerAuthorisation.id))) == 2
    exported = publisher.get("/sellers/export.csv").get_data()
    publisher.post(
        "/sellers/import",
        data={"file": (io.BytesIO(exported), "export.csv")},
        content_type="multipart/form-data",
    )
    assert db.session.scalar(select(func.count(SellerAuthorisation.id))) == 2
    text = exported.decode("utf-8-sig")
    assert "shop-2" in text and f"{ISBNS[0]} {ISBNS[1]}" in text and "2021-12-31" in text
    assert publisher.get("/sellers/export.xlsx").status_code == 200


def test_export_neutralises_formulas(app, publisher, db):
    with app.test_request_context():
        values = sellers.read_authorisation(
            {**FORM, "merchant_name": '=HYPERLINK("http://evil")', "valid_from": date.today()}
        )
        sellers.create_authorisation(db.session.get(User, publisher.user.id), values)
        db.session.commit()
    text = publisher.get("/sellers/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_only_publishers_reach_seller_pages(client_as, client, make_org, titles):
    assert client_as("merchant").get("/sellers/").status_code == 403
    assert client.get("/sellers/").status_code == 302
    bookstore = make_org(kind="bookstore")  # the role without a publisher to act for
    assert client_as("publisher", organisation=bookstore).get("/sellers/").status_code == 403


def test_today_is_the_date_in_china():
    assert abs(sellers.today() - date.today()) <= timedelta(days=1)


def test_import_skips_rows_repeated_in_the_file_and_audits_what_it_wrote(publisher, db):
    row = ["shop-1", "一号店", "", "2021-04-01", ""]
    repeated = _csv([["merchant_id", "merchant_name", "isbns", "valid_from", "valid_until"],
                     row, row, ["shop-2", "二号店", "", "2021-04-01", "", ], row])  # fmt: skip
    response = publisher.post(
        "/sellers/import",
        data={"file": (io.BytesIO(repeated), "sellers.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "2 authorisations added, 2 already present." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SellerAuthorisation.id))) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "authorisation.import"))
    assert (event.entity_type, event.after["created"], event.after["unchanged"]) == (
        "organisation",
        2,
        2,
    )
    assert event.after["filename"] == "sellers.csv" and len(event.after["sha256"]) == 64


def test_a_rejected_import_keeps_a_report_to_download(publisher, db):
    bad = _csv([["merchant_id", "merchant_name", "valid_from"], ["bad id!", "店", "2021-04-01"]])
    page = publisher.post(
        "/sellers/import",
        data={"file": (io.BytesIO(bad), "sellers.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Nothing was imported: the file has 1 problems." in page
    assert db.session.scalar(select(func.count(SellerAuthorisation.id))) == 0
    report = re.search(r'href="([^"]*/import/\d+\.csv)"', page)
    assert report is not None
    download = publisher.get(report.group(1))
    assert download.status_code == 200
    assert "merchant_id" in download.get_data(as_text=True)  # the user's own header
