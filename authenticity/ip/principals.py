"""The principals a rights agency acts for, each under an uploaded power of attorney."""

from functools import partial

from sqlalchemy import Select, select

from alliance import audit
from alliance.auth.models import User
from alliance.dates import read_day
from alliance.errors import FieldReader, FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.files.services import FileRefused, Upload, file_use, save_file
from alliance.i18n import _l
from authenticity.ip.models import Principal
from authenticity.ip.services import (
    NotAFiler,
    filer_of,
    is_agency,
    is_officer,
    read_text,
    sender_or_officer,
)

POWER_OF_ATTORNEY_USE = "ip_power_of_attorney"


def read_principal(values: dict) -> dict:
    """Check a principal's values; report every problem at once."""
    fields = FieldReader(values)
    take, problems = fields.take, fields.problems

    checked = {
        "name": take(
            "name",
            partial(
                read_text,
                limit=200,
                required=True,
                message=_l("Enter the principal's registered name."),
            ),
        ),
        "name_en": take("name_en", partial(read_text, limit=200)),
        "region": take(
            "region",
            partial(
                read_text,
                limit=100,
                required=True,
                message=_l("Say where the principal is registered."),
            ),
        ),
        "valid_from": take("valid_from", partial(read_day, required=True)),
        "valid_until": take("valid_until", read_day),
    }
    if (
        checked["valid_from"]
        and checked["valid_until"]
        and checked["valid_until"] < checked["valid_from"]
    ):
        problems["valid_until"] = _l("The end date cannot be before the start date.")
    if problems:
        raise FieldsInvalid(problems)
    return checked


def add_principal(actor: User, values: dict, power_of_attorney: Upload | None) -> Principal:
    """Record a principal the actor's agency acts for, with its power of attorney."""
    agency = filer_of(actor)
    if not is_agency(agency):
        raise NotAFiler(_l("Only a rights agency acts for principals."))
    if power_of_attorney is None:
        raise FieldsInvalid(_l("Upload the power of attorney."), field="power_of_attorney")
    try:
        stored = save_file(
            actor, POWER_OF_ATTORNEY_USE, power_of_attorney.filename, power_of_attorney.data
        )
    except FileRefused as refused:
        raise FieldsInvalid(refused.message, field="power_of_attorney") from None
    principal = Principal(agent_id=agency.id, power_of_attorney_id=stored.id, **values)
    db.session.add(principal)
    db.session.flush()
    audit.record(actor, "ip_principal.add", principal, None, principal.audit_state())
    return principal


def principals_of(organisation_id: int) -> Select:
    """Select an agency's principals by name."""
    return select(Principal).where(Principal.agent_id == organisation_id).order_by(Principal.name)


def own_principal(user: User, principal_id: int) -> Principal:
    """Return a principal of the user's agency (any for an officer); others are not found."""
    principal = db.session.get(Principal, principal_id)
    if principal is None or not (is_officer(user) or principal.agent_id == user.organisation_id):
        raise NotFoundError(_l("No such principal."))
    return principal


file_use(POWER_OF_ATTORNEY_USE, {"pdf", "png", "jpeg"}, max_megabytes=10)(sender_or_officer)
