"""The rights registry: who may register rights, registering and correcting them, the decisions."""

import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import partial

from sqlalchemy import Select, func, select, update

from alliance import audit
from alliance.auth.models import User, UserRole
from alliance.auth.roles import Role
from alliance.catalogue.models import Title
from alliance.cleaning import TextRefused, clean_text
from alliance.dates import read_day
from alliance.db import utcnow
from alliance.errors import ConflictError, DomainError, FieldReader, FieldsInvalid, NotFoundError
from alliance.extensions import db
from alliance.files.services import FileRefused, Upload, file_use, save_file
from alliance.i18n import _l, local_today
from alliance.members.models import MemberStatus, Organisation, OrganisationKind
from alliance.members.services import users_of
from alliance.notifications.services import notify
from authenticity.ip.models import (
    DECISION_REASONS,
    REASON_REQUIRED,
    REGISTERED_TYPES,
    RIGHT_WORKFLOW,
    Principal,
    Right,
    RightDocument,
    RightStatus,
    RightType,
    RightWork,
)
from authenticity.sellers.services import parse_isbns

HOLDER_KINDS = {OrganisationKind.PUBLISHER, OrganisationKind.RIGHTS_HOLDER}
AGENT_KINDS = {OrganisationKind.RIGHTS_AGENCY}
FILER_ROLES = (Role.RIGHTS_HOLDER, Role.PUBLISHER)
PROOF_USE = "ip_proof"
MAX_DOCUMENTS = 20
MAX_WORK_TITLES = 500
MAX_REASON = 2000
NAME_MESSAGE = _l("Name the right: the work, the series or the mark.")
TERRITORY_MESSAGE = _l("Say where the right applies.")
REGISTRATION_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./- ")


class NotAFiler(DomainError):
    """The user does not act for a rights holder or an agency that may register rights."""

    status = 403
    problem = "forbidden"


@dataclass(frozen=True)
class RightInput:
    """The checked values of a right, from a form or the API."""

    right_type: str
    title: str
    registration_number: str | None
    classes: str | None
    territory: str
    valid_from: date
    valid_until: date | None
    isbns: tuple[str, ...]
    work_titles: tuple[str, ...]


# --- who may register -----------------------------------------------------------------------


def filer_of(user: User) -> Organisation:
    """Return the active holder or agency the user registers rights for, or refuse."""
    organisation = user.organisation
    if (
        not user.has_role(*FILER_ROLES)
        or organisation is None
        or organisation.kind not in HOLDER_KINDS | AGENT_KINDS
        or (
            user.has_role(Role.PUBLISHER)
            and not user.has_role(Role.RIGHTS_HOLDER)
            and organisation.kind != OrganisationKind.PUBLISHER
        )
    ):
        raise NotAFiler(
            _l(
                "Rights are registered by staff of a rights holder, a publisher or a rights "
                "agency. Apply for membership for your organisation first."
            )
        )
    if organisation.status != MemberStatus.ACTIVE:
        raise NotAFiler(
            _l("Your organisation's membership is not active, so it cannot register rights yet.")
        )
    return organisation


def is_agency(organisation: Organisation) -> bool:
    """Tell whether the organisation acts for principals rather than holding rights itself."""
    return organisation.kind in AGENT_KINDS


def is_officer(user: User) -> bool:
    """Tell whether the user decides on rights (an IP officer)."""
    return user.has_role(Role.IP_OFFICER)


# --- reading values -------------------------------------------------------------------------


def read_text(value, limit: int, *, required=False, message=None, multiline=False) -> str | None:
    try:
        text = clean_text(str(value or ""), max_length=limit, multiline=multiline)
    except TextRefused as refused:
        raise ValueError(refused.message) from None
    text = unicodedata.normalize("NFC", text)
    if required and not text:
        raise ValueError(message or _l("This field is required."))
    return text or None


def _registration_number(value) -> str | None:
    text = read_text(value, 64)
    if text and not set(text) <= REGISTRATION_CHARACTERS:
        raise ValueError(_l("Use letters, digits and . / - only, as on the certificate."))
    return text


def _work_titles(value) -> tuple[str, ...]:
    lines = value if isinstance(value, list | tuple) else str(value or "").splitlines()
    titles = []
    for line in lines:
        text = read_text(line, 300)
        if text and text not in titles:
            titles.append(text)
    if len(titles) > MAX_WORK_TITLES:
        raise ValueError(_l("Name at most 500 works not in the catalogue."))
    return tuple(titles)


