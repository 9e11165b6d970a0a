"""Livestream selling sessions of a campaign (sales themselves feed the core's ledger)."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from alliance.db import UTCDateTime, utcnow
from alliance.extensions import db


class LivestreamSession(db.Model):
    """A livestream selling session: when, how long, how many copies, how much money."""

    __tablename__ = "livestream_session"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0 AND units >= 0 AND gmv_fen >= 0", name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="RESTRICT"), index=True
    )
    publisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    host: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(Integer)
    gmv_fen: Mapped[int] = mapped_column(BigInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
