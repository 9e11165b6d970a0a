"""Fixtures of the campaigns tests: campaigns, publishers with titles, approved enrolments."""

import itertools
from datetime import timedelta

import pytest
from stdnum import ean, isbn

from alliance.auth.roles import Role
from alliance.catalogue.models import Title, search_key
from alliance.i18n import local_today
from campaigns.models import CampaignStatus
from tests import factories

_serials = itertools.count(1)


def next_isbn() -> str:
    """Return a fresh, valid and assignable 978-7 ISBN-13."""
    while True:
        body = f"9787020{next(_serials):05d}"
        candidate = body + ean.calc_check_digit(body)
        if isbn.is_valid(candidate):
            return candidate


@pytest.fixture
def staff(make_user):
    """A campaign staff member."""
    return make_user(Role.CAMPAIGN_STAFF)


@pytest.fixture
def make_campaign(db, staff):
    """Create a campaign, moved through the service (enrolment open today unless told otherwise)."""

    def make(status=CampaignStatus.ENROLMENT_OPEN, **values):
        campaign = factories.campaign(staff, CampaignStatus(status).value, **values)
        db.session.commit()
        return campaign

    return make


@pytest.fixture
def start_running(db, staff):
    """Return a function that puts a campaign's sale period around today and runs it."""

    def start(campaign):
        today = local_today()
        campaign.enrolment_opens = today - timedelta(days=40)
        campaign.enrolment_closes = today - timedelta(days=11)
        campaign.starts = today - timedelta(days=10)
        campaign.ends = today + timedelta(days=10)
        factories.move_campaign(campaign, CampaignStatus.RUNNING, staff)
        db.session.commit()

    return start


@pytest.fixture
def make_title(db):
    """Create a title of a publisher."""

    def make(publisher, clc_class="I247.5", list_price_fen=5000, **values):
        text = values.pop("title", "测试图书")
        title = Title(
            isbn=next_isbn(),
            title=text,
            title_key=search_key(text),
            publisher=publisher,
            clc_class=clc_class,
            list_price_fen=list_price_fen,
            **{"status": "active", **values},
        )
        db.session.add(title)
        db.session.commit()
        return title

    return make


@pytest.fixture
def publisher_user(make_user, make_org):
    """Return a new publisher organisation's staff user."""

    def make():
        return make_user(Role.PUBLISHER, organisation=make_org())

    return make


@pytest.fixture
def approved(db, staff, make_campaign, make_title, publisher_user):
    """Return an approved enrolment (in a new campaign unless one is given)."""

    def make(campaign=None, user=None, subsidy=500, units=100, clc_class="I247.5"):
        campaign = campaign or make_campaign()
        user = user or publisher_user()
        title = make_title(user.organisation, clc_class=clc_class)
        enrolment = factories.enrolment(
            user, campaign, title.isbn, "approved", staff=staff, subsidy_fen=subsidy, units=units
        )
        db.session.commit()
        return enrolment

    return make
