"""Users and the roles they hold."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.auth.roles import Role
from alliance.db import UTCDateTime, one_of, utcnow
from alliance.extensions import db
from alliance.members.models import Organisation


def new_session_token() -> str:
    """Return a fresh random token; changing it logs the user out everywhere."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A person who logs in with an email address or a mainland mobile number."""

    __tablename__ = "user"
    __table_args__ = (CheckConstraint("email IS NOT NULL OR mobile IS NOT NULL", name="has_login"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    role_grants: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def login(self) -> str:
        """Return the identifier the user logs in with."""
        return self.email or self.mobile or ""

    @property
    def roles(self) -> set[str]:
        """Return the names of the roles the user holds."""
        return {grant.role for grant in self.role_grants}

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: str) -> bool:
        """Tell whether the user holds any of `roles`."""
        return not self.roles.isdisjoint(roles)

    def get_id(self) -> str:
        # The session carries the token too, so rotating it ends every session.
        return f"{self.id}:{self.session_token}"

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log (never the password hash)."""
        return {
            "email": self.email,
            "mobile": self.mobile,
            "display_name": self.display_name,
            "active": self.active,
            "organisation_id": self.organisation_id,
            "roles": sorted(self.roles),
            "locale": self.locale,
            "timezone": self.timezone,
        }


class UserRole(db.Model):
    """A role granted to a user."""

    __tablename__ = "user_role"
    __table_args__ = (CheckConstraint(one_of("role", Role), name="role"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_grants")
