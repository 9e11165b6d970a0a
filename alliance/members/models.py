"""Member organisations: publishers, bookstores, charities, platforms, agencies, merchants."""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from alliance.db import UTCDateTime, utcnow
from alliance.extensions import db


class OrganisationKind(StrEnum):
    """What kind of member an organisation is."""

    PUBLISHER = "publisher"
    BOOKSTORE = "bookstore"
    CHARITY = "charity"
    PLATFORM = "platform"
    RIGHTS_AGENCY = "rights_agency"
    MERCHANT = "merchant"


KIND_LABELS = {
    OrganisationKind.PUBLISHER: _l("Publisher"),
    OrganisationKind.BOOKSTORE: _l("Online bookstore"),
    OrganisationKind.CHARITY: _l("Charity"),
    OrganisationKind.PLATFORM: _l("Platform"),
    OrganisationKind.RIGHTS_AGENCY: _l("Rights agency"),
    OrganisationKind.MERCHANT: _l("Marketplace merchant"),
}


class Organisation(db.Model):
    """A member organisation; users belong to at most one."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('publisher', 'bookstore', 'charity', 'platform', 'rights_agency', "
            "'merchant')",
            name="kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def display_name(self, language: str) -> str:
        """Return the English name in English when there is one, else the Chinese name."""
        return self.name_en if language == "en" and self.name_en else self.name
