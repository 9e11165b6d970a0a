"""Background jobs: large imports run as jobs with progress, retries, and a worker that may die."""

import csv
import io
import logging
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from stdnum import ean

from alliance import create_app
from alliance.api.services import create_api_key
from alliance.auth.models import User
from alliance.catalogue.models import Title
from alliance.db import utcnow
from alliance.jobs import services
from alliance.jobs.models import Job, JobStatus
from alliance.jobs.queue import queue_of
from alliance.notifications.models import Notification

HEADER = ["ISBN", "Title", "Author", "Price"]


def isbn(n: int) -> str:
    body = f"97875321{n:04d}"
    return body + ean.calc_check_digit(body)


def titles_csv(count: int, bad_row: int | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for n in range(count):
        price = "abc" if n == bad_row else f"{10 + n}.50"
        writer.writerow([isbn(n), f"书名{n}", f"作者{n}", price])
    return buffer.getvalue().encode()


@pytest.fixture
def small_threshold(app, monkeypatch):
    """Treat files of more than 5 rows as large, so the tests stay quick."""
    monkeypatch.setitem(app.config, "IMPORT_JOB_ROWS", 5)


@pytest.fixture
def publisher(client_as, make_org):
    return client_as("publisher", organisation=make_org(kind="publisher"))


def upload(client, data: bytes, filename="titles.csv"):
    return client.post(
        "/titles/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def titles(db) -> int:
    return db.session.scalar(select(func.count(Title.id)))


def test_a_large_import_runs_as_a_job_and_tells_its_owner(publisher, db, small_threshold):
    response = upload(publisher, titles_csv(8))
    assert response.status_code == 302
    job = db.session.scalars(select(Job)).one()
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert (job.status, job.progress, job.owner_id) == ("done", 1.0, publisher.user.id)
    assert job.result["created"] == 8 and titles(db) == 8
    page = publisher.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "8 titles added, 0 updated, 0 unchanged." in page and "100%" in page
    assert publisher.get(f"/jobs/{job.id}/status").json == {
        "status": "done", "status_label": "Done", "progress": 1.0, "stage": "Writing the titles"
    }  # fmt: skip
    notification = db.session.scalars(select(Notification)).one()
    assert notification.user_id == publisher.user.id
    inbox = publisher.get("/notifications/").get_data(as_text=True)
    assert f"Title import #{job.id} is done." in inbox
    assert '1<span class="visually-hidden"> unread</span>' in publisher.get("/").get_data(
        as_text=True
    )


def test_a_small_import_is_done_while_the_page_waits(publisher, db, small_threshold):
    response = upload(publisher, titles_csv(5))
    assert response.status_code == 302 and response.headers["Location"].startswith("/titles")
    assert db.session.scalar(select(func.count(Job.id))) == 0 and titles(db) == 5


def test_a_job_speaks_the_language_it_was_started_in(publisher, db, small_threshold):
    publisher.post(
        "/titles/import?lang=zh",
        data={"file": (io.BytesIO(titles_csv(8, bad_row=3)), "titles.csv")},
        content_type="multipart/form-data",
    )
    job = db.session.scalars(select(Job)).one()
    assert job.status == "failed" and job.error == "未导入任何内容：文件中有 1 处问题。"
    assert job.problems == [{"row": 5, "column": "Price", "problem": "请输入金额，例如 12.50。"}]


def test_a_rejected_job_keeps_its_problems_and_can_be_retried(publisher, db, small_threshold):
    upload(publisher, titles_csv(8, bad_row=2))
    job = db.session.scalars(select(Job)).one()
    assert job.status == "failed" and titles(db) == 0
    assert job.problems == [
        {"row": 4, "column": "Price", "problem": "Enter an amount such as 12.50."}
    ]
    page = publisher.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Nothing was imported: the file has 1 problems." in page
    assert f"/titles/import/{job.result['report_id']}.csv" in page
    retried = publisher.post(f"/jobs/{job.id}/retry")
    assert retried.status_code == 302
    db.session.expire_all()
    assert db.session.get(Job, job.id).attempts == 2  # it ran again, and failed again
    done = publisher.post(f"/jobs/{job.id}/retry")
    assert done.status_code == 302


def test_a_job_is_its_owners_and_the_administrators(publisher, client_as, db, small_threshold):
    upload(publisher, titles_csv(8))
    job = db.session.scalars(select(Job)).one()
    other = client_as("publisher")
    assert other.get(f"/jobs/{job.id}").status_code == 404
    assert other.get(f"/jobs/{job.id}/status").status_code == 404
    assert other.post(f"/jobs/{job.id}/retry").status_code == 404
    assert client_as("admin").get(f"/jobs/{job.id}").status_code == 200
    assert publisher.get("/jobs/").get_data(as_text=True).count(f"/jobs/{job.id}") == 1


def test_a_done_job_cannot_be_retried(publisher, db, small_threshold):
    upload(publisher, titles_csv(8))
    job = db.session.scalars(select(Job)).one()
    page = publisher.post(f"/jobs/{job.id}/retry", follow_redirects=True).get_data(as_text=True)
    assert "This job is “Done” and cannot become “Waiting to start”." in page


def test_the_api_answers_202_and_the_job_can_be_followed(publisher, client_as, db, small_threshold):
    _record, key = create_api_key(publisher.user, "api")
    db.session.commit()
    auth = {"Authorization": f"Bearer {key}"}
    answer = publisher.post(
        "/api/v1/titles/import",
        headers=auth,
        data={"file": (io.BytesIO(titles_csv(9)), "titles.csv")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 202
    job_id = answer.json["job_id"]
    assert answer.headers["Location"] == f"/api/v1/jobs/{job_id}"
    followed = publisher.get(answer.headers["Location"], headers=auth).json
    assert (followed["status"], followed["progress"]) == ("done", 1.0)
    assert followed["result"]["created"] == 9
    stranger = client_as("publisher")
    _record, other_key = create_api_key(stranger.user, "api")
    db.session.commit()
    lost = stranger.get(f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {other_key}"})
    assert lost.status_code == 404 and lost.mimetype == "application/problem+json"


def test_a_task_that_arrives_twice_runs_once(publisher, db, ctx, small_threshold):
    upload(publisher, titles_csv(8))
    job = db.session.scalars(select(Job)).one()
    services.run_job(job.id)  # delivered again, as a queue may
    db.session.expire_all()
    assert db.session.get(Job, job.id).attempts == 1 and titles(db) == 8


def owner(db, client):
    """The client's user, in the session of the test's own app context."""
    return db.session.get(User, client.user.id)


def test_a_rolled_back_job_never_runs(publisher, db, ctx):
    services.start_job(owner(db, publisher), "catalogue.import_titles", {"file_id": 0})
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_a_dead_workers_job_fails_and_a_lost_one_is_queued_again(publisher, db, ctx, app):
    user = owner(db, publisher)
    stuck = services.start_job(user, "catalogue.import_titles", {"file_id": 0})
    stuck.status, stuck.heartbeat_at = JobStatus.RUNNING.value, utcnow() - timedelta(hours=1)
    lost = services.start_job(user, "catalogue.import_titles", {"file_id": 0})
    db.session.flush()
    db.session.info.clear()  # neither reached the queue: the process died before its commit ended
    lost.created_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    services.sweep_jobs()
    db.session.expire_all()
    assert db.session.get(Job, stuck.id).status == "failed"
    assert "its worker ended" in db.session.get(Job, stuck.id).error
    assert db.session.get(Job, lost.id).attempts == 1  # picked up, and run (it fails: no file)


def test_progress_is_skipped_rather_than_waited_for(app, db, ctx, caplog):
    from sqlalchemy.exc import OperationalError

    def locked():
        raise OperationalError("UPDATE job", {}, Exception("database is locked"))

    progress = services.Progress(1, locked)
    with caplog.at_level(logging.INFO, logger="alliance.jobs.services"):
        progress(0.5, "half way", force=True)
    assert "progress not written now" in caplog.text


def test_queued_tasks_are_kept_sealed_in_sqlite_and_run_by_the_worker(tmp_path, monkeypatch):
    """The real queue: a task queued by the site waits in SQLite until a worker runs it."""
    monkeypatch.setenv("ALLIANCE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("JOBS_IMMEDIATE", "false")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'site.db'}")
    app = create_app("test")
    from alliance.mail import mail_task, send_mail

    with app.app_context():
        send_mail("reader@example.org", "Hello", "secret-link-4242")
    queue = queue_of(app)
    assert len(queue) == 1
    assert b"secret-link-4242" not in (tmp_path / "jobs.db").read_bytes()  # sealed at rest
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-c", "from alliance.cli import main; main()", "worker"],
            env={**os.environ, "ALLIANCE_ENV": "test"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while "secret-link-4242" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    # The development mail backend wrote the message to the worker's log.
    assert "to=reader@example.org subject=Hello\nsecret-link-4242" in log.read_text()
    assert mail_task.task_name in queue.alliance_tasks


def test_a_redis_queue_is_used_when_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("JOBS_URL", "redis://127.0.0.1:6379/14")
    monkeypatch.setenv("JOBS_IMMEDIATE", "false")
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'r.db'}")
    assert type(queue_of(app)).__name__ == "RedisHuey"
