"""Seller authorisations: a publisher's permissions for marketplace merchants."""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.catalogue.models import Title
from alliance.db import UTCDateTime, utcnow
from alliance.extensions import db
from alliance.members.models import Organisation


class SellerAuthorisation(db.Model):
    """A publisher's permission for a marketplace merchant to sell its titles for a time."""

    __tablename__ = "seller_authorisation"
    __table_args__ = (
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    merchant_name: Mapped[str] = mapped_column(String(200))
    merchant_uscc: Mapped[str | None] = mapped_column(String(18))
    all_titles: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(500))

    publisher: Mapped[Organisation] = relationship(lazy="joined")
    titles: Mapped[list[Title]] = relationship(
        secondary="authorised_title", lazy="selectin", order_by=Title.isbn
    )

    @property
    def isbns(self) -> list[str] | None:
        """Return the authorised ISBNs, or None when all the publisher's titles are."""
        return None if self.all_titles else [title.isbn for title in self.titles]

    def covers(self, on: date) -> bool:
        """Tell whether the authorisation is in force on a day."""
        return (
            self.revoked_at is None
            and self.valid_from <= on
            and (self.valid_until is None or on <= self.valid_until)
        )

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "publisher_id": self.publisher_id,
            "merchant_id": self.merchant_id,
            "merchant_name": self.merchant_name,
            "merchant_uscc": self.merchant_uscc,
            "isbns": self.isbns,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoke_reason": self.revoke_reason,
        }


class AuthorisedTitle(db.Model):
    """One title named by an authorisation that does not cover all the publisher's titles."""

    __tablename__ = "authorised_title"

    authorisation_id: Mapped[int] = mapped_column(
        ForeignKey("seller_authorisation.id", ondelete="CASCADE"), primary_key=True
    )
    title_id: Mapped[int] = mapped_column(
        ForeignKey("title.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
