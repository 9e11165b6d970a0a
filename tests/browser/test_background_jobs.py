"""A large import runs as a job in a real worker: a progress bar, then a notification."""

import csv
import io
import os
import re
import subprocess
import sys
import threading
import time

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect
from stdnum import ean
from werkzeug.serving import make_server

from alliance import create_app
from alliance.auth.services import create_user
from alliance.extensions import db
from alliance.members.models import Organisation

pytestmark = pytest.mark.browser
ROWS = 12_000  # more than IMPORT_JOB_ROWS (10,000)


def titles_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["书号", "书名", "作者", "定价"])
    for n in range(ROWS):
        body = f"9787532{n:05d}"
        writer.writerow([body + ean.calc_check_digit(body), f"书名{n}", "作者", "25.00"])
    return buffer.getvalue()


@pytest.fixture
def queued_site(tmp_path, password):
    """The site with a real queue (SQLite) and a worker in its own process, as in the demo."""
    environ = {
        "ALLIANCE_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}",
        "JOBS_URL": f"sqlite:///{tmp_path / 'jobs.db'}",
        "JOBS_IMMEDIATE": "false",
    }
    saved = {name: os.environ.get(name) for name in environ}
    os.environ.update(environ)
    try:
        app = create_app("test", RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=True)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    with app.app_context():
        upgrade()
        press = Organisation(name="后台任务出版社", kind="publisher", status="active")
        db.session.add(press)
        create_user(
            "jobs@example.org", "编辑小李", password, roles=["publisher"], organisation=press
        )
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-c", "from alliance.cli import main; main()", "worker"],
        env={**os.environ, **environ, "ALLIANCE_ENV": "test"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


def test_a_large_import_runs_in_the_background_and_says_when_done(
    page, queued_site, password, shoot, tmp_path
):
    page.goto(queued_site + "/auth/login")
    page.fill("input[name=login]", "jobs@example.org")
    page.fill("input[name=password]", password)
    page.locator("main form input[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("编辑小李")

    page.goto(queued_site + "/titles/import")
    upload = tmp_path / "titles.csv"
    upload.write_text(titles_csv(), encoding="utf-8")
    page.set_input_files("input[type=file]", str(upload))
    started = time.monotonic()
    page.locator("main form input[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/jobs/\d+$"))
    bar = page.get_by_role("progressbar", name="Progress")
    expect(bar).to_be_visible()
    shoot(page, "1-queued")
    # The page follows the worker by itself: no reload by the reader.
    expect(page.get_by_text("12000 titles added, 0 updated, 0 unchanged.")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_role("progressbar", name="Progress")).to_have_attribute(
        "aria-valuenow", "100"
    )
    shoot(page, "2-done")
    assert time.monotonic() - started < 60
    bell = page.get_by_role("link", name="Notifications 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_text("is done.")).to_be_visible()
    page.get_by_role("button", name="Open").click()
    expect(page.locator("h1")).to_contain_text("Title import")
    shoot(page, "3-notification-opened")
