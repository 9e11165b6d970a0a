"""The background queue (Huey): tasks declared at import, bound to each app's queue at start.

SQLite in the instance folder by default, Redis when JOBS_URL=redis://...; tests run every
task at once (immediate). A task runs in its own app context, commits its own work, and may
run twice: each must be idempotent.
"""

import logging
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from alliance.extensions import db
from alliance.sealing import fernet

log = logging.getLogger(__name__)

_declared: dict[str, tuple[Callable, dict]] = {}
_PENDING = "alliance_jobs_after_commit"
_building = threading.Lock()


def task(*, retries: int = 0, retry_delay: int = 30, name: str | None = None):
    """Declare a background task: run it with enqueue(fn, ...) or after_commit(fn, ...)."""

    def decorator(func):
        func.task_name = name or f"{func.__module__}.{func.__name__}"
        _declared[func.task_name] = (func, {"retries": retries, "retry_delay": retry_delay})
        return func

    return decorator


def periodic(*, name: str | None = None, **when: str):
    """Declare a task the worker runs on a schedule: crontab fields, e.g. minute="*/5"."""

    def decorator(func):
        func.task_name = name or f"{func.__module__}.{func.__name__}"
        _declared[func.task_name] = (func, {"schedule": when})
        return func

    return decorator


def queue_of(app: Flask):
    """Return the app's queue, built on first use: a command or page that queues nothing never
    loads Huey (nor the Redis client it imports)."""
    queue = app.extensions.get("jobs_queue")
    if queue is None:
        with _building:
            queue = app.extensions.get("jobs_queue") or _build_queue(app)
    return queue


def enqueue(func, *args) -> None:
    """Put a task on the queue now (arguments must be JSON-like values: ids, not objects)."""
    queue_of(current_app._get_current_object()).alliance_tasks[func.task_name](*args)


def after_commit(func, *args) -> None:
    """Put a task on the queue once the current transaction commits (never if it rolls back).

    A task must not look for rows its caller has not committed yet; nor run for a decision
    that was rolled back.
    """
    db.session.info.setdefault(_PENDING, []).append((current_app._get_current_object(), func, args))


def after_commit_once(func, *args) -> None:
    """Like after_commit, but queue `func(*args)` once however often the transaction asks
    (e.g. one delivery task for a decision that writes many outbox events)."""
    pending = db.session.info.setdefault(_PENDING, [])
    entry = (current_app._get_current_object(), func, args)
    if entry not in pending:
        pending.append(entry)


@event.listens_for(Session, "after_commit")
def _send_pending(session) -> None:
    pending = session.info.pop(_PENDING, [])
    for app, func, args in pending:
        with app.app_context():
            enqueue(func, *args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session, _previous) -> None:
    session.info.pop(_PENDING, None)


def _in_app_context(app: Flask, func: Callable) -> Callable:
    """Run `func` in an app context of its own, committing on success, rolling back on error."""

    @wraps(func)
    def run(*args):
        with app.app_context():
            try:
                value = func(*args)
                db.session.commit()
                return value
            except Exception:
                db.session.rollback()
                log.exception("task %s failed", func.task_name)
                raise

    return run


def _build_queue(app: Flask):
    """Build the app's queue from JOBS_URL and bind every declared task to it."""
    from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

    from alliance.jobs.sealed import SealedSerializer

    url = app.config["JOBS_URL"]
    serializer = SealedSerializer(fernet(app.config["SECRET_KEY"], "job queue"))
    if app.config["JOBS_IMMEDIATE"]:
        queue = MemoryHuey("book-alliance", immediate=True, serializer=serializer)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        queue = RedisHuey("book-alliance", url=url, serializer=serializer)
    else:
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        queue = SqliteHuey("book-alliance", filename=str(path), serializer=serializer)
    queue.alliance_tasks = {}
    for name, (func, settings) in _declared.items():
        runner = _in_app_context(app, func)
        if "schedule" in settings:
            wrapper = queue.periodic_task(crontab(**settings["schedule"]), name=name)(runner)
        else:
            wrapper = queue.task(name=name, **settings)(runner)
        queue.alliance_tasks[name] = wrapper
    app.extensions["jobs_queue"] = queue
    return queue
