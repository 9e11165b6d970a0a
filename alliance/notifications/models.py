"""Notifications: stored as a kind and its values, written in the reader's language when read."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from alliance.db import UTCDateTime, utcnow
from alliance.extensions import db


class Notification(db.Model):
    """One message for one user: what happened (kind) and the values that say about what."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationSetting(db.Model):
    """A user's choice to get (or not) mail for one kind of notification."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    by_mail: Mapped[bool] = mapped_column(Boolean)
