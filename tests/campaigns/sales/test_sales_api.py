"""Sales API: report with the subsidy drawn, idempotent repeats, problems, scoped lists."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from alliance.api.services import create_api_key
from alliance.auth.roles import Role
from alliance.i18n import local_today
from campaigns import ledger
from campaigns.models import CampaignStatus, LedgerEntry, Sale
from tests import factories


@pytest.fixture
def api(app, db, ctx, staff, approved, make_campaign, publisher_user, make_user, start_running):
    """Two publishers with an allocated title each in a running campaign, and API clients."""
    campaign = make_campaign()
    users = [publisher_user(), publisher_user()]
    enrolments = [approved(campaign, user=user, subsidy=500) for user in users]
    for enrolment in enrolments:
        ledger.allocate(staff, enrolment, 5_000)
    start_running(campaign)

    def headers(user):
        return {"Authorization": f"Bearer {create_api_key(user, 'test')[1]}"}

    class Api:
        pass

    api = Api()
    api.client = app.test_client()
    api.campaign = campaign
    api.mine, api.theirs = enrolments
    api.me, api.them = (headers(user) for user in users)
    api.staff = headers(staff)
    api.writer = headers(make_user(Role.WRITER))
    api.url = f"/api/v1/campaigns/{campaign.id}/sales"
    db.session.commit()
    return api


def body(enrolment, **changes):
    values = {
        "isbn": enrolment.title.isbn,
        "date": local_today().isoformat(),
        "channel": "store",
        "units": 4,
        "revenue_fen": 16_000,
    }
    values.update(changes)
    return values


def test_a_sale_is_created_then_repeated_then_corrected(db, api):
    created = api.client.post(api.url, json=body(api.mine), headers=api.me)
    assert created.status_code == 201
    sale = created.get_json()
    assert sale["subsidy_fen"] == 2_000 and sale["subsidy_wanted_fen"] == 2_000
    assert sale["changed"] is True and sale["isbn"] == api.mine.title.isbn
    repeat = api.client.post(api.url, json=body(api.mine), headers=api.me)
    assert repeat.status_code == 200 and repeat.get_json()["changed"] is False
    assert repeat.get_json()["id"] == sale["id"]
    corrected = api.client.post(api.url, json=body(api.mine, units=20), headers=api.me)
    assert corrected.status_code == 200
    # 20 copies earn ¥100, but only ¥50 was allocated.
    assert corrected.get_json()["subsidy_fen"] == 5_000
    assert corrected.get_json()["subsidy_wanted_fen"] == 10_000
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 4  # 2 allocations, 2 spends
    assert ledger.invariant_problems(api.campaign) == []


@pytest.mark.parametrize(
    "change",
    [
        {"units": -1},
        {"units": 1.5},
        {"units": "4"},
        {"revenue_fen": -1},
        {"channel": "mail"},
        {"date": "2021-02-30"},
        {"isbn": ""},
        {"isbn": "<script>alert(1)</script>"},
        {"date": "2000-01-01"},
    ],
)
def test_bad_values_are_422_problems(db, api, change):
    response = api.client.post(api.url, json=body(api.mine, **change), headers=api.me)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert db.session.scalar(select(func.count(Sale.id))) == 0


def test_another_publishers_title_is_a_field_problem(db, api):
    response = api.client.post(api.url, json=body(api.theirs), headers=api.me)
    assert response.status_code == 422
    problem = response.get_json()
    assert "approved for this campaign" in problem["errors"]["json"]["isbn"][0]
    assert db.session.scalar(select(func.count(Sale.id))) == 0


def test_unknown_campaigns_and_closed_ones(db, api):
    for campaign_id in (api.campaign.id + 1000, 2**40):
        url = f"/api/v1/campaigns/{campaign_id}/sales"
        assert api.client.post(url, json=body(api.mine), headers=api.me).status_code == 404
        assert api.client.get(url, headers=api.me).status_code == 404
    # Finished more than 30 days ago: the campaign takes no reports any more.
    api.campaign.ends = local_today() - timedelta(days=31)
    api.campaign.starts = api.campaign.ends - timedelta(days=5)
    factories.move_campaign(api.campaign, CampaignStatus.FINISHED)
    db.session.commit()
    refused = api.client.post(api.url, json=body(api.mine), headers=api.me)
    assert refused.status_code == 409 and "30 days" in refused.get_json()["detail"]


def test_a_campaign_still_running_years_after_its_end_takes_no_reports(db, api):
    api.campaign.ends = local_today() - timedelta(days=3 * 365)
    api.campaign.starts = api.campaign.ends - timedelta(days=5)
    db.session.commit()
    old_day = api.campaign.ends.isoformat()
    refused = api.client.post(api.url, json=body(api.mine, date=old_day), headers=api.me)
    assert refused.status_code == 409 and "30 days" in refused.get_json()["detail"]
    assert db.session.scalar(select(func.count(Sale.id))) == 0


def test_who_may_report_and_list(api):
    assert api.client.post(api.url, json=body(api.mine)).status_code == 401
    assert api.client.post(api.url, json=body(api.mine), headers=api.staff).status_code == 403
    assert api.client.get(api.url, headers=api.writer).status_code == 403
    assert api.client.get(api.url, headers=api.staff).status_code == 200


def test_lists_are_scoped_paginated_and_totalled(db, api):
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    api.client.post(api.url, json=body(api.mine, units=1), headers=api.me)
    api.client.post(api.url, json=body(api.mine, units=2, date=yesterday), headers=api.me)
    api.client.post(api.url, json=body(api.theirs, units=7, channel="livestream"), headers=api.them)
    mine = api.client.get(f"{api.url}?page_size=1", headers=api.me).get_json()
    assert (mine["total"], mine["pages"], len(mine["items"])) == (2, 2, 1)
    assert mine["totals"]["units"] == 3 and mine["totals"]["subsidy_fen"] == 1_500
    # A publisher cannot widen the list to another publisher.
    other = api.theirs.publisher_id
    assert (
        api.client.get(f"{api.url}?publisher_id={other}", headers=api.me).get_json()["totals"][
            "units"
        ]
        == 3
    )
    everyone = api.client.get(api.url, headers=api.staff).get_json()
    assert everyone["totals"]["units"] == 10
    theirs = api.client.get(f"{api.url}?publisher_id={other}", headers=api.staff).get_json()
    assert [item["units"] for item in theirs["items"]] == [7]
    by_day = api.client.get(f"{api.url}?date_to={yesterday}", headers=api.me).get_json()
    assert [item["units"] for item in by_day["items"]] == [2]
    isbn = api.mine.title.isbn
    by_isbn = api.client.get(f"{api.url}?isbn={isbn}&channel=store", headers=api.staff)
    assert by_isbn.get_json()["totals"]["units"] == 3
    bad_isbn = api.client.get(f"{api.url}?isbn=nonsense", headers=api.staff)
    assert bad_isbn.status_code == 422
