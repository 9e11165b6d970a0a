"""Campaign forms fed empty, huge, hostile and wrongly typed values: a message, nothing stored."""

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
            assert response.status_code in (200, 302), (url, value)
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
