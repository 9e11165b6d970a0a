"""Campaign forms fed empty, huge, hostile and wrongly typed values: a message, nothing stored."""

import re

import pytest
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from campaigns.models import Campaign, Enrolment, LedgerEntry

INVALID = ["", " " * 10, "\u202eevil\u0000null", "x" * 100_000, "🙂" * 500, "-5", "1e99"]
HOSTILE_TEXT = ["<script>alert('x')</script>", "=cmd|' /C calc'!A0", "'; DROP TABLE campaign; --"]

CAMPAIGN_FIELDS = [
    "name", "name_en", "enrolment_opens", "enrolment_closes", "starts", "ends", "budget",
    "per_title_cap", "per_publisher_cap", "categories", "price_floor_percent",
    "platform_share_percent",
]  # fmt: skip
ENROLMENT_FIELDS = ["isbn", "campaign_price", "subsidy_per_unit", "expected_units", "stock"]


def totals(db):
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Campaign, Enrolment, LedgerEntry, AuditEvent)
    )


@pytest.fixture
def pages(client_of, staff, approved, publisher_user):
    """Return (client, url, fields) for each campaign form."""
    enrolment = approved()
    campaign = enrolment.campaign
    publisher = client_of(publisher_user())
    staff_client = client_of(staff)
    return [
        (staff_client, "/campaigns/new", CAMPAIGN_FIELDS),
        (staff_client, f"/campaigns/{campaign.id}/edit", CAMPAIGN_FIELDS),
        (publisher, f"/campaigns/{campaign.id}/enrol", ENROLMENT_FIELDS),
        (
            staff_client,
            f"/campaigns/{campaign.id}/enrolments/{enrolment.id}",
            ["amount", "note", "key"],
        ),
    ]


def test_invalid_values_in_every_field_store_nothing(pages, db):
    before = totals(db)
    for client, url, fields in pages:
        for value in INVALID:
            response = client.post(url, data=dict.fromkeys(fields, value))
            body = response.get_data(as_text=True)
            assert response.status_code == 200, (url, value[:20], response.status_code)
            assert "invalid-feedback" in body, (url, value[:20])
    db.session.expire_all()
    assert totals(db) == before


def test_hostile_text_is_only_ever_text(pages, db):
    for client, url, fields in pages:
        for value in HOSTILE_TEXT:
            response = client.post(url, data=dict.fromkeys(fields, value))
            assert response.status_code == 200, (url, value)
            assert "<script>alert('x')</script>" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Campaign)) >= 1


def test_review_filters_ignore_hostile_query_values(client_of, staff, make_campaign):
    client = client_of(staff)
    campaign = make_campaign()
    for query in ("q=%00", "q=" + "x" * 5000, "status=%27%20OR%201%3D1", "publisher=abc",
                  "category=%E2%80%AE", "page=-1"):  # fmt: skip
        assert client.get(f"/campaigns/{campaign.id}/review?{query}").status_code == 200


def test_proposal_amounts_that_are_not_money_record_nothing(client_of, staff, approved, db):
    enrolment = approved()
    client = client_of(staff)
    for value in INVALID[2:] + HOSTILE_TEXT:
        response = client.post(
            f"/campaigns/{enrolment.campaign_id}/proposal",
            data={f"amount-{enrolment.id}": value, "key": "k", "apply": "Apply"},
        )
        assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


# Numbers are digits, within bounds: a message next to the field, never a 500 -----------------

BIG = "9" * 400
TWENTY = "9" * 20  # fits the field, not a BIGINT of fen
LONG = "Field cannot be longer than 30 characters."
DIGITS = "Enter a whole number in digits, such as 120."
AMOUNT = "Enter an amount such as 12.50."


def errors_of(page: str, name: str) -> list[str]:
    """Return the messages shown right after the field named `name`."""
    start = page.index(f'name="{name}"')
    end = min(i for i in (page.find("<label", start), page.find("</form>", start)) if i > 0)
    return re.findall(r'<div class="invalid-feedback[^"]*">([^<]*)</div>', page[start:end])


def campaign_form(**changes):
    values = {
        "name": "读书月", "enrolment_opens": "2031-01-01", "enrolment_closes": "2031-01-10",
        "starts": "2031-01-11", "ends": "2031-01-31", "budget": "100000", "per_title_cap": "1000",
        "per_publisher_cap": "5000", "platform_share_percent": "100",
    }  # fmt: skip
    return {**values, **changes}


