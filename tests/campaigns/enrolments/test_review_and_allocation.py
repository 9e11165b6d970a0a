"""Staff review enrolments in batches, allocate with double-submit safety, apply proposals."""

from alliance.auth.roles import Role
from campaigns.enrolments import services as enrolling
from campaigns.models import Enrolment, LedgerEntry


def enrol(user, campaign, make_title, subsidy=500, units=100, clc_class="I247.5"):
    """Enrol a new title of the user's publisher and return the enrolment."""
    title = make_title(user.organisation, clc_class=clc_class)
    return enrolling.enrol_title(
        user, campaign, enrolling.EnrolmentInput(title.isbn, 4000, subsidy, units, 500)
    )


def test_staff_approve_several_enrolments_at_once(
    client_of, staff, make_campaign, make_title, publisher_user, db
):
    campaign = make_campaign()
    user = publisher_user()
    enrolments = [enrol(user, campaign, make_title) for _ in range(3)]
    db.session.commit()
    client = client_of(staff)
    response = client.post(
        f"/campaigns/{campaign.id}/review",
        data={"enrolment": [str(e.id) for e in enrolments[:2]], "decision": "approved"},
        follow_redirects=True,
    )
    assert "2 enrolments decided." in response.get_data(as_text=True)
    db.session.expire_all()
    statuses = [db.session.get(Enrolment, e.id).status for e in enrolments]
    assert statuses == ["approved", "approved", "pending"]


def test_a_rejection_needs_a_reason_and_the_publisher_reads_it(
    client_of, staff, make_campaign, make_title, publisher_user, db
):
    campaign = make_campaign()
    user = publisher_user()
    enrolment = enrol(user, campaign, make_title)
    db.session.commit()
    client = client_of(staff)
    page = client.post(
        f"/campaigns/{campaign.id}/review",
        data={"enrolment": [str(enrolment.id)], "decision": "rejected"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Give the publisher a reason" in page
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "pending"
    client.post(
        f"/campaigns/{campaign.id}/review",
        data={"enrolment": [str(enrolment.id)], "decision": "rejected", "reason_code": "stock"},
    )
    publisher_page = client_of(user).get(f"/campaigns/{campaign.id}?lang=zh")
    text = publisher_page.get_data(as_text=True)
    db.session.expire_all()
    assert "已拒绝" in text or "Rejected" in text
    assert db.session.get(Enrolment, enrolment.id).reason_code == "stock"


def test_another_campaigns_enrolment_cannot_be_decided_through_this_one(
    client_of, staff, make_campaign, make_title, publisher_user, db
):
    other = make_campaign()
    enrolment = enrol(publisher_user(), other, make_title)
    db.session.commit()
    client = client_of(staff)
    here = make_campaign()
    client.post(
        f"/campaigns/{here.id}/review",
        data={"enrolment": [str(enrolment.id)], "decision": "approved"},
    )
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "pending"


def test_a_double_submitted_allocation_form_allocates_once(client_of, staff, approved, db):
    enrolment = approved()
    client = client_of(staff)
    url = f"/campaigns/{enrolment.campaign_id}/enrolments/{enrolment.id}"
    form = {"amount": "250.00", "key": "same-form", "action": "allocate"}
    first = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    second = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "has been allocated" in first
    assert "already recorded" in second
    assert db.session.query(LedgerEntry).count() == 1
    db.session.refresh(enrolment)
    assert enrolment.allocated_fen == 25_000


def test_an_allocation_over_the_cap_is_explained_and_the_amount_kept(
    client_of, staff, approved, db
):
    enrolment = approved()
    client = client_of(staff)
    url = f"/campaigns/{enrolment.campaign_id}/enrolments/{enrolment.id}"
    page = client.post(url, data={"amount": "1000.01", "key": "k1", "action": "allocate"}).get_data(
        as_text=True
    )
    assert "would exceed the cap" in page
    assert 'value="1000.01"' in page
    assert db.session.query(LedgerEntry).count() == 0


def test_releasing_gives_money_back(client_of, staff, approved, db):
    enrolment = approved()
    client = client_of(staff)
    url = f"/campaigns/{enrolment.campaign_id}/enrolments/{enrolment.id}"
    client.post(url, data={"amount": "500", "key": "a", "action": "allocate"})
    client.post(url, data={"amount": "200", "key": "b", "action": "release"})
    db.session.refresh(enrolment)
    assert enrolment.allocated_fen == 30_000


def test_the_proposal_is_shown_and_applied_in_one_go(client_of, staff, make_campaign, approved, db):
    campaign = make_campaign(budget_fen=100_000, per_publisher_cap_fen=100_000)
    first = approved(campaign, subsidy=500, units=100)  # asks 50,000
    second = approved(campaign, subsidy=500, units=300)  # asks 150,000
    client = client_of(staff)
    page = client.get(f"/campaigns/{campaign.id}/proposal").get_data(as_text=True)
    assert "¥1,000.00" in page  # everything proposed: the whole budget
    amounts = {f"amount-{first.id}": "250.00", f"amount-{second.id}": "750.00"}
    response = client.post(
        f"/campaigns/{campaign.id}/proposal",
        data={**amounts, "key": "p1", "apply": "Apply"},
        follow_redirects=True,
    )
    assert "2 allocations recorded." in response.get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.allocated_fen == 100_000
    again = client.post(
        f"/campaigns/{campaign.id}/proposal", data={**amounts, "key": "p1", "apply": "Apply"}
    )
    assert again.status_code == 302
    db.session.refresh(campaign)
    assert campaign.allocated_fen == 100_000


def test_a_proposal_over_the_budget_records_nothing(client_of, staff, make_campaign, approved, db):
    campaign = make_campaign(budget_fen=100_000, per_publisher_cap_fen=100_000)
    first = approved(campaign)
    second = approved(campaign)
    client = client_of(staff)
    page = client.post(
        f"/campaigns/{campaign.id}/proposal",
        data={f"amount-{first.id}": "600", f"amount-{second.id}": "600", "key": "p2",
              "apply": "Apply"},
    ).get_data(as_text=True)  # fmt: skip
    assert "exceed" in page
    assert 'value="600"' in page
    assert db.session.query(LedgerEntry).count() == 0


def test_category_priorities_change_the_proposal(client_of, staff, make_campaign, approved, db):
    campaign = make_campaign(budget_fen=100_000, per_publisher_cap_fen=100_000)
    approved(campaign, clc_class="I247", subsidy=1000, units=1000)
    approved(campaign, clc_class="C91", subsidy=1000, units=1000)
    client = client_of(staff)
    client.post(
        f"/campaigns/{campaign.id}/proposal",
        data={"w_C": "0", "w_I": "1", "w_J": "1", "w_G": "1", "compute": "Compute"},
    )
    db.session.refresh(campaign)
    assert campaign.category_weights["C"] == 0
    from campaigns.allocation.planning import build_proposal

    table = build_proposal(campaign)
    assert dict(zip(table["category"], table["proposed_fen"], strict=True)) == {
        "I": 100_000,
        "C": 0,
    }


def test_only_staff_review_and_allocate(client_as, approved):
    enrolment = approved()
    publisher = client_as(Role.PUBLISHER)
    base = f"/campaigns/{enrolment.campaign_id}"
    assert publisher.get(f"{base}/review").status_code == 403
    assert publisher.get(f"{base}/proposal").status_code == 403
    assert publisher.get(f"{base}/enrolments/{enrolment.id}").status_code == 403
