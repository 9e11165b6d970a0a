"""Start, run, watch and retry jobs; a job kind is a function that a domain registers."""

import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from alliance import audit
from alliance.auth.models import User
from alliance.auth.roles import Role
from alliance.db import utcnow
from alliance.errors import DomainError, NotFoundError
from alliance.extensions import db
from alliance.i18n import LANGUAGES, _l, current_language
from alliance.jobs.models import JOB_WORKFLOW, Job, JobStatus
from alliance.jobs.queue import after_commit, enqueue, periodic, task
from alliance.notifications.services import Rendered, notification_kind, notify

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 0.5  # a job writes its progress at most this often
JOB_FINISHED = "job_finished"
SQLITE_BUSY_MS = 10_000  # as alliance.db sets it on every connection


class JobRejected(DomainError):
    """The job's work was refused as a whole, with problems to show (e.g. rows of a file)."""

    def __init__(self, message, problems: list, result: dict | None = None):
        super().__init__(message)
        self.problems = problems
        self.result = result


@dataclass(frozen=True)
class JobKind:
    """What a kind of job is called and the function that does it."""

    name: str
    label: object  # a lazy translation
    run: Callable  # run(job, progress) -> result dict


_kinds: dict[str, JobKind] = {}


def job_kind(name: str, label):
    """Register the function that runs jobs of kind `name` (it gets the job and a progress)."""

    def decorator(func):
        _kinds[name] = JobKind(name, label, func)
        return func

    return decorator


def kind_label(name: str):
    """Return the translated name of a job kind."""
    kind = _kinds.get(name)
    return kind.label if kind else name


def start_job(actor: User | None, kind: str, params: dict) -> Job:
    """Queue a job of `kind` for `actor`; it runs once this transaction commits."""
    if kind not in _kinds:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        kind=kind,
        owner=actor,
        params=params,
        status=JobStatus.QUEUED.value,
        language=current_language(),  # the job speaks the language it was started in
    )
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "job.start", job, None, job.audit_state())
    after_commit(run_job, job.id)
    return job


def retry_job(actor: User, job: Job) -> None:
    """Queue a failed job again, keeping its input."""
    before = job.audit_state()
    JOB_WORKFLOW.move(job, JobStatus.QUEUED)
    job.progress, job.stage, job.error, job.problems, job.result = 0.0, "", None, None, None
    job.started_at = job.heartbeat_at = job.finished_at = None
    audit.record(actor, "job.retry", job, before, job.audit_state())
    after_commit(run_job, job.id)


def job_for(user: User, job_id: int) -> Job:
    """Return a job its owner (or an administrator) may see; anyone else's is not found."""
    job = db.session.get(Job, job_id)
    if job is None or (job.owner_id != user.id and not user.has_role(Role.ADMIN)):
        raise NotFoundError(_l("No such job."))
    return job


def jobs_of(user: User):
    """Select a user's jobs, newest first."""
    return select(Job).where(Job.owner_id == user.id).order_by(Job.id.desc())


class Progress:
    """Report how far a job has got, in its own short transactions, at most twice a second.

    The writes go through their own connection, so the page sees them while the job's own
    transaction is still open; when that connection cannot write at once (SQLite while the
    job itself writes), the report is skipped, never waited for.
    """

    def __init__(self, job_id: int, connect: Callable):
        self.job_id = job_id
        self.connect = connect
        self._written_at = float("-inf")

    def __call__(self, fraction: float, stage=None, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written_at < PROGRESS_EVERY_SECONDS:
            return
        self._written_at = now
        values = {"progress": min(max(float(fraction), 0.0), 1.0), "heartbeat_at": utcnow()}
        if stage is not None:
            values["stage"] = str(stage)[:200]
        try:
            with self.connect() as connection:
                connection.execute(update(Job).where(Job.id == self.job_id).values(**values))
        except OperationalError as error:
            log.info("job %s progress not written now: %s", self.job_id, error.orig)


@contextmanager
def progress_connection():
    """Yield a connection in a transaction for a progress report; it never waits for a lock."""
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection  # set before SQLAlchemy begins
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            raw.execute("PRAGMA busy_timeout = 0")
        try:
            with connection.begin():
                yield connection
        finally:
            if sqlite:
                raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")


@task()
def run_job(job_id: int) -> None:
    """Run a queued job once: claim it, do it, record the result or the error."""
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED.value)
        .values(
            status=JobStatus.RUNNING.value,
            started_at=now,
            heartbeat_at=now,
            attempts=Job.attempts + 1,
        )
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return  # already run, running elsewhere, or gone: a task may arrive twice
    job = db.session.get(Job, job_id)
    kind = _kinds[job.kind]
    connect = current_app.extensions["jobs_progress_connection"]
    try:
        with force_locale(LANGUAGES[job.language]):
            result = kind.run(job, Progress(job.id, connect))
    except JobRejected as rejected:
        db.session.rollback()
        _finish(job_id, JobStatus.FAILED, error=rejected.message, problems=rejected.problems,
                result=rejected.result)  # fmt: skip
    except DomainError as refused:
        db.session.rollback()
        _finish(job_id, JobStatus.FAILED, error=refused.message)
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, JobStatus.FAILED, error=_l("Something went wrong on our side."))
    else:
        db.session.commit()
        _finish(job_id, JobStatus.DONE, result=result or {})


def _finish(job_id: int, status: JobStatus, error=None, **values) -> None:
    job = db.session.get(Job, job_id)
    before = job.audit_state()
    JOB_WORKFLOW.move(job, status)
    if error is not None:
        with force_locale(LANGUAGES[job.language]):
            job.error = str(error)
    for name, value in values.items():
        setattr(job, name, value)
    if status == JobStatus.DONE:
        job.progress = 1.0
    job.finished_at = utcnow()
    audit.record(job.owner, f"job.{status.value}", job, before, job.audit_state())
    if job.owner is not None:
        notify([job.owner], JOB_FINISHED, job_id=job.id, job_kind=job.kind, status=status.value)
    db.session.commit()


@notification_kind(JOB_FINISHED, _l("A job you started has finished"))
def _job_finished(params: dict) -> Rendered:
    label, number = kind_label(params["job_kind"]), params["job_id"]
    if params["status"] == JobStatus.DONE:
        text = _l("%(job)s #%(number)s is done.", job=label, number=number)
    else:
        text = _l("%(job)s #%(number)s failed. See why, and retry it.", job=label, number=number)
    return Rendered(str(text), "jobs.detail", {"job_id": number})


@periodic(minute="*")
def sweep_jobs() -> None:
    """Fail jobs whose worker stopped (no sign of life), and queue again jobs never picked up."""
    now = utcnow()
    timeout = timedelta(seconds=current_app.config["JOB_TIMEOUT_SECONDS"])
    stuck = db.session.scalars(
        select(Job).where(Job.status == JobStatus.RUNNING.value, Job.heartbeat_at < now - timeout)
    ).all()
    for job in stuck:
        before = job.audit_state()
        JOB_WORKFLOW.move(job, JobStatus.FAILED)
        with force_locale(LANGUAGES[job.language]):
            job.error = str(_l("The job stopped before it finished (its worker ended). Retry it."))
        job.finished_at = now
        audit.record(None, "job.failed", job, before, job.audit_state())
    lost = db.session.scalars(
        select(Job.id).where(Job.status == JobStatus.QUEUED.value, Job.created_at < now - timeout)
    ).all()
    db.session.commit()
    for job_id in lost:
        enqueue(run_job, job_id)
