"""Fixtures of the IP tests: a rights holder, an agency with a principal, an officer, proof."""

import pytest

from alliance.auth.models import User
from authenticity.ip import principals, services
from authenticity.ip.models import Right
from authenticity.ip.services import Upload

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def holder_org(make_org):
    """A member organisation that holds rights."""
    return make_org(name="青山文化", name_en="Qingshan Culture", kind="rights_holder")


@pytest.fixture
def holder(make_user, holder_org):
    """Staff of the rights holder."""
    return make_user("rights_holder", organisation=holder_org)


@pytest.fixture
def other_holder(make_user, make_org):
    """Staff of another rights holder."""
    return make_user("rights_holder", organisation=make_org(kind="rights_holder"))


@pytest.fixture
def agent(make_user, make_org):
    """Staff of a rights agency."""
    return make_user("rights_holder", organisation=make_org(kind="rights_agency"))


@pytest.fixture
def officer(make_user):
    """An IP officer."""
    return make_user("ip_officer")


@pytest.fixture
def principal_id(app, db, agent) -> int:
    """The id of a principal of `agent`'s agency, with a power of attorney valid 2024-2027."""
    values = {
        "name": "远山出版",
        "region": "中国大陆",
        "valid_from": "2024-01-01",
        "valid_until": "2027-12-31",
    }
    with app.test_request_context():  # only for the call: clients must not share its `g`
        made = principals.add_principal(
            db.session.get(User, agent.id),
            principals.read_principal(values),
            Upload("poa.pdf", PDF),
        )
        db.session.commit()
        return made.id


def right_values(**changes) -> dict:
    """The values of a copyright covering one work not in the catalogue."""
    return {
        "right_type": "copyright",
        "title": "《远山》著作权",
        "territory": "中国大陆",
        "valid_from": "2020-01-01",
        "valid_until": "2030-12-31",
        "work_titles": "远山\n远山续集",
        **changes,
    }


def register_right(user, uploads=None, principal_id=None, **changes):
    """Register a right for a user (with one PDF of proof) in the current app context."""
    return services.register_right(
        user,
        services.read_right(right_values(**changes)),
        [Upload("proof.pdf", PDF)] if uploads is None else uploads,
        principal_id=principal_id,
    )


@pytest.fixture
def register(db, ctx):
    """Return a function registering a right for a user, committed (service tests)."""

    def make(user, uploads=None, principal_id=None, **changes):
        right = register_right(user, uploads, principal_id, **changes)
        db.session.commit()
        return right

    return make


@pytest.fixture
def register_id(app, db):
    """Return a function registering a right for a user in a request context of its own, as a
    request would (clients must not share a `g`); it returns the right's id (page tests)."""

    def make(user, **changes):
        with app.test_request_context():
            right = register_right(db.session.get(User, user.id), **changes)
            db.session.commit()
            return right.id

    return make


@pytest.fixture
def decide(app, db):
    """Return a function deciding on a right as an officer, in a request context of its own."""

    def run(officer, right_id, decision, reason_code=None):
        with app.test_request_context():
            right = db.session.get(Right, right_id)
            services.decide_right(db.session.get(User, officer.id), right, decision, reason_code)
            db.session.commit()

    return run
