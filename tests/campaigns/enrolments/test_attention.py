"""The home page lists what waits for each role: reviews for staff; open enrolment and
rejected enrolments for publishers."""

from alliance.auth.roles import Role
from campaigns.models import CampaignStatus
from tests import factories


def test_staff_see_the_enrolments_waiting_for_review_campaign_by_campaign(
    db, client_of, staff, make_campaign, make_title, publisher_user
):
    spring = make_campaign(name="春季读书月", name_en="Spring Reading")
    autumn = make_campaign(name="秋季读书月", name_en="Autumn Reading")
    user = publisher_user()
    for campaign, count in ((spring, 3), (autumn, 1)):
        for _ in range(count):
            factories.enrolment(user, campaign, make_title(user.organisation).isbn)
    decided = factories.enrolment(user, spring, make_title(user.organisation).isbn, "approved")
    db.session.commit()
    home = client_of(staff).get("/")
    assert home.status_code == 200
    assert "Spring Reading: enrolments waiting for your review: 3" in home.text
    assert "Autumn Reading: enrolments waiting for your review: 1" in home.text
    assert f'href="/campaigns/{spring.id}/review"' in home.text
    assert decided.status == "approved"
    # a publisher is not told about reviews
    assert "waiting for your review" not in client_of(user).get("/").text


def test_a_publisher_is_told_where_enrolment_is_open_and_until_when(
    db, client_of, make_campaign, make_title, publisher_user
):
    open_now = make_campaign(name="开放中的读书月", name_en="Open Month")
    make_campaign(status=CampaignStatus.DRAFT, name="草稿读书月", name_en="Draft Month")
    user = publisher_user()
    home = client_of(user).get("/")
    assert "Open Month takes enrolments until" in home.text
    assert "None of your titles is enrolled yet." in home.text
    assert f'href="/campaigns/{open_now.id}/enrol"' in home.text
    assert "Draft Month" not in home.text
    factories.enrolment(user, open_now, make_title(user.organisation).isbn)
    db.session.commit()
    assert "Your titles enrolled: 1" in client_of(user).get("/").text
    chinese = client_of(user).get("/?lang=zh").text
    assert "开放中的读书月" in chinese and "Open Month" not in chinese


def test_a_publisher_sees_a_rejection_and_its_reason_but_not_another_publishers(
    db, client_of, staff, make_campaign, make_title, publisher_user
):
    campaign = make_campaign(name="读书月", name_en="Reading Month")
    user, other = publisher_user(), publisher_user()
    title = make_title(user.organisation, title="<b>被拒的书</b>")
    factories.enrolment(user, campaign, title.isbn, "rejected", staff=staff)
    db.session.commit()
    home = client_of(user).get("/").text
    assert "Your enrolment of &lt;b&gt;被拒的书&lt;/b&gt; in Reading Month was rejected:" in home
    assert "<b>被拒的书</b>" not in home
    assert "was rejected" not in client_of(other).get("/").text


def test_the_home_page_asks_few_queries_whatever_waits(
    db, client_of, statements_in, staff, make_campaign, make_title, publisher_user
):
    def queries_on_home(client) -> int:
        with statements_in() as statements:
            assert client.get("/").status_code == 200
        return len(statements)

    user = publisher_user()
    client = client_of(user)
    campaign = make_campaign()
    factories.enrolment(user, campaign, make_title(user.organisation).isbn, "rejected", staff=staff)
    db.session.commit()
    few = queries_on_home(client)
    for _ in range(4):
        other = make_campaign()
        for status in ("pending", "rejected"):
            factories.enrolment(
                user, other, make_title(user.organisation).isbn, status, staff=staff
            )
    db.session.commit()
    assert queries_on_home(client) == few
    assert user.has_role(Role.PUBLISHER)
