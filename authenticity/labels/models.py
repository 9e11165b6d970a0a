"""Label batches, labels (keyed hashes only), the daily quota, readers' reports of sellers."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.catalogue.models import Title
from alliance.db import UTCDateTime, one_of, utcnow
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.models import Organisation
from alliance.workflow import Workflow
from authenticity.sellers.models import SellerAuthorisation

BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class BatchStatus(StrEnum):
    """Where a batch stands: being written, codes downloadable, printed (hashes only), revoked."""

    WRITING = "writing"
    OPEN = "open"
    SEALED = "sealed"
    REVOKED = "revoked"


class RevokeCategory(StrEnum):
    """Why labels were revoked, as readers are told (the free-text reason stays private)."""

    LOST = "lost"
    MISPRINTED = "misprinted"
    RECALLED = "recalled"
    COUNTERFEIT = "counterfeit"
    OTHER = "other"


BATCH_STATUS_LABELS = {
    BatchStatus.WRITING: _l("Being written"),
    BatchStatus.OPEN: _l("Awaiting print"),
    BatchStatus.SEALED: _l("Printed and sealed"),
    BatchStatus.REVOKED: _l("Revoked"),
}
# A batch is written, then awaits print, then is sealed; it may be revoked at any point.
LABEL_BATCH_WORKFLOW = Workflow(
    {
        BatchStatus.WRITING: {BatchStatus.OPEN, BatchStatus.REVOKED},
        BatchStatus.OPEN: {BatchStatus.SEALED, BatchStatus.REVOKED},
        BatchStatus.SEALED: {BatchStatus.REVOKED},
        BatchStatus.REVOKED: set(),
    },
    BATCH_STATUS_LABELS,
    _l("label batch"),
)
REVOKE_CATEGORY_LABELS = {
    RevokeCategory.LOST: _l("Labels lost or stolen"),
    RevokeCategory.MISPRINTED: _l("Printing error"),
    RevokeCategory.RECALLED: _l("Copies recalled by the publisher"),
    RevokeCategory.COUNTERFEIT: _l("Found on counterfeit copies"),
    RevokeCategory.OTHER: _l("Other reason"),
}


class LabelBatch(db.Model):
    """Labels ordered for one title and one seller (or the publisher's own store)."""

    __tablename__ = "label_batch"
    __table_args__ = (
        CheckConstraint(one_of("status", BatchStatus), name="status"),
        CheckConstraint("quantity BETWEEN 1 AND 1000000", name="quantity"),
        CheckConstraint(
            "revoke_category IS NULL OR " + one_of("revoke_category", RevokeCategory),
            name="revoke_category",
        ),
        CheckConstraint("written BETWEEN 0 AND quantity", name="written"),
        # Only a batch being written (or revoked meanwhile) may lack labels: never a half one.
        CheckConstraint("status IN ('writing', 'revoked') OR written = quantity", name="complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    title_id: Mapped[int] = mapped_column(ForeignKey("title.id", ondelete="RESTRICT"), index=True)
    authorisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("seller_authorisation.id", ondelete="RESTRICT"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(
        String(16), default=BatchStatus.WRITING.value, server_default=BatchStatus.OPEN.value
    )
    written: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the writing last moved on: long ago while still being written means it stopped.
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_category: Mapped[str | None] = mapped_column(String(16))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    # The secret the codes are derived from, encrypted with a key kept out of the database;
    # deleted once printing is confirmed (or the batch is revoked): then no code exists.
    code_secret: Mapped[bytes | None] = mapped_column(LargeBinary(200))
    # When its codes (CSV) or a sheet were first served, by page or API: sealing a batch that
    # was never downloaded loses every label, so the publisher must confirm that too.
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    publisher: Mapped[Organisation] = relationship(lazy="joined")
    title: Mapped[Title] = relationship(lazy="joined")
    authorisation: Mapped[SellerAuthorisation | None] = relationship(lazy="joined")

    @property
    def seller_name(self) -> str:
        """Return who sells these copies: the authorised merchant, else the publisher."""
        if self.authorisation is not None:
            return self.authorisation.merchant_name
        return self.publisher.name

    @property
    def codes_available(self) -> bool:
        return self.status == BatchStatus.OPEN

    @property
    def being_written(self) -> bool:
        return self.status == BatchStatus.WRITING

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log (never a code)."""
        return {
            "publisher_id": self.publisher_id,
            "title_id": self.title_id,
            "authorisation_id": self.authorisation_id,
            "quantity": self.quantity,
            "status": self.status,
            "written": self.written,
            "revoke_category": self.revoke_category,
            "revoke_reason": self.revoke_reason,
        }


class Label(db.Model):
    """One genuine-book label: only the keyed hash of its code, and how often it was checked."""

    __tablename__ = "label"
    __table_args__ = (
        UniqueConstraint("batch_id", "serial"),
        CheckConstraint("checks >= 0", name="checks"),
        CheckConstraint(
            "revoke_category IS NULL OR " + one_of("revoke_category", RevokeCategory),
            name="revoke_category",
        ),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("label_batch.id", ondelete="RESTRICT"))
    serial: Mapped[int] = mapped_column(Integer)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_category: Mapped[str | None] = mapped_column(String(16))
    checks: Mapped[int] = mapped_column(Integer, server_default="0")
    network_bits: Mapped[int] = mapped_column(Integer, server_default="0")
    # Readers: checks from distinct networks and days (one network on one day counts once),
    # counted from the networks seen on the latest day (bits, as network_bits).
    readings: Mapped[int] = mapped_column(Integer, server_default="0")
    reading_day: Mapped[int | None] = mapped_column(Integer)  # date.toordinal() in Shanghai
    reading_day_bits: Mapped[int] = mapped_column(Integer, server_default="0")
    first_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    batch: Mapped[LabelBatch] = relationship()


class LabelQuotaDay(db.Model):
    """The labels a publisher ordered on one day (Asia/Shanghai), against LABEL_DAILY_QUOTA."""

    __tablename__ = "label_quota_day"
    __table_args__ = (CheckConstraint("ordered >= 0", name="ordered"),)

    publisher_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    ordered: Mapped[int] = mapped_column(BigInteger)


class LabelReport(db.Model):
    """A reader's report of a seller of a label that may have been copied, for IP officers."""

    __tablename__ = "label_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The label reported (found by its code's keyed hash: the code itself is never stored).
    label_id: Mapped[int] = mapped_column(
        BIG_ID, ForeignKey("label.id", ondelete="RESTRICT"), index=True
    )
    place: Mapped[str] = mapped_column(String(500))  # shop, merchant or listing address
    contact: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    label: Mapped[Label] = relationship(lazy="joined")
