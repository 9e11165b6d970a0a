"""The outbox of marketplace events and the record of every attempt to deliver one."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.db import UTCDateTime, one_of, utcnow
from alliance.extensions import db
from alliance.i18n import _l
from alliance.workflow import Workflow

BIG_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite's rowid is an INTEGER
ERROR_LENGTH = 500


class EventStatus(StrEnum):
    """Where an event stands: waiting to be delivered, delivered, or given up on."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


STATUS_LABELS = {
    EventStatus.PENDING: _l("Waiting"),
    EventStatus.DELIVERED: _l("Delivered"),
    EventStatus.FAILED: _l("Given up"),
}

# The delivery task moves pending events with conditional UPDATEs of many rows at once (the
# same moves as this table); an administrator's resend goes through the table.
EVENT_WORKFLOW = Workflow(
    {
        EventStatus.PENDING: {EventStatus.DELIVERED, EventStatus.FAILED},
        EventStatus.DELIVERED: {EventStatus.PENDING},  # resent, under the same delivery id
        EventStatus.FAILED: {EventStatus.PENDING},  # resent
    },
    STATUS_LABELS,
    _l("webhook event"),
)


class WebhookEvent(db.Model):
    """One event for the marketplace, written in the transaction of the decision it tells of."""

    __tablename__ = "webhook_event"
    __table_args__ = (
        CheckConstraint(one_of("status", EventStatus), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # The due lookup: pending events whose next attempt has come, oldest first.
        Index("ix_webhook_event_status_next_attempt_at", "status", "next_attempt_at"),
        # The order per key: is an earlier event of the same key still undelivered?
        Index("ix_webhook_event_key_id", "key", "id"),
        Index("ix_webhook_event_event_type_id", "event_type", "id"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(36), unique=True)  # a UUID, kept on resend
    event_type: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))  # events of one key are delivered in order
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it was last queued (created or resent): the age after which it is given up on.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker posting it holds it until then; past it (the worker died) it is due again.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)  # the last answer's HTTP status
    last_error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))

    attempt_rows: Mapped[list["WebhookAttempt"]] = relationship(
        back_populates="event", order_by="WebhookAttempt.id", passive_deletes=True
    )

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "status": self.status,
            "attempts": self.attempts,
            "delivery_id": self.delivery_id,
            "event_type": self.event_type,
            "key": self.key,
        }


class WebhookAttempt(db.Model):
    """One POST of an event: when, the answer's HTTP status or the error, how long it took."""

    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        BIG_ID, ForeignKey("webhook_event.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))
    duration_ms: Mapped[int] = mapped_column(Integer)

    event: Mapped[WebhookEvent] = relationship(back_populates="attempt_rows")
