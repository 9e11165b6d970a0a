"""Titles (one per ISBN and format) and their contributors, ONIX-like."""

import unicodedata
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.db import UTCDateTime, equals_one_of, utcnow
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.models import Organisation
from alliance.workflow import Workflow


class TitleFormat(StrEnum):
    """The product form of a title."""

    PAPERBACK = "paperback"
    HARDBACK = "hardback"
    EBOOK = "ebook"
    AUDIOBOOK = "audiobook"


class TitleStatus(StrEnum):
    """Whether a title is on sale."""

    FORTHCOMING = "forthcoming"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class ContributorRole(StrEnum):
    """What a contributor did."""

    AUTHOR = "author"
    EDITOR = "editor"
    TRANSLATOR = "translator"
    ILLUSTRATOR = "illustrator"


FORMAT_LABELS = {
    TitleFormat.PAPERBACK: _l("Paperback"),
    TitleFormat.HARDBACK: _l("Hardback"),
    TitleFormat.EBOOK: _l("E-book"),
    TitleFormat.AUDIOBOOK: _l("Audiobook"),
}
STATUS_LABELS = {
    TitleStatus.FORTHCOMING: _l("Forthcoming"),
    TitleStatus.ACTIVE: _l("On sale"),
    TitleStatus.WITHDRAWN: _l("Withdrawn"),
}
# Withdrawing is reversible, publishing is one-way.
TITLE_WORKFLOW = Workflow(
    {
        TitleStatus.FORTHCOMING: {TitleStatus.ACTIVE, TitleStatus.WITHDRAWN},
        TitleStatus.ACTIVE: {TitleStatus.WITHDRAWN},
        TitleStatus.WITHDRAWN: {TitleStatus.ACTIVE},
    },
    STATUS_LABELS,
    _l("title"),
)
ROLE_LABELS = {
    ContributorRole.AUTHOR: _l("Author"),
    ContributorRole.EDITOR: _l("Editor"),
    ContributorRole.TRANSLATOR: _l("Translator"),
    ContributorRole.ILLUSTRATOR: _l("Illustrator"),
}


def search_key(text: str) -> str:
    """Fold text for prefix search: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().split())[
        :SEARCH_KEY_LENGTH
    ]


SEARCH_KEY_LENGTH = 300


def search_keys(texts: list[str]) -> list[str]:
    """Return [search_key(text) for text in texts], folding all the texts at once.

    NFKC and case folding act on each character and its combining marks, which a NUL (a
    character without compositions) keeps apart: so the texts are folded joined by NULs.
    """
    try:
        joined = "\x00".join(texts)
    except TypeError:  # a None among them
        return [search_key(text) for text in texts]
    if joined.count("\x00") != len(texts) - 1:
        return [search_key(text) for text in texts]
    if not unicodedata.is_normalized("NFKC", joined):
        joined = unicodedata.normalize("NFKC", joined)
    joined = joined.casefold()
    # Spaces that search_key's split and join would change: none, most of the time.
    if " \x00" in joined or "\x00 " in joined or " ".join(joined.split()) != joined:
        return [search_key(text) for text in texts]
    keys = joined.split("\x00") if texts else []
    if max(map(len, keys), default=0) > SEARCH_KEY_LENGTH:
        return [key[:SEARCH_KEY_LENGTH] for key in keys]
    return keys


# Prefix search runs as a range on these keys; PostgreSQL must compare them bytewise ("C").
SearchKey = String(300).with_variant(String(300, collation="C"), "postgresql")


class Title(db.Model):
    """A book in one format, identified by its ISBN-13."""

    __tablename__ = "title"
    __table_args__ = (
        CheckConstraint(equals_one_of("format", TitleFormat), name="format"),
        CheckConstraint(equals_one_of("status", TitleStatus), name="status"),
        CheckConstraint("list_price_fen IS NULL OR list_price_fen >= 0", name="price"),
        CheckConstraint("page_count IS NULL OR page_count > 0", name="pages"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_key: Mapped[str] = mapped_column(SearchKey, index=True)
    subtitle: Mapped[str | None] = mapped_column(String(300))
    publisher_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    format: Mapped[str] = mapped_column(String(16), default=TitleFormat.PAPERBACK.value)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    clc_class: Mapped[str | None] = mapped_column(String(32), index=True)
    thema_code: Mapped[str | None] = mapped_column(String(16))
    publication_date: Mapped[date | None] = mapped_column(Date)
    list_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    page_count: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=TitleStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    publisher: Mapped[Organisation] = relationship(lazy="joined")
    contributors: Mapped[list["Contributor"]] = relationship(
        back_populates="title",
        cascade="all, delete-orphan",
        order_by="Contributor.position",
        lazy="selectin",
    )

    @property
    def authors(self) -> str:
        """Return the contributors as one line, in order."""
        return ", ".join(contributor.name for contributor in self.contributors)

    def audit_state(self) -> dict:
        """Return the fields recorded in the audit log."""
        return {
            "isbn": self.isbn,
            "title": self.title,
            "subtitle": self.subtitle,
            "publisher_id": self.publisher_id,
            "format": self.format,
            "language": self.language,
            "clc_class": self.clc_class,
            "thema_code": self.thema_code,
            "publication_date": str(self.publication_date or "") or None,
            "list_price_fen": self.list_price_fen,
            "page_count": self.page_count,
            "status": self.status,
            "contributors": [f"{c.role}:{c.name}" for c in self.contributors],
        }


class Contributor(db.Model):
    """A person credited on a title, with their role and place in the credits."""

    __tablename__ = "contributor"
    __table_args__ = (CheckConstraint(equals_one_of("role", ContributorRole), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("title.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(SearchKey, index=True)
    role: Mapped[str] = mapped_column(String(16), default=ContributorRole.AUTHOR.value)
    position: Mapped[int] = mapped_column(Integer, default=1)

    title: Mapped[Title] = relationship(back_populates="contributors")
