"""Big batches written in short transactions: the "being written" state, resuming, quotas."""

import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from alliance.api.services import create_api_key
from alliance.audit import AuditEvent
from alliance.auth.models import User, UserRole
from alliance.bulk import RowWriter
from alliance.catalogue.models import Title, search_key
from alliance.db import utcnow
from alliance.extensions import db as _db
from alliance.jobs.models import Job
from alliance.members.models import Organisation
from authenticity.labels import services, writing
from authenticity.labels.models import BatchStatus, Label, LabelBatch

ISBNS = ["9787020001002", "9787020001019", "9787020001026", "9787020001033"]
PROBLEMS = "https://book-alliance.example.org/problems/"


def _bearer(app, user) -> dict:
    with app.test_request_context():
        _record, key = create_api_key(_db.session.get(User, user.id), "tests")
        _db.session.commit()
    return {"Authorization": f"Bearer {key}"}


def _start_batch(app, db, user, quantity: int) -> int:
    """Order a batch and commit it with its first chunk only, as a writer that stopped there."""
    with app.test_request_context():
        batch = services.create_batch(db.session.get(User, user.id), ISBNS[0], None, quantity)
        db.session.commit()
        return batch.id


def _counts(db, batch_id: int) -> tuple:
    batch = db.session.get(LabelBatch, batch_id)
    db.session.refresh(batch)
    labels_ = db.session.scalar(select(func.count()).where(Label.batch_id == batch_id))
    return batch.status, batch.written, labels_, batch.code_secret is not None


def _codes(app, db, batch_id: int, first: int = 1, last: int | None = None) -> list[str]:
    """Derive a batch's codes from its secret, as a download would (also while written)."""
    with app.test_request_context():
        batch = db.session.get(LabelBatch, batch_id)
        return services._codes_for(batch)(first, last or batch.quantity)


def _actions(db, batch_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "label_batch", AuditEvent.entity_id == str(batch_id))
            .order_by(AuditEvent.id)
        )
    )


def test_a_batch_being_written_cannot_be_downloaded_sealed_or_checked(
    app, db, publisher, client, monkeypatch
):
    monkeypatch.setitem(app.config, "LABEL_WRITE_CHUNK", 10)
    batch_id = _start_batch(app, db, publisher.user, 25)
    assert _counts(db, batch_id) == (BatchStatus.WRITING, 10, 10, True)
    code = _codes(app, db, batch_id, 1, 1)[0]
    assert client.get(f"/api/v1/labels/{code}").json["status"] == "unknown"
    assert publisher.get(f"/labels/{batch_id}/codes.csv").status_code == 409
    assert publisher.get(f"/labels/{batch_id}/sheet-1.pdf").status_code == 409
    assert publisher.post(f"/labels/{batch_id}/seal", data={"confirm": "y"}).status_code == 422
    page = publisher.get(f"/labels/{batch_id}").get_data(as_text=True)
    assert "10 of 25 labels written." in page and "Being written" in page
    assert "Continue writing the labels" not in page  # it is not stalled: it may be moving on
    key = _bearer(app, publisher.user)
    shown = client.get(f"/api/v1/label-batches/{batch_id}", headers=key).json
    assert (shown["status"], shown["written"], shown["quantity"]) == ("writing", 10, 25)
    codes = client.get(f"/api/v1/label-batches/{batch_id}/codes", headers=key)
    assert codes.status_code == 409 and codes.json["type"] == PROBLEMS + "label-batch-writing"
    sealed = client.post(f"/api/v1/label-batches/{batch_id}/seal", headers=key)
    assert sealed.status_code == 409 and sealed.json["type"] == PROBLEMS + "label-batch-writing"
    assert _counts(db, batch_id) == (BatchStatus.WRITING, 10, 10, True)

    with app.test_request_context():
        batch = db.session.get(LabelBatch, batch_id)
        services.finish_writing(db.session.get(User, publisher.user.id), batch)
    assert _counts(db, batch_id) == (BatchStatus.OPEN, 25, 25, True)
    assert client.get(f"/api/v1/labels/{code}").json["status"] == "genuine"
    assert publisher.get(f"/labels/{batch_id}/codes.csv").status_code == 200
    assert _actions(db, batch_id) == [
        "label_batch.create", "label_batch.written", "label_batch.download"
    ]  # fmt: skip


def _crash_after_labels_of_chunk(monkeypatch, chunk: int):
    """Make the `chunk`-th chunk from now die once its labels are written, before its count."""
    real_write = RowWriter.write
    calls = {"labels": 0}

    def write(self, rows):
        written = real_write(self, rows)
        if self.table is Label.__table__:
            calls["labels"] += 1
            if calls["labels"] == chunk:
                raise OSError("the worker died half way through a chunk")
        return written

    monkeypatch.setattr(RowWriter, "write", write)


