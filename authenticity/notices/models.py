"""Notices, the listings they name (each with its own status and timeline), and merchants."""

import re
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.db import UTCDateTime, one_of, utcnow
from alliance.extensions import db
from alliance.files.models import StoredFile
from alliance.i18n import _l
from alliance.members.models import Organisation
from alliance.workflow import Workflow
from authenticity.ip.models import Right

MAX_ITEMS = 300  # listings one notice may name
# The marketplace's listing and merchant ids: letters, digits and - _ . : (as sellers' ids).
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")


class Regime(StrEnum):
    """The law whose notice procedure the holder follows; it sets the statements and windows."""

    CN_ECOMMERCE = "cn_ecommerce"
    DMCA = "dmca"
    PLATFORM = "platform"


REGIME_LABELS = {
    Regime.CN_ECOMMERCE: _l("China E-commerce Law, article 42"),
    Regime.DMCA: _l("US DMCA, section 512(c)(3)"),
    Regime.PLATFORM: _l("The alliance's own procedure"),
}
# The statement each regime asks the holder to make, besides good faith and accuracy.
REGIME_STATEMENTS = {
    Regime.CN_ECOMMERCE: _l(
        "I understand that under article 42 of the E-commerce Law of the PRC, a notice that "
        "is wrong and causes loss to the merchant makes the sender liable, and a notice sent "
        "in bad faith doubles that liability."
    ),
    Regime.DMCA: _l(
        "Under penalty of perjury, I am the owner, or authorised to act on behalf of the owner, "
        "of an exclusive right that is allegedly infringed (17 U.S.C. 512(c)(3)(A)(vi))."
    ),
    Regime.PLATFORM: _l(
        "I accept the alliance's notice procedure and that the merchant sees this notice, its "
        "grounds and the contact I disclose."
    ),
}


class ReasonCode(StrEnum):
    """Why a listing infringes, as the holder says."""

    PIRATED_COPY = "pirated_copy"
    COUNTERFEIT_LABEL = "counterfeit_label"
    UNAUTHORISED_SALE = "unauthorised_sale"
    CONTENT_COPIED = "content_copied"
    TRADEMARK_MISUSE = "trademark_misuse"
    COVER_COPIED = "cover_copied"


REASON_LABELS = {
    ReasonCode.PIRATED_COPY: _l("Pirated copy"),
    ReasonCode.COUNTERFEIT_LABEL: _l("Counterfeit genuine-book label"),
    ReasonCode.UNAUTHORISED_SALE: _l("Sale not authorised"),
    ReasonCode.CONTENT_COPIED: _l("Content copied"),
    ReasonCode.TRADEMARK_MISUSE: _l("Trademark misused"),
    ReasonCode.COVER_COPIED: _l("Cover copied"),
}


class ItemStatus(StrEnum):
    """Where one listing of a notice stands."""

    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    CLARIFICATION_REQUESTED = "clarification_requested"
    REMOVED = "removed"
    REJECTED = "rejected"
    COUNTER_NOTICED = "counter_noticed"
    REINSTATED = "reinstated"
    UPHELD = "upheld"


