"""Member rules: applications, the membership state machine, profiles, and the directory."""

from collections.abc import Mapping

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from alliance import audit
from alliance.auth.models import User, UserRole
from alliance.auth.roles import Role
from alliance.db import utcnow
from alliance.errors import (
    ConflictError,
    DomainError,
    FieldConflict,
    FieldsInvalid,
    NotFoundError,
)
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.models import (
    MEMBER_WORKFLOW,
    MemberStatus,
    Organisation,
    OrganisationKind,
)
from alliance.members.values import (
    PROFILE_FIELDS,
    clean_text,
    normalise_uscc,
    profile_values,
)


class NotAPublisher(DomainError):
    """The user does not act for an active publisher."""

    status = 403
    problem = "forbidden"


def acting_publisher(user: User) -> Organisation | None:
    """Return the active publisher the user manages titles for, or None."""
    organisation = user.organisation
    if (
        not user.has_role(Role.PUBLISHER)
        or organisation is None
        or organisation.kind != OrganisationKind.PUBLISHER
        or organisation.status != MemberStatus.ACTIVE
    ):
        return None
    return organisation


def publisher_of(user: User) -> Organisation:
    """Return the active publisher the user manages titles for, or refuse."""
    organisation = acting_publisher(user)
    if organisation is None:
        raise NotAPublisher(_l("Only staff of an active member publisher can manage titles."))
    return organisation


class MembershipNotAllowed(DomainError):
    """The user may not make this change."""

    status = 403
    problem = "forbidden"


APPLICANT_KINDS = (
    OrganisationKind.PUBLISHER,
    OrganisationKind.BOOKSTORE,
    OrganisationKind.CHARITY,
    OrganisationKind.RIGHTS_HOLDER,
    OrganisationKind.RIGHTS_AGENCY,
)

# What an applicant's users may do once their organisation is approved.
ROLE_FOR_KIND = {
    OrganisationKind.PUBLISHER: Role.PUBLISHER,
    OrganisationKind.CHARITY: Role.CHARITY_COORDINATOR,
    OrganisationKind.BOOKSTORE: Role.MERCHANT,
    OrganisationKind.RIGHTS_HOLDER: Role.RIGHTS_HOLDER,
    OrganisationKind.RIGHTS_AGENCY: Role.RIGHTS_HOLDER,
}

# (from, to) -> (audit action, what the administrator's button says)
DECISIONS = {
    (MemberStatus.APPLIED, MemberStatus.ACTIVE): ("organisation.approve", _l("Approve")),
    (MemberStatus.APPLIED, MemberStatus.REJECTED): ("organisation.reject", _l("Reject")),
    (MemberStatus.ACTIVE, MemberStatus.SUSPENDED): ("organisation.suspend", _l("Suspend")),
    (MemberStatus.SUSPENDED, MemberStatus.ACTIVE): ("organisation.reinstate", _l("Reinstate")),
}
REASON_REQUIRED = {MemberStatus.REJECTED, MemberStatus.SUSPENDED}


def _check_unique(name: str | None, name_en: str | None, uscc: str | None, *, other_than=None):
    def taken(*conditions) -> bool:
        query = select(Organisation.id).where(*conditions)
        if other_than is not None:
            query = query.where(Organisation.id != other_than.id)
        return db.session.scalar(query.limit(1)) is not None

    if name and taken(func.lower(Organisation.name) == name.lower()):
        raise FieldConflict(
            _l(
                "An organisation named %(name)s already exists. If you work there, ask an "
                "administrator to link your account to it.",
                name=name,
            ),
            field="name",
        )
    if name_en and taken(func.lower(Organisation.name_en) == name_en.lower()):
        raise FieldConflict(
            _l("An organisation with the English name %(name)s already exists.", name=name_en),
            field="name_en",
        )
    if uscc and taken(Organisation.uscc == uscc):
        raise FieldConflict(
            _l(
                "The unified social credit code %(code)s is already registered to another "
                "organisation.",
                code=uscc,
            ),
            field="uscc",
        )