def _right_type(value) -> str:
    if value not in {kind.value for kind in RightType}:
        raise ValueError(_l("Choose the kind of right."))
    return value


def read_right(values: dict) -> RightInput:
    """Check the values of a right; report every problem at once."""
    fields = FieldReader(values)
    take, problems = fields.take, fields.problems

    right_type = take("right_type", _right_type)
    title = take("title", partial(read_text, limit=300, required=True, message=NAME_MESSAGE))
    registration = take("registration_number", _registration_number)
    classes = take("classes", partial(read_text, limit=200))
    territory = take(
        "territory", partial(read_text, limit=100, required=True, message=TERRITORY_MESSAGE)
    )
    valid_from = take("valid_from", partial(read_day, required=True))
    valid_until = take("valid_until", read_day)
    isbns = take("isbns", parse_isbns) or ()
    work_titles = take("work_titles", _work_titles) or ()
    if valid_from and valid_until and valid_until < valid_from:
        problems["valid_until"] = _l("The end date cannot be before the start date.")
    if isbns and (missing := _not_in_catalogue(isbns)):
        problems["isbns"] = missing
    unregistered = right_type in REGISTERED_TYPES and not registration
    if unregistered and "registration_number" not in problems:
        problems["registration_number"] = _l(
            "A trademark or a patent needs its registration number."
        )
    if (
        right_type in (RightType.COPYRIGHT, RightType.EXCLUSIVE_LICENCE)
        and not isbns
        and not work_titles
        and not {"isbns", "work_titles"} & problems.keys()
    ):
        problems["isbns"] = _l(
            "Name the works this right covers: ISBNs from the catalogue, or titles of works "
            "not in it."
        )
    if problems:
        raise FieldsInvalid(problems)
    return RightInput(
        right_type,
        title,
        registration,
        classes,
        territory,
        valid_from,
        valid_until,
        tuple(isbns),
        work_titles,
    )


def _not_in_catalogue(isbns) -> object | None:
    """Return the message naming the ISBNs the catalogue does not hold, or None."""
    found = set(db.session.scalars(select(Title.isbn).where(Title.isbn.in_(isbns))))
    missing = [isbn for isbn in isbns if isbn not in found]
    if not missing:
        return None
    shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
    return _l("Not in the catalogue: %(isbns)s. List such works by title instead.", isbns=shown)


def _principal_for(organisation: Organisation, principal_id) -> Principal | None:
    """Return the principal an agency names; a holder names none."""
    if not is_agency(organisation):
        if principal_id:
            raise FieldsInvalid(
                _l("Only a rights agency registers rights for a principal."), field="principal_id"
            )
        return None
    principal = db.session.get(Principal, principal_id) if principal_id else None
    if principal is None or principal.agent_id != organisation.id:
        raise FieldsInvalid(
            _l("Choose the principal you register this right for."), field="principal_id"
        )
    return principal


def _save_proofs(actor: User, uploads: list[Upload], already: int = 0) -> list[RightDocument]:
    """Check and keep proof documents; name the file that is refused."""
    if already + len(uploads) > MAX_DOCUMENTS:
        raise FieldsInvalid(
            _l("A right holds at most %(n)s proof documents.", n=MAX_DOCUMENTS), field="documents"
        )
    documents = []
    for upload in uploads:
        try:
            stored = save_file(actor, PROOF_USE, upload.filename, upload.data)
        except FileRefused as refused:
            raise FieldsInvalid(
                _l("%(file)s: %(problem)s", file=upload.filename[:100], problem=refused.message),
                field="documents",
            ) from None
        documents.append(RightDocument(file_id=stored.id, file=stored))
    return documents


def _set_works(right: Right, values: RightInput) -> None:
    title_ids = dict(
        db.session.execute(select(Title.isbn, Title.id).where(Title.isbn.in_(values.isbns))).all()
    )
    right.works = [RightWork(title_id=title_ids[isbn], isbn=isbn) for isbn in values.isbns] + [
        RightWork(work_title=title) for title in values.work_titles
    ]


def _set_values(right: Right, values: RightInput) -> None:
    right.right_type = values.right_type
    right.title = values.title
    right.registration_number = values.registration_number
    right.classes = values.classes
    right.territory = values.territory
    right.valid_from = values.valid_from
    right.valid_until = values.valid_until
    _set_works(right, values)


