"""The campaigns API: create and move campaigns, enrol, decide, allocate idempotently."""

from datetime import timedelta

import pytest

from alliance.i18n import local_today
from campaigns.models import LedgerEntry

TODAY = local_today()


def campaign_body(**changes):
    """Return a valid campaign as JSON."""
    body = {
        "name": "阅读月",
        "name_en": "Reading Month",
        "budget_fen": 5_000_000_000,
        "per_title_cap_fen": 10_000_000,
        "per_publisher_cap_fen": 200_000_000,
        "enrolment_opens": str(TODAY),
        "enrolment_closes": str(TODAY + timedelta(days=5)),
        "starts": str(TODAY + timedelta(days=6)),
        "ends": str(TODAY + timedelta(days=30)),
        "categories": ["i", "C", "J"],
    }
    body.update(changes)
    return body


def test_the_whole_flow_through_the_api(client, bearer, staff, publisher_user, make_title, db):
    staff_auth = bearer(staff)
    created = client.post("/api/v1/campaigns", json=campaign_body(), headers=staff_auth)
    assert created.status_code == 201, created.json
    campaign = created.json
    assert campaign["categories"] == ["C", "I", "J"]
    assert campaign["remaining_fen"] == 5_000_000_000
    campaign_id = campaign["id"]
    moved = client.post(
        f"/api/v1/campaigns/{campaign_id}/status",
        json={"status": "enrolment_open"},
        headers=staff_auth,
    )
    assert moved.json["status"] == "enrolment_open"
    refused = client.post(
        f"/api/v1/campaigns/{campaign_id}/status", json={"status": "finished"}, headers=staff_auth
    )
    assert refused.status_code == 409
    assert refused.json["detail"] == (
        "This campaign is “Enrolment open” and cannot become “Finished”."
    )

    user = publisher_user()
    title = make_title(user.organisation)
    publisher_auth = bearer(user)
    enrolled = client.post(
        f"/api/v1/campaigns/{campaign_id}/enrolments",
        json={
            "isbn": title.isbn,
            "campaign_price_fen": 3980,
            "subsidy_per_unit_fen": 500,
            "expected_units": 1000,
        },
        headers=publisher_auth,
    )
    assert enrolled.status_code == 201, enrolled.json
    enrolment_id = enrolled.json["id"]
    decided = client.post(
        f"/api/v1/enrolments/{enrolment_id}/decision",
        json={"decision": "approved"},
        headers=staff_auth,
    )
    assert decided.json["status"] == "approved"

    body = {"enrolment_id": enrolment_id, "amount_fen": 300_000, "idempotency_key": "abc"}
    first = client.post(
        f"/api/v1/campaigns/{campaign_id}/allocations", json=body, headers=staff_auth
    )
    assert first.status_code == 201
    again = client.post(
        f"/api/v1/campaigns/{campaign_id}/allocations", json=body, headers=staff_auth
    )
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    too_much = client.post(
        f"/api/v1/campaigns/{campaign_id}/allocations",
        json={**body, "amount_fen": 10_000_000, "idempotency_key": "def"},
        headers=staff_auth,
    )
    assert too_much.status_code == 409
    assert too_much.headers["Content-Type"] == "application/problem+json"
    assert too_much.json["type"].endswith("/budget-exceeded")
    shown = client.get(f"/api/v1/campaigns/{campaign_id}", headers=publisher_auth).json
    assert (shown["allocated_fen"], shown["remaining_fen"]) == (300_000, 5_000_000_000 - 300_000)
    assert db.session.query(LedgerEntry).count() == 1


def test_a_publisher_sees_only_its_own_enrolments(client, bearer, staff, approved, db):
    mine = approved()
    theirs = approved(mine.campaign)
    publisher = mine.publisher
    user = next(u for u in db.session.query(type(staff)).all() if u.organisation == publisher)
    listed = client.get(
        f"/api/v1/campaigns/{mine.campaign_id}/enrolments", headers=bearer(user)
    ).json
    assert [item["id"] for item in listed["items"]] == [mine.id]
    everything = client.get(
        f"/api/v1/campaigns/{mine.campaign_id}/enrolments", headers=bearer(staff)
    ).json
    assert {item["id"] for item in everything["items"]} == {mine.id, theirs.id}


def test_publishers_cannot_create_campaigns_or_allocate(client, bearer, publisher_user, approved):
    auth = bearer(publisher_user())
    assert client.post("/api/v1/campaigns", json=campaign_body(), headers=auth).status_code == 403
    enrolment = approved()
    response = client.post(
        f"/api/v1/campaigns/{enrolment.campaign_id}/allocations",
        json={"enrolment_id": enrolment.id, "amount_fen": 1, "idempotency_key": "x"},
        headers=auth,
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "changes",
    [
        {"budget_fen": -1},
        {"budget_fen": "5000"},
        {"categories": ["小说"]},
        {"name": ""},
        {"ends": "2020-01-01"},
        {"per_title_cap_fen": 10**16},
    ],
)
def test_bad_campaigns_are_refused_with_422(client, bearer, staff, changes, db):
    response = client.post(
        "/api/v1/campaigns", json=campaign_body(**changes), headers=bearer(staff)
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"


def test_another_publishers_title_cannot_be_enrolled(
    client, bearer, publisher_user, make_title, make_campaign
):
    other = publisher_user()
    title = make_title(other.organisation)
    campaign = make_campaign()
    response = client.post(
        f"/api/v1/campaigns/{campaign.id}/enrolments",
        json={
            "isbn": title.isbn,
            "campaign_price_fen": 1000,
            "subsidy_per_unit_fen": 100,
            "expected_units": 10,
        },
        headers=bearer(publisher_user()),
    )
    assert response.status_code == 422
    assert "None of your titles" in response.json["detail"]


def test_a_draft_is_not_found_for_publishers_through_the_api(
    client, bearer, staff, publisher_user, make_campaign
):
    draft = make_campaign(status="draft")
    auth = bearer(publisher_user())
    assert client.get(f"/api/v1/campaigns/{draft.id}", headers=auth).status_code == 404
    assert client.get(f"/api/v1/campaigns/{draft.id}/enrolments", headers=auth).status_code == 404
    assert client.get(f"/api/v1/campaigns/{draft.id}", headers=bearer(staff)).status_code == 200
