"""Label checks on their own connections: committed at once, one per thread, never reused broken."""

import contextlib
import sqlite3
import threading
import time

import pytest
from sqlalchemy import select

from alliance.catalogue.models import Title, search_key
from alliance.extensions import db
from alliance.members.models import Organisation
from authenticity import services
from authenticity.models import Label


@pytest.fixture
def seeded(own_database):
    """The app on a database of its own, with three committed label codes."""
    app = own_database
    with app.test_request_context():
        press = Organisation(name="人民文学出版社", kind="publisher")
        db.session.add(press)
        db.session.flush()
        title = Title(isbn="9787020001002", title="红楼梦", title_key=search_key("红楼梦"),
                      publisher=press)  # fmt: skip
        db.session.add(title)
        db.session.flush()
        batch = services.create_batch(None, title.isbn, None, 3, publisher=press)
        db.session.commit()
        codes = [code for _serial, code in services.pending_codes(batch)]
    return app, codes


def _stored_checks(app) -> list[int]:
    with app.app_context():
        checks = db.session.scalars(select(Label.checks).order_by(Label.serial)).all()
        db.session.remove()
        return checks


def test_each_check_is_committed_at_once_on_a_connection_per_thread(seeded):
    app, codes = seeded
    checker = app.extensions["label_checks"]
    assert checker.verify(codes[0], "203.0.113.1").checks == 1
    mine = checker.own_connection()
    seen = {}

    def other_thread():
        seen["verdict"] = checker.verify(codes[0], "198.51.100.1")
        seen["connection"] = checker.own_connection()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen["verdict"].checks == 2 and seen["verdict"].networks == 2
    assert seen["connection"] is not mine
    assert _stored_checks(app) == [2, 0, 0]  # another session sees both, nothing to commit


def test_a_broken_connection_fails_one_check_and_is_replaced(seeded):
    app, codes = seeded
    checker = app.extensions["label_checks"]
    checker.verify(codes[1], "203.0.113.1")
    checker.own_connection().close()  # the server went away under us
    with pytest.raises(Exception):  # noqa: B017  (each driver names it differently)
        checker.verify(codes[1], "203.0.113.1")
    assert checker.verify(codes[1], "203.0.113.1").checks == 2
    assert _stored_checks(app) == [0, 2, 0]


def test_a_forked_worker_opens_its_own_connection(seeded, monkeypatch):
    app, codes = seeded
    checker = app.extensions["label_checks"]
    inherited = checker.own_connection()
    monkeypatch.setattr("authenticity.verification.os.getpid", lambda: -1)  # as after a fork
    assert checker.own_connection() is not inherited
    assert checker.verify(codes[2], "203.0.113.1").checks == 1


def test_checks_reach_the_database_file_without_a_request_copying_them(seeded):
    app, codes = seeded
    checker = app.extensions["label_checks"]
    if not checker.sqlite_file:
        pytest.skip("PostgreSQL keeps its own log")
    checker.verify(codes[0], "203.0.113.1")
    # immutable=1 reads the database file alone, not the write-ahead log
    uri = f"file:{checker.sqlite_file}?immutable=1"
    deadline = time.monotonic() + 5
    stored = 0
    while stored != 1 and time.monotonic() < deadline:
        time.sleep(0.1)
        with (
            contextlib.closing(sqlite3.connect(uri, uri=True)) as connection,
            contextlib.suppress(sqlite3.OperationalError),  # no tables in the file yet
        ):
            stored = connection.execute("SELECT checks FROM label ORDER BY serial").fetchone()[0]
    assert stored == 1