def test_a_write_that_stopped_is_detected_and_resumed_where_it_stopped(
    app, db, publisher, client, monkeypatch
):
    monkeypatch.setitem(app.config, "LABEL_WRITE_CHUNK", 10)
    batch_id = _start_batch(app, db, publisher.user, 35)
    _crash_after_labels_of_chunk(monkeypatch, 2)  # chunk 2 is in, chunk 3 dies after its labels
    with app.test_request_context(), pytest.raises(OSError):
        services.finish_writing(None, db.session.get(LabelBatch, batch_id))
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "LABEL_WRITE_CHUNK", 10)
    # the dead chunk left nothing: the count and the labels agree
    assert _counts(db, batch_id) == (BatchStatus.WRITING, 20, 20, True)
    key = _bearer(app, publisher.user)
    busy = client.post(f"/api/v1/label-batches/{batch_id}/resume", headers=key)
    assert busy.status_code == 409 and busy.json["type"] == PROBLEMS + "label-batch-busy"

    later = utcnow() + writing.STALLED_AFTER + timedelta(seconds=1)
    monkeypatch.setattr("authenticity.labels.writing.utcnow", lambda: later)
    page = publisher.get(f"/labels/{batch_id}").get_data(as_text=True)
    assert "The writing stopped before the end." in page and "Continue writing the labels" in page
    publisher.post(f"/labels/{batch_id}/resume")
    assert _counts(db, batch_id) == (BatchStatus.OPEN, 35, 35, True)
    serials = db.session.scalars(select(Label.serial).where(Label.batch_id == batch_id)).all()
    assert sorted(serials) == list(range(1, 36))
    codes = _codes(app, db, batch_id)
    assert len(set(codes)) == 35
    every = {client.get(f"/api/v1/labels/{code}").json["status"] for code in codes[::5]}
    assert every == {"genuine"}  # the resumed chunks derive the same codes as the first
    assert _actions(db, batch_id) == [
        "label_batch.create", "label_batch.resume", "label_batch.written"
    ]  # fmt: skip
    again = client.post(f"/api/v1/label-batches/{batch_id}/resume", headers=key)
    assert again.status_code == 409 and again.json["type"] == PROBLEMS + "conflict"


def test_a_batch_larger_than_a_chunk_is_written_by_a_job(app, db, publisher, client, monkeypatch):
    monkeypatch.setitem(app.config, "LABEL_WRITE_CHUNK", 10)
    ordered = publisher.post("/labels/", data={"isbn": ISBNS[0], "merchant_id": "", "quantity": 35})
    job = db.session.scalars(select(Job)).one()
    assert ordered.headers["Location"] == f"/jobs/{job.id}"
    assert (job.kind, job.status, job.progress) == ("labels.write_batch", "done", 1.0)
    batch_id = job.params["batch_id"]
    assert _counts(db, batch_id) == (BatchStatus.OPEN, 35, 35, True)
    page = publisher.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "35 labels are ready to download." in page and f"/labels/{batch_id}" in page
    key = _bearer(app, publisher.user)
    answer = client.post("/api/v1/label-batches", json={"isbn": ISBNS[1], "quantity": 25},
                         headers=key)  # fmt: skip
    assert answer.status_code == 201 and answer.json["job_id"] is not None
    followed = client.get(f"/api/v1/jobs/{answer.json['job_id']}", headers=key).json
    assert followed["status"] == "done"
    assert (
        client.get(f"/api/v1/label-batches/{answer.json['id']}", headers=key).json["status"]
        == "open"
    )
    small = client.post("/api/v1/label-batches", json={"isbn": ISBNS[2], "quantity": 10},
                        headers=key)  # fmt: skip
    assert (small.json["status"], small.json["job_id"]) == ("open", None)


def test_the_worker_resumes_stalled_batches_by_itself(app, db, publisher, monkeypatch):
    from authenticity.labels.jobs import resume_stalled_batches

    monkeypatch.setitem(app.config, "LABEL_WRITE_CHUNK", 4)
    stalled = _start_batch(app, db, publisher.user, 10)
    later = utcnow() + writing.STALLED_AFTER + timedelta(seconds=1)
    monkeypatch.setattr("authenticity.labels.writing.utcnow", lambda: later)
    with app.app_context():
        resume_stalled_batches()
    assert _counts(db, stalled) == (BatchStatus.OPEN, 10, 10, True)


