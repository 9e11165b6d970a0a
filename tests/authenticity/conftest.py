"""Fixtures of the authenticity tests: publishers with titles, authorised sellers, batches."""

from datetime import date

import pytest

from alliance.auth.models import User
from alliance.catalogue.models import Title, search_key
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
    codes = [code for _serial, code in services.pending_codes(batch)]
    return batch.id, codes
