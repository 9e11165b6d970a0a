"""The append-only audit log: who changed what, before and after, in which request."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from alliance.db import UTCDateTime, utcnow
from alliance.extensions import db
from alliance.logs import current_request_id


class AuditEvent(db.Model):
    """One recorded state change; the database refuses UPDATE and DELETE on this table."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), index=True
    )
    actor_label: Mapped[str] = mapped_column(String(320), default="system")
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    request_id: Mapped[str] = mapped_column(String(64), index=True)

    def changes(self) -> list[tuple[str, object, object]]:
        """Return (field, before, after) for every field whose value differs."""
        before, after = self.before or {}, self.after or {}
        return [
            (key, before.get(key), after.get(key))
            for key in sorted(before.keys() | after.keys())
            if before.get(key) != after.get(key)
        ]


def record(actor, action: str, entity, before: dict | None = None, after: dict | None = None):
    """Add an audit event for `entity` to the current transaction (the caller commits)."""
    if entity.id is None:
        db.session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_label=actor.login if actor is not None else "system",
        action=action,
        entity_type=entity.__tablename__,
        entity_id=str(entity.id),
        before=before,
        after=after,
        request_id=current_request_id(),
    )
    db.session.add(event)
    return event


def audit_value(value) -> str:
    """Show a recorded value readably: lists joined, None as an empty mark."""
    if value is None:
        return "∅"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "∅"
    return str(value)
