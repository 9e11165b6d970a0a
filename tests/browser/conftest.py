"""Browser fixtures: the app served live on its own SQLite file, and Debian's Chromium."""

import itertools
import logging
import random
import re
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from alliance import create_app
from alliance.auth.services import create_user
from alliance.extensions import db as _db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
PASSWORD = "some long pass phrase"
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)

# Unique logins for the whole session: a random start, then a counter, so no two tests clash.
_numbers = itertools.count(random.randrange(10_000_000, 90_000_000))


def pytest_collection_modifyitems(config, items):
    """Skip the browser tests, rather than fail them, on a machine without Chromium."""
    if CHROMIUM.exists():
        return
    here = Path(__file__).resolve().parent
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (Debian package chromium)")
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(skip)


@pytest.fixture
def db():
    """Do nothing: browser tests must not hold the main test database in a transaction."""
    yield None


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app on its own freshly migrated SQLite file, whatever TEST_DATABASE_URL says."""
    database = tmp_path_factory.mktemp("browser") / "browser.db"
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=False,
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve the app from a background thread; return its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def base_url(live_server):
    """Let page.goto("/path") reach the live server."""
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium; `playwright install` is never possible here."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Start every context in English, so first pages do not depend on the machine's locale."""
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture
def page(page):
    """A page that waits for the same time as the assertions."""
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.fixture
def unique_mobile():
    """Return a new mainland mobile number written as people type it: '138 1234 5678'."""

    def make() -> str:
        digits = f"{next(_numbers):08d}"
        return f"138 {digits[:4]} {digits[4:]}"

    return make


@pytest.fixture(scope="session")
def password():
    """The password of every account the browser tests create."""
    return PASSWORD


@pytest.fixture
def make_account(live_app):
    """Create a user on the live server's database, as the CLI would; return its login.

    With `organisation`, the user is staff of that (saved) organisation.
    """

    def make(login: str, display_name: str, roles=(), organisation=None) -> str:
        with live_app.app_context():
            if organisation is not None:
                organisation = _db.session.merge(organisation, load=False)
            user = create_user(
                login, display_name, PASSWORD, roles=list(roles), organisation=organisation
            )
            _db.session.commit()
            value = user.login
            _db.session.remove()
        return value

    return make


@pytest.fixture
def shoot(request):
    """Save a full-page screenshot named after the test and the step."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, step: str) -> Path:
        path = SCREENSHOTS / f"{request.node.originalname}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


class Outbox(logging.Handler):
    """The mail and SMS the live server wrote to its log (their development backends)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def code_for(self, login: str) -> str:
        """Return the last one-time code sent to `login` (an E.164 number or an address)."""
        for message in reversed(self.messages):
            if f"to={login}" in message and (found := re.search(r"\b(\d{6})\b", message)):
                return found.group(1)
        raise AssertionError(f"no code was sent to {login}: {self.messages}")


@pytest.fixture
def outbox():
    """Collect what the live server sends by mail and SMS during the test."""
    handler = Outbox()
    loggers = [logging.getLogger(name) for name in ("alliance.mail", "alliance.sms")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
