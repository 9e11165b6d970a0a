"""Fixtures: the app on a migrated test database, per-test isolation, users and clients."""

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.globals import _cv_app
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import event, text
from sqlalchemy.orm import scoped_session, sessionmaker

from alliance import create_app
from alliance.auth.passwords import hash_password
from alliance.auth.roles import Role
from alliance.extensions import db as _db
from alliance.extensions import limiter
from tests import factories

# Property tests check what the code does, not how fast: speed is measured by benchmarks/.
# Hypothesis's per-example deadline (200 ms) failed them on a busy shared machine.
settings.register_profile("alliance", deadline=None)
settings.load_profile("alliance")

PASSWORD = "correct horse battery staple"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


def reset_database(app) -> None:
    """Empty the test database and build it with the migrations."""
    with app.app_context():
        engine = _db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        else:
            _db.drop_all()
            with engine.begin() as connection:
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


@pytest.fixture(scope="session")
def app():
    """The app in test mode on a freshly migrated database."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            "test",
            SQLALCHEMY_DATABASE_URI=_database_url(Path(tmp)),
            WTF_CSRF_ENABLED=False,
        )
        reset_database(app)
        yield app
        with app.app_context():
            _db.engine.dispose()


def _context_scope() -> int:
    """Scope sessions like Flask-SQLAlchemy: one per app context (test code has its own)."""
    return id(_cv_app.get(None))


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Start every test with empty rate-limit counters."""
    limiter.reset()


@pytest.fixture(autouse=True)
def db(app):
    """Run each test in a transaction rolled back at the end (commits become savepoints).

    No app context stays pushed during the test, so every request gets its own context,
    `g` and session, as in production. Test code that needs one uses the `ctx` fixture.
    """
    with app.app_context():
        connection = _db.engine.connect()
    outer = connection.begin()
    original = _db.session
    _db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=_context_scope,
    )
    # Label checks use a connection of their own; here, the test's transaction.
    checks = app.extensions["label_checks"]
    checks.connect = lambda: connection.connection
    # Jobs write their progress on a connection of their own; here, in the test's transaction.
    progress_connection = app.extensions["jobs_progress_connection"]
    app.extensions["jobs_progress_connection"] = lambda: _savepoint_on(connection)
    try:
        yield _db
    finally:
        app.extensions["jobs_progress_connection"] = progress_connection
        checks.connect = checks.own_connection
        _db.session.remove()
        _db.session = original
        outer.rollback()
        connection.close()


@contextmanager
def _savepoint_on(connection):
    with connection.begin_nested():
        yield connection


@pytest.fixture
def ctx(app):
    """An app context (with a test request) for calling services directly."""
    with app.test_request_context():
        yield


@pytest.fixture(scope="session")
def password_hash():
    """One Argon2id hash of PASSWORD, reused so that factories stay fast."""
    return hash_password(PASSWORD)


@pytest.fixture
def make_org(db, password_hash):
    """Create an organisation (active, or in the membership `status` given) by the services."""

    def make(name=None, kind="publisher", name_en=None, status="active"):
        return factories.organisation(name, kind, name_en, status, password_hash=password_hash)

    return make


@pytest.fixture
def make_user(db, password_hash):
    """Create a user with roles (password: PASSWORD), committed, bypassing the slow hashing."""

    def make(*roles, **details):
        user = factories.user(*roles, password_hash=password_hash, **details)
        db.session.commit()
        return user

    return make


def sign_in(client, user) -> None:
    """Open a login session for `user` in the client without going through the log-in form."""
    from alliance.auth import sessions

    sessions.start(user)
    _db.session.commit()
    # Load the user again now, as before the commit: its session must not open a savepoint
    # later, inside another context's (they share the test's one connection).
    _db.session.refresh(user)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def log_in():
    """Return the function that signs a test client in as a user (a real login session)."""
    return sign_in


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def client_of(app):
    """Return a client logged in as the given existing user."""

    def make(user):
        client = app.test_client()
        sign_in(client, user)
        client.user = user
        return client

    return make


@pytest.fixture
def client_as(app, make_user, make_org):
    """Return a client logged in as a new user holding the given roles."""

    def make(*roles, organisation=None):
        if (
            organisation is None
            and roles
            and Role(roles[0])
            in (
                Role.PUBLISHER,
                Role.CHARITY_COORDINATOR,
                Role.MERCHANT,
            )
        ):
            organisation = make_org()
        user = make_user(*roles, organisation=organisation)
        client = app.test_client()
        sign_in(client, user)
        client.user = user
        return client

    return make


@pytest.fixture
def bearer(db):
    """Return the Authorization header of a new API key of the user."""
    from alliance.api.services import create_api_key

    def make(user):
        _record, key = create_api_key(user, "api")
        db.session.commit()
        return {"Authorization": f"Bearer {key}"}

    return make


def _postgres_answers() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=2):
            return True
    except Exception:
        return False


def _admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture(params=["sqlite", "postgresql"])
def own_database(request, tmp_path, monkeypatch):
    """Yield an app on a database of its own (an SQLite file, a fresh PostgreSQL database).

    For tests whose threads or connections must commit for real, which the per-test
    rollback of the other tests cannot show. The app has the real Flask-SQLAlchemy session.
    """
    if request.param == "postgresql":
        if not _postgres_answers():
            pytest.skip("no PostgreSQL answers on 127.0.0.1:5432")
        name = f"ba_own_{uuid.uuid4().hex[:12]}"
        _admin_sql(f"CREATE DATABASE {name}")
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    else:
        name, url = None, f"sqlite:///{tmp_path / 'own.db'}"
    # The per-test fixture swapped in a session bound to the shared test connection.
    monkeypatch.setattr(_db, "session", _db._make_scoped_session({}))
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_size": 25} if name else {})  # fmt: skip
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        if name:
            _admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def statements_in(app):
    """Return a context manager listing the SQL statements run inside its block (the test
    harness's own savepoints left out): how list pages are shown to ask a bounded number."""

    @contextmanager
    def listing():
        statements = []

        def note(_connection, _cursor, statement, *_args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        with app.app_context():
            engine = _db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", note)

    return listing
