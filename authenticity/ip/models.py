"""Registered rights, the works they cover, their proof, and the principals agents act for."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.db import UTCDateTime, one_of, utcnow
from alliance.extensions import db
from alliance.files.models import StoredFile
from alliance.i18n import _l
from alliance.members.models import Organisation
from alliance.workflow import Workflow


class RightType(StrEnum):
    """What kind of intellectual property a right is."""

    COPYRIGHT = "copyright"
    EXCLUSIVE_LICENCE = "exclusive_licence"
    TRADEMARK = "trademark"
    PATENT = "patent"


RIGHT_TYPE_LABELS = {
    RightType.COPYRIGHT: _l("Copyright"),
    RightType.EXCLUSIVE_LICENCE: _l("Exclusive licence"),
    RightType.TRADEMARK: _l("Trademark"),
    RightType.PATENT: _l("Patent"),
}
# A trademark or a patent is known by its registration number; a copyright need not be.
REGISTERED_TYPES = {RightType.TRADEMARK, RightType.PATENT}


class RightStatus(StrEnum):
    """Where a registered right stands with the IP officers."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REVOKED = "revoked"


RIGHT_STATUS_LABELS = {
    RightStatus.PENDING: _l("Waiting for verification"),
    RightStatus.VERIFIED: _l("Verified"),
    RightStatus.REJECTED: _l("Rejected"),
    RightStatus.EXPIRED: _l("Expired"),
    RightStatus.REVOKED: _l("Revoked"),
}
# Verified once, a right serves every notice until its validity ends or an officer revokes it;
# a rejected right may be corrected and sent again.
RIGHT_WORKFLOW = Workflow(
    {
        RightStatus.PENDING: {RightStatus.VERIFIED, RightStatus.REJECTED},
        RightStatus.REJECTED: {RightStatus.PENDING},
        RightStatus.VERIFIED: {RightStatus.EXPIRED, RightStatus.REVOKED},
        RightStatus.EXPIRED: set(),
        RightStatus.REVOKED: set(),
    },
    RIGHT_STATUS_LABELS,
    _l("right"),
)

# The officers' library of reasons, shown in the reader's language; "other" is their own words.
DECISION_REASONS = {
    "proof_unreadable": _l("The proof documents cannot be read. Upload clear copies."),
    "proof_missing": _l("No document proves the right. Upload the certificate or contract."),
    "holder_mismatch": _l("The proof names another holder than the one registering the right."),
    "works_not_covered": _l("The proof does not cover the works listed. Correct the list."),
    "validity_mismatch": _l("The validity dates differ from those in the proof."),
    "registration_not_found": _l("The registration number was not found in the official register."),
    "power_of_attorney": _l(
        "The power of attorney is missing, expired or does not cover this right."
    ),
    "duplicate": _l("This right is already registered."),
    "right_ended": _l("The right has ended (assigned, invalidated or the licence terminated)."),
    "other": _l("Other reason (see the officer's words)"),
}
REASON_REQUIRED = {RightStatus.REJECTED, RightStatus.REVOKED}


class Principal(db.Model):
    """A rights holder an agency acts for, under a power of attorney valid for a window."""

    __tablename__ = "ip_principal"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(100))
    power_of_attorney_id: Mapped[int] = mapped_column(
        ForeignKey("stored_file.id", ondelete="RESTRICT")
    )
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agent: Mapped[Organisation] = relationship()
    power_of_attorney: Mapped[StoredFile] = relationship(lazy="joined")

    def display_name(self, language: str) -> str:
        """Return the English name in English when there is one, else the Chinese name."""
        return self.name_en if language == "en" and self.name_en else self.name

    def covers(self, on: date) -> bool:
        """Tell whether the power of attorney is in force on a day."""
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "agent_id": self.agent_id,
            "name": self.name,
            "name_en": self.name_en,
            "region": self.region,
            "power_of_attorney_id": self.power_of_attorney_id,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


class Right(db.Model):
    """A right registered by its holder (or an agent for a principal), verified once."""

    __tablename__ = "ip_right"
    __table_args__ = (
        CheckConstraint(one_of("right_type", RightType), name="right_type"),
        CheckConstraint(one_of("status", RightStatus), name="status"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    principal_id: Mapped[int | None] = mapped_column(
        ForeignKey("ip_principal.id", ondelete="RESTRICT"), index=True
    )
    right_type: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(300))
    registration_number: Mapped[str | None] = mapped_column(String(64))
    classes: Mapped[str | None] = mapped_column(String(200))
    territory: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RightStatus.PENDING.value)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason_code: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    principal: Mapped[Principal | None] = relationship(lazy="joined")
    works: Mapped[list["RightWork"]] = relationship(
        lazy="selectin", order_by="RightWork.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list["RightDocument"]] = relationship(
        lazy="selectin", order_by="RightDocument.file_id", cascade="all, delete-orphan"
    )

    def holder_name(self, language: str) -> str:
        """Return who holds the right: the principal an agency acts for, else the organisation."""
        if self.principal is not None:
            return self.principal.display_name(language)
        return self.organisation.display_name(language)

    @property
    def isbns(self) -> list[str]:
        """Return the ISBNs of the catalogue's works this right covers."""
        return [work.isbn for work in self.works if work.isbn]

    def covers(self, on: date) -> bool:
        """Tell whether the right is verified and valid on a day."""
        return (
            self.status == RightStatus.VERIFIED
            and self.valid_from <= on
            and (self.valid_until is None or on <= self.valid_until)
        )

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "organisation_id": self.organisation_id,
            "principal_id": self.principal_id,
            "right_type": self.right_type,
            "title": self.title,
            "registration_number": self.registration_number,
            "classes": self.classes,
            "territory": self.territory,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "works": [work.isbn or work.work_title for work in self.works],
            "documents": [document.file_id for document in self.documents],
            "status": self.status,
            "reason_code": self.reason_code,
            "reason": self.reason,
        }


class RightWork(db.Model):
    """A work a right covers: a catalogue title (by ISBN) or a work not in the catalogue."""

    __tablename__ = "ip_right_work"
    __table_args__ = (CheckConstraint("isbn IS NOT NULL OR work_title IS NOT NULL", name="named"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    right_id: Mapped[int] = mapped_column(ForeignKey("ip_right.id", ondelete="CASCADE"), index=True)
    title_id: Mapped[int | None] = mapped_column(
        ForeignKey("title.id", ondelete="RESTRICT"), index=True
    )
    isbn: Mapped[str | None] = mapped_column(String(13), index=True)
    work_title: Mapped[str | None] = mapped_column(String(300))


class RightDocument(db.Model):
    """A proof document of a right (a certificate, a contract, a registration)."""

    __tablename__ = "ip_right_document"

    right_id: Mapped[int] = mapped_column(
        ForeignKey("ip_right.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[int] = mapped_column(
        ForeignKey("stored_file.id", ondelete="RESTRICT"), primary_key=True
    )

    file: Mapped[StoredFile] = relationship(lazy="joined")
