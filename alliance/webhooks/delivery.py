"""Deliver the outbox to the marketplace: claim due events, post them signed, record, retry.

A run claims a batch of due events with one conditional UPDATE (a lease: a worker that dies
leaves them due again once it ends), commits, posts them one after another over one
keep-alive connection, then records every answer in one transaction, and goes on while
events are due. An event waits while an earlier event of its key is undelivered, so the
events of one key arrive in order. Delivery is at least once: the receiver de-duplicates by
X-Alliance-Delivery, which stays the same on every attempt and resend.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import bindparam, insert, or_, select, update

from alliance.db import utcnow
from alliance.extensions import db
from alliance.jobs.queue import enqueue, periodic, task
from alliance.webhooks.models import ERROR_LENGTH, EventStatus, WebhookAttempt, WebhookEvent

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Alliance-Signature"
DELIVERY_HEADER = "X-Alliance-Delivery"
EVENT_HEADER = "X-Alliance-Event"
USER_AGENT = "BookAlliance-Webhooks/1"
ANSWER_KEPT = 200  # characters of a refusing answer's body kept with the attempt
READ_LIMIT = 64 * 1024  # a longer answer is not read to its end: the connection is closed

_events = WebhookEvent.__table__
_attempts = WebhookAttempt.__table__
PENDING, DELIVERED, FAILED = (status.value for status in EventStatus)


def sign(body: bytes, secret: str) -> str:
    """Return the X-Alliance-Signature of `body`: sha256=<hex HMAC-SHA256 keyed by secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def iso_utc(moment: datetime) -> str:
    """Write a moment as ISO 8601 in UTC, to the microsecond, ending in Z."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def body_of(delivery_id: str, event_type: str, created_at: datetime, payload) -> bytes:
    """Return the JSON posted for an event: compact UTF-8, the same bytes on every attempt."""
    document = {
        "id": delivery_id,
        "type": event_type,
        "created_at": iso_utc(created_at),
        "data": payload,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def retry_delay(attempts: int, first: float, longest: float) -> float:
    """Return the seconds to wait after `attempts` failed attempts: first, doubled, capped."""
    return min(first * 2 ** min(attempts - 1, 40), longest)


@dataclass(frozen=True)
class Settings:
    """The delivery settings of the app, read once a run."""

    url: str
    secret: str
    timeout: float
    max_attempts: int
    max_age: timedelta
    retry_first: float
    retry_longest: float
    batch: int
    lease: float
    run_seconds: float

    @classmethod
    def of(cls, config) -> "Settings":
        """Read the MARKETPLACE_WEBHOOK_* settings of an app's config."""
        return cls(
            url=config["MARKETPLACE_WEBHOOK_URL"],
            secret=config["MARKETPLACE_WEBHOOK_SECRET"],
            timeout=config["MARKETPLACE_WEBHOOK_TIMEOUT"],
            max_attempts=config["MARKETPLACE_WEBHOOK_MAX_ATTEMPTS"],
            max_age=timedelta(seconds=config["MARKETPLACE_WEBHOOK_MAX_AGE"]),
            retry_first=config["MARKETPLACE_WEBHOOK_RETRY_SECONDS"],
            retry_longest=config["MARKETPLACE_WEBHOOK_RETRY_MAX_SECONDS"],
            batch=config["MARKETPLACE_WEBHOOK_BATCH"],
            lease=config["MARKETPLACE_WEBHOOK_LEASE"],
            run_seconds=config["MARKETPLACE_WEBHOOK_RUN_SECONDS"],
        )


