"""Catalogue rules: who may change a title, saving, status changes, search."""

from sqlalchemy import Select, or_, select

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.catalogue.models import (
    TITLE_WORKFLOW,
    Contributor,
    ContributorRole,
    Title,
    search_key,
)
from alliance.catalogue.rules import TitleInput
from alliance.errors import ConflictError, DomainError, NotFoundError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.models import Organisation, OrganisationKind
from alliance.members.services import publisher_of
from alliance.money import yuan_text

HIGHEST_CODE_POINT = chr(0x10FFFF)
ROLES_IN_ORDER = [role.value for role in ContributorRole]


def own_title(user: User, isbn_text: str) -> Title:
    """Return the user's publisher's title with this ISBN; another's is 'not found'."""
    organisation = publisher_of(user)
    try:
        isbn = normalise_isbn(isbn_text)
    except IsbnError:
        raise NotFoundError(_l("No title has this ISBN.")) from None
    title = db.session.scalar(
        select(Title).where(Title.isbn == isbn, Title.publisher_id == organisation.id)
    )
    if title is None:
        raise NotFoundError(_l("No title has this ISBN."))
    return title


def find_title(isbn_text: str) -> Title:
    """Return the title with this ISBN (any spelling), whoever publishes it; else not found."""
    try:
        isbn = normalise_isbn(isbn_text)
    except IsbnError:
        raise NotFoundError(_l("No title has this ISBN.")) from None
    title = db.session.scalar(select(Title).where(Title.isbn == isbn))
    if title is None:
        raise NotFoundError(_l("No title has this ISBN."))
    return title


def apply_input(title: Title, values: TitleInput) -> None:
    """Copy checked values onto a title, contributors in their order."""
    for name in (
        "title", "subtitle", "format", "language", "clc_class", "thema_code",
        "publication_date", "list_price_fen", "page_count", "description",
    ):  # fmt: skip
        setattr(title, name, getattr(values, name))
    title.title_key = search_key(values.title)
    wanted = [(name, role) for name, role in values.contributors]
    current = [(c.name, c.role) for c in title.contributors]
    if wanted != current:
        title.contributors.clear()
        db.session.flush()
        title.contributors.extend(
            Contributor(name=name, name_key=search_key(name), role=role, position=position)
            for position, (name, role) in enumerate(wanted, start=1)
        )


def create_title(actor: User, values: TitleInput) -> Title:
    """Add a title to the actor's publisher; an ISBN is catalogued once."""
    organisation = publisher_of(actor)
    if db.session.scalar(select(Title.id).where(Title.isbn == values.isbn)) is not None:
        raise ConflictError(_l("A title with this ISBN is already in the catalogue."))
    title = Title(isbn=values.isbn, publisher=organisation, status=values.status)
    apply_input(title, values)
    db.session.add(title)
    db.session.flush()
    audit.record(actor, "title.create", title, None, title.audit_state())
    return title


def update_title(actor: User, title: Title, values: TitleInput) -> bool:
    """Change a title's values (not its ISBN or publisher); return whether anything changed."""
    publisher_of(actor)
    if values.isbn != title.isbn:
        raise DomainError(_l("The ISBN of a title cannot change; add a new title instead."))
    before = title.audit_state()
    apply_input(title, values)
    if values.status != title.status:
        TITLE_WORKFLOW.move(title, values.status)
    db.session.flush()
    after = title.audit_state()
    if after == before:
        return False
    audit.record(actor, "title.update", title, before, after)
    return True


def change_status(actor: User, title: Title, status: str) -> None:
    """Move a title to another status if the transition is allowed."""
    publisher_of(actor)
    before = title.audit_state()
    TITLE_WORKFLOW.move(title, status)
    audit.record(actor, f"title.{status}", title, before, title.audit_state())


def search(q: str | None, publisher_id: int | None = None, status: str | None = None) -> Select:
    """Select titles by ISBN, or by title or contributor prefix, optionally by publisher."""
    query = select(Title)
    if q:
        try:
            query = query.where(Title.isbn == normalise_isbn(q))
        except IsbnError:
            key = search_key(q)
            upper = key + HIGHEST_CODE_POINT
            by_contributor = (
                select(Contributor.title_id)
                .where(Contributor.name_key >= key, Contributor.name_key < upper)
                .scalar_subquery()
            )
            query = query.where(
                or_(
                    Title.title_key.between(key, upper),
                    Title.id.in_(by_contributor),
                )
            )
    if publisher_id:
        query = query.where(Title.publisher_id == publisher_id)
    if status:
        query = query.where(Title.status == status)
    return query.order_by(Title.title_key, Title.id)


def publishers() -> list[Organisation]:
    """Return every publisher organisation, by name (for the catalogue's publisher filter)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.PUBLISHER.value)
            .order_by(Organisation.name)
        )
    )


def export_rows(query: Select, batch: int):
    """Yield export rows of the titles `query` selects, reading keyset pages as it goes."""
    ordered = query.order_by(None).order_by(Title.id)
    last_id = 0
    while True:
        titles = db.session.scalars(ordered.where(Title.id > last_id).limit(batch)).all()
        for title in titles:
            names: dict[str, list[str]] = {}
            for contributor in title.contributors:
                names.setdefault(contributor.role, []).append(contributor.name)
            yield [
                title.isbn, title.title, title.subtitle,
                *("; ".join(names.get(role, [])) for role in ROLES_IN_ORDER),
                title.publisher.name, title.format, title.language, title.clc_class,
                title.thema_code, str(title.publication_date or ""),
                yuan_text(title.list_price_fen), title.page_count, title.status,
            ]  # fmt: skip
        if len(titles) < batch:
            return
        last_id = titles[-1].id


def api_values(title: Title) -> dict:
    """Return a title's values in the API's terms, to merge a partial change into."""
    return {
        "isbn": title.isbn,
        "title": title.title,
        "subtitle": title.subtitle,
        "contributors": [{"name": c.name, "role": c.role} for c in title.contributors],
        "format": title.format,
        "language": title.language,
        "clc_class": title.clc_class,
        "thema_code": title.thema_code,
        "publication_date": title.publication_date,
        "list_price_fen": title.list_price_fen,
        "page_count": title.page_count,
        "description": title.description,
        "status": title.status,
    }
