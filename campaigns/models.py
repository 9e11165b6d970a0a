"""Campaigns, enrolments, the append-only subsidy ledger and sales."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.auth.models import User
from alliance.catalogue.models import Title
from alliance.db import UTCDateTime, one_of, utcnow
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.models import Organisation
from alliance.workflow import Workflow

BigId = BigInteger().with_variant(Integer, "sqlite")


class CampaignStatus(StrEnum):
    """Where a campaign is in its life."""

    DRAFT = "draft"
    ENROLMENT_OPEN = "enrolment_open"
    ENROLMENT_CLOSED = "enrolment_closed"
    RUNNING = "running"
    FINISHED = "finished"


class EnrolmentStatus(StrEnum):
    """Where an enrolment is in its review."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class EntryKind(StrEnum):
    """What a ledger entry does to the money."""

    ALLOCATE = "allocate"
    RELEASE = "release"
    SPEND = "spend"


class Channel(StrEnum):
    """Where copies were sold."""

    STORE = "store"
    LIVESTREAM = "livestream"


CAMPAIGN_STATUS_LABELS = {
    CampaignStatus.DRAFT: _l("Draft"),
    CampaignStatus.ENROLMENT_OPEN: _l("Enrolment open"),
    CampaignStatus.ENROLMENT_CLOSED: _l("Enrolment closed"),
    CampaignStatus.RUNNING: _l("Running"),
    CampaignStatus.FINISHED: _l("Finished"),
}
ENROLMENT_STATUS_LABELS = {
    EnrolmentStatus.PENDING: _l("Awaiting review"),
    EnrolmentStatus.APPROVED: _l("Approved"),
    EnrolmentStatus.REJECTED: _l("Rejected"),
    EnrolmentStatus.WITHDRAWN: _l("Withdrawn by the publisher"),
}
# Enrolment may reopen until the sale starts; a finished campaign stays finished.
CAMPAIGN_WORKFLOW = Workflow(
    {
        CampaignStatus.DRAFT: {CampaignStatus.ENROLMENT_OPEN},
        CampaignStatus.ENROLMENT_OPEN: {CampaignStatus.ENROLMENT_CLOSED},
        CampaignStatus.ENROLMENT_CLOSED: {CampaignStatus.ENROLMENT_OPEN, CampaignStatus.RUNNING},
        CampaignStatus.RUNNING: {CampaignStatus.FINISHED},
        CampaignStatus.FINISHED: set(),
    },
    CAMPAIGN_STATUS_LABELS,
    _l("campaign"),
)
# A decision is final; a withdrawn enrolment may be put forward again.
ENROLMENT_WORKFLOW = Workflow(
    {
        EnrolmentStatus.PENDING: {
            EnrolmentStatus.APPROVED,
            EnrolmentStatus.REJECTED,
            EnrolmentStatus.WITHDRAWN,
        },
        EnrolmentStatus.WITHDRAWN: {EnrolmentStatus.PENDING},
        EnrolmentStatus.APPROVED: set(),
        EnrolmentStatus.REJECTED: set(),
    },
    ENROLMENT_STATUS_LABELS,
    _l("enrolment"),
)
ENTRY_KIND_LABELS = {
    EntryKind.ALLOCATE: _l("Allocation"),
    EntryKind.RELEASE: _l("Release"),
    EntryKind.SPEND: _l("Spend"),
}
CHANNEL_LABELS = {Channel.STORE: _l("Store"), Channel.LIVESTREAM: _l("Livestream")}


class Campaign(db.Model):
    """A subsidised reading month: its windows, budget, caps and running totals."""

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint(one_of("status", CampaignStatus), name="status"),
        CheckConstraint("budget_fen > 0", name="budget"),
        # The database itself refuses an overspent budget, whatever the code does.
        CheckConstraint("allocated_fen >= 0 AND allocated_fen <= budget_fen", name="allocated"),
        CheckConstraint("spent_fen >= 0 AND spent_fen <= allocated_fen", name="spent"),
        CheckConstraint("per_title_cap_fen > 0 AND per_publisher_cap_fen > 0", name="caps"),
        CheckConstraint(
            "price_floor_percent IS NULL OR (price_floor_percent > 0 AND "
            "price_floor_percent <= 100)",
            name="price_floor",
        ),
        CheckConstraint(
            "platform_share_percent >= 0 AND platform_share_percent <= 100", name="share"
        ),
        CheckConstraint("enrolment_opens <= enrolment_closes AND starts <= ends", name="windows"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.DRAFT.value)
    enrolment_opens: Mapped[date] = mapped_column(Date)
    enrolment_closes: Mapped[date] = mapped_column(Date)
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    per_title_cap_fen: Mapped[int] = mapped_column(BigInteger)
    per_publisher_cap_fen: Mapped[int] = mapped_column(BigInteger)
    price_floor_percent: Mapped[int | None] = mapped_column(Integer)
    platform_share_percent: Mapped[int] = mapped_column(Integer, default=100)
    categories: Mapped[list] = mapped_column(JSON, default=list)  # CLC classes; [] = all
    category_weights: Mapped[dict] = mapped_column(JSON, default=dict)  # class -> priority
    allocated_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def display_name(self, language: str) -> str:
        """Return the English name in English when there is one, else the Chinese name."""
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def remaining_fen(self) -> int:
        return self.budget_fen - self.allocated_fen

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "name": self.name,
            "name_en": self.name_en,
            "status": self.status,
            "enrolment_opens": str(self.enrolment_opens),
            "enrolment_closes": str(self.enrolment_closes),
            "starts": str(self.starts),
            "ends": str(self.ends),
            "budget_fen": self.budget_fen,
            "per_title_cap_fen": self.per_title_cap_fen,
            "per_publisher_cap_fen": self.per_publisher_cap_fen,
            "price_floor_percent": self.price_floor_percent,
            "platform_share_percent": self.platform_share_percent,
            "categories": list(self.categories or []),
            "category_weights": dict(self.category_weights or {}),
        }


