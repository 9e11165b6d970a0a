"""Queue events for the marketplace, and let administrators watch and resend them."""

import json
import uuid
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from alliance import audit
from alliance.auth.models import User
from alliance.db import utcnow
from alliance.errors import FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.jobs.queue import after_commit_once
from alliance.webhooks.delivery import deliver_due
from alliance.webhooks.models import (
    EVENT_WORKFLOW,
    EventStatus,
    WebhookAttempt,
    WebhookEvent,
)

TYPE_LENGTH = WebhookEvent.event_type.type.length
KEY_LENGTH = WebhookEvent.key.type.length


def queue_event(
    event_type: str, *, key: str, payload: dict, now: datetime | None = None
) -> WebhookEvent:
    """Write an event for the marketplace into the caller's transaction (it commits).

    The event is delivered once that transaction commits (never if it rolls back), after
    every earlier event of the same `key` (e.g. "listing:42"), at least once, signed, under
    a delivery id of its own. `payload` must be JSON: it is posted as the body's "data".
    """
    if not event_type or len(event_type) > TYPE_LENGTH:
        raise ValueError(f"an event type is 1 to {TYPE_LENGTH} characters: {event_type!r}")
    if not key or len(key) > KEY_LENGTH:
        raise ValueError(f"an event key is 1 to {KEY_LENGTH} characters: {key!r}")
    # As it will be posted (tuples as lists, no NaN): what is stored is what is sent.
    payload = json.loads(json.dumps(payload, ensure_ascii=False, allow_nan=False))
    moment = now or utcnow()
    event = WebhookEvent(
        delivery_id=str(uuid.uuid4()),
        event_type=event_type,
        key=key,
        payload=payload,
        created_at=moment,
        queued_at=moment,
        next_attempt_at=moment,
        status=EventStatus.PENDING.value,
        attempts=0,
    )
    db.session.add(event)
    db.session.flush()
    after_commit_once(deliver_due)
    return event


def resend_event(
    actor: User, event: WebhookEvent, confirmation: str, now: datetime | None = None
) -> None:
    """Queue a delivered or given-up event again, under its own delivery id, once confirmed.

    The administrator types the event's number: the marketplace will act on it again.
    """
    if (confirmation or "").strip().lstrip("#") != str(event.id):
        raise FieldsInvalid(
            _l("Type %(number)s to confirm the resend.", number=event.id), "confirm"
        )
    before = event.audit_state()
    EVENT_WORKFLOW.move(event, EventStatus.PENDING)
    moment = now or utcnow()
    event.attempts = 0
    event.queued_at = event.next_attempt_at = moment
    event.lease_until = event.lease_token = event.delivered_at = None
    audit.record(actor, "webhook.resend", event, before, event.audit_state())
    after_commit_once(deliver_due)


def delivery_configured() -> bool:
    """Tell whether events are posted (MARKETPLACE_WEBHOOK_URL is set) or kept waiting."""
    return bool(current_app.config["MARKETPLACE_WEBHOOK_URL"])


def events_matching(status: str | None = None, event_type: str | None = None, key=None):
    """Select the outbox's events, newest first, of a status, type and key when given."""
    query = select(WebhookEvent).order_by(WebhookEvent.id.desc())
    if status:
        query = query.where(WebhookEvent.status == status)
    if event_type:
        query = query.where(WebhookEvent.event_type == event_type)
    if key:
        query = query.where(WebhookEvent.key == key)
    return query


def status_counts() -> dict[str, int]:
    """Count the outbox's events by status (every status, 0 when none)."""
    rows = db.session.execute(
        select(WebhookEvent.status, func.count()).group_by(WebhookEvent.status)
    ).all()
    return {status.value: 0 for status in EventStatus} | dict(rows)


def event_by_id(event_id: int) -> WebhookEvent:
    """Return one event of the outbox, or raise NotFoundError."""
    event = db.session.get(WebhookEvent, event_id)
    if event is None:
        raise NotFoundError(_l("No such webhook event."))
    return event


def attempts_of(event: WebhookEvent) -> list[WebhookAttempt]:
    """Return every attempt to deliver an event, newest first."""
    return db.session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.event_id == event.id)
        .order_by(WebhookAttempt.id.desc())
    ).all()


def waiting_for(event: WebhookEvent) -> WebhookEvent | None:
    """Return the earliest undelivered event of the same key that a waiting event follows."""
    if event.status != EventStatus.PENDING:
        return None
    return db.session.scalars(
        select(WebhookEvent)
        .where(
            WebhookEvent.key == event.key,
            WebhookEvent.id < event.id,
            WebhookEvent.status != EventStatus.DELIVERED.value,
        )
        .order_by(WebhookEvent.id)
        .limit(1)
    ).first()


def newer_event(event: WebhookEvent) -> WebhookEvent | None:
    """Return the newest later event of the same key (a resend would arrive after it)."""
    return db.session.scalars(
        select(WebhookEvent)
        .where(WebhookEvent.key == event.key, WebhookEvent.id > event.id)
        .order_by(WebhookEvent.id.desc())
        .limit(1)
    ).first()
