"""Authorised sellers: a publisher's permissions for marketplace merchants, and the check."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from sqlalchemy import Select, and_, exists, or_, select
from stdnum.cn import uscc as stdnum_uscc

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.catalogue.models import Title
from alliance.dates import read_day
from alliance.db import utcnow
from alliance.errors import ConflictError, DomainError, FieldReader, FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.forms import FORBIDDEN_CHARACTERS
from alliance.i18n import DEFAULT_TIMEZONE, _l
from alliance.members.services import publisher_of
from authenticity.sellers.models import AuthorisedTitle, SellerAuthorisation

MERCHANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
ISBN_SEPARATORS = re.compile(r"[;；、,，\s]+")
MAX_ISBNS = 5000
MAX_REASON = 500
MERCHANT_ID_MESSAGE = _l(
    "Enter the merchant's id on the marketplace: letters, digits and - _ . : only."
)
NAME_MESSAGE = _l("Enter the merchant's name.")
USCC_MESSAGE = _l("This is not a valid unified social credit code (18 characters).")
WINDOW_MESSAGE = _l("The end date cannot be before the start date.")
TOO_MANY_ISBNS = _l("Name at most 5,000 ISBNs; leave the list empty for all your titles.")
CONTROL_MESSAGE = _l("Remove the invisible control characters from this text.")


@dataclass(frozen=True)
class AuthorisationInput:
    """The checked values of a new authorisation."""

    merchant_id: str
    merchant_name: str
    merchant_uscc: str | None
    isbns: tuple[str, ...] | None  # None: all the publisher's titles
    valid_from: date
    valid_until: date | None


def today() -> date:
    """Return today's date in China, where the alliance's days begin and end."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(DEFAULT_TIMEZONE)).date()


def parse_isbns(value) -> tuple[str, ...] | None:
    """Read a list of ISBNs (a list, or text separated by ; , or spaces); None when empty."""
    if value is None:
        return None
    items = value if isinstance(value, list | tuple) else ISBN_SEPARATORS.split(str(value))
    texts = [str(item).strip() for item in items if str(item).strip()]
    if not texts:
        return None
    if len(texts) > MAX_ISBNS:
        raise ValueError(TOO_MANY_ISBNS)
    isbns = []
    for text in texts:
        try:
            isbns.append(normalise_isbn(text))
        except IsbnError as error:
            message = _l("%(isbn)s: %(problem)s", isbn=text[:30], problem=error.message)
            raise ValueError(message) from None
    return tuple(sorted(set(isbns)))


def read_authorisation(values: dict) -> AuthorisationInput:
    """Check the values of an authorisation from a form, the API or a spreadsheet row."""
    fields = FieldReader(values)
    take, problems = fields.take, fields.problems

    merchant_id = take("merchant_id", _merchant_id)
    merchant_name = take("merchant_name", _merchant_name)
    uscc = take("merchant_uscc", _uscc)
    isbns = take("isbns", parse_isbns)
    valid_from = take("valid_from", partial(read_day, required=True))
    valid_until = take("valid_until", read_day)
    if valid_from and valid_until and valid_until < valid_from:
        problems["valid_until"] = WINDOW_MESSAGE
    if problems:
        raise FieldsInvalid(problems)
    return AuthorisationInput(merchant_id, merchant_name, uscc, isbns, valid_from, valid_until)


def _plain(value) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if FORBIDDEN_CHARACTERS.search(text):
        raise ValueError(CONTROL_MESSAGE)
    return text


def _merchant_id(value) -> str:
    text = _plain(value)
    if not MERCHANT_ID.fullmatch(text):
        raise ValueError(MERCHANT_ID_MESSAGE)
    return text


def _merchant_name(value) -> str:
    text = _plain(value)
    if not text or len(text) > 200:
        raise ValueError(NAME_MESSAGE)
    return text


def _uscc(value) -> str | None:
    text = _plain(value).upper()
    if not text:
        return None
    if not stdnum_uscc.is_valid(text):
        raise ValueError(USCC_MESSAGE)
    return stdnum_uscc.compact(text)


def titles_of(publisher_id: int, isbns: tuple[str, ...]) -> list[Title]:
    """Return the publisher's titles with these ISBNs; refuse ISBNs that are not its own."""
    found = {
        title.isbn: title
        for title in db.session.scalars(
            select(Title).where(Title.isbn.in_(isbns), Title.publisher_id == publisher_id)
        )
    }
    missing = [isbn for isbn in isbns if isbn not in found]
    if missing:
        raise FieldsInvalid(
            {
                "isbns": _l(
                    "These ISBNs are not among your titles: %(isbns)s",
                    isbns=", ".join(missing[:20]),
                )
            }
        )
    return [found[isbn] for isbn in isbns]