class CampaignPublisher(db.Model):
    """A publisher's running totals in a campaign, kept so its cap holds under concurrency."""

    __tablename__ = "campaign_publisher"
    __table_args__ = (
        UniqueConstraint("campaign_id", "publisher_id"),
        CheckConstraint("allocated_fen >= 0", name="allocated"),
        CheckConstraint("spent_fen >= 0 AND spent_fen <= allocated_fen", name="spent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    publisher_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    allocated_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class Enrolment(db.Model):
    """A title a publisher put forward for a campaign, and what it was granted and spent."""

    __tablename__ = "enrolment"
    __table_args__ = (
        UniqueConstraint("campaign_id", "title_id"),
        Index("ix_enrolment_campaign_status", "campaign_id", "status"),
        Index("ix_enrolment_campaign_publisher", "campaign_id", "publisher_id"),
        CheckConstraint(one_of("status", EnrolmentStatus), name="status"),
        CheckConstraint("campaign_price_fen > 0", name="price"),
        CheckConstraint("subsidy_per_unit_fen > 0", name="subsidy"),
        CheckConstraint("expected_units > 0 AND stock >= 0", name="units"),
        CheckConstraint("allocated_fen >= 0", name="allocated"),
        CheckConstraint("spent_fen >= 0 AND spent_fen <= allocated_fen", name="spent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    title_id: Mapped[int] = mapped_column(ForeignKey("title.id", ondelete="RESTRICT"), index=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    category: Mapped[str] = mapped_column(String(32))
    campaign_price_fen: Mapped[int] = mapped_column(BigInteger)
    subsidy_per_unit_fen: Mapped[int] = mapped_column(BigInteger)
    expected_units: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=EnrolmentStatus.PENDING.value)
    reason_code: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(500))
    allocated_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship()
    title: Mapped[Title] = relationship(lazy="joined")
    publisher: Mapped[Organisation] = relationship()

    @property
    def requested_fen(self) -> int:
        """Return the subsidy asked for: per unit times expected units."""
        return self.subsidy_per_unit_fen * self.expected_units

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "campaign_id": self.campaign_id,
            "title_id": self.title_id,
            "campaign_price_fen": self.campaign_price_fen,
            "subsidy_per_unit_fen": self.subsidy_per_unit_fen,
            "expected_units": self.expected_units,
            "stock": self.stock,
            "status": self.status,
            "reason_code": self.reason_code,
            "reason": self.reason,
        }


class LedgerEntry(db.Model):
    """One movement of subsidy money; the database refuses UPDATE and DELETE on this table.

    Allocations are positive, releases negative, spends positive (a negative spend corrects
    an earlier one). The campaign's remaining budget is its budget minus the sum of the
    allocations and releases.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        CheckConstraint(one_of("kind", EntryKind), name="kind"),
        CheckConstraint(
            "(kind = 'allocate' AND amount_fen > 0) OR (kind = 'release' AND amount_fen < 0)"
            " OR (kind = 'spend' AND amount_fen <> 0)",
            name="sign",
        ),
        CheckConstraint("platform_fen + publisher_fen = amount_fen", name="funding"),
        UniqueConstraint("campaign_id", "idempotency_key"),
        Index("ix_ledger_entry_campaign_kind_day", "campaign_id", "kind", "day"),
        Index("ix_ledger_entry_enrolment", "enrolment_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="RESTRICT"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="RESTRICT"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    platform_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    publisher_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    day: Mapped[date] = mapped_column(Date)  # the Asia/Shanghai date, for spend over time
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    sale_id: Mapped[int | None] = mapped_column(ForeignKey("sale.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    actor: Mapped[User | None] = relationship()


class Sale(db.Model):
    """Copies of an enrolled title sold on one day through one channel, and their subsidy."""

    __tablename__ = "sale"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "sale_date", "channel"),
        Index("ix_sale_campaign_date", "campaign_id", "sale_date"),
        CheckConstraint(one_of("channel", Channel), name="channel"),
        CheckConstraint("units >= 0 AND revenue_fen >= 0 AND subsidy_fen >= 0", name="amounts"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="RESTRICT"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="RESTRICT"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    sale_date: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16), default=Channel.STORE.value)
    units: Mapped[int] = mapped_column(Integer)
    revenue_fen: Mapped[int] = mapped_column(BigInteger)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
