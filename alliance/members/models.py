"""Member organisations: publishers, bookstores, charities, platforms, agencies, merchants."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from alliance.db import UTCDateTime, one_of, utcnow
from alliance.extensions import db
from alliance.i18n import _l
from alliance.workflow import Workflow


class OrganisationKind(StrEnum):
    """What kind of member an organisation is."""

    PUBLISHER = "publisher"
    BOOKSTORE = "bookstore"
    CHARITY = "charity"
    PLATFORM = "platform"
    RIGHTS_AGENCY = "rights_agency"
    MERCHANT = "merchant"
    RIGHTS_HOLDER = "rights_holder"


KIND_LABELS = {
    OrganisationKind.PUBLISHER: _l("Publisher"),
    OrganisationKind.BOOKSTORE: _l("Online bookstore"),
    OrganisationKind.CHARITY: _l("Charity"),
    OrganisationKind.PLATFORM: _l("Platform"),
    OrganisationKind.RIGHTS_AGENCY: _l("Rights agency"),
    OrganisationKind.MERCHANT: _l("Marketplace merchant"),
    OrganisationKind.RIGHTS_HOLDER: _l("Rights holder"),
}


class MemberStatus(StrEnum):
    """Where an organisation stands with the alliance."""

    APPLIED = "applied"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


STATUS_LABELS = {
    MemberStatus.APPLIED: _l("Application pending"),
    MemberStatus.ACTIVE: _l("Active member"),
    MemberStatus.REJECTED: _l("Application rejected"),
    MemberStatus.SUSPENDED: _l("Suspended"),
}
MEMBER_WORKFLOW = Workflow(
    {
        MemberStatus.APPLIED: {MemberStatus.ACTIVE, MemberStatus.REJECTED},
        MemberStatus.ACTIVE: {MemberStatus.SUSPENDED},
        MemberStatus.SUSPENDED: {MemberStatus.ACTIVE},
        MemberStatus.REJECTED: set(),
    },
    STATUS_LABELS,
    _l("organisation"),
)


class Organisation(db.Model):
    """A member organisation (or an applicant); users belong to at most one."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(one_of("kind", OrganisationKind), name="kind"),
        CheckConstraint(one_of("status", MemberStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE.value, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def display_name(self, language: str) -> str:
        """Return the English name in English when there is one, else the Chinese name."""
        return self.name_en if language == "en" and self.name_en else self.name

    def display_description(self, language: str) -> str | None:
        """Return the description in the language, falling back to the other one."""
        if language == "en" and self.description_en:
            return self.description_en
        return self.description or self.description_en

    @property
    def website_url(self) -> str | None:
        """Return the website only when it is a plain http(s) address (never javascript:)."""
        website = (self.website or "").strip()
        return website if website.lower().startswith(("https://", "http://")) else None

    @property
    def is_active_member(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "name": self.name,
            "name_en": self.name_en,
            "kind": self.kind,
            "uscc": self.uscc,
            "status": self.status,
            "status_reason": self.status_reason,
            "contact_name": self.contact_name,
            "contact_email": self.contact_email,
            "contact_phone": self.contact_phone,
            "website": self.website,
            "description": self.description,
            "description_en": self.description_en,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }
