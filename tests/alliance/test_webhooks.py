"""Outbound webhooks: signed, ordered per key, retried with backoff, at least once."""

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from alliance.config import ConfigError
from alliance.db import utcnow
from alliance.extensions import db as _db
from alliance.webhooks import delivery
from alliance.webhooks.delivery import Settings, claim_due, deliver_due, retry_delay
from alliance.webhooks.models import WebhookAttempt, WebhookEvent
from alliance.webhooks.services import queue_event
from alliance.webhooks.settings import read_webhook_settings
from tests.alliance.webhook_receiver import Receiver

SECRET = "test-webhook-secret-0123456789"


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def configured(app, monkeypatch, receiver):
    """Post events to the test receiver, signed with SECRET, with short timeouts."""
    for name, value in {
        "MARKETPLACE_WEBHOOK_URL": receiver.url,
        "MARKETPLACE_WEBHOOK_SECRET": SECRET,
        "MARKETPLACE_WEBHOOK_TIMEOUT": 0.5,
        "MARKETPLACE_WEBHOOK_MAX_ATTEMPTS": 15,
        "MARKETPLACE_WEBHOOK_RETRY_SECONDS": 30.0,
        "MARKETPLACE_WEBHOOK_RETRY_MAX_SECONDS": 3600.0,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    return receiver


@pytest.fixture
def unconfigured(app, monkeypatch):
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", "")


def event(db, event_id) -> WebhookEvent:
    """Read an event again (the delivery task wrote it in a session of its own)."""
    db.session.expire_all()
    return db.session.get(WebhookEvent, event_id)


def attempts(db, event_id) -> list[tuple]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(WebhookAttempt).where(WebhookAttempt.event_id == event_id).order_by(
            WebhookAttempt.id)
    )  # fmt: skip
    return [(row.ok, row.status_code, row.error) for row in rows]


def queue(db, *specs, now=None) -> list[int]:
    """Queue events (type, key, payload) in one transaction and commit it; return their ids."""
    ids = [queue_event(kind, key=key, payload=payload, now=now).id for kind, key, payload in specs]
    db.session.commit()
    return ids


def test_an_event_is_posted_as_signed_compact_json(ctx, db, configured):
    payload = {"listing_id": 42, "reason": "盗版 <b>", "notice": [7, 8]}
    [event_id] = queue(db, ("listing.removed", "listing:42", payload))
    [got] = configured.received
    stored = event(db, event_id)
    created = stored.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    head = f'{{"id":"{stored.delivery_id}","type":"listing.removed","created_at":"{created}",'
    assert (
        got.body == (head + '"data":{"listing_id":42,"reason":"盗版 <b>","notice":[7,8]}}').encode()
    )
    expected = hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-Alliance-Signature"] == f"sha256={expected}"
    assert got.headers["X-Alliance-Delivery"] == stored.delivery_id == got.document["id"]
    assert got.headers["X-Alliance-Event"] == "listing.removed"
    assert got.headers["Content-Type"] == "application/json"
    assert (stored.status, stored.attempts, stored.last_status) == ("delivered", 1, 200)
    assert stored.delivered_at is not None and stored.lease_token is None
    assert attempts(db, event_id) == [(True, 200, None)]


def test_the_signature_covers_exactly_the_bytes_sent(ctx, db, configured):
    queue(db, ("listing.removed", "listing:1", {"text": 'a\u2028b "quoted" \\ é'}))
    [got] = configured.received
    signature = got.headers["X-Alliance-Signature"].removeprefix("sha256=")
    good = hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    tampered = hmac.new(SECRET.encode(), got.body + b" ", hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, good) and signature != tampered
    assert got.document["data"] == {"text": 'a\u2028b "quoted" \\ é'}


def test_delivery_ids_are_unique_and_stable_across_retries(ctx, db, configured):
    configured.respond = lambda _document: 503
    first, second = queue(db, ("listing.removed", "listing:1", {}),
                          ("listing.removed", "listing:2", {}))  # fmt: skip
    assert len(set(configured.ids())) == 2
    bodies = {item.delivery_id: item.body for item in configured.received}
    configured.respond = lambda _document: 200
    deliver_due(now=utcnow() + timedelta(seconds=31))
    assert len(configured.received) == 4
    for item in configured.received[2:]:
        assert bodies[item.delivery_id] == item.body  # the same bytes, the same id
    assert {event(db, first).delivery_id, event(db, second).delivery_id} == set(bodies)
    assert [event(db, first).status, event(db, second).status] == ["delivered", "delivered"]