# --- registering and correcting -------------------------------------------------------------


def register_right(
    actor: User, values: RightInput, uploads: list[Upload] = (), principal_id=None
) -> Right:
    """Register a right for verification (its proof now, or added before it is decided)."""
    organisation = filer_of(actor)
    principal = _principal_for(organisation, principal_id)
    right = Right(
        organisation_id=organisation.id,
        organisation=organisation,
        principal_id=principal.id if principal else None,
        principal=principal,
        status=RightStatus.PENDING.value,
    )
    _set_values(right, values)
    right.documents = _save_proofs(actor, list(uploads))
    db.session.add(right)
    db.session.flush()
    audit.record(actor, "ip_right.register", right, None, right.audit_state())
    _tell_officers(right)
    return right


def correct_right(
    actor: User,
    right: Right,
    values: RightInput,
    uploads: list[Upload] = (),
    removed_file_ids: set[int] = frozenset(),
) -> Right:
    """Correct a right that waits for verification or was rejected; a rejected one goes back."""
    filer_owning(actor, right.organisation_id)
    if right.status not in (RightStatus.PENDING, RightStatus.REJECTED):
        raise ConflictError(
            _l("A verified, expired or revoked right cannot be changed. Register a new one.")
        )
    before = right.audit_state()
    _set_values(right, values)
    kept = [document for document in right.documents if document.file_id not in removed_file_ids]
    right.documents = kept + _save_proofs(actor, list(uploads), already=len(kept))
    if right.status == RightStatus.REJECTED:
        RIGHT_WORKFLOW.move(right, RightStatus.PENDING)
        right.submitted_at = utcnow()
        right.reason_code = right.reason = None
        right.decided_at = right.decided_by_id = None
        _tell_officers(right)
    db.session.flush()
    audit.record(actor, "ip_right.correct", right, before, right.audit_state())
    return right


def add_documents(actor: User, right: Right, uploads: list[Upload]) -> list[RightDocument]:
    """Add proof documents to a right that waits for verification or was rejected."""
    filer_owning(actor, right.organisation_id)
    if right.status not in (RightStatus.PENDING, RightStatus.REJECTED):
        raise ConflictError(_l("Proof can only be added before the right is verified."))
    before = right.audit_state()
    added = _save_proofs(actor, uploads, already=len(right.documents))
    right.documents = [*right.documents, *added]
    db.session.flush()
    audit.record(actor, "ip_right.add_documents", right, before, right.audit_state())
    return added


# --- deciding -------------------------------------------------------------------------------


def read_reason(reason_code, reason) -> tuple[str | None, str | None]:
    """Check a decision's reason: a code from the library and/or the officer's own words."""
    code = (reason_code or "").strip() or None
    problems = {}
    if code is not None and code not in DECISION_REASONS:
        problems["reason_code"] = _l("Choose a reason from the list.")
    try:
        text = read_text(reason, MAX_REASON, multiline=True)
    except ValueError as error:
        problems["reason"] = error.args[0]
        text = None
    if code == "other" and not text and "reason" not in problems:
        problems["reason"] = _l("Write the reason in your own words.")
    if problems:
        raise FieldsInvalid(problems)
    return code, text