class Sender:
    """Post to one address over one kept-alive connection, opened again when it was closed."""

    def __init__(self, url: str, timeout: float):
        parts = urlsplit(url)
        self.factory = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
        if parts.username is not None:  # credentials in the address: sent as Basic auth
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        self.connection = None

    def post(self, body: bytes, headers: dict) -> tuple[int, str]:
        """Post `body`; return the answer's status and a short text of it (for refusals)."""
        headers = {**self.headers, **headers}
        for last_try in (False, True):
            reused = self.connection is not None
            if not reused:
                self.connection = self.factory(self.host, self.port, timeout=self.timeout)
            try:
                self.connection.request("POST", self.target, body=body, headers=headers)
                response = self.connection.getresponse()
                answer = response.read(READ_LIMIT + 1)
            except (ConnectionResetError, BrokenPipeError, HTTPException):
                self.close()
                if reused and not last_try:
                    continue  # the receiver closed the idle connection: once more on a new one
                raise
            except BaseException:
                self.close()
                raise
            if len(answer) > READ_LIMIT or response.will_close:
                self.close()
            return response.status, _answer_text(response.reason, answer)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close the connection (the next post opens another)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _answer_text(reason: str, answer: bytes) -> str:
    text = " ".join(answer[:ANSWER_KEPT].decode("utf-8", "replace").split())
    return f"{reason}: {text}" if text else reason


def _scrubbed(text: str, settings: Settings) -> str:
    """Trim a text kept with an attempt, and never keep the secret in it."""
    if settings.secret:
        text = text.replace(settings.secret, "***")
    return text[:ERROR_LENGTH]


@dataclass(frozen=True)
class Claimed:
    """A due event this run holds the lease of."""

    id: int
    delivery_id: str
    event_type: str
    payload: object
    created_at: datetime
    queued_at: datetime
    attempts: int