def test_the_command_line_resumes_every_stalled_batch(app, db, publisher, monkeypatch):
    monkeypatch.setitem(app.config, "LABEL_WRITE_CHUNK", 4)
    stalled = _start_batch(app, db, publisher.user, 10)
    runner = app.test_cli_runner()
    assert "No batch waits" in runner.invoke(args=["labels", "resume"]).output
    later = utcnow() + writing.STALLED_AFTER + timedelta(seconds=1)
    monkeypatch.setattr("authenticity.labels.writing.utcnow", lambda: later)
    result = runner.invoke(args=["labels", "resume"])
    assert result.exit_code == 0, result.output
    assert f"Batch {stalled}: all 10 labels written." in result.output
    assert _counts(db, stalled) == (BatchStatus.OPEN, 10, 10, True)


def test_a_revoked_batch_being_written_keeps_no_code_and_stops(app, db, publisher, monkeypatch):
    monkeypatch.setitem(app.config, "LABEL_WRITE_CHUNK", 10)
    batch_id = _start_batch(app, db, publisher.user, 30)
    publisher.post(
        f"/labels/{batch_id}/revoke",
        data={"category": "misprinted", "reason": "错", "confirm": "y"},
    )
    assert _counts(db, batch_id) == (BatchStatus.REVOKED, 10, 10, False)
    with app.test_request_context(), pytest.raises(writing.WrittenElsewhere):
        writing.finish_writing(
            None,
            db.session.get(LabelBatch, batch_id),
            lambda code: code.encode(),
            lambda first, last: [f"{n:021d}" for n in range(first, last + 1)],
        )
    assert _counts(db, batch_id) == (BatchStatus.REVOKED, 10, 10, False)