@pytest.mark.parametrize("path", ["/campaigns/new", "edit"])
def test_a_400_digit_or_foreign_number_in_the_campaign_form_is_refused(
    client_of, staff, db, make_campaign, path
):
    client = client_of(staff)
    url = path if path.startswith("/") else f"/campaigns/{make_campaign().id}/edit"
    before = totals(db)
    for field, value, message in [
        ("price_floor_percent", BIG, "Enter a whole number from 1 to 100."),
        ("platform_share_percent", BIG, "Enter a whole number from 0 to 100."),
        ("price_floor_percent", "²", DIGITS),
        ("platform_share_percent", "٣", DIGITS),
        ("platform_share_percent", "¥10", DIGITS),
        ("budget", BIG, LONG),
        ("budget", TWENTY, "The amount is too large."),
        ("budget", "²", AMOUNT),
        ("per_title_cap", "1e3", AMOUNT),
        ("per_publisher_cap", "NaN", AMOUNT),
    ]:
        response = client.post(url, data=campaign_form(**{field: value}))
        page = response.get_data(as_text=True)
        assert response.status_code == 200, (field, value[:5], response.status_code)
        assert errors_of(page, field) == [message], (field, value[:5])
        assert 'value="读书月"' in page  # the other input is kept
    db.session.expire_all()
    assert totals(db) == before


def test_a_400_digit_or_foreign_number_in_the_enrolment_form_is_refused(
    client_of, publisher_user, make_campaign, make_title, db
):
    user = publisher_user()
    title = make_title(user.organisation)
    client = client_of(user)
    url = f"/campaigns/{make_campaign().id}/enrol"
    good = {"isbn": title.isbn, "campaign_price": "30", "subsidy_per_unit": "5",
            "expected_units": "100", "stock": "10"}  # fmt: skip
    before = totals(db)
    for field, value, message in [
        ("expected_units", BIG, "Enter a whole number from 0 to 10,000,000."),
        ("stock", BIG, "Enter a whole number from 0 to 10,000,000."),
        ("expected_units", "²", DIGITS),
        ("stock", "٣", DIGITS),
        ("expected_units", "¥10", DIGITS),
        ("expected_units", "1e3", DIGITS),
        ("campaign_price", BIG, LONG),
        ("campaign_price", TWENTY, "The amount is too large."),
        ("subsidy_per_unit", "²", AMOUNT),
    ]:
        response = client.post(url, data={**good, field: value})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, (field, value[:5], response.status_code)
        assert errors_of(page, field) == [message], (field, value[:5])
        assert f'value="{title.isbn}"' in page
    db.session.expire_all()
    assert totals(db) == before
    assert client.post(url, data={**good, "expected_units": "１２０"}).status_code == 302


def test_a_superscript_or_arabic_digit_allocates_nothing(client_of, staff, approved, db):
    enrolment = approved()
    client = client_of(staff)
    url = f"/campaigns/{enrolment.campaign_id}/enrolments/{enrolment.id}"
    for value in ("²", "٣", "²³", "1e3", "NaN", TWENTY, BIG):
        response = client.post(url, data={"amount": value, "key": f"k-{value[:3]}"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        expected = {TWENTY: "The amount is too large.", BIG: LONG}.get(value, AMOUNT)
        assert errors_of(page, "amount") == [expected], value[:5]
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
    assert client.post(url, data={"amount": "２", "key": "fw"}).status_code == 302
    assert db.session.scalar(select(LedgerEntry.amount_fen)) == 200


NOT_IDS = ["²", "٣", "9" * 30, "-1", "0"]


def test_enrolments_chosen_by_anything_but_their_id_are_not_decided(client_of, staff, approved,
                                                                    make_campaign, db):  # fmt: skip
    enrolment = approved()  # its id is 1: "٣" or "²" must not be read as an id
    client = client_of(staff)
    for value in NOT_IDS:
        response = client.post(
            f"/campaigns/{enrolment.campaign_id}/review",
            data={"enrolment": [value], "decision": "rejected", "reason": "不符合要求"},
        )
        assert response.status_code == 200, (value[:5], response.status_code)
        db.session.expire_all()
        assert db.session.get(Enrolment, enrolment.id).status == "approved"


def test_proposal_rows_named_by_anything_but_an_id_are_ignored(client_of, staff, approved, db):
    enrolment = approved()
    client = client_of(staff)
    url = f"/campaigns/{enrolment.campaign_id}/proposal"
    for value in NOT_IDS:
        for action in ({"compute": "Compute"}, {"apply": "Apply", "key": f"k{value[:3]}"}):
            response = client.post(url, data={f"amount-{value}": "100", **action})
            assert response.status_code == 200, (value[:5], action, response.status_code)
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
