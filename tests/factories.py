"""Objects for tests, made through the services as users make them: no state is set directly.

An organisation in any membership state got there by applying and being decided on; the
fixtures in conftest.py (`make_org`, `make_user`) call these.
"""

from datetime import timedelta
from itertools import count

from sqlalchemy import select

from alliance.auth.models import User, UserRole
from alliance.auth.roles import Role
from alliance.extensions import db
from alliance.members import services as members
from alliance.members.models import MemberStatus, Organisation

_numbers = count(1)
FACTORY_ADMIN = "factory-admin@example.org"
FACTORY_STAFF = "factory-staff@example.org"


def user(*roles, password_hash: str, email=None, mobile=None, organisation=None, active=True,
         name=None) -> User:  # fmt: skip
    """Add a user with roles and a ready-made password hash (hashing each one is slow)."""
    number = next(_numbers)
    if email is None and mobile is None:
        email = f"user{number}@example.org"
    account = User(
        email=email,
        mobile=mobile,
        display_name=name or f"User {number}",
        password_hash=password_hash,
        organisation=organisation,
        active=active,
        role_grants=[UserRole(role=Role(role).value) for role in roles],
    )
    db.session.add(account)
    db.session.flush()
    return account


def organisation(name=None, kind="publisher", name_en=None, status=MemberStatus.ACTIVE,
                 *, password_hash: str = "") -> Organisation:  # fmt: skip
    """Add an organisation that reached `status` the way members do: created, or applied for
    and decided on by an administrator."""
    number = next(_numbers)
    values = {"name": name or f"测试出版社{number}", "name_en": name_en or f"Test Press {number}"}
    status = MemberStatus(status)
    if status == MemberStatus.ACTIVE:
        made = members.create_organisation(None, kind, values)
    elif status == MemberStatus.SUSPENDED:
        made = members.create_organisation(None, kind, values)
        members.decide(_admin(password_hash), made, status, "suspended by a test")
    else:
        applicant = user(password_hash=password_hash)
        contact = {"contact_name": "联系人", "contact_email": f"contact{number}@example.org"}
        made = members.apply_for_membership(applicant, {**values, **contact, "kind": kind})
        if status == MemberStatus.REJECTED:
            members.decide(_admin(password_hash), made, status, "rejected by a test")
    db.session.flush()
    return made


def _admin(password_hash: str) -> User:
    found = db.session.scalar(select(User).where(User.email == FACTORY_ADMIN))
    return found or user(Role.ADMIN, password_hash=password_hash, email=FACTORY_ADMIN)


def campaign(staff: User | None = None, status="enrolment_open", **values):
    """Add a campaign that reached `status` the way staff move one: created as a draft, then
    moved along its workflow (enrolment open from yesterday unless told otherwise)."""
    from alliance.i18n import local_today
    from campaigns import services as campaigns

    number = next(_numbers)
    today = local_today()
    fields = {
        "name": f"读书月{number}",
        "name_en": f"Reading Month {number}",
        "enrolment_opens": today - timedelta(days=1),
        "enrolment_closes": today + timedelta(days=10),
        "starts": today + timedelta(days=11),
        "ends": today + timedelta(days=40),
        "budget_fen": 1_000_000,
        "per_title_cap_fen": 100_000,
        "per_publisher_cap_fen": 300_000,
        "categories": ["C", "I", "J", "G"],
        **values,
    }
    staff = staff or _campaign_staff()
    made = campaigns.create_campaign(staff, campaigns.CampaignInput(**fields))
    move_campaign(made, status, staff)
    return made


def move_campaign(campaign, status, staff: User | None = None) -> None:
    """Move a campaign to `status` through the service, along its workflow's shortest path."""
    from campaigns import services as campaigns
    from campaigns.models import CAMPAIGN_WORKFLOW

    staff = staff or _campaign_staff()
    for step in _path(CAMPAIGN_WORKFLOW, campaign.status, str(status)):
        campaigns.change_status(staff, campaign, step)
    db.session.flush()


def enrolment(publisher: User, campaign, isbn: str, status="pending", *,
              staff: User | None = None, price_fen=4000, subsidy_fen=500, units=100, stock=1000,
              reason_code="quality"):  # fmt: skip
    """Add an enrolment of the publisher's title that reached `status` the way they do: enrolled,
    then decided on by staff or withdrawn by the publisher."""
    from campaigns.enrolments import services as enrolling
    from campaigns.models import EnrolmentStatus

    made = enrolling.enrol_title(
        publisher, campaign, enrolling.EnrolmentInput(isbn, price_fen, subsidy_fen, units, stock)
    )
    status = EnrolmentStatus(status)
    if status in (EnrolmentStatus.APPROVED, EnrolmentStatus.REJECTED):
        code = reason_code if status == EnrolmentStatus.REJECTED else None
        enrolling.decide_enrolments(staff or _campaign_staff(), [made], status.value, code)
    elif status == EnrolmentStatus.WITHDRAWN:
        enrolling.withdraw_enrolment(publisher, made)
    db.session.flush()
    return made


def _path(workflow, current: str, target: str) -> list[str]:
    """Return the states a shortest walk from `current` to `target` passes (target last)."""
    paths = {str(current): []}
    queue = [str(current)]
    while queue:
        state = queue.pop(0)
        if state == target:
            return paths[state]
        for following in sorted(workflow.allowed(state)):
            if following not in paths:
                paths[following] = [*paths[state], following]
                queue.append(following)
    raise ValueError(f"no way from {current} to {target}")


def _campaign_staff() -> User:
    found = db.session.scalar(select(User).where(User.email == FACTORY_STAFF))
    return found or user(Role.CAMPAIGN_STAFF, password_hash="", email=FACTORY_STAFF)
