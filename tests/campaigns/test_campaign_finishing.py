"""A campaign whose sale period has ended is finished on time by the scheduled job."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from alliance.audit import AuditEvent
from campaigns import jobs, services
from campaigns.models import CampaignStatus
from tests import factories

ENDS = date(2026, 5, 31)


@pytest.fixture
def ended(db, ctx, make_campaign):
    """A running campaign whose sale ends on 31 May 2026, and one still open for enrolment."""
    running = make_campaign(name="四月读书月")
    running.enrolment_opens, running.enrolment_closes = date(2026, 3, 1), date(2026, 4, 20)
    running.starts, running.ends = date(2026, 5, 1), ENDS
    factories.move_campaign(running, CampaignStatus.RUNNING)
    enrolling = make_campaign(name="六月读书月")
    db.session.commit()
    return running, enrolling


def status_events(db, campaign):
    rows = db.session.execute(
        select(AuditEvent.actor_id, AuditEvent.actor_label, AuditEvent.before, AuditEvent.after)
        .where(AuditEvent.action == "campaign.status", AuditEvent.entity_id == str(campaign.id))
        .order_by(AuditEvent.id)
    ).all()
    return [tuple(row) for row in rows if row.after == {"status": "finished"}]


def test_the_last_day_counts_to_midnight_in_shanghai(db, ended):
    running, enrolling = ended
    # 31 May, 23:59 in Shanghai (15:59 UTC): still the last day of the sale.
    with time_machine.travel(datetime(2026, 5, 31, 15, 59, tzinfo=UTC), tick=False):
        assert services.finish_ended_campaigns() == 0
    assert running.status == CampaignStatus.RUNNING
    # 1 June, 00:00 in Shanghai (still 31 May in UTC): finished.
    with time_machine.travel(datetime(2026, 5, 31, 16, 0, tzinfo=UTC), tick=False):
        assert services.finish_ended_campaigns() == 1
        assert services.finish_ended_campaigns() == 0  # run twice: nothing more
    db.session.commit()
    assert running.status == CampaignStatus.FINISHED
    assert enrolling.status == CampaignStatus.ENROLMENT_OPEN
    assert status_events(db, running) == [
        (None, "system", {"status": "running"}, {"status": "finished"})
    ]


def test_the_periodic_job_finishes_ended_campaigns_once(db, ended):
    running, _enrolling = ended
    with time_machine.travel(datetime(2027, 1, 1, tzinfo=UTC), tick=False):
        jobs.finish_ended_campaigns()
        jobs.finish_ended_campaigns()
    db.session.refresh(running)
    assert running.status == CampaignStatus.FINISHED
    assert len(status_events(db, running)) == 1


def test_the_job_is_scheduled(app):
    from alliance.jobs.queue import queue_of

    with app.app_context():
        queue = queue_of(app)
    assert "campaigns.jobs.finish_ended_campaigns" in queue.alliance_tasks
