"""Objects for tests, made through the services as users make them: no state is set directly.

An organisation in any membership state got there by applying and being decided on; the
fixtures in conftest.py (`make_org`, `make_user`) call these.
"""

from itertools import count

from sqlalchemy import select

from alliance.auth.models import User, UserRole
from alliance.auth.roles import Role
from alliance.extensions import db
from alliance.members import services as members
from alliance.members.models import MemberStatus, Organisation

_numbers = count(1)
FACTORY_ADMIN = "factory-admin@example.org"


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