def test_a_failing_event_blocks_later_events_of_its_key_only(ctx, db, configured):
    configured.respond = lambda document: 500 if document["data"]["n"] == 1 else 200
    one, two, other = queue(
        db,
        ("listing.removed", "listing:7", {"n": 1}),
        ("listing.reinstated", "listing:7", {"n": 2}),
        ("listing.removed", "listing:8", {"n": 3}),
    )
    assert [item.document["data"]["n"] for item in configured.received] == [1, 3]
    assert [event(db, one).status, event(db, two).status, event(db, other).status] == [
        "pending", "pending", "delivered"]  # fmt: skip
    assert event(db, two).attempts == 0
    configured.respond = lambda _document: 200
    deliver_due(now=utcnow() + timedelta(seconds=10))  # not due yet: nothing moves
    assert len(configured.received) == 2
    deliver_due(now=utcnow() + timedelta(seconds=31))
    assert [item.document["data"]["n"] for item in configured.received] == [1, 3, 1, 2]
    assert [event(db, one).status, event(db, two).status] == ["delivered", "delivered"]


def test_a_given_up_event_keeps_later_events_of_its_key_waiting(ctx, db, configured, app,
                                                                monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_MAX_ATTEMPTS", 1)
    configured.respond = lambda document: 500 if document["data"]["n"] == 1 else 200
    one, two = queue(db, ("listing.removed", "listing:7", {"n": 1}),
                     ("listing.reinstated", "listing:7", {"n": 2}))  # fmt: skip
    assert event(db, one).status == "failed"
    deliver_due(now=utcnow() + timedelta(hours=2))
    assert (event(db, two).status, len(configured.received)) == ("pending", 1)


def test_retries_back_off_then_give_up(ctx, db, configured, app, monkeypatch):
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_MAX_ATTEMPTS", 4)
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_RETRY_MAX_SECONDS", 60.0)
    configured.respond = lambda _document: 500
    configured.answer_text = b"  database\n down  "
    t0 = utcnow() + timedelta(days=1)  # later than the immediate run after the commit
    [event_id] = queue(db, ("listing.removed", "listing:1", {}), now=t0)
    assert len(configured.received) == 0  # queued for t0: not due yet
    seen = []
    for offset in (0, 29, 30, 89, 90, 149, 150, 9999):
        deliver_due(now=t0 + timedelta(seconds=offset))
        stored = event(db, event_id)
        seen.append((offset, len(configured.received), stored.status,
                     (stored.next_attempt_at - t0).total_seconds()))  # fmt: skip
    assert seen == [
        (0, 1, "pending", 30),
        (29, 1, "pending", 30),
        (30, 2, "pending", 90),
        (89, 2, "pending", 90),
        (90, 3, "pending", 150),  # 120 s capped at 60 s
        (149, 3, "pending", 150),
        (150, 4, "failed", 210),  # the 4th attempt was the last
        (9999, 4, "failed", 210),
    ]
    assert stored.last_error == "HTTP 500 Internal Server Error: database down"
    assert attempts(db, event_id) == [(False, 500, stored.last_error)] * 4


def test_retry_delays_double_up_to_the_cap():
    assert [retry_delay(n, 30, 3600) for n in (1, 2, 3, 4, 5, 7, 8, 50)] == [
        30, 60, 120, 240, 480, 1920, 3600, 3600]  # fmt: skip


def test_an_old_event_is_given_up_after_the_maximum_age(ctx, db, configured, app, monkeypatch):
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_MAX_AGE", 100.0)
    configured.respond = lambda _document: 500
    t0 = utcnow() + timedelta(days=1)
    [event_id] = queue(db, ("listing.removed", "listing:1", {}), now=t0)
    deliver_due(now=t0)
    deliver_due(now=t0 + timedelta(seconds=30))
    assert event(db, event_id).status == "pending"
    deliver_due(now=t0 + timedelta(seconds=100))
    assert (event(db, event_id).status, event(db, event_id).attempts) == ("failed", 3)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_receiver_that_is_down_stops_the_run_then_recovers(ctx, db, configured, app,
                                                             monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL",
                        f"http://127.0.0.1:{_closed_port()}/hook")  # fmt: skip
    first, second = queue(db, ("listing.removed", "listing:1", {}),
                          ("listing.removed", "listing:2", {}))  # fmt: skip
    [(ok, status, error)] = attempts(db, first)
    assert (ok, status) == (False, None)
    assert error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert (event(db, first).status, event(db, first).attempts) == ("pending", 1)
    # The other was released untried: no attempt counted, no lease kept.
    assert (event(db, second).attempts, event(db, second).lease_until) == (0, None)
    assert attempts(db, second) == []
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", configured.url)
    deliver_due(now=utcnow() + timedelta(seconds=31))
    assert sorted(configured.ids()) == sorted(
        [event(db, first).delivery_id, event(db, second).delivery_id]
    )
    assert [event(db, first).status, event(db, second).status] == ["delivered", "delivered"]


def test_a_slow_receiver_times_out_then_recovers(ctx, db, configured, app, monkeypatch):
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_TIMEOUT", 0.2)
    configured.respond = lambda _document: (0.6, 200)
    [event_id] = queue(db, ("listing.removed", "listing:1", {}))
    [(ok, status, error)] = attempts(db, event_id)
    assert (ok, status, error) == (False, None, "TimeoutError: timed out")
    assert event(db, event_id).status == "pending"
    configured.respond = lambda _document: 200
    deliver_due(now=utcnow() + timedelta(seconds=31))
    assert event(db, event_id).status == "delivered"
    assert [ok for ok, _status, _error in attempts(db, event_id)] == [False, True]


def test_a_refusing_receiver_then_recovering(ctx, db, configured):
    configured.respond = lambda _document: 500
    configured.answer_text = f"bad signature for key {SECRET}".encode()
    [event_id] = queue(db, ("listing.removed", "listing:1", {}))
    stored = event(db, event_id)
    assert (stored.status, stored.last_status) == ("pending", 500)
    assert stored.last_error == "HTTP 500 Internal Server Error: bad signature for key ***"
    configured.respond = lambda _document: 204
    configured.answer_text = b""
    deliver_due(now=utcnow() + timedelta(seconds=31))
    stored = event(db, event_id)
    assert (stored.status, stored.attempts, stored.last_status, stored.last_error) == (
        "delivered", 2, 204, None)  # fmt: skip
    assert attempts(db, event_id) == [
        (False, 500, "HTTP 500 Internal Server Error: bad signature for key ***"),
        (True, 204, None),
    ]


def test_a_redirect_is_not_a_delivery(ctx, db, configured):
    configured.respond = lambda _document: 302
    [event_id] = queue(db, ("listing.removed", "listing:1", {}))
    assert (event(db, event_id).status, event(db, event_id).last_status) == ("pending", 302)


def test_a_claim_of_a_worker_that_died_is_delivered_after_its_lease(
    ctx, db, configured, app, unconfigured, monkeypatch
):
    [event_id] = queue(db, ("listing.removed", "listing:1", {}))  # kept: no URL yet
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", configured.url)
    settings = Settings.of(app.config)
    t0 = utcnow()
    _token, claimed = claim_due(t0, settings)  # a worker claims it, then dies
    assert [item.id for item in claimed] == [event_id]
    assert claim_due(t0, settings)[1] == []  # nobody else may take it meanwhile
    deliver_due(now=t0 + timedelta(seconds=settings.lease - 1))
    assert configured.received == []
    deliver_due(now=t0 + timedelta(seconds=settings.lease))
    assert configured.ids() == [event(db, event_id).delivery_id]
    assert (event(db, event_id).status, event(db, event_id).lease_token) == ("delivered", None)


def test_a_late_answer_of_a_dead_claim_changes_nothing(ctx, db, configured, app, unconfigured,
                                                       monkeypatch):  # fmt: skip
    [event_id] = queue(db, ("listing.removed", "listing:1", {}))
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", configured.url)
    settings = Settings.of(app.config)
    t0 = utcnow()
    old_token, _claimed = claim_due(t0, settings)
    deliver_due(now=t0 + timedelta(seconds=settings.lease))  # the lease ended: delivered
    failure = delivery.Outcome([], [{"b_id": event_id, "b_status": "failed", "b_next": t0,
                                     "b_code": 500, "b_error": "late"}], [], [])  # fmt: skip
    delivery.record(old_token, failure)
    assert (event(db, event_id).status, event(db, event_id).attempts) == ("delivered", 1)


def test_a_rolled_back_decision_writes_no_event(ctx, db, configured):
    queue_event("listing.removed", key="listing:1", payload={"listing_id": 1})
    db.session.rollback()
    assert db.session.scalar(select(func.count(WebhookEvent.id))) == 0
    assert configured.received == []


def test_without_a_url_events_wait_and_are_kept(ctx, db, unconfigured, receiver, app,
                                                monkeypatch):  # fmt: skip
    [event_id] = queue(db, ("listing.removed", "listing:1", {}))
    assert deliver_due(now=utcnow() + timedelta(days=30)) == 0
    stored = event(db, event_id)
    assert (stored.status, stored.attempts) == ("pending", 0)
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", receiver.url)
    assert deliver_due() == 1
    assert receiver.ids() == [stored.delivery_id]


def test_many_events_go_in_batches_over_one_connection(ctx, db, configured, app, monkeypatch):
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_BATCH", 7)
    ids = queue(db, *[("listing.removed", f"listing:{n}", {"n": n}) for n in range(30)])
    assert [item.document["data"]["n"] for item in configured.received] == list(range(30))
    assert {item.headers.get("Connection") for item in configured.received} == {None}
    statuses = db.session.scalars(select(WebhookEvent.status).where(WebhookEvent.id.in_(ids)))
    assert set(statuses) == {"delivered"}


def test_the_sweep_delivers_what_is_due(ctx, db, configured, unconfigured, app, monkeypatch):
    [event_id] = queue(db, ("listing.removed", "listing:1", {}))
    monkeypatch.setitem(app.config, "MARKETPLACE_WEBHOOK_URL", configured.url)
    delivery.sweep_webhooks()
    assert event(db, event_id).status == "delivered"


def test_queue_event_refuses_what_cannot_be_posted(ctx, db):
    with pytest.raises(ValueError, match="event type"):
        queue_event("", key="listing:1", payload={})
    with pytest.raises(ValueError, match="event key"):
        queue_event("listing.removed", key="x" * 201, payload={})
    with pytest.raises(ValueError, match="Out of range"):
        queue_event("listing.removed", key="listing:1", payload={"price": float("nan")})
    with pytest.raises(TypeError):
        queue_event("listing.removed", key="listing:1", payload={"when": object()})


def _settings_app(env: str) -> Flask:
    app = Flask(__name__)
    app.config["ENV_NAME"] = env
    return app


def test_settings_have_defaults(monkeypatch):
    for name in ("URL", "SECRET", "TIMEOUT", "MAX_ATTEMPTS"):
        monkeypatch.delenv(f"MARKETPLACE_WEBHOOK_{name}", raising=False)
    app = _settings_app("production")
    read_webhook_settings(app)
    assert (app.config["MARKETPLACE_WEBHOOK_URL"], app.config["MARKETPLACE_WEBHOOK_TIMEOUT"],
            app.config["MARKETPLACE_WEBHOOK_MAX_ATTEMPTS"]) == ("", 5.0, 15)  # fmt: skip


def test_production_needs_the_secret_with_a_url(monkeypatch):
    monkeypatch.setenv("MARKETPLACE_WEBHOOK_URL", "https://market.example.com/hooks")
    monkeypatch.delenv("MARKETPLACE_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ConfigError, match="MARKETPLACE_WEBHOOK_SECRET is not set"):
        read_webhook_settings(_settings_app("production"))
    read_webhook_settings(_settings_app("test"))  # a test may post unsigned
    monkeypatch.setenv("MARKETPLACE_WEBHOOK_SECRET", "s" * 40)
    app = _settings_app("production")
    read_webhook_settings(app)
    assert app.config["MARKETPLACE_WEBHOOK_SECRET"] == "s" * 40


@pytest.mark.parametrize("url", ["ftp://market.example.com/x", "market.example.com/hooks"])
def test_a_url_that_is_not_http_is_refused(monkeypatch, url):
    monkeypatch.setenv("MARKETPLACE_WEBHOOK_URL", url)
    monkeypatch.setenv("MARKETPLACE_WEBHOOK_TIMEOUT", "3")
    with pytest.raises(ConfigError, match="must be an http"):
        read_webhook_settings(_settings_app("test"))


def test_a_bad_timeout_is_refused(monkeypatch):
    monkeypatch.setenv("MARKETPLACE_WEBHOOK_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="MARKETPLACE_WEBHOOK_TIMEOUT must be a number"):
        read_webhook_settings(_settings_app("test"))


def test_the_body_is_the_documented_envelope():
    moment = utcnow().replace(microsecond=5)
    body = delivery.body_of("d-1", "listing.removed", moment, {"a": "书"})
    assert json.loads(body) == {"id": "d-1", "type": "listing.removed",
                                "created_at": moment.strftime("%Y-%m-%dT%H:%M:%S.000005Z"),
                                "data": {"a": "书"}}  # fmt: skip
    assert "书".encode() in body and b" " not in body


def test_a_lease_shorter_than_a_request_is_refused(monkeypatch):
    monkeypatch.setenv("MARKETPLACE_WEBHOOK_TIMEOUT", "10")
    monkeypatch.setenv("MARKETPLACE_WEBHOOK_LEASE", "10")
    with pytest.raises(ConfigError, match="MARKETPLACE_WEBHOOK_LEASE must be longer"):
        read_webhook_settings(_settings_app("test"))


def test_two_workers_at_once_post_each_event_once(own_database, receiver):
    app = own_database
    app.config.update(MARKETPLACE_WEBHOOK_URL="", MARKETPLACE_WEBHOOK_SECRET=SECRET,
                      MARKETPLACE_WEBHOOK_BATCH=5)  # fmt: skip
    with app.app_context():
        specs = [("listing.removed", f"listing:{n // 2}", {"n": n}) for n in range(60)]
        ids = [queue_event(kind, key=key, payload=data).id for kind, key, data in specs]
        _db.session.commit()
        _db.session.remove()
    app.config["MARKETPLACE_WEBHOOK_URL"] = receiver.url
    delivered, failures = [], []

    def worker():
        try:
            with app.app_context():
                delivered.append(deliver_due())
        except Exception as error:  # shown by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [] and sum(delivered) == 60
    assert len(receiver.received) == 60 and len(set(receiver.ids())) == 60
    numbers = [item.document["data"]["n"] for item in receiver.received]
    for n in range(0, 60, 2):  # the two events of a listing, in order
        assert numbers.index(n) < numbers.index(n + 1)
    with app.app_context():
        statuses = _db.session.scalars(select(WebhookEvent.status).where(WebhookEvent.id.in_(ids)))
        assert set(statuses) == {"delivered"}


def test_a_transaction_of_many_events_queues_one_delivery_task(ctx, db, monkeypatch):
    from alliance.jobs import queue as jobs_queue

    queued = []
    monkeypatch.setattr(jobs_queue, "enqueue", lambda func, *args: queued.append(func))
    queue(db, *[("listing.removed", f"listing:{n}", {}) for n in range(3)])
    assert queued == [deliver_due]
    queue(db, ("listing.removed", "listing:9", {}))
    assert queued == [deliver_due, deliver_due]  # one per committed transaction


def test_delivered_events_are_deleted_after_their_keeping_time(ctx, db, configured):
    from alliance.webhooks.retention import prune_delivered

    old, recent, given_up = queue(
        db, *(("listing.removed", f"listing:{n}", {"listing_id": n}) for n in (1, 2, 3))
    )
    deliver_due()
    long_ago = utcnow() - timedelta(days=91)
    db.session.expire_all()
    db.session.get(WebhookEvent, old).delivered_at = long_ago
    db.session.get(WebhookEvent, recent).delivered_at = utcnow() - timedelta(days=89)
    abandoned = db.session.get(WebhookEvent, given_up)
    abandoned.status, abandoned.delivered_at = "failed", None
    db.session.commit()

    assert prune_delivered() == 1
    db.session.expire_all()
    assert set(db.session.scalars(select(WebhookEvent.id))) == {recent, given_up}
    assert attempts(db, old) == []
    assert attempts(db, recent) != []
    assert prune_delivered() == 0
