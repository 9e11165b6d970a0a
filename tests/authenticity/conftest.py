"""Fixtures of the authenticity tests: publishers with titles, authorised sellers, batches,
rights holders, agencies and IP officers with their rights."""

from datetime import date

import pytest

from alliance.auth.models import User
from alliance.catalogue.models import Title, search_key
from alliance.files.services import Upload
from authenticity.ip import principals
from authenticity.ip import services as rights
from authenticity.ip.models import Right
from authenticity.labels import services
from authenticity.sellers import services as sellers

ISBNS = ["9787020001002", "9787020001019", "9787020001026", "9787020001033", "9787020001040"]


@pytest.fixture
def press(make_org):
    """A member publisher."""
    return make_org(name="人民文学出版社", name_en="People's Literature Publishing House")


@pytest.fixture
def rival(make_org):
    """Another member publisher."""
    return make_org(name="中华书局", name_en="Zhonghua Book Company")


def _title(db, organisation, isbn, name):
    title = Title(isbn=isbn, title=name, title_key=search_key(name), publisher=organisation)
    db.session.add(title)
    db.session.commit()
    return title


@pytest.fixture
def titles(db, press, rival):
    """Three titles of `press` and one of `rival`, by ISBN."""
    found = {
        ISBNS[0]: _title(db, press, ISBNS[0], "红楼梦"),
        ISBNS[1]: _title(db, press, ISBNS[1], "围城"),
        ISBNS[2]: _title(db, press, ISBNS[2], "骆驼祥子"),
        ISBNS[3]: _title(db, rival, ISBNS[3], "史记"),
    }
    return found


@pytest.fixture
def publisher(client_as, press, titles):
    """A client logged in as staff of `press`."""
    return client_as("publisher", organisation=press)


@pytest.fixture
def rival_publisher(client_as, rival, titles):
    """A client logged in as staff of `rival`."""
    return client_as("publisher", organisation=rival)


@pytest.fixture
def authorise(app, db):
    """Return a function authorising a merchant for a user's publisher; it returns the id.

    Each call runs in its own request context, as a request would (the test code keeps none,
    so that the clients' requests do not share `g`).
    """

    def run(user, **kwargs):
        with app.test_request_context():
            authorisation = _authorise(db.session.get(User, user.id), **kwargs)
            db.session.commit()
            return authorisation.id

    return run


@pytest.fixture
def order(app, db):
    """Return a function ordering a batch; it returns the batch id and its codes."""

    def run(user, **kwargs):
        with app.test_request_context():
            return _order(db, db.session.get(User, user.id), **kwargs)

    return run


def _authorise(user, merchant_id="shop-42", isbns=None, valid_from=None, valid_until=None):
    values = sellers.read_authorisation(
        {
            "merchant_id": merchant_id,
            "merchant_name": f"{merchant_id} 图书专营店",
            "isbns": isbns,
            "valid_from": valid_from or date(2020, 1, 1),
            "valid_until": valid_until,
        }
    )
    return sellers.create_authorisation(user, values)


def _order(db, user, isbn=ISBNS[0], merchant_id=None, quantity=5):
    batch = services.create_batch(user, isbn, merchant_id, quantity)
    db.session.commit()
    services.finish_writing(user, batch)  # (a batch of one chunk is complete already)
    codes = [code for _serial, code in services.download_codes(user, batch)]
    db.session.commit()
    return batch.id, codes


# --- IP protection: holders, agencies, officers, rights ---------------------------------------

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
    return rights.register_right(
        user,
        rights.read_right(right_values(**changes)),
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
            rights.decide_right(db.session.get(User, officer.id), right, decision, reason_code)
            db.session.commit()

    return run