ITEM_STATUS_LABELS = {
    ItemStatus.SUBMITTED: _l("Submitted"),
    ItemStatus.UNDER_REVIEW: _l("Under review"),
    ItemStatus.CLARIFICATION_REQUESTED: _l("Clarification requested"),
    ItemStatus.REMOVED: _l("Removed"),
    ItemStatus.REJECTED: _l("Rejected"),
    ItemStatus.COUNTER_NOTICED: _l("Counter-notice filed"),
    ItemStatus.REINSTATED: _l("Reinstated"),
    ItemStatus.UPHELD: _l("Removal upheld"),
}
ITEM_WORKFLOW = Workflow(
    {
        ItemStatus.SUBMITTED: {ItemStatus.UNDER_REVIEW, ItemStatus.CLARIFICATION_REQUESTED,
                               ItemStatus.REMOVED, ItemStatus.REJECTED},
        ItemStatus.UNDER_REVIEW: {ItemStatus.CLARIFICATION_REQUESTED, ItemStatus.REMOVED,
                                  ItemStatus.REJECTED},
        ItemStatus.CLARIFICATION_REQUESTED: {ItemStatus.UNDER_REVIEW},
        ItemStatus.REMOVED: {ItemStatus.COUNTER_NOTICED},
        ItemStatus.COUNTER_NOTICED: {ItemStatus.REINSTATED, ItemStatus.UPHELD},
        ItemStatus.REJECTED: set(),
        ItemStatus.REINSTATED: set(),
        ItemStatus.UPHELD: set(),
    },
    ITEM_STATUS_LABELS,
    _l("listing"),
)  # fmt: skip
ITEM_STATUS_COLOURS = {
    ItemStatus.SUBMITTED: "secondary",
    ItemStatus.UNDER_REVIEW: "info",
    ItemStatus.CLARIFICATION_REQUESTED: "warning",
    ItemStatus.REMOVED: "success",
    ItemStatus.REJECTED: "danger",
    ItemStatus.COUNTER_NOTICED: "warning",
    ItemStatus.REINSTATED: "dark",
    ItemStatus.UPHELD: "success",
}
# Who took a step of a listing's timeline, as its reader is told.
EVENT_BY_LABELS = {
    "holder": _l("the rights holder"),
    "officer": _l("an IP officer"),
    "merchant": _l("the merchant"),
    "system": _l("the platform"),
}
LISTING_FIELD_LABELS = {
    "listing_id": _l("listing id"),
    "merchant_id": _l("merchant id"),
    "isbn": _l("ISBN"),
    "url": _l("address"),
    "reason_code": _l("reason"),
    "description": _l("description"),
}
# The listings an officer has to decide; the queue's partial index holds only these. Queries
# must write this condition with literal values (not parameters) for SQLite to use the index.
WAITING = (ItemStatus.SUBMITTED, ItemStatus.UNDER_REVIEW)
WAITING_SQL = "status IN ('submitted', 'under_review')"
# A listing in one of these is still being dealt with: the same holder cannot name it again.
OPEN_STATUSES = (
    ItemStatus.SUBMITTED, ItemStatus.UNDER_REVIEW, ItemStatus.CLARIFICATION_REQUESTED,
    ItemStatus.REMOVED, ItemStatus.COUNTER_NOTICED,
)  # fmt: skip
# What an officer may decide on a listing that waits.
DECISIONS = (ItemStatus.REMOVED, ItemStatus.REJECTED, ItemStatus.CLARIFICATION_REQUESTED)

REJECTION_REASONS = {
    "not_covered": _l("The right named does not cover this listing's work."),
    "not_infringing": _l("The listing does not appear to infringe: it offers a genuine copy."),
    "evidence_insufficient": _l("The evidence does not show the infringement. Add a test buy "
                                "or an appraisal report."),
    "listing_not_found": _l("The listing was not found on the marketplace."),
    "authorised_seller": _l("The merchant is authorised to sell this title."),
    "other": _l("Other reason (see the officer's words)"),
}  # fmt: skip


class Merchant(db.Model):
    """A marketplace merchant id, and the merchant organisation it belongs to (if known)."""

    __tablename__ = "merchant"

    merchant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")  # shown with it

    @property
    def id(self) -> str:
        """Return the key the audit log names this merchant by: the marketplace's id."""
        return self.merchant_id


class Notice(db.Model):
    """A holder's notice of infringement on a verified right, naming 1 to 300 listings."""

    __tablename__ = "notice"
    __table_args__ = (CheckConstraint(one_of("regime", Regime), name="regime"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    right_id: Mapped[int] = mapped_column(
        ForeignKey("ip_right.id", ondelete="RESTRICT"), index=True
    )
    regime: Mapped[str] = mapped_column(String(16))
    good_faith: Mapped[bool] = mapped_column(Boolean)
    accurate: Mapped[bool] = mapped_column(Boolean)
    regime_statement: Mapped[bool] = mapped_column(Boolean)
    signature: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(300))  # disclosed to the merchants
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    right: Mapped[Right] = relationship(lazy="joined")
    items: Mapped[list["NoticeItem"]] = relationship(
        back_populates="notice", order_by="NoticeItem.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list["NoticeDocument"]] = relationship(
        primaryjoin="and_(NoticeDocument.notice_id == Notice.id, NoticeDocument.item_id.is_(None))",
        order_by="NoticeDocument.file_id",
        viewonly=True,
    )

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "organisation_id": self.organisation_id,
            "right_id": self.right_id,
            "regime": self.regime,
            "signature": self.signature,
            "contact": self.contact,
            "listings": [item.listing_id for item in self.items],
        }