def claim_due(now: datetime, settings: Settings) -> tuple[str, list[Claimed]]:
    """Take the lease of a batch of due events (oldest first) and commit; return the claim.

    Due: waiting, its next attempt come, no live lease, and no earlier undelivered event of
    its key. One conditional UPDATE: two workers never hold the same event at once (on
    PostgreSQL the second skips the rows the first is claiming; on SQLite the writes queue).
    """
    candidate, earlier = _events.alias("candidate"), _events.alias("earlier")
    blocked = (
        select(earlier.c.id)
        .where(
            earlier.c.key == candidate.c.key,
            earlier.c.id < candidate.c.id,
            earlier.c.status != DELIVERED,
        )
        .exists()
    )
    due = (
        select(candidate.c.id)
        .where(
            candidate.c.status == PENDING,
            candidate.c.next_attempt_at <= now,
            or_(candidate.c.lease_until.is_(None), candidate.c.lease_until <= now),
            ~blocked,
        )
        .order_by(candidate.c.id)
        .limit(settings.batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True, of=candidate)
    token = uuid.uuid4().hex
    rows = db.session.execute(
        update(_events)
        .where(
            _events.c.id.in_(due),
            _events.c.status == PENDING,
            or_(_events.c.lease_until.is_(None), _events.c.lease_until <= now),
        )
        .values(lease_until=now + timedelta(seconds=settings.lease), lease_token=token)
        .returning(
            _events.c.id,
            _events.c.delivery_id,
            _events.c.event_type,
            _events.c.payload,
            _events.c.created_at,
            _events.c.queued_at,
            _events.c.attempts,
        )
    ).all()
    db.session.commit()
    return token, sorted((Claimed(*row) for row in rows), key=lambda event: event.id)


@dataclass
class Outcome:
    """What posting a claimed batch gave, to be recorded in one transaction."""

    delivered: list[dict]
    retried: list[dict]
    attempts: list[dict]
    released: list[int]
    unreachable: bool = False  # the receiver did not answer: stop this run


def post_batch(sender: Sender, batch: list[Claimed], settings: Settings, now=None) -> Outcome:
    """Post each claimed event in turn; stop at the first that gets no answer at all.

    The events left when the receiver does not answer, or when the lease nears its end, are
    released untried (the lease would otherwise let another worker post them meanwhile).
    """
    outcome = Outcome([], [], [], [])
    must_stop_at = time.monotonic() + max(settings.lease - settings.timeout, 0)
    for position, event in enumerate(batch):
        if outcome.unreachable or (position and time.monotonic() > must_stop_at):
            outcome.released = [untried.id for untried in batch[position:]]
            break
        body = body_of(event.delivery_id, event.event_type, event.created_at, event.payload)
        headers = {
            SIGNATURE_HEADER: sign(body, settings.secret),
            DELIVERY_HEADER: event.delivery_id,
            EVENT_HEADER: event.event_type,
        }
        at = now or utcnow()
        started = time.perf_counter()
        try:
            status, answer = sender.post(body, headers)
            error = None if 200 <= status < 300 else f"HTTP {status} {answer}"
        except (OSError, HTTPException) as failure:
            status, error = None, f"{type(failure).__name__}: {failure}"
            outcome.unreachable = True
        duration_ms = round((time.perf_counter() - started) * 1000)
        error = _scrubbed(error, settings) if error else None
        outcome.attempts.append(
            {"event_id": event.id, "attempted_at": at, "ok": error is None,
             "status_code": status, "error": error, "duration_ms": duration_ms}
        )  # fmt: skip
        if error is None:
            outcome.delivered.append({"b_id": event.id, "b_at": at, "b_code": status})
            continue
        attempts = event.attempts + 1
        give_up = attempts >= settings.max_attempts or at - event.queued_at >= settings.max_age
        wait = timedelta(
            seconds=retry_delay(attempts, settings.retry_first, settings.retry_longest)
        )
        outcome.retried.append(
            {"b_id": event.id, "b_status": FAILED if give_up else PENDING,
             "b_next": at + wait, "b_code": status, "b_error": error}
        )  # fmt: skip
    return outcome


def record(token: str, outcome: Outcome) -> None:
    """Write what a batch gave, in one transaction: the events' states and every attempt."""
    session = db.session
    held = _events.c.lease_token == token
    if outcome.delivered:
        # Delivered is true whoever holds the lease now (a slow run's may have ended).
        session.execute(
            update(_events)
            .where(_events.c.id == bindparam("b_id"), _events.c.status == PENDING)
            .values(
                status=DELIVERED,
                delivered_at=bindparam("b_at", type_=_events.c.delivered_at.type),
                attempts=_events.c.attempts + 1,
                last_status=bindparam("b_code"),
                last_error=None,
                lease_until=None,
                lease_token=None,
            ),
            outcome.delivered,
        )
    if outcome.retried:
        session.execute(
            update(_events)
            .where(_events.c.id == bindparam("b_id"), held)
            .values(
                status=bindparam("b_status"),
                next_attempt_at=bindparam("b_next", type_=_events.c.next_attempt_at.type),
                attempts=_events.c.attempts + 1,
                last_status=bindparam("b_code"),
                last_error=bindparam("b_error"),
                lease_until=None,
                lease_token=None,
            ),
            outcome.retried,
        )
    if outcome.released:
        session.execute(
            update(_events)
            .where(_events.c.id.in_(outcome.released), held)
            .values(lease_until=None, lease_token=None)
        )
    if outcome.attempts:
        session.execute(insert(_attempts), outcome.attempts)
    session.commit()


@task()
def deliver_due(now: datetime | None = None) -> int:
    """Deliver the due events, batch after batch, until none is due; return how many arrived.

    Nothing is posted while MARKETPLACE_WEBHOOK_URL is unset: the events wait. A run that
    has worked its time queues the next one; one whose receiver does not answer stops (the
    sweep tries again within a minute, and the events back off).
    """
    settings = Settings.of(current_app.config)
    if not settings.url:
        return 0
    sender = Sender(settings.url, settings.timeout)
    started, delivered = time.monotonic(), 0
    try:
        while True:
            token, batch = claim_due(now or utcnow(), settings)
            if not batch:
                break
            outcome = post_batch(sender, batch, settings, now)
            record(token, outcome)
            delivered += len(outcome.delivered)
            if outcome.retried:
                log.info("webhooks: %s of %s events refused or unanswered",
                         len(outcome.retried), len(batch))  # fmt: skip
            if outcome.unreachable or outcome.released:
                break
            if time.monotonic() - started > settings.run_seconds:
                enqueue(deliver_due)
                break
    finally:
        sender.close()
    return delivered


@periodic(minute="*")
def sweep_webhooks() -> None:
    """Deliver whatever is due: retries whose time came, claims of dead workers, lost tasks."""
    deliver_due()