def _flush_unique() -> None:
    # A concurrent application may take the name or code between the check and the insert.
    try:
        db.session.flush()
    except IntegrityError:
        raise ConflictError(
            _l("Another organisation with this name or code was just registered. Try again.")
        ) from None


# --- who may see and change -----------------------------------------------------------------


def is_insider(user, organisation: Organisation) -> bool:
    """Tell whether `user` manages `organisation`: one of its users, or an administrator."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.organisation_id == organisation.id or user.has_role(Role.ADMIN))
    )


def shown_organisation(user, organisation_id: int) -> Organisation:
    """Return an organisation whose profile `user` may see: an active member, or their own."""
    organisation = db.session.get(Organisation, organisation_id)
    shown = organisation is not None and (
        organisation.is_active_member or is_insider(user, organisation)
    )
    if not shown:
        raise NotFoundError(_l("No such organisation."))
    return organisation


def managed_organisation(user, organisation_id: int) -> Organisation:
    """Return an organisation `user` manages (theirs; any for an administrator); else not found."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not is_insider(user, organisation):
        raise NotFoundError(_l("No such organisation."))
    return organisation


# --- applications and decisions -------------------------------------------------------------


def apply_for_membership(user: User, values: Mapping) -> Organisation:
    """Apply for a new member organisation; the user joins it and follows the decision."""
    if user.organisation_id is not None:
        raise ConflictError(
            _l("Your account already belongs to an organisation; it cannot apply for another.")
        )
    kind = values.get("kind")
    if kind not in {k.value for k in APPLICANT_KINDS}:
        raise FieldsInvalid(
            _l(
                "Publishers, online bookstores, charities, rights holders and rights agencies "
                "can apply to join."
            ),
            field="kind",
        )
    name = clean_text(values.get("name"), "name", required=True)
    profile = profile_values(values)
    _check_unique(name, profile["name_en"], profile["uscc"])
    organisation = Organisation(name=name, kind=kind, status=MemberStatus.APPLIED.value, **profile)
    db.session.add(organisation)
    _flush_unique()
    audit.record(user, "organisation.apply", organisation, None, organisation.audit_state())
    before = user.audit_state()
    user.organisation = organisation
    user.organisation_id = organisation.id
    audit.record(user, "user.update", user, before, user.audit_state())
    return organisation


def create_organisation(actor: User | None, kind: str, values: Mapping) -> Organisation:
    """Add an active member organisation directly (an operator at the command line)."""
    if kind not in {k.value for k in OrganisationKind}:
        raise FieldsInvalid(_l("Choose one of the kinds of member."), field="kind")
    name = clean_text(values.get("name"), "name", required=True)
    name_en = clean_text(values.get("name_en"), "name_en")
    uscc = normalise_uscc(values.get("uscc"))
    _check_unique(name, name_en, uscc)
    organisation = Organisation(
        name=name,
        name_en=name_en,
        uscc=uscc,
        kind=kind,
        status=MemberStatus.ACTIVE.value,
        decided_at=utcnow(),
    )
    db.session.add(organisation)
    _flush_unique()
    audit.record(actor, "organisation.create", organisation, None, organisation.audit_state())
    return organisation


def decisions_for(organisation: Organisation) -> list[tuple[str, str]]:
    """Return (new status, button label) for each decision an administrator may take now."""
    current = MemberStatus(organisation.status)
    targets = sorted(MEMBER_WORKFLOW.allowed(current))
    return [(target, DECISIONS[(current, MemberStatus(target))][1]) for target in targets]