class NoticeItem(db.Model):
    """One listing a notice names: its own status, reason and timeline."""

    __tablename__ = "notice_item"
    __table_args__ = (
        CheckConstraint(one_of("status", ItemStatus), name="status"),
        CheckConstraint(one_of("reason_code", ReasonCode), name="reason_code"),
        Index("ix_notice_item_status_submitted_at", "status", "submitted_at"),
        # The officers' queue, oldest first: only the listings waiting (a few of millions).
        Index(
            "ix_notice_item_waiting",
            "submitted_at",
            "id",
            sqlite_where=text(WAITING_SQL),  # PostgreSQL reads the status index as a bitmap
        ),
        Index("ix_notice_item_organisation_id_listing_id", "organisation_id", "listing_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )  # the holder's, copied from the notice for the "already named" check
    listing_id: Mapped[str] = mapped_column(String(64))
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    isbn: Mapped[str | None] = mapped_column(String(13))
    url: Mapped[str | None] = mapped_column(String(500))
    reason_code: Mapped[str] = mapped_column(String(24))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24), default=ItemStatus.SUBMITTED.value)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_code: Mapped[str | None] = mapped_column(String(32))
    decision_text: Mapped[str | None] = mapped_column(Text)

    notice: Mapped[Notice] = relationship(back_populates="items")
    events: Mapped[list["ItemEvent"]] = relationship(
        order_by="ItemEvent.id", cascade="all, delete-orphan"
    )
    counter_notice: Mapped["CounterNotice | None"] = relationship(back_populates="item")
    documents: Mapped[list["NoticeDocument"]] = relationship(order_by="NoticeDocument.file_id")

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "notice_id": self.notice_id,
            "listing_id": self.listing_id,
            "merchant_id": self.merchant_id,
            "status": self.status,
            "decision_code": self.decision_code,
            "decision_text": self.decision_text,
        }


class ItemEvent(db.Model):
    """A step in a listing's timeline, as the holder and the merchant read it."""

    __tablename__ = "notice_item_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("notice_item.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(24))
    by: Mapped[str] = mapped_column(String(16))  # holder, officer, merchant, system
    code: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HolderAction(StrEnum):
    """How a holder answers a counter-notice."""

    COMPLAINT_FILED = "complaint_filed"
    WITHDRAW = "withdraw"


class CounterNotice(db.Model):
    """A merchant's answer to a removal: why it was a mistake, who they are, signed."""

    __tablename__ = "counter_notice"
    __table_args__ = (
        CheckConstraint(
            "holder_action IS NULL OR " + one_of("holder_action", HolderAction),
            name="holder_action",
        ),
    )

    item_id: Mapped[int] = mapped_column(
        ForeignKey("notice_item.id", ondelete="CASCADE"), primary_key=True
    )
    merchant_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    statement: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(500))
    accept_jurisdiction: Mapped[bool] = mapped_column(Boolean)
    signature: Mapped[str] = mapped_column(String(100))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last day (in China) the holder may answer that it has gone to court or complained.
    holder_deadline: Mapped[date] = mapped_column(Date, index=True)
    holder_action: Mapped[str | None] = mapped_column(String(16))
    holder_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[NoticeItem] = relationship(back_populates="counter_notice")

    @property
    def id(self) -> int:
        """Return the key the audit log names a counter-notice by: its listing's."""
        return self.item_id

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "item_id": self.item_id,
            "statement": self.statement,
            "contact": self.contact,
            "accept_jurisdiction": self.accept_jurisdiction,
            "signature": self.signature,
            "holder_deadline": self.holder_deadline.isoformat(),
            "holder_action": self.holder_action,
        }


class NoticeDocument(db.Model):
    """A file of a notice's paperwork: the holder's evidence, a merchant's, a court filing."""

    __tablename__ = "notice_document"

    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_file.id", ondelete="RESTRICT"), primary_key=True
    )
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("notice_item.id", ondelete="CASCADE"), index=True
    )
    party: Mapped[str] = mapped_column(String(16))  # holder or merchant

    file: Mapped[StoredFile] = relationship(lazy="joined")