def create_authorisation(actor: User, values: AuthorisationInput) -> SellerAuthorisation:
    """Authorise a merchant to sell the actor's publisher's titles (all or some) for a window."""
    publisher = publisher_of(actor)
    titles = titles_of(publisher.id, values.isbns) if values.isbns else []
    authorisation = SellerAuthorisation(
        publisher=publisher,
        merchant_id=values.merchant_id,
        merchant_name=values.merchant_name,
        merchant_uscc=values.merchant_uscc,
        all_titles=values.isbns is None,
        valid_from=values.valid_from,
        valid_until=values.valid_until,
        titles=titles,
    )
    db.session.add(authorisation)
    db.session.flush()
    audit.record(actor, "authorisation.create", authorisation, None, authorisation.audit_state())
    return authorisation


def revoke_authorisation(actor: User, authorisation: SellerAuthorisation, reason: str) -> None:
    """End an authorisation now, with the reason; a revoked one cannot be revoked again."""
    publisher_of(actor)
    try:
        reason = _plain(reason)
    except ValueError as error:  # a DomainError, so that no caller answers with a 500
        raise DomainError(error.args[0]) from None
    if not reason:
        raise DomainError(_l("Give the reason for revoking."))
    if authorisation.revoked_at is not None:
        raise ConflictError(_l("This authorisation has already been revoked."))
    before = authorisation.audit_state()
    authorisation.revoked_at = utcnow()
    authorisation.revoke_reason = reason[:MAX_REASON]
    audit.record(actor, "authorisation.revoke", authorisation, before, authorisation.audit_state())


def own_authorisation(actor: User, authorisation_id: int) -> SellerAuthorisation:
    """Return one of the actor's publisher's authorisations; another's is 'not found'."""
    publisher = publisher_of(actor)
    authorisation = db.session.get(SellerAuthorisation, authorisation_id)
    if authorisation is None or authorisation.publisher_id != publisher.id:
        raise NotFoundError(_l("No such authorisation."))
    return authorisation


def authorisations_of(publisher_id: int, merchant: str | None = None) -> Select:
    """Select a publisher's authorisations, newest first, optionally for one merchant."""
    query = select(SellerAuthorisation).where(SellerAuthorisation.publisher_id == publisher_id)
    if merchant:
        query = query.where(SellerAuthorisation.merchant_id == merchant)
    return query.order_by(SellerAuthorisation.id.desc())


def in_force(on: date):
    """Return the SQL condition of an authorisation in force on a day."""
    return and_(
        SellerAuthorisation.revoked_at.is_(None),
        SellerAuthorisation.valid_from <= on,
        or_(SellerAuthorisation.valid_until.is_(None), SellerAuthorisation.valid_until >= on),
    )


@dataclass(frozen=True)
class CheckAnswer:
    """Whether a merchant may sell a title on a day, and the authorisation that says so."""

    allowed: bool
    title: Title | None
    authorisation: SellerAuthorisation | None


def check(merchant_id: str, isbn_text: str, on: date | None = None) -> CheckAnswer:
    """Tell whether a merchant may sell the title with this ISBN on a day (default today)."""
    on = on or today()
    try:
        isbn = normalise_isbn(isbn_text)
    except IsbnError:
        return CheckAnswer(False, None, None)
    title = db.session.scalar(select(Title).where(Title.isbn == isbn))
    if title is None:
        return CheckAnswer(False, None, None)
    names_title = exists().where(
        AuthorisedTitle.authorisation_id == SellerAuthorisation.id,
        AuthorisedTitle.title_id == title.id,
    )
    authorisation = db.session.scalar(
        select(SellerAuthorisation)
        .where(
            SellerAuthorisation.merchant_id == merchant_id,
            SellerAuthorisation.publisher_id == title.publisher_id,
            in_force(on),
            or_(SellerAuthorisation.all_titles.is_(True), names_title),
        )
        .order_by(SellerAuthorisation.valid_until.is_(None), SellerAuthorisation.id)
        .limit(1)
    )
    return CheckAnswer(authorisation is not None, title, authorisation)


def authorisation_for_batch(publisher_id: int, merchant_id: str, title: Title):
    """Return the authorisation in force today that lets `merchant_id` sell `title`."""
    answer = check(merchant_id, title.isbn)
    if not answer.allowed or answer.authorisation.publisher_id != publisher_id:
        raise DomainError(
            _l("Merchant %(merchant)s is not authorised to sell this title today.",
               merchant=merchant_id)
        )  # fmt: skip
    return answer.authorisation