def decide_right(officer: User, right: Right, decision: str, reason_code=None, reason=None):
    """Verify, reject or revoke a right, with the reason the holder is shown."""
    if decision not in (RightStatus.VERIFIED, RightStatus.REJECTED, RightStatus.REVOKED):
        raise FieldsInvalid(_l("Choose verify, reject or revoke."), field="decision")
    code, text = read_reason(reason_code, reason)
    if decision in REASON_REQUIRED and not (code or text):
        raise FieldsInvalid(_l("Give the reason the holder will read."), field="reason_code")
    if decision == RightStatus.VERIFIED and not right.documents:
        raise ConflictError(_l("A right without proof documents cannot be verified."))
    current = right.status
    RIGHT_WORKFLOW.check(current, decision)
    before = right.audit_state()
    now = utcnow()
    changed = db.session.execute(
        update(Right)
        .where(Right.id == right.id, Right.status == current)
        .values(
            status=decision, decided_at=now, decided_by_id=officer.id, reason_code=code, reason=text
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise ConflictError(_l("Someone else has just decided on this right. Reload the page."))
    db.session.refresh(right)
    audit.record(officer, f"ip_right.{_ACTIONS[decision]}", right, before, right.audit_state())
    _tell_holder(right, "ip.right_decided")
    return right


_ACTIONS = {
    RightStatus.VERIFIED: "verify",
    RightStatus.REJECTED: "reject",
    RightStatus.REVOKED: "revoke",
    RightStatus.EXPIRED: "expire",
}


def expire_rights(today: date | None = None) -> int:
    """Move the verified rights whose validity ended before today (China) to expired."""
    today = today or local_today()
    ended = db.session.scalars(
        select(Right).where(Right.status == RightStatus.VERIFIED, Right.valid_until < today)
    ).all()
    for right in ended:
        before = right.audit_state()
        RIGHT_WORKFLOW.move(right, RightStatus.EXPIRED)
        right.decided_at = utcnow()
        right.decided_by_id = None
        db.session.flush()
        audit.record(None, "ip_right.expire", right, before, right.audit_state())
        _tell_holder(right, "ip.right_expired")
    return len(ended)


def holders_of(organisation_id: int) -> list[User]:
    """Return the active users who act for an organisation's rights (told of each decision)."""
    return [
        user
        for user in users_of([organisation_id]).get(organisation_id, [])
        if user.active and user.has_role(*FILER_ROLES)
    ]


def filer_owning(actor: User, organisation_id: int) -> Organisation:
    """Return the actor's organisation if it is the one named; another's object is not found."""
    organisation = filer_of(actor)
    if organisation.id != organisation_id:
        raise NotFoundError(_l("No such right."))
    return organisation


def _tell_holder(right: Right, kind: str) -> None:
    notify(
        holders_of(right.organisation_id),
        kind,
        right_id=right.id,
        title=right.title,
        status=right.status,
        reason_code=right.reason_code,
        reason=right.reason,
    )


def _tell_officers(right: Right) -> None:
    notify(officers(), "ip.right_submitted", right_id=right.id, title=right.title)


def officers() -> list[User]:
    """Return the active IP officers."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.IP_OFFICER.value, User.active.is_(True))
        ).unique()
    )


# --- reading --------------------------------------------------------------------------------


def own_right(user: User, right_id: int) -> Right:
    """Return a right the user may see: their organisation's, or any for an officer."""
    right = db.session.get(Right, right_id)
    if right is None or not (is_officer(user) or right.organisation_id == user.organisation_id):
        raise NotFoundError(_l("No such right."))
    return right


def rights_of(organisation_id: int, status: str | None = None) -> Select:
    """Select an organisation's rights, newest first, optionally in one status."""
    query = select(Right).where(Right.organisation_id == organisation_id)
    if status:
        query = query.where(Right.status == status)
    return query.order_by(Right.id.desc())


def rights_visible_to(user: User, status: str | None = None) -> Select:
    """Select the rights a user may see: an officer every right, others their organisation's."""
    if is_officer(user):
        query = select(Right).order_by(Right.id.desc())
        return query.where(Right.status == status) if status else query
    return rights_of(filer_of(user).id, status)


def review_queue(right_type: str | None = None) -> Select:
    """Select the rights waiting for verification, the longest-waiting first."""
    query = select(Right).where(Right.status == RightStatus.PENDING)
    if right_type:
        query = query.where(Right.right_type == right_type)
    return query.order_by(Right.submitted_at, Right.id)


def waiting_count() -> tuple[int, object]:
    """Return how many rights wait for verification, and since when the oldest has."""
    return db.session.execute(
        select(func.count(Right.id), func.min(Right.submitted_at)).where(
            Right.status == RightStatus.PENDING
        )
    ).one()


def verified_rights(organisation_id: int, on: date | None = None) -> list[Right]:
    """Return an organisation's rights verified and valid on a day (for filing notices)."""
    on = on or local_today()
    return [
        right
        for right in db.session.scalars(
            rights_of(organisation_id, RightStatus.VERIFIED).order_by(None).order_by(Right.title)
        )
        if right.covers(on)
    ]


def sender_or_officer(user: User, stored) -> bool:
    """Tell whether a user may read IP paperwork: the organisation that sent it, or an officer."""
    return is_officer(user) or (
        stored.organisation_id is not None and stored.organisation_id == user.organisation_id
    )


file_use(PROOF_USE, {"pdf", "png", "jpeg"}, max_megabytes=10)(sender_or_officer)
