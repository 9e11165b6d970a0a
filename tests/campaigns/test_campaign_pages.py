"""Campaign pages: staff set up and move campaigns; publishers enrol and withdraw titles."""

from datetime import timedelta

from alliance.auth.roles import Role
from alliance.i18n import local_today
from campaigns.models import Campaign, CampaignStatus, Enrolment

TODAY = local_today()


def campaign_form(**changes):
    """Return a valid campaign form, changed as given."""
    form = {
        "name": "2026年读书月",
        "name_en": "Reading Month 2026",
        "enrolment_opens": str(TODAY),
        "enrolment_closes": str(TODAY + timedelta(days=7)),
        "starts": str(TODAY + timedelta(days=8)),
        "ends": str(TODAY + timedelta(days=38)),
        "budget": "50,000,000",
        "per_title_cap": "100000",
        "per_publisher_cap": "¥2,000,000.00",
        "categories": "C, I；J G4",
        "platform_share_percent": "70",
    }
    form.update(changes)
    return form


def test_staff_create_a_campaign_as_a_draft(client_as, db):
    staff = client_as(Role.CAMPAIGN_STAFF)
    response = staff.post("/campaigns/new", data=campaign_form())
    assert response.status_code == 302
    campaign = db.session.query(Campaign).one()
    assert campaign.status == CampaignStatus.DRAFT
    assert campaign.budget_fen == 5_000_000_000
    assert campaign.per_publisher_cap_fen == 200_000_000
    assert campaign.categories == ["C", "G4", "I", "J"]
    page = staff.get(response.location).get_data(as_text=True)
    assert "Reading Month 2026" in page
    assert "¥50,000,000.00" in page
    chinese = staff.get(response.location + "?lang=zh").get_data(as_text=True)
    assert "2026年读书月" in chinese


def test_a_bad_campaign_form_keeps_the_input_and_explains(client_as, db):
    staff = client_as(Role.CAMPAIGN_STAFF)
    response = staff.post(
        "/campaigns/new",
        data=campaign_form(
            name="<script>alert(1)</script>",
            budget="=cmd|' /C calc'!A0",
            categories="I, 小说",
            ends=str(TODAY - timedelta(days=1)),
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter an amount such as 12.50." in page
    assert "小说 is not a CLC class" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert db.session.query(Campaign).count() == 0


def test_caps_larger_than_the_budget_are_refused_next_to_the_field(client_as, db):
    staff = client_as(Role.CAMPAIGN_STAFF)
    page = staff.post("/campaigns/new", data=campaign_form(budget="1000")).get_data(as_text=True)
    assert "A cap cannot be larger than the budget." in page
    assert db.session.query(Campaign).count() == 0


def test_status_moves_only_along_the_allowed_transitions(client_as, make_campaign, db):
    staff = client_as(Role.CAMPAIGN_STAFF)
    campaign = make_campaign(status=CampaignStatus.DRAFT)
    refused = staff.post(
        f"/campaigns/{campaign.id}/status", data={"status": "running"}, follow_redirects=True
    )
    assert "This campaign is “Draft” and cannot become “Running”." in refused.get_data(as_text=True)
    db.session.refresh(campaign)
    assert campaign.status == "draft"
    response = staff.post(
        f"/campaigns/{campaign.id}/status", data={"status": "enrolment_open"}, follow_redirects=True
    )
    db.session.refresh(campaign)
    assert campaign.status == "enrolment_open"
    assert "status has been changed" in response.get_data(as_text=True)


def test_publishers_cannot_set_up_campaigns(client_as, make_campaign):
    publisher = client_as(Role.PUBLISHER)
    assert publisher.post("/campaigns/new", data=campaign_form()).status_code == 403
    campaign = make_campaign()
    assert publisher.post(f"/campaigns/{campaign.id}/status", data={}).status_code == 403


def test_a_publisher_enrols_a_title_and_sees_it_awaiting_review(
    client_of, make_campaign, make_title, publisher_user, db
):
    user = publisher_user()
    title = make_title(user.organisation, list_price_fen=5000)
    campaign = make_campaign()
    client = client_of(user)
    response = client.post(
        f"/campaigns/{campaign.id}/enrol",
        data={
            "isbn": title.isbn,
            "campaign_price": "39.80",
            "subsidy_per_unit": "5",
            "expected_units": "1000",
            "stock": "1200",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "awaits review" in page
    assert "Awaiting review" in page
    enrolment = db.session.query(Enrolment).one()
    assert (enrolment.campaign_price_fen, enrolment.subsidy_per_unit_fen) == (3980, 500)


def test_drafts_are_the_staffs_alone(client_as, make_campaign):
    draft = make_campaign(status=CampaignStatus.DRAFT, name_en="Secret plan")
    publisher = client_as(Role.PUBLISHER)
    assert publisher.get(f"/campaigns/{draft.id}").status_code == 404
    assert "Secret plan" not in publisher.get("/campaigns/").get_data(as_text=True)
    staff = client_as(Role.CAMPAIGN_STAFF)
    assert "Secret plan" in staff.get("/campaigns/").get_data(as_text=True)


def test_a_publisher_withdraws_its_own_pending_enrolment_only(
    client_of, make_campaign, make_title, publisher_user, db
):
    from campaigns.enrolments import services as enrolling

    user = publisher_user()
    campaign = make_campaign()
    title = make_title(user.organisation)
    enrolment = enrolling.enrol_title(
        user, campaign, enrolling.EnrolmentInput(title.isbn, 3000, 300, 100, 0)
    )
    db.session.commit()
    page = client_of(user).get(f"/campaigns/{campaign.id}?lang=zh").get_data(as_text=True)
    assert "撤回报名" in page
    outsider = client_of(publisher_user())
    assert outsider.post(f"/campaigns/enrolments/{enrolment.id}/withdraw").status_code == 404
    response = client_of(user).post(
        f"/campaigns/enrolments/{enrolment.id}/withdraw", follow_redirects=True
    )
    assert "The enrolment has been withdrawn." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment.id).status == "withdrawn"
    again = client_of(user).post(
        f"/campaigns/enrolments/{enrolment.id}/withdraw", follow_redirects=True
    )
    assert (
        "This enrolment is “Withdrawn by the publisher” and cannot become “Withdrawn by the"
        " publisher”." in again.get_data(as_text=True)
    )
