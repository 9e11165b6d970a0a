"""Users and the roles they hold."""

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.auth.roles import Role
from alliance.db import UTCDateTime, one_of, utcnow
from alliance.extensions import db
from alliance.members.models import Organisation


def new_secret() -> str:
    """Return a fresh random token for a session or a link."""
    return secrets.token_urlsafe(24)


def secret_hash(secret: str) -> bytes:
    """Return the SHA-256 stored in place of a random secret (it needs no slow hash)."""
    return hashlib.sha256(secret.encode("utf-8")).digest()


class User(UserMixin, db.Model):
    """A person who logs in with an email address or a mainland mobile number."""

    __tablename__ = "user"
    __table_args__ = (CheckConstraint("email IS NOT NULL OR mobile IS NOT NULL", name="has_login"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
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

    # The credential of the login session this user object was loaded for, or just started.
    session_credential = None  # str, set on the loaded object; not a column

    def get_id(self) -> str:
        # Flask-Login keeps this in the cookie: the login session's id and secret, not the user's.
        if not self.session_credential:
            raise RuntimeError("start a login session (auth.sessions.start) before logging in")
        return self.session_credential

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


class LoginSession(db.Model):
    """One device's log-in: its cookie names this row, so logging out deletes it on the server."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class OneTimeCode(db.Model):
    """A short code sent to an email address or mobile number, to prove it is the sender's."""

    __tablename__ = "one_time_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    login: Mapped[str] = mapped_column(String(320), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
