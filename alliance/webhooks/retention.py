"""Delivered events are kept for a while to be looked at, then deleted with their attempts."""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from alliance.db import utcnow
from alliance.extensions import db
from alliance.jobs.queue import periodic
from alliance.webhooks.models import EventStatus, WebhookEvent

log = logging.getLogger(__name__)
CHUNK = 5_000  # rows deleted per transaction: short locks beside the delivery worker


def prune_delivered(now: datetime | None = None) -> int:
    """Delete the events delivered more than MARKETPLACE_WEBHOOK_KEEP_DAYS ago; return how many.

    Pending and given-up events are kept whatever their age: an administrator may still
    need to resend them. The attempts go with their event (ON DELETE CASCADE).
    """
    days = current_app.config["MARKETPLACE_WEBHOOK_KEEP_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = (
        select(WebhookEvent.id)
        .where(
            WebhookEvent.status == EventStatus.DELIVERED.value,
            WebhookEvent.delivered_at < cutoff,
        )
        .limit(CHUNK)
    )
    deleted = 0
    while True:
        ids = db.session.scalars(old).all()
        if not ids:
            break
        db.session.execute(delete(WebhookEvent).where(WebhookEvent.id.in_(ids)))
        db.session.commit()
        deleted += len(ids)
    if deleted:
        log.info("webhooks: %s delivered events older than %s days deleted", deleted, days)
    return deleted


@periodic(hour="3", minute="17")
def prune_webhook_events() -> None:
    """Delete the delivered events past their keeping time, every night."""
    prune_delivered()
