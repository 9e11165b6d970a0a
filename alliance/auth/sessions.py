"""Login sessions: a row per device, named by its cookie; ending one deletes the row."""

import hmac
import logging
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import OperationalError

from alliance.auth.models import LoginSession, User, new_secret, secret_hash
from alliance.db import utcnow
from alliance.extensions import db

log = logging.getLogger(__name__)

# How often a session's last use is written (a read must not write on every request).
TOUCH_EVERY = timedelta(minutes=10)
# A session unused this long has ended.
IDLE_LIMIT = timedelta(days=30)
_LARGEST_ID = 2**31 - 1


def start(user: User, user_agent: str = "") -> None:
    """Open a login session for `user` and give the user object its cookie credential."""
    secret = new_secret()
    row = LoginSession(user=user, secret_hash=secret_hash(secret), user_agent=user_agent[:200])
    db.session.add(row)
    db.session.flush()
    user.session_credential = f"{row.id}:{secret}"


def _row_for(credential: str) -> LoginSession | None:
    """Return the session a credential names, when its secret matches."""
    session_id, _, secret = (credential or "").partition(":")
    if not session_id.isdigit() or len(session_id) > 10 or not secret or len(secret) > 64:
        return None
    if int(session_id) > _LARGEST_ID:
        return None
    row = db.session.get(LoginSession, int(session_id))
    if row is None or not hmac.compare_digest(row.secret_hash, secret_hash(secret)):
        return None
    return row


def user_for(credential: str) -> User | None:
    """Return the active user of a live session, noting its use now and then; else None."""
    row = _row_for(credential)
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if now - row.last_seen_at > IDLE_LIMIT:
        _write_now(delete(LoginSession).where(LoginSession.id == row.id))
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        _write_now(update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now))
    user = row.user
    user.session_credential = credential
    return user


def _write_now(statement) -> None:
    """Write a session's bookkeeping at once, or give it up when the database is busy.

    It runs while the user is loaded, before the request's own work: a reading request must
    not wait for (or fail on) another connection's write lock for it; the next request
    writes it instead.
    """
    try:
        db.session.execute(statement.execution_options(synchronize_session=False))
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        log.info("a login session's last use is written later (the database is busy)")


def end(credential: str) -> None:
    """End the session a credential names (logging out): its cookie opens nothing any more."""
    row = _row_for(credential)
    if row is not None:
        db.session.delete(row)


def end_all(user: User, keep: str | None = None) -> int:
    """End every session of `user` (but the one `keep` names); return how many ended."""
    statement = delete(LoginSession).where(LoginSession.user_id == user.id)
    kept = _row_for(keep) if keep else None
    if kept is not None:
        statement = statement.where(LoginSession.id != kept.id)
    return db.session.execute(statement).rowcount


def sessions_of(user: User) -> list[LoginSession]:
    """Return a user's open sessions, most recently used first."""
    return list(
        db.session.scalars(
            db.select(LoginSession)
            .where(LoginSession.user_id == user.id)
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )
