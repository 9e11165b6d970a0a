"""Scheduled work of the campaigns: a campaign whose sale period ended is finished on time."""

from alliance.extensions import db
from alliance.jobs.queue import periodic
from campaigns import services


@periodic(minute="*/10")
def finish_ended_campaigns() -> None:
    """Finish the running campaigns whose last sale day has passed in China (idempotent)."""
    services.finish_ended_campaigns()
    db.session.commit()
