"""Public verification of a label: one indexed row read and counted, clone warnings."""

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import LargeBinary, bindparam, func, select, update

from alliance.catalogue.models import Title
from alliance.db import UTCDateTime, utcnow
from alliance.extensions import db
from alliance.members.models import Organisation
from authenticity import labels
from authenticity.logs import fingerprint
from authenticity.models import BatchStatus, Label, LabelBatch, SellerAuthorisation
from authenticity.services import label_key

log = logging.getLogger(__name__)
GENUINE = "genuine"
REVOKED = "revoked"
UNKNOWN = "unknown"

LABEL = Label.__table__
NOW = bindparam("now", type_=UTCDateTime())
# One statement counts the check and returns the label: no read-modify-write, no lock held
# beyond the row's own update.
_COUNT_CHECK = (
    update(LABEL)
    .where(LABEL.c.code_hash == bindparam("hash", type_=LargeBinary()))
    .values(
        checks=LABEL.c.checks + 1,
        network_bits=LABEL.c.network_bits.op("|")(bindparam("bit")),
        first_checked_at=func.coalesce(LABEL.c.first_checked_at, NOW),
        last_checked_at=NOW,
    )
    .returning(
        LABEL.c.batch_id,
        LABEL.c.checks,
        LABEL.c.network_bits,
        LABEL.c.first_checked_at,
        LABEL.c.revoke_category,
    )
)
_BATCH = (
    select(
        LabelBatch.status,
        LabelBatch.revoke_category,
        Title.title,
        Title.isbn,
        Organisation.name,
        Organisation.name_en,
        SellerAuthorisation.merchant_name,
    )
    .join(Title, Title.id == LabelBatch.title_id)
    .join(Organisation, Organisation.id == LabelBatch.publisher_id)
    .outerjoin(SellerAuthorisation, SellerAuthorisation.id == LabelBatch.authorisation_id)
    .where(LabelBatch.id == bindparam("batch_id"))
)


@dataclass(frozen=True)
class Verdict:
    """What a reader is told about a code."""

    status: str  # genuine, revoked or unknown
    typo_suspected: bool = False
    title: str | None = None
    isbn: str | None = None
    publisher: str | None = None
    publisher_en: str | None = None
    seller: str | None = None
    first_checked_at: datetime | None = None
    checks: int = 0
    networks: int = 0
    revoke_category: str | None = None
    clone_suspected: bool = False

    def publisher_name(self, language: str) -> str | None:
        """Return the publisher's name in the reader's language when it has one."""
        return self.publisher_en if language == "en" and self.publisher_en else self.publisher


def verify(code_text: str, address: str | None) -> Verdict:
    """Check a typed or scanned code, count the check, and say what the reader should know.

    Malformed, mistyped and unknown codes get one answer; a wrong check symbol adds the hint
    to look for typing mistakes.
    """
    parsed = labels.parse(code_text)
    if not parsed.valid:
        log.info("label check %s: malformed", fingerprint(code_text or ""))
        return Verdict(UNKNOWN, typo_suspected=parsed.normalised is not None)
    key = label_key()
    now = utcnow()
    connection = db.session.connection()
    row = connection.execute(
        _COUNT_CHECK,
        {
            "hash": labels.code_hash(key, parsed.normalised),
            "bit": labels.network_bit(key, address),
            "now": now,
        },
    ).first()
    if row is None:
        log.info("label check %s: unknown", fingerprint(parsed.normalised))
        return Verdict(UNKNOWN)
    batch_id, checks, bits, first_checked_at, label_category = row
    batch = connection.execute(_BATCH, {"batch_id": batch_id}).first()
    status, batch_category, title, isbn, publisher, publisher_en, merchant = batch
    networks = labels.distinct_networks(bits)
    config = current_app.config
    common = {
        "title": title,
        "isbn": isbn,
        "publisher": publisher,
        "publisher_en": publisher_en,
        "seller": merchant or publisher,
        "first_checked_at": first_checked_at or now,
        "checks": checks,
        "networks": networks,
    }
    if status == BatchStatus.REVOKED or label_category:
        log.info("label check %s: revoked", fingerprint(parsed.normalised))
        return Verdict(REVOKED, revoke_category=label_category or batch_category, **common)
    clone = checks > config["LABEL_CLONE_CHECKS"] or networks >= config["LABEL_CLONE_NETWORKS"]
    if clone:
        log.info(
            "label check %s: %s checks, copy suspected", fingerprint(parsed.normalised), checks
        )
    return Verdict(GENUINE, clone_suspected=clone, **common)