def decide(actor: User, organisation: Organisation, new_status: str, reason: str | None) -> None:
    """Move an organisation along its workflow (admins only); approval grants its users a role."""
    if not actor.has_role(Role.ADMIN):
        raise MembershipNotAllowed(_l("Only administrators decide on memberships."))
    try:
        target = MemberStatus(new_status)
    except ValueError:
        raise FieldsInvalid(_l("Choose a decision."), field="decision") from None
    current = MemberStatus(organisation.status)
    MEMBER_WORKFLOW.check(current, target)
    reason = clean_text(reason, "reason")
    if target in REASON_REQUIRED and not reason:
        raise FieldsInvalid(
            _l("Give a reason: the organisation's users will see it."), field="reason"
        )
    action = DECISIONS[(current, target)][0]
    before = organisation.audit_state()
    changes = {"status": target.value, "status_reason": reason}
    if current == MemberStatus.APPLIED:
        changes["decided_at"] = utcnow()
    # Conditional on the status just read, so that two administrators deciding at once
    # cannot both apply a transition: the second finds the row changed.
    result = db.session.execute(
        update(Organisation)
        .where(Organisation.id == organisation.id, Organisation.status == current.value)
        .values(**changes)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise ConflictError(
            _l(
                "Someone else has just decided on %(name)s. Reload the page.",
                name=organisation.name,
            )
        )
    audit.record(actor, action, organisation, before, organisation.audit_state())
    if action == "organisation.approve":
        _grant_kind_role(actor, organisation)


def _grant_kind_role(actor: User, organisation: Organisation) -> None:
    role = ROLE_FOR_KIND.get(OrganisationKind(organisation.kind))
    if role is None:
        return
    for user in users_of([organisation.id]).get(organisation.id, []):
        if user.has_role(role):
            continue
        before = user.audit_state()
        user.role_grants.append(UserRole(role=role.value))
        audit.record(actor, "user.update", user, before, user.audit_state())


def update_profile(actor: User, organisation: Organisation, values: Mapping) -> None:
    """Change an organisation's contacts, English name, descriptions, website and code."""
    unknown = set(values) - PROFILE_FIELDS
    if unknown:
        # The name, kind and status are not the organisation's to change.
        raise ValueError(f"not profile fields: {', '.join(sorted(unknown))}")
    if not is_insider(actor, organisation):
        raise NotFoundError(_l("This organisation does not exist."))
    profile = profile_values(values)
    _check_unique(None, profile["name_en"], profile["uscc"], other_than=organisation)
    before = organisation.audit_state()
    for field, value in profile.items():
        setattr(organisation, field, value)
    _flush_unique()
    after = organisation.audit_state()
    if after != before:
        audit.record(actor, "organisation.update", organisation, before, after)


# --- lists ----------------------------------------------------------------------------------


def users_of(organisation_ids: list[int]) -> dict[int, list[User]]:
    """Return the users of each organisation, in one query."""
    if not organisation_ids:
        return {}
    found: dict[int, list[User]] = {}
    query = (
        select(User)
        .where(User.organisation_id.in_(organisation_ids))
        .order_by(User.created_at, User.id)
    )
    for user in db.session.scalars(query):
        found.setdefault(user.organisation_id, []).append(user)
    return found


def applications(status: str | None, q: str | None = None) -> Select:
    """Select organisations with `status` (any when None) named like `q`, oldest first."""
    query = select(Organisation)
    if status:
        query = query.where(Organisation.status == status)
    if q:
        query = query.where(_named_like(q))
    return query.order_by(Organisation.created_at, Organisation.id)


def waiting_applications() -> int:
    """Count the applications waiting for a decision."""
    return db.session.scalar(
        select(func.count(Organisation.id)).where(Organisation.status == MemberStatus.APPLIED.value)
    )


def _named_like(q: str):
    return or_(
        Organisation.name.icontains(q, autoescape=True),
        Organisation.name_en.icontains(q, autoescape=True),
    )


def directory(q: str | None, kind: str | None) -> Select:
    """Select active members whose Chinese or English name contains `q`, of `kind`."""
    query = select(Organisation).where(Organisation.status == MemberStatus.ACTIVE.value)
    if q:
        query = query.where(_named_like(q))
    if kind:
        query = query.where(Organisation.kind == kind)
    return query.order_by(Organisation.name)
