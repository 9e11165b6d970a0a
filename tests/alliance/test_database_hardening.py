"""The database under attack and load: reads take no write lock, append-only tables refuse
REPLACE, the app's PostgreSQL role owns nothing, sealed codes leave no trace in the files."""

import contextlib
import sqlite3
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from alliance.api.models import ApiKey
from alliance.api.services import LAST_USED_RESOLUTION, create_api_key
from alliance.auth.models import User, UserRole
from alliance.catalogue.models import Title, search_key
from alliance.extensions import db
from alliance.members.models import Organisation
from authenticity.labels import services
from authenticity.labels.models import LabelBatch

ISBN = "9787020001002"


def _sqlite_file(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite's file, lock and log")
    return url.removeprefix("sqlite:///")


@pytest.fixture
def press(own_database):
    """The app on a database of its own, with a publisher (and its key) and a title."""
    app = own_database
    with app.test_request_context():
        organisation = Organisation(name="人民文学出版社", kind="publisher")
        db.session.add(organisation)
        db.session.flush()
        db.session.add(Title(isbn=ISBN, title="红楼梦", title_key=search_key("红楼梦"),
                             publisher=organisation))  # fmt: skip
        grants = [UserRole(role="publisher")]
        user = User(email="pub@example.org", display_name="Pub", password_hash="x",
                    organisation=organisation, role_grants=grants)  # fmt: skip
        db.session.add(user)
        db.session.flush()
        _record, key = create_api_key(user, "tests")
        db.session.commit()
        user_id = user.id
    return app, {"Authorization": f"Bearer {key}"}, user_id


def _last_used(app):
    with app.app_context():
        found = db.session.scalar(select(ApiKey.last_used_at))
        db.session.remove()
        return found


@contextlib.contextmanager
def _write_lock_held(path: str):
    """Hold SQLite's write lock from another connection, as a long write would."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_requests_that_read_are_answered_while_another_connection_writes(press):
    # (issue 18: GET /api/v1/me began with BEGIN IMMEDIATE and, with its key's last use to
    # write, failed after 10 s with "database is locked" while a big batch was written)
    app, key, _user = press
    path = _sqlite_file(app)
    client = app.test_client()
    with _write_lock_held(path):
        started = time.monotonic()
        me = client.get("/api/v1/me", headers=key)
        titles = client.get("/api/v1/titles", headers=key)
        page = client.get("/members/")
        waited = time.monotonic() - started
    assert (me.status_code, titles.status_code, page.status_code) == (200, 200, 200)
    assert waited < 2  # no busy wait: a read takes no write lock
    assert _last_used(app) is None  # the write of the key's use was given up, not waited for
    assert client.get("/api/v1/me", headers=key).status_code == 200
    noted = _last_used(app)
    assert noted is not None  # noted by the next request


def test_the_last_use_of_a_key_is_written_at_most_once_per_resolution(press, monkeypatch):
    app, key, _user = press
    client = app.test_client()
    statements = []
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    def spy(_conn, _cursor, statement, *_rest):
        if statement.lstrip().upper().startswith("UPDATE API_KEY"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        for _ in range(5):
            assert client.get("/api/v1/me", headers=key).status_code == 200
        assert len(statements) == 1
        first = _last_used(app)
        later = first + LAST_USED_RESOLUTION + timedelta(seconds=1)
        monkeypatch.setattr("alliance.api.services.utcnow", lambda: later)
        for _ in range(3):
            assert client.get("/api/v1/me", headers=key).status_code == 200
        assert len(statements) == 2 and _last_used(app) == later
    finally:
        event.remove(engine, "before_cursor_execute", spy)


def _raw_sqlite(path: str) -> sqlite3.Connection:
    """Open the file as any other program would (no foreign keys, no app settings)."""
    return sqlite3.connect(path, isolation_level=None)


LEDGER_ROW = (
    "INTO ledger_entry (id, campaign_id, enrolment_id, publisher_id, kind, amount_fen, "
    "platform_fen, publisher_fen, day, idempotency_key, created_at) VALUES "
    "({id}, 1, 1, 1, 'allocate', {fen}, 0, {fen}, '2026-12-01', {key}, '2026-12-01 08:00:00')"
)


def test_append_only_tables_refuse_replace_from_any_connection(own_database):
    # (issue 18: REPLACE INTO audit_event (and ledger_entry) rewrote rows: REPLACE deletes the
    # row it conflicts with without firing the DELETE triggers)
    path = _sqlite_file(own_database)
    raw = _raw_sqlite(path)
    raw.execute(
        "INSERT INTO audit_event (id, occurred_at, actor_label, action, entity_type, entity_id, "
        "request_id) VALUES (1, '2026-12-01 08:00:00', 'system', 'x.create', 'x', '1', '-')"
    )
    raw.execute("INSERT " + LEDGER_ROW.format(id=1, fen=100, key="'k-1'"))
    raw.execute("INSERT " + LEDGER_ROW.format(id=2, fen=200, key="NULL"))
    attacks = [
        "REPLACE INTO audit_event (id, occurred_at, actor_label, action, entity_type, entity_id, "
        "request_id) VALUES (1, '2026-12-01 08:00:00', 'system', 'x.forged', 'x', '1', '-')",
        "INSERT OR REPLACE INTO audit_event (id, occurred_at, actor_label, action, entity_type, "
        "entity_id, request_id) VALUES (1, '2026-12-01 08:00:00', 'system', 'x.forged', 'x', "
        "'1', '-')",
        "REPLACE " + LEDGER_ROW.format(id=1, fen=999, key="'k-1'"),
        "REPLACE " + LEDGER_ROW.format(id=2, fen=999, key="NULL"),
        "REPLACE " + LEDGER_ROW.format(id=9, fen=999, key="'k-1'"),  # a new id, the old key
        "INSERT OR REPLACE " + LEDGER_ROW.format(id="NULL", fen=999, key="'k-1'"),
    ]
    for attack in attacks:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute(attack)
    assert raw.execute("SELECT id, action FROM audit_event").fetchall() == [(1, "x.create")]
    ledger = raw.execute("SELECT id, amount_fen, idempotency_key FROM ledger_entry ORDER BY id")
    assert ledger.fetchall() == [(1, 100, "k-1"), (2, 200, None)]
    # what the ledger itself does still works: a key used twice inserts nothing the 2nd time
    upsert = ("INSERT " + LEDGER_ROW.format(id="NULL", fen=100, key="'k-1'")
              + " ON CONFLICT (campaign_id, idempotency_key) DO NOTHING RETURNING id")  # fmt: skip
    assert raw.execute(upsert).fetchall() == []
    fresh = "INSERT " + LEDGER_ROW.format(id="NULL", fen=300, key="'k-2'") + " RETURNING id"
    assert raw.execute(fresh).fetchall() == [(3,)]
    with pytest.raises(sqlite3.IntegrityError):  # a plain insert of a used key still fails
        raw.execute("INSERT " + LEDGER_ROW.format(id="NULL", fen=300, key="'k-2'"))
    raw.close()


def _file_bytes(path: str) -> bytes:
    data = b""
    for suffix in ("", "-wal"):
        with contextlib.suppress(FileNotFoundError), open(path + suffix, "rb") as handle:
            data += handle.read()
    return data


@pytest.mark.parametrize("action", ["seal", "revoke"])
def test_sealed_or_revoked_codes_leave_nothing_in_the_database_file_or_its_log(press, action):
    # (issue 18: sealed codes lingered in the SQLite WAL until the next checkpoint)
    app, key, user_id = press
    path = _sqlite_file(app)
    with app.test_request_context():
        user = db.session.get(User, user_id)
        batch = services.create_batch(user, ISBN, None, 300)
        db.session.commit()
        codes = [code for _serial, code in services.download_codes(user, batch)]
        db.session.commit()
        batch_id, secret = batch.id, batch.code_secret
        db.session.remove()
    with contextlib.closing(_raw_sqlite(path)) as raw:  # as after a big batch: in the file too
        assert raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    before = _file_bytes(path)
    assert [code for code in codes if code.encode() in before] == []  # codes are never stored
    assert secret in before  # only the encrypted secret they are derived from (the test sees it)
    client = app.test_client()
    if action == "seal":
        done = client.post(f"/api/v1/label-batches/{batch_id}/seal", headers=key)
    else:
        body = {"category": "misprinted", "reason": "印错了"}
        done = client.post(f"/api/v1/label-batches/{batch_id}/revoke", json=body, headers=key)
    assert done.status_code == 200
    after = _file_bytes(path)
    assert secret not in after  # deleted, and scrubbed from the file and its log
    assert [code for code in codes if code.encode() in after] == []
    with app.app_context():  # (Debian builds SQLite with it on; the app asks for it anyway)
        assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1
        db.session.remove()
    with app.app_context():
        assert db.session.get(LabelBatch, batch_id).status == {"seal": "sealed"}.get(
            action, "revoked"
        )
        db.session.remove()


def _postgres_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(statement)


@pytest.fixture
def app_role(own_database):
    """A login role of its own on the PostgreSQL database of `own_database` (dropped after)."""
    url = own_database.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("roles and privileges are PostgreSQL's")
    role = f"ba_app_{uuid.uuid4().hex[:10]}"
    _postgres_admin(f"CREATE ROLE {role} LOGIN")
    try:
        yield own_database, role, url.replace("postgres@", f"{role}@", 1)
    finally:
        with own_database.app_context():
            db.session.remove()
            db.engine.dispose()
        database = url.rsplit("/", 1)[1]
        _postgres_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        _postgres_admin(f"DROP ROLE IF EXISTS {role}")


def test_the_app_runs_as_a_role_that_owns_nothing_and_cannot_disable_the_guards(
    app_role, monkeypatch
):
    import psycopg

    owner_app, role, role_url = app_role
    runner = owner_app.test_cli_runner()
    assert runner.invoke(args=["db", "grant-app-role", "no_such_role_x"]).exit_code == 1
    superuser = runner.invoke(args=["db", "grant-app-role", "postgres"])
    assert superuser.exit_code == 1 and "is a superuser" in superuser.output
    granted = runner.invoke(args=["db", "grant-app-role", role])
    assert granted.exit_code == 0, granted.output
    assert "owns nothing" in granted.output

    from alliance import create_app

    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    app = create_app("test", SQLALCHEMY_DATABASE_URI=role_url)
    with app.test_request_context():
        press = Organisation(name="人民文学出版社", kind="publisher")
        db.session.add(press)
        db.session.flush()
        db.session.add(Title(isbn=ISBN, title="红楼梦", title_key=search_key("红楼梦"),
                             publisher=press))  # fmt: skip
        user = User(email="pub@example.org", display_name="Pub", password_hash="x",
                    organisation=press, role_grants=[UserRole(role="publisher")])  # fmt: skip
        db.session.add(user)
        db.session.flush()
        _record, key = create_api_key(user, "tests")  # audited: an insert into audit_event
        db.session.commit()
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {key}"}
    ordered = client.post("/api/v1/label-batches", json={"isbn": ISBN, "quantity": 3},
                          headers=bearer)  # fmt: skip
    assert ordered.status_code == 201
    codes = client.get(f"/api/v1/label-batches/{ordered.json['id']}/codes", headers=bearer)
    code = codes.get_data(as_text=True).splitlines()[1].split(",")[1]
    assert client.get(f"/api/v1/labels/{code}").json["status"] == "genuine"
    seal = client.post(f"/api/v1/label-batches/{ordered.json['id']}/seal", headers=bearer)
    assert seal.status_code == 200 and client.get("/readyz").status_code == 200

    as_app = psycopg.connect(role_url.replace("+psycopg", ""), autocommit=True)
    try:
        for attack in (
            "ALTER TABLE audit_event DISABLE TRIGGER ALL",
            "ALTER TABLE ledger_entry DISABLE TRIGGER ledger_entry_append_only",
            "DROP TRIGGER audit_event_append_only ON audit_event",
            "DROP FUNCTION audit_event_refuse_change() CASCADE",
            "UPDATE audit_event SET action = 'forged'",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
            "CREATE TABLE mine (id int)",
            "ALTER TABLE label ADD COLUMN code text",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                as_app.execute(attack)
        actions = as_app.execute("SELECT action FROM audit_event ORDER BY id").fetchall()
        assert ("label_batch.seal",) in actions
    finally:
        as_app.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
