"""Marketplace merchants: which merchant ids belong to which merchant organisation."""

from sqlalchemy import Select, select

from alliance import audit
from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.errors import DomainError, FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.models import MemberStatus, Organisation, OrganisationKind
from authenticity.ip.services import read_text
from authenticity.notices.models import IDENTIFIER, Merchant, NoticeItem

MERCHANT_KINDS = {OrganisationKind.MERCHANT, OrganisationKind.BOOKSTORE}


class NotAMerchant(DomainError):
    """The user does not act for a merchant organisation linked to marketplace merchant ids."""

    status = 403
    problem = "forbidden"


def set_merchant(actor: User, merchant_id: str, name, organisation_id) -> Merchant:
    """Record (or change) who a marketplace merchant id is: its name and its organisation.

    Only an IP officer or the marketplace's systems do this, never the merchant itself.
    """
    problems = {}
    if not isinstance(merchant_id, str) or not IDENTIFIER.fullmatch(merchant_id):
        problems["merchant_id"] = _l(
            "Enter the merchant's id on the marketplace: letters, digits and - _ . : only."
        )
    try:
        shown = read_text(name, 200, required=True, message=_l("Enter the merchant's name."))
    except ValueError as error:
        problems["name"] = error.args[0]
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation_id and (organisation is None or organisation.kind not in MERCHANT_KINDS):
        problems["organisation_id"] = _l("Choose a merchant or bookstore member organisation.")
    if problems:
        raise FieldsInvalid(problems)
    merchant = db.session.get(Merchant, merchant_id)
    before = None
    if merchant is None:
        merchant = Merchant(merchant_id=merchant_id)
        db.session.add(merchant)
    else:
        before = {"name": merchant.name, "organisation_id": merchant.organisation_id}
    merchant.name = shown
    merchant.organisation_id = organisation.id if organisation else None
    db.session.flush()
    after = {"name": merchant.name, "organisation_id": merchant.organisation_id}
    audit.record(actor, "merchant.set", merchant, before, after)
    return merchant


def acting_merchant(user: User) -> Organisation:
    """Return the active merchant organisation the user works for, or refuse."""
    organisation = user.organisation
    if (
        not user.has_role(Role.MERCHANT)
        or organisation is None
        or organisation.kind not in MERCHANT_KINDS
        or organisation.status != MemberStatus.ACTIVE
    ):
        raise NotAMerchant(_l("Only staff of a merchant organisation see notices against it."))
    return organisation


def merchant_ids_of(organisation_id: int) -> list[str]:
    """Return the marketplace merchant ids linked to an organisation."""
    return list(
        db.session.scalars(
            select(Merchant.merchant_id)
            .where(Merchant.organisation_id == organisation_id)
            .order_by(Merchant.merchant_id)
        )
    )


def items_against(organisation_id: int, status: str | None = None) -> Select:
    """Select the listings of every notice naming the organisation's merchant ids."""
    query = select(NoticeItem).where(
        NoticeItem.merchant_id.in_(
            select(Merchant.merchant_id).where(Merchant.organisation_id == organisation_id)
        )
    )
    if status:
        query = query.where(NoticeItem.status == status)
    return query.order_by(NoticeItem.id.desc())


def own_listing(user: User, item_id: int) -> NoticeItem:
    """Return a listing named in a notice that is against the user's merchant organisation."""
    organisation = acting_merchant(user)
    item = db.session.get(NoticeItem, item_id)
    if item is None or item.merchant_id not in merchant_ids_of(organisation.id):
        raise NotFoundError(_l("No such listing in any notice."))
    return item


def merchants() -> Select:
    """Select every known merchant id, by id."""
    return select(Merchant).order_by(Merchant.merchant_id)


def merchant_organisations() -> list[Organisation]:
    """Return the member organisations a merchant id may be linked to, by name."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_([kind.value for kind in MERCHANT_KINDS]))
            .order_by(Organisation.name)
        )
    )
