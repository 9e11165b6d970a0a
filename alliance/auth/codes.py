"""One-time codes sent to an email address or mobile number, to prove it is the user's."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from alliance.auth.identifiers import Login
from alliance.auth.models import OneTimeCode
from alliance.db import utcnow
from alliance.extensions import db
from alliance.mail import send_mail_after_commit
from alliance.sms import send_sms_after_commit

DIGITS = 6
LIFETIME = timedelta(minutes=15)
MAX_ATTEMPTS = 5  # wrong guesses before a code stops working


def _hash(purpose: str, login: str, code: str) -> bytes:
    """Key the hash with the server's secret: six digits alone would be guessed from a copy."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.digest(key, f"{purpose}\n{login}\n{code}".encode(), hashlib.sha256)


def issue(purpose: str, login: Login, payload: dict | None = None) -> str:
    """Store a new code for `login` (earlier ones stop working) and return it, to be sent."""
    now = utcnow()
    db.session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.purpose == purpose,
            OneTimeCode.login == login.value,
            OneTimeCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    db.session.add(
        OneTimeCode(
            purpose=purpose,
            login=login.value,
            code_hash=_hash(purpose, login.value, code),
            payload=payload or {},
            created_at=now,
            expires_at=now + LIFETIME,
        )
    )
    db.session.flush()
    return code


def redeem(purpose: str, login: str, code: str) -> OneTimeCode | None:
    """Spend the live code of `login` when `code` matches it; else count a wrong guess."""
    row = db.session.scalar(
        select(OneTimeCode)
        .where(
            OneTimeCode.purpose == purpose,
            OneTimeCode.login == login,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > utcnow(),
        )
        .order_by(OneTimeCode.id.desc())
        .limit(1)
    )
    if row is None or row.attempts >= MAX_ATTEMPTS:
        return None
    typed = "".join(ch for ch in (code or "") if not ch.isspace())[: DIGITS * 2]
    if not hmac.compare_digest(row.code_hash, _hash(purpose, login, typed)):
        row.attempts += 1
        return None
    row.used_at = utcnow()
    return row


def send(purpose: str, login: Login, write, payload: dict | None = None) -> None:
    """Issue a code for `login` and send it; `write(code, minutes)` writes the message."""
    code = issue(purpose, login, payload)
    deliver(login, _("Your Book Alliance code"), write(code, int(LIFETIME.total_seconds() // 60)))


def deliver(login: Login, subject: str, text: str) -> None:
    """Send a message to a login once this transaction commits: mail, or SMS to a number."""
    if login.email:
        send_mail_after_commit(login.email, subject, text)
    else:
        send_sms_after_commit(login.mobile, text)
