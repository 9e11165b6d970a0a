"""Create, revoke and resolve personal API keys."""

import hashlib
import logging
import secrets
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from alliance import audit
from alliance.api.models import ApiKey
from alliance.auth.models import User
from alliance.db import utcnow
from alliance.errors import ConflictError, DomainError
from alliance.extensions import db
from alliance.i18n import _l

KEY_PREFIX = "ba_"
MAX_ACTIVE_KEYS = 20
LAST_USED_RESOLUTION = timedelta(minutes=5)  # a key's use is written at most this often
log = logging.getLogger(__name__)


def hash_key(key: str) -> str:
    """Return the stored hash of a key (keys are long random strings, so SHA-256 suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(user: User, name: str) -> tuple[ApiKey, str]:
    """Make a key for `user`; return the record and the key, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Give the key a name, such as the system that will use it."))
    if not user.active:
        raise DomainError(_l("This account is deactivated."))
    active = db.session.scalar(
        select(db.func.count(ApiKey.id)).where(
            ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None)
        )
    )
    if active >= MAX_ACTIVE_KEYS:
        raise ConflictError(
            _l("You already have %(n)s active keys. Revoke one first.", n=MAX_ACTIVE_KEYS)
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(user=user, name=name[:100], prefix=key[:10], key_hash=hash_key(key))
    db.session.add(record)
    db.session.flush()
    audit.record(user, "api_key.create", record, None, record.audit_state())
    return record, key


def revoke_api_key(actor: User, record: ApiKey) -> None:
    """Revoke a key at once; a revoked key stays revoked."""
    if record.revoked_at is not None:
        raise ConflictError(_l("This key is already revoked."))
    before = record.audit_state()
    record.revoked_at = utcnow()
    audit.record(actor, "api_key.revoke", record, before, record.audit_state())


def user_for_key(key: str) -> User | None:
    """Return the active user of an active key, noting when the key was last used."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    record = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    if record is None or not record.active or not record.user.active:
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        _note_use(record, now)
    return record.user


def _note_use(record: ApiKey, now) -> None:
    """Write the key's last use, unless the database is busy writing something else.

    A request that only reads holds no write lock (alliance/db.py); this one UPDATE, at
    most once per LAST_USED_RESOLUTION, is the only write such a request makes, and it is
    given up rather than waited for: the next request notes the use instead.
    """
    statement = (
        update(ApiKey)
        .where(
            ApiKey.id == record.id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except OperationalError:
        log.info("the last use of API key %s is noted later (the database is busy)", record.id)
        return
    set_committed_value(record, "last_used_at", now)


def keys_of(user: User) -> list[ApiKey]:
    """Return a user's keys, newest first."""
    return list(
        db.session.scalars(
            select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at.desc())
        )
    )
