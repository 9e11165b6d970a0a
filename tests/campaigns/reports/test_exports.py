"""Exports and the publisher's view: formula-safe files, and each publisher sees only its own."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from alliance.auth.roles import Role
from campaigns import ledger
from campaigns.models import CampaignStatus, Channel, Sale

HOSTILE = "=cmd|' /C calc'!A0"


@pytest.fixture
def two_presses(db, staff, make_campaign, approved, publisher_user, client_as, app, log_in):
    """A campaign where two publishers each hold money; one title has a hostile name."""
    campaign = make_campaign()
    mine_user, other_user = publisher_user(), publisher_user()
    own = approved(campaign, user=mine_user)
    own.title.title = HOSTILE
    theirs = approved(campaign, user=other_user)
    theirs.title.title = "别家的书"
    db.session.commit()
    ledger.allocate(staff, own, 20_000, note="+SUM(A1:A9) internal note")
    ledger.allocate(staff, theirs, 30_000)
    db.session.commit()
    sale = Sale(
        campaign_id=campaign.id,
        enrolment_id=own.id,
        publisher_id=own.publisher_id,
        sale_date=date(2026, 11, 2),
        channel=Channel.LIVESTREAM.value,
        units=8,
        revenue_fen=32_000,
    )
    db.session.add(sale)
    db.session.flush()
    sale.subsidy_fen = ledger.spend(staff, own, 4_000, sale)
    db.session.commit()
    publisher_client = app.test_client()
    log_in(publisher_client, mine_user)
    return campaign, own, theirs, publisher_client, client_as(Role.CAMPAIGN_STAFF)


def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_staff_export_every_ledger_entry_with_notes(two_presses):
    campaign, own, theirs, _publisher, staff = two_presses
    response = staff.get(f"/campaigns/{campaign.id}/export/ledger.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # once
    assert f"campaign-{campaign.id}-ledger.csv" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert [(r["kind"], r["amount"], r["enrolment_id"]) for r in rows] == [
        ("allocate", "200.00", str(own.id)),
        ("allocate", "300.00", str(theirs.id)),
        ("spend", "40.00", str(own.id)),
    ]
    assert rows[0]["note"] == "'+SUM(A1:A9) internal note"


def test_cells_that_look_like_formulas_are_neutralised(two_presses):
    campaign, _own, _theirs, publisher, staff = two_presses
    for client in (staff, publisher):
        rows = read_csv(client.get(f"/campaigns/{campaign.id}/export/enrolments.csv"))
        assert "'" + HOSTILE in [row["title"] for row in rows]
        assert HOSTILE not in [row["title"] for row in rows]
        sheet = read_xlsx(client.get(f"/campaigns/{campaign.id}/export/enrolments.xlsx"))
        titles = [row[sheet[0].index("title")] for row in sheet[1:]]
        assert "'" + HOSTILE in titles and HOSTILE not in titles


def test_a_publisher_exports_only_its_own_rows(two_presses):
    campaign, own, _theirs, publisher, _staff = two_presses
    for name in ("enrolments", "allocations", "ledger"):
        rows = read_csv(publisher.get(f"/campaigns/{campaign.id}/export/{name}.csv"))
        ids = {row.get("enrolment_id") for row in rows}
        assert ids == {str(own.id)}, name
        text = publisher.get(f"/campaigns/{campaign.id}/export/{name}.csv").get_data(True)
        assert "别家的书" not in text and "internal note" not in text
        sheet = read_xlsx(publisher.get(f"/campaigns/{campaign.id}/export/{name}.xlsx"))
        assert all(row[sheet[0].index("enrolment_id")] == own.id for row in sheet[1:])
        assert len(sheet) == len(rows) + 1


def test_the_allocations_export_holds_allocations_and_releases_only(two_presses, db, staff):
    campaign, own, _theirs, publisher, staff_client = two_presses
    ledger.release(staff, own, 5_000)
    db.session.commit()
    rows = read_csv(staff_client.get(f"/campaigns/{campaign.id}/export/allocations.csv"))
    assert [(r["kind"], r["amount"]) for r in rows] == [
        ("allocate", "200.00"),
        ("allocate", "300.00"),
        ("release", "-50.00"),  # a plain negative number stays a number
    ]
    sheet = read_xlsx(publisher.get(f"/campaigns/{campaign.id}/export/allocations.xlsx"))
    amounts = [row[sheet[0].index("amount")] for row in sheet[1:]]
    assert amounts == [200, -50]


def test_exports_refuse_outsiders_and_unknown_campaigns(two_presses, client_as):
    campaign = two_presses[0]
    for role in (Role.ADMIN, Role.IP_OFFICER, Role.MERCHANT):
        response = client_as(role).get(f"/campaigns/{campaign.id}/export/ledger.csv")
        assert response.status_code == 403
    assert two_presses[4].get("/campaigns/999999/export/ledger.xlsx").status_code == 404
    assert two_presses[3].get("/campaigns/999999/export/enrolments.csv").status_code == 404
    assert two_presses[4].get(f"/campaigns/{campaign.id}/export/ledger.pdf").status_code == 404


def test_a_publisher_with_nothing_in_the_campaign_gets_an_empty_file(two_presses, client_as):
    campaign = two_presses[0]
    stranger = client_as(Role.PUBLISHER)
    rows = read_csv(stranger.get(f"/campaigns/{campaign.id}/export/ledger.csv"))
    assert rows == []


def test_the_publisher_sees_its_own_money_and_sales(two_presses):
    campaign, _own, _theirs, publisher, _staff = two_presses
    response = publisher.get(f"/campaigns/{campaign.id}/mine?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "CN¥200.00" in page  # allocated
    assert "CN¥40.00" in page  # spent
    assert "CN¥160.00" in page  # unspent
    assert "CN¥320.00" in page  # revenue
    assert "Livestream" in page
    assert HOSTILE.replace("'", "&#39;") in page  # the title, shown as text
    assert "别家的书" not in page
    assert "CN¥300.00" not in page  # the other publisher's allocation


def test_the_publisher_view_escapes_hostile_titles(two_presses, db):
    campaign, own, _theirs, publisher, _staff = two_presses
    own.title.title = "<script>alert(1)</script>"
    db.session.commit()
    page = publisher.get(f"/campaigns/{campaign.id}/mine").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_publisher_without_titles_in_the_campaign_sees_an_empty_state(make_campaign, client_as):
    campaign = make_campaign()
    page = client_as(Role.PUBLISHER).get(f"/campaigns/{campaign.id}/mine?lang=en")
    assert page.status_code == 200
    assert "You have no titles enrolled in this campaign." in page.get_data(as_text=True)


def test_the_publisher_view_is_for_publishers(two_presses, client_as):
    campaign = two_presses[0]
    assert client_as(Role.CAMPAIGN_STAFF).get(f"/campaigns/{campaign.id}/mine").status_code == 403
    assert two_presses[3].get("/campaigns/999999/mine").status_code == 404


def test_a_draft_campaign_is_not_found_by_publishers(make_campaign, client_as):
    draft = make_campaign(status=CampaignStatus.DRAFT)
    publisher = client_as(Role.PUBLISHER)
    assert publisher.get(f"/campaigns/{draft.id}/mine").status_code == 404
    assert publisher.get(f"/campaigns/{draft.id}/export/enrolments.csv").status_code == 404
    staff = client_as(Role.CAMPAIGN_STAFF)
    assert staff.get(f"/campaigns/{draft.id}/export/enrolments.csv").status_code == 200