def test_the_daily_quota_is_refused_on_the_form_the_api_and_the_command_line(
    app, db, publisher, rival_publisher, client, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "LABEL_DAILY_QUOTA", 30)
    form = {"isbn": ISBNS[0], "merchant_id": "", "quantity": 20}
    assert publisher.post("/labels/", data=form).status_code == 302
    refused = publisher.post("/labels/", data={**form, "quantity": 11, "lang": "en"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    message = "can order 30 labels a day (China time); 10 are left today"
    field = re.search(r'<input class="form-control is-invalid" id="quantity"[^>]*>', text)
    assert field and 'value="11"' in field.group()  # next to the number, which is kept
    assert text.index(message) > field.end() and text.count(message) == 1
    zh = publisher.post("/labels/?lang=zh", data={**form, "quantity": 11}).get_data(as_text=True)
    assert "每天最多可订购 30 枚标签" in zh
    key = _bearer(app, publisher.user)
    body = {"isbn": ISBNS[0], "quantity": 11}
    api = client.post("/api/v1/label-batches", json=body, headers=key)
    assert api.status_code == 409 and api.json["type"] == PROBLEMS + "label-quota-exceeded"
    assert "10 are left today" in api.json["detail"]
    kept = tmp_path / "codes.csv"
    kept.write_text("the operator's own file")
    cli = app.test_cli_runner().invoke(
        args=["labels", "create", "--isbn", ISBNS[1], "--quantity", "11", "--out", str(kept)]
    )
    assert cli.exit_code == 1 and "10 are left today" in cli.output
    assert kept.read_text() == "the operator's own file"  # a refusal never deletes FILE
    assert (
        client.post("/api/v1/label-batches", json={**body, "quantity": 10}, headers=key).json[
            "status"
        ]
        == "open"
    )  # exactly the quota
    assert publisher.post("/labels/", data={**form, "quantity": 1}).status_code == 200
    # another publisher has a quota of its own
    rival_key = _bearer(app, rival_publisher.user)
    rival = client.post("/api/v1/label-batches", json={"isbn": ISBNS[3], "quantity": 30},
                        headers=rival_key)  # fmt: skip
    assert rival.status_code == 201
    ordered = db.session.scalar(select(func.sum(LabelBatch.quantity)))
    assert ordered == 60


def test_the_quota_starts_again_each_day_in_china(app, db, publisher, monkeypatch):
    monkeypatch.setitem(app.config, "LABEL_DAILY_QUOTA", 5)
    form = {"isbn": ISBNS[0], "merchant_id": "", "quantity": 5}
    assert publisher.post("/labels/", data=form).status_code == 302
    assert publisher.post("/labels/", data=form).status_code == 200  # refused
    tomorrow = writing.local_today() + timedelta(days=1)
    monkeypatch.setattr("authenticity.labels.writing.local_today", lambda: tomorrow)
    assert publisher.post("/labels/", data=form).status_code == 302


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_a_quota_that_is_not_a_positive_number_stops_the_app(monkeypatch, value):
    from alliance import create_app
    from alliance.config import ConfigError

    monkeypatch.setenv("LABEL_DAILY_QUOTA", value)
    with pytest.raises(ConfigError, match="LABEL_DAILY_QUOTA"):
        create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")


@pytest.fixture
def publishing(own_database):
    """The app on a database of its own, with a publisher, its title and two API keys."""
    app = own_database
    with app.test_request_context():
        press = Organisation(name="人民文学出版社", kind="publisher")
        _db.session.add(press)
        _db.session.flush()
        _db.session.add(Title(isbn=ISBNS[0], title="红楼梦", title_key=search_key("红楼梦"),
                              publisher=press))  # fmt: skip
        user = User(email="pub@example.org", display_name="Pub", password_hash="x",
                    organisation=press, role_grants=[UserRole(role="publisher")])  # fmt: skip
        _db.session.add(user)
        _db.session.flush()
        keys = [create_api_key(user, f"key {n}")[1] for n in range(2)]
        _db.session.commit()
    return app, [{"Authorization": f"Bearer {key}"} for key in keys]


def _written(app, batch_id: int) -> int:
    """Read the batch's count on a connection of its own, taking no lock."""
    with (
        app.app_context(),
        _db.engine.connect().execution_options(sqlite_autocommit=True) as connection,
    ):
        return connection.scalar(select(LabelBatch.written).where(LabelBatch.id == batch_id))


def test_other_requests_are_answered_while_a_big_batch_is_written(publishing, monkeypatch):
    # (issue 18: a batch of 1,000,000 held SQLite's write lock for 20 s; every other write,
    # even GET /api/v1/me, failed with "database is locked" meanwhile)
    app, (batch_key, other_key) = publishing
    app.config["LABEL_WRITE_CHUNK"] = 500
    inside_chunk, go_on, answered_meanwhile = (
        threading.Event(),
        threading.Event(),
        threading.Event(),
    )
    real_write_chunk = writing.write_chunk
    chunks = []

    def write_chunk(*args):
        if len(chunks) == 3:  # between chunks 3 and 4, until the other write is answered
            answered_meanwhile.wait(15)
        written = real_write_chunk(*args)  # its transaction (and SQLite's lock) still open
        chunks.append(written)
        if len(chunks) == 3:
            inside_chunk.set()
            go_on.wait(30)
        return written

    monkeypatch.setattr(writing, "write_chunk", write_chunk)
    ordered = {}

    def order():
        body = {"isbn": ISBNS[0], "quantity": 5000}
        ordered["response"] = app.test_client().post(
            "/api/v1/label-batches", json=body, headers=batch_key
        )

    writer = threading.Thread(target=order)
    writer.start()
    try:
        assert inside_chunk.wait(30)
        started = time.monotonic()
        me = app.test_client().get("/api/v1/me", headers=other_key)  # a first use: due a write
        assert me.status_code == 200 and time.monotonic() - started < 2  # it did not wait
        batch_id = 1
        assert _written(app, batch_id) == 1000  # chunks 1 and 2; chunk 3 is not committed
        answered = {}

        def write_meanwhile():
            values = {"merchant_id": "shop-1", "merchant_name": "书店", "valid_from": "2026-01-01"}
            answered["response"] = app.test_client().post(
                "/api/v1/authorisations", json=values, headers=other_key
            )
            answered["written"] = _written(app, batch_id)
            answered_meanwhile.set()

        sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
        other = threading.Thread(target=write_meanwhile)
        other.start()
        if sqlite:
            time.sleep(0.2)  # the write waits for the chunk's lock, briefly
        else:  # rows of different tables: answered while chunk 3 is still open
            assert answered_meanwhile.wait(10)
        go_on.set()
        other.join(30)
        assert answered["response"].status_code == 201
        # not after the whole batch: on SQLite once chunk 3 let go of the file's write lock,
        # on PostgreSQL at once
        assert answered["written"] == (1500 if sqlite else 1000)
    finally:
        go_on.set()
        answered_meanwhile.set()
        writer.join(60)
    assert ordered["response"].status_code == 201
    assert ordered["response"].json["status"] == "open"
    assert _written(app, batch_id) == 5000


def test_concurrent_orders_cannot_both_pass_the_quota(publishing):
    app, keys = publishing
    app.config["LABEL_DAILY_QUOTA"] = 100
    start = threading.Barrier(2)
    statuses = []

    def order(key):
        client = app.test_client()
        start.wait(10)
        body = {"isbn": ISBNS[0], "quantity": 60}
        statuses.append(client.post("/api/v1/label-batches", json=body, headers=key).status_code)

    threads = [threading.Thread(target=order, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [201, 409]
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(LabelBatch)) == 1
        _db.session.remove()
