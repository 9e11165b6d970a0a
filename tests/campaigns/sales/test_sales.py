"""Sales and livestream services: every rule, corrections, capped spends, the ledger invariant."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from alliance.audit import AuditEvent
from alliance.dates import read_day
from alliance.errors import ConflictError, DomainError, FieldsInvalid
from alliance.i18n import local_today
from campaigns import ledger
from campaigns.models import CampaignStatus, LedgerEntry, Sale
from campaigns.sales import livestreams
from campaigns.sales import services as sales
from tests import factories

TODAY = local_today


@pytest.fixture
def selling(db, staff, approved, make_campaign, publisher_user):
    """Return a maker of (user, enrolment) with an allocation, in a campaign that then runs."""

    def make(allocation=100_000, subsidy=500, campaign=None, user=None):
        campaign = campaign or make_campaign()
        user = user or publisher_user()
        enrolment = approved(campaign, user=user, subsidy=subsidy)
        if allocation:
            ledger.allocate(staff, enrolment, allocation)
        db.session.commit()
        return user, enrolment

    return make


def run(db, campaign, status=CampaignStatus.RUNNING, starts=-10, ends=10):
    """Move a campaign into its sale period (days relative to today)."""
    today = TODAY()
    campaign.enrolment_opens = today + timedelta(days=min(starts, ends) - 30)
    campaign.enrolment_closes = today + timedelta(days=min(starts, ends) - 1)
    campaign.starts = today + timedelta(days=starts)
    campaign.ends = today + timedelta(days=ends)
    factories.move_campaign(campaign, status)
    db.session.commit()
    return campaign


def sale(enrolment, units=10, revenue=40_000, day=None, channel="store"):
    return sales.SaleInput(
        isbn=enrolment.title.isbn,
        sale_date=day or TODAY(),
        channel=channel,
        units=units,
        revenue_fen=revenue,
    )


def report(db, user, enrolment, **values):
    result = sales.report_sale(user, enrolment.campaign, sale(enrolment, **values))
    db.session.commit()
    return result


def spends(db, enrolment):
    return list(
        db.session.scalars(
            select(LedgerEntry.amount_fen)
            .where(LedgerEntry.enrolment_id == enrolment.id, LedgerEntry.kind == "spend")
            .order_by(LedgerEntry.id)
        )
    )


def test_a_sale_draws_units_times_the_subsidy_per_unit(db, ctx, selling):
    user, enrolment = selling(subsidy=500)
    run(db, enrolment.campaign)
    result = report(db, user, enrolment, units=12, revenue=48_000)
    assert result.created and result.changed
    assert result.sale.subsidy_fen == 6_000 and result.short_fen == 0
    assert enrolment.spent_fen == 6_000 and enrolment.campaign.spent_fen == 6_000
    assert spends(db, enrolment) == [6_000]
    assert sales.subsidy_note(result) is None
    assert ledger.invariant_problems(enrolment.campaign) == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sale.report"))
    assert event.after["units"] == 12 and event.after["subsidy_fen"] == 6_000


def test_corrections_move_the_subsidy_up_and_down(db, ctx, selling):
    user, enrolment = selling(subsidy=500)
    run(db, enrolment.campaign)
    first = report(db, user, enrolment, units=10)
    up = report(db, user, enrolment, units=30)
    down = report(db, user, enrolment, units=4, revenue=16_000)
    assert first.sale.id == up.sale.id == down.sale.id
    assert not up.created and up.changed and up.drawn_fen == 10_000
    assert down.sale.subsidy_fen == 2_000 and down.drawn_fen == -13_000
    assert spends(db, enrolment) == [5_000, 10_000, -13_000]
    assert enrolment.spent_fen == 2_000
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    corrections = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "sale.correct").order_by(AuditEvent.id)
    ).all()
    assert [(e.before["units"], e.after["units"]) for e in corrections] == [(10, 30), (30, 4)]
    assert ledger.invariant_problems(enrolment.campaign) == []


def test_the_same_figures_again_change_nothing(db, ctx, selling):
    user, enrolment = selling()
    run(db, enrolment.campaign)
    report(db, user, enrolment, units=10)
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    again = report(db, user, enrolment, units=10)
    assert not again.created and not again.changed
    assert spends(db, enrolment) == [5_000]
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_a_sale_is_only_partly_subsidised_when_the_allocation_runs_out(db, ctx, selling):
    user, enrolment = selling(allocation=7_000, subsidy=500)
    run(db, enrolment.campaign)
    result = report(db, user, enrolment, units=20)  # earns 10,000 of which 7,000 are left
    assert result.sale.subsidy_fen == 7_000 and result.short_fen == 3_000
    assert "used up" in str(sales.subsidy_note(result))
    other_day = report(db, user, enrolment, units=5, day=TODAY() - timedelta(days=1))
    assert other_day.sale.subsidy_fen == 0 and other_day.short_fen == 2_500
    assert enrolment.spent_fen == enrolment.allocated_fen == 7_000
    # A correction down gives back what the sale drew, never more.
    down = report(db, user, enrolment, units=10)
    assert down.sale.subsidy_fen == 5_000 and enrolment.spent_fen == 5_000
    assert ledger.invariant_problems(enrolment.campaign) == []


def test_channels_and_days_are_separate_sales(db, ctx, selling):
    user, enrolment = selling()
    run(db, enrolment.campaign)
    report(db, user, enrolment, units=1)
    report(db, user, enrolment, units=2, channel="livestream")
    report(db, user, enrolment, units=3, day=TODAY() - timedelta(days=2))
    totals = sales.sales_totals(enrolment.campaign)
    assert totals["sales"] == 3 and totals["units"] == 6 and totals["subsidy_fen"] == 3_000
    assert sales.sales_totals(enrolment.campaign, channel="livestream")["units"] == 2


def problems_of(excinfo) -> dict:
    return {name: str(message) for name, message in excinfo.value.problems.items()}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"day": +1}, "sale_date"),
        ({"day": -11}, "sale_date"),
        ({"units": -1}, "units"),
        ({"units": 10_000_001}, "units"),
        ({"units": True}, "units"),
        ({"revenue": -1}, "revenue_fen"),
        ({"channel": "mail order"}, "channel"),
    ],
)
def test_bad_values_are_refused_by_field_and_write_nothing(db, ctx, selling, change, field):
    user, enrolment = selling()
    run(db, enrolment.campaign)
    values = dict(change)
    if "day" in values:
        values["day"] = TODAY() + timedelta(days=values["day"])
    with pytest.raises(FieldsInvalid) as excinfo:
        sales.report_sale(user, enrolment.campaign, sale(enrolment, **values))
    db.session.rollback()
    assert list(problems_of(excinfo)) == [field]
    assert db.session.scalar(select(func.count(Sale.id))) == 0
    assert spends(db, enrolment) == []


def test_the_sale_period_is_inclusive(db, ctx, selling):
    user, enrolment = selling()
    run(db, enrolment.campaign, starts=-5, ends=0)
    report(db, user, enrolment, day=TODAY() - timedelta(days=5))
    report(db, user, enrolment, day=TODAY())
    with pytest.raises(FieldsInvalid, match="sale period"):
        report(db, user, enrolment, day=TODAY() - timedelta(days=6))


def test_only_approved_enrolments_of_ones_own_titles_in_this_campaign(
    db, ctx, selling, make_title, make_campaign
):
    user, enrolment = selling()
    _other_user, other = selling(campaign=enrolment.campaign)
    _user, elsewhere = selling(user=user)  # the user's title in another campaign
    not_enrolled = make_title(user.organisation)
    run(db, enrolment.campaign)
    for isbn in (other.title.isbn, elsewhere.title.isbn, not_enrolled.isbn, "not an isbn"):
        values = sales.SaleInput(isbn, TODAY(), "store", 1, 100)
        with pytest.raises(FieldsInvalid) as excinfo:
            sales.report_sale(user, enrolment.campaign, values)
        db.session.rollback()
        assert "approved for this campaign" in problems_of(excinfo)["isbn"]
    assert db.session.scalar(select(func.count(Sale.id))) == 0


def test_a_pending_enrolment_takes_no_sales(db, ctx, make_campaign, make_title, publisher_user):
    from campaigns.enrolments import services as enrolling

    campaign = make_campaign()
    user = publisher_user()
    title = make_title(user.organisation)
    enrolling.enrol_title(user, campaign, enrolling.EnrolmentInput(title.isbn, 4000, 500, 10, 10))
    db.session.commit()
    run(db, campaign)
    with pytest.raises(FieldsInvalid, match="approved"):
        sales.report_sale(user, campaign, sales.SaleInput(title.isbn, TODAY(), "store", 1, 1))


def test_only_staff_of_an_active_publisher_report(db, ctx, selling, make_user, staff):
    _user, enrolment = selling()
    run(db, enrolment.campaign)
    for actor in (staff, make_user("publisher")):
        with pytest.raises(DomainError) as excinfo:
            sales.report_sale(actor, enrolment.campaign, sale(enrolment))
        assert excinfo.value.status == 403


@pytest.mark.parametrize(
    ("status", "ends", "accepted"),
    [
        (CampaignStatus.ENROLMENT_OPEN, 10, False),
        (CampaignStatus.ENROLMENT_CLOSED, 10, False),
        (CampaignStatus.RUNNING, 10, True),
        (CampaignStatus.FINISHED, -1, True),
        (CampaignStatus.FINISHED, -30, True),
        (CampaignStatus.FINISHED, -31, False),
        # Still marked running after its end (the job has not finished it): the dates decide.
        (CampaignStatus.RUNNING, -30, True),
        (CampaignStatus.RUNNING, -31, False),
        (CampaignStatus.RUNNING, -3650, False),
    ],
)
def test_reports_are_taken_while_running_and_30_days_after(
    db, ctx, selling, status, ends, accepted
):
    user, enrolment = selling()
    run(db, enrolment.campaign, status=status, starts=min(ends, 0) - 5, ends=ends)
    day = TODAY() + timedelta(days=min(ends, 0))
    if accepted:
        assert report(db, user, enrolment, day=day).created
    else:
        with pytest.raises(ConflictError, match="30 days"):
            sales.report_sale(user, enrolment.campaign, sale(enrolment, day=day))


def test_another_publishers_sale_is_not_found(db, ctx, selling):
    user, enrolment = selling()
    other_user, _other = selling(campaign=enrolment.campaign)
    run(db, enrolment.campaign)
    mine = report(db, user, enrolment).sale
    assert sales.own_sale(user, enrolment.campaign, mine.id) is mine
    for sale_id in (mine.id, 0, 2**70):
        with pytest.raises(DomainError) as excinfo:
            sales.own_sale(other_user, enrolment.campaign, sale_id)
        assert excinfo.value.status == 404


def test_filters_of_the_sales_list(db, ctx, selling):
    user, enrolment = selling()
    _user, second = selling(campaign=enrolment.campaign, user=user)
    other_user, other = selling(campaign=enrolment.campaign)
    run(db, enrolment.campaign)
    yesterday = TODAY() - timedelta(days=1)
    report(db, user, enrolment, units=1, day=yesterday)
    report(db, user, second, units=2)
    report(db, other_user, other, units=4, channel="livestream")
    campaign = enrolment.campaign

    def units(**filters):
        return [s.units for s in db.session.scalars(sales.sales_query(campaign, **filters))]

    assert units() == [4, 2, 1] or units() == [2, 4, 1]
    assert units(publisher_id=user.organisation.id) == [2, 1]
    assert units(isbn=second.title.isbn) == [2]
    assert units(channel="livestream") == [4]
    assert units(date_to=yesterday) == [1]
    assert sorted(units(date_from=TODAY())) == [2, 4]
    assert sales.sales_totals(campaign, publisher_id=other_user.organisation.id)["units"] == 4


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2021-04-23", (2021, 4, 23)),
        ("2021/4/3", (2021, 4, 3)),
        ("2021年4月23日", (2021, 4, 23)),
        ("２０２１-０４-２３", (2021, 4, 23)),
        ("2021-04-23 00:00:00", (2021, 4, 23)),
    ],
)
def test_days_are_read_as_people_write_them(text, day):
    assert read_day(text, required=True).timetuple()[:3] == day


@pytest.mark.parametrize("text", ["", "2021-04", "2021-02-30", "23/04/2021x", "=1+1", "x" * 500])
def test_bad_days_are_refused(text):
    with pytest.raises(ValueError, match="date"):
        read_day(text, required=True)


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("", "store"),
        ("Store", "store"),
        ("门店", "store"),
        ("直播", "livestream"),
        ("LIVE", "livestream"),
    ],
)
def test_channels_are_read_in_both_languages(text, channel):
    assert sales.parse_channel(text) == channel


# Livestream sessions ----------------------------------------------------------------------


def session_values(**changes):
    values = {
        "host": "樊登读书直播间",
        "started_at": datetime.now(UTC) - timedelta(hours=5),
        "duration_minutes": 225,
        "units": 30_000,
        "gmv_fen": 200_000_000,
        "notes": None,
    }
    values.update(changes)
    return livestreams.LivestreamInput(**values)


def test_a_livestream_session_is_recorded_and_audited(db, ctx, selling):
    user, enrolment = selling()
    campaign = run(db, enrolment.campaign)
    session = livestreams.record_livestream(user, campaign, session_values())
    db.session.commit()
    assert session.publisher_id == user.organisation.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "livestream.record"))
    assert event.after["gmv_fen"] == 200_000_000
    totals = livestreams.livestream_totals(campaign)
    # 2 million yuan in 3 h 45 min: 533,333.33 yuan an hour.
    assert totals["gmv_per_hour_fen"] == 53_333_333 and totals["units_per_hour"] == 8_000
    assert livestreams.livestream_totals(campaign, publisher_id=999)["sessions"] == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"host": "  "}, "host"),
        ({"host": "x" * 201}, "host"),
        ({"host": "evil\u202e"}, "host"),
        ({"started_at": timedelta(minutes=5)}, "started_at"),  # from now: the future
        ({"started_at": -timedelta(days=12)}, "started_at"),  # before the sale
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"units": -1}, "units"),
        ({"gmv_fen": -1}, "gmv_fen"),
        ({"notes": "x" * 2001}, "notes"),
    ],
)
def test_bad_session_values_are_refused(db, ctx, selling, change, field):
    user, enrolment = selling()
    campaign = run(db, enrolment.campaign)
    if isinstance(change.get("started_at"), timedelta):
        change = {"started_at": datetime.now(UTC) + change["started_at"]}
    with pytest.raises(FieldsInvalid) as excinfo:
        livestreams.record_livestream(user, campaign, session_values(**change))
    assert list(problems_of(excinfo)) == [field]


def test_a_session_needs_a_campaign_taking_reports(db, ctx, selling):
    user, enrolment = selling()
    campaign = run(db, enrolment.campaign, status=CampaignStatus.ENROLMENT_CLOSED)
    with pytest.raises(ConflictError):
        livestreams.record_livestream(user, campaign, session_values())


def test_a_local_start_is_stored_in_utc():
    start = livestreams.local_datetime("2021-04-23T19:30", "Asia/Shanghai")
    assert start == datetime(2021, 4, 23, 11, 30, tzinfo=UTC)
    assert livestreams.local_datetime("2021-04-23 19:30", "Europe/London").hour == 18
    for bad in ("", "2021-04-23", "19:30", "2021-04-23T19:30+08:00", "x" * 100):
        with pytest.raises(ValueError, match="date and time"):
            livestreams.local_datetime(bad, "Asia/Shanghai")


def test_the_last_reporting_day_runs_to_midnight_in_shanghai(db, ctx, selling):
    user, enrolment = selling()
    with time_machine.travel(datetime(2026, 6, 1, 4, tzinfo=UTC), tick=False):
        campaign = run(db, enrolment.campaign, starts=-10, ends=-1)  # sale: 21-31 May
    assert sales.reports_close(campaign) == date(2026, 6, 30)
    # 30 June, 23:59 in Shanghai (15:59 UTC): the last minute that takes reports.
    with time_machine.travel(datetime(2026, 6, 30, 15, 59, tzinfo=UTC), tick=False):
        assert sales.accepting_sales(campaign)
        assert report(db, user, enrolment, day=date(2026, 5, 31)).created
    # 1 July, 00:00 in Shanghai (still 30 June in UTC): closed.
    with time_machine.travel(datetime(2026, 6, 30, 16, 0, tzinfo=UTC), tick=False):
        assert not sales.accepting_sales(campaign)
        with pytest.raises(ConflictError, match="30 days"):
            sales.report_sale(user, campaign, sale(enrolment, day=date(2026, 5, 30)))
    assert db.session.scalar(select(func.count(Sale.id))) == 1


def test_a_sale_reported_later_is_spent_on_its_own_day(db, ctx, selling):
    user, enrolment = selling()
    run(db, enrolment.campaign)
    day = TODAY() - timedelta(days=5)
    report(db, user, enrolment, day=day, units=4)
    report(db, user, enrolment, day=day, units=2)  # a correction, on the same day
    entries = db.session.execute(
        select(LedgerEntry.day, LedgerEntry.amount_fen)
        .where(LedgerEntry.kind == "spend")
        .order_by(LedgerEntry.id)
    ).all()
    assert [tuple(row) for row in entries] == [(day, 2_000), (day, -1_000)]
