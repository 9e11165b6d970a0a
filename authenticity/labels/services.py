"""Label batches: order (bulk-written codes), download until sealed, seal, revoke."""

import hashlib
import hmac
from collections.abc import Iterator

from flask import current_app
from sqlalchemy import Select, func, select

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.catalogue.models import Title
from alliance.confirming import require_confirmation
from alliance.db import scrub_after_commit, utcnow
from alliance.errors import ConflictError, DomainError, NotFoundError
from alliance.extensions import db
from alliance.forms import FORBIDDEN_CHARACTERS
from alliance.i18n import _l
from alliance.members.models import Organisation
from alliance.members.services import publisher_of
from alliance.sealing import fernet
from authenticity.labels import codes, writing
from authenticity.labels.models import (
    LABEL_BATCH_WORKFLOW,
    BatchStatus,
    Label,
    LabelBatch,
    RevokeCategory,
)
from authenticity.sellers.services import authorisation_for_batch

MAX_QUANTITY = 1_000_000
READ_PAGE = 20_000  # codes derived at a time for a download
MAX_REASON = 500


WRITING_MESSAGE = _l(
    "This batch is still being written: its codes can be downloaded, and it "
    "can be sealed, once every label is written."
)


class StillWriting(ConflictError):
    """The batch's labels are not all written yet."""

    problem = "label-batch-writing"


class CodesGone(DomainError):
    """The batch is sealed or revoked: its codes no longer exist in clear."""

    status = 410
    problem = "gone"


def label_key(config=None) -> bytes:
    """Return the server key of label hashes: LABEL_HMAC_KEY, else derived from SECRET_KEY."""
    config = config if config is not None else current_app.config
    configured = config.get("LABEL_HMAC_KEY")
    if configured:
        return configured.encode("utf-8")
    secret = config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, b"book-alliance genuine-book labels", hashlib.sha256).digest()


def verify_url(code: str) -> str:
    """Return the address a label's QR code opens."""
    config = current_app.config
    base = config["LABEL_VERIFY_BASE_URL"] or config["PUBLIC_BASE_URL"]
    return f"{base}/verify/{codes.group(code)}"


def create_batch(
    actor: User | None,
    isbn: str,
    merchant_id: str | None,
    quantity: int,
    publisher: Organisation | None = None,
) -> LabelBatch:
    """Order `quantity` labels for one of the publisher's titles and one seller (None: own store).

    The publisher is the actor's, or (for operators at the command line, actor None) the one
    given. The labels count against the publisher's daily quota. The first chunk of codes
    is written in this transaction (generated with `secrets`, hashed with the server key,
    written in bulk: COPY on PostgreSQL, multi-row INSERTs on SQLite); a batch of one chunk
    is then complete, a larger one stays "being written" until finish_writing() is called
    after this transaction commits.
    """
    if publisher is None:
        publisher = publisher_of(actor)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise DomainError(_l("Order between 1 and 1,000,000 labels."))
    if not 1 <= quantity <= MAX_QUANTITY:
        raise DomainError(_l("Order between 1 and 1,000,000 labels."))
    title = _title_of(publisher, isbn)
    authorisation = None
    if merchant_id:
        authorisation = authorisation_for_batch(publisher.id, merchant_id, title)
    writing.reserve_quota(publisher.id, quantity)
    batch = LabelBatch(
        publisher=publisher,
        title=title,
        authorisation=authorisation,
        quantity=quantity,
        code_secret=_cipher().encrypt(codes.new_batch_secret()),
        status=BatchStatus.WRITING.value,
        written=0,
        progress_at=utcnow(),
    )
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "label_batch.create", batch, None, batch.audit_state())
    written = writing.write_chunk(batch.id, quantity, 0, _hasher(), _codes_for(batch))
    db.session.refresh(batch)
    if written == quantity:
        writing.open_batch(actor, batch)
    return batch


def finish_writing(actor: User | None, batch: LabelBatch, progress=None) -> LabelBatch:
    """Write the rest of a batch being written, one committed chunk at a time (see writing)."""
    if batch.status != BatchStatus.WRITING:
        return batch
    return writing.finish_writing(actor, batch, _hasher(), _codes_for(batch), progress)


def resume_writing(actor: User | None, batch: LabelBatch) -> LabelBatch:
    """Take over the writing of a batch that stopped half way, and finish it."""
    if actor is not None:
        publisher_of(actor)
    writing.claim_stalled(actor, batch)
    db.session.commit()
    return writing.finish_writing(actor, batch, _hasher(), _codes_for(batch))


def _hasher():
    return codes.hasher(label_key())


def _cipher():
    """Return the cipher of the batches' code secrets: its key is not in the database."""
    return fernet(label_key(), "label code secrets")


def _codes_for(batch: LabelBatch):
    """Return how to derive a batch's codes, first to last, from its (decrypted) secret."""
    if batch.code_secret is None:
        raise CodesGone(_l("This batch is sealed: its codes were deleted after printing."))
    secret = _cipher().decrypt(batch.code_secret)
    return lambda first, last: codes.derived_codes(secret, first, last)


def _title_of(publisher: Organisation, isbn_text: str) -> Title:
    try:
        isbn = normalise_isbn(isbn_text)
    except IsbnError:
        isbn = None
    title = db.session.scalar(
        select(Title).where(Title.isbn == isbn, Title.publisher_id == publisher.id)
    )
    if isbn is None or title is None:
        raise NotFoundError(_l("None of your titles has this ISBN."))
    return title


def own_batch(actor: User, batch_id: int) -> LabelBatch:
    """Return one of the actor's publisher's batches; another's is 'not found'."""
    publisher = publisher_of(actor)
    batch = db.session.get(LabelBatch, batch_id)
    if batch is None or batch.publisher_id != publisher.id:
        raise NotFoundError(_l("No such batch of labels."))
    return batch


def batches_of(publisher_id: int) -> Select:
    """Select a publisher's batches, newest first."""
    return (
        select(LabelBatch)
        .where(LabelBatch.publisher_id == publisher_id)
        .order_by(LabelBatch.id.desc())
    )


def pending_codes(batch: LabelBatch, first: int = 1, last: int | None = None) -> Iterator[tuple]:
    """Return the (serial, code) pairs of an open batch; refuse at once while written or sealed.

    The refusal comes before any answer starts (409 while written, 410 once sealed); the
    codes are then derived a page at a time as they are read.
    """
    if batch.status == BatchStatus.WRITING:
        raise StillWriting(WRITING_MESSAGE)
    if batch.status != BatchStatus.OPEN:
        raise CodesGone(_l("This batch is sealed: its codes were deleted after printing."))
    last = batch.quantity if last is None else min(last, batch.quantity)
    # The secret is read now: the codes may be read after the caller's commit expired batch.
    return _derived_codes(_codes_for(batch), first, last)


def download_codes(
    actor: User | None, batch: LabelBatch, first: int = 1, last: int | None = None
) -> Iterator[tuple]:
    """Return the (serial, code) pairs as pending_codes does, recording the download.

    The batch remembers its first download (sealing a batch never downloaded asks for a
    second confirmation) and each download is audited: who took which serials. The caller
    commits before the codes are read.
    """
    pending = pending_codes(batch, first, last)  # refuses before anything is recorded
    before = {"downloaded": batch.downloaded_at is not None}
    if batch.downloaded_at is None:
        batch.downloaded_at = utcnow()
    last = batch.quantity if last is None else min(last, batch.quantity)
    after = {"downloaded": True, "first": first, "last": last}
    audit.record(actor, "label_batch.download", batch, before, after)
    return pending


def _derived_codes(codes_for, first: int, last: int) -> Iterator[tuple]:
    for start in range(first, last + 1, READ_PAGE):
        end = min(start + READ_PAGE - 1, last)
        yield from enumerate(codes_for(start, end), start=start)


NOT_DOWNLOADED = _l(
    "The codes of this batch were never downloaded, as CSV or as sheets: sealing it now "
    "deletes them, and none of its labels can ever be printed. Tick the box to seal it "
    "anyway."
)


def seal_batch(
    actor: User | None, batch: LabelBatch, *, confirm_not_downloaded: bool = False
) -> None:
    """Confirm printing: delete the codes in clear, so that only their hashes remain.

    A batch whose codes were never downloaded is sealed only when `confirm_not_downloaded`
    says so (FieldsInvalid on that field otherwise): it would lose every label.
    """
    if actor is not None:
        publisher_of(actor)
    if batch.status == BatchStatus.WRITING:  # the workflow refuses too; this says what to do
        raise StillWriting(WRITING_MESSAGE)
    if batch.status == BatchStatus.OPEN and batch.downloaded_at is None:
        require_confirmation(confirm_not_downloaded, "confirm_not_downloaded", NOT_DOWNLOADED)
    before = batch.audit_state()
    LABEL_BATCH_WORKFLOW.move(batch, BatchStatus.SEALED)
    batch.code_secret = None  # the codes cannot be made again: only their hashes remain
    batch.sealed_at = utcnow()
    audit.record(actor, "label_batch.seal", batch, before, batch.audit_state())
    scrub_after_commit(db.session)


def _reason(category: str, reason: str) -> tuple[str, str]:
    if category not in {c.value for c in RevokeCategory}:
        raise DomainError(_l("Choose why the labels are revoked."))
    text = (reason or "").strip()
    if not text or FORBIDDEN_CHARACTERS.search(text):
        raise DomainError(_l("Give the reason for revoking."))
    return category, text[:MAX_REASON]


def revoke_batch(actor: User, batch: LabelBatch, category: str, reason: str) -> None:
    """Revoke every label of a batch (readers see the category); clear codes go too."""
    publisher_of(actor)
    category, reason = _reason(category, reason)
    # The batch's row first: a chunk being written meanwhile (it updates the row last) waits,
    # then fails; and the codes deleted below include every chunk committed before.
    db.session.execute(select(LabelBatch.id).where(LabelBatch.id == batch.id).with_for_update())
    db.session.refresh(batch)
    before = batch.audit_state()
    LABEL_BATCH_WORKFLOW.move(batch, BatchStatus.REVOKED)
    batch.revoked_at = utcnow()
    batch.revoke_category = category
    batch.revoke_reason = reason
    batch.code_secret = None
    db.session.flush()
    audit.record(actor, "label_batch.revoke", batch, before, batch.audit_state())
    scrub_after_commit(db.session)


def revoke_label(actor: User, code_text: str, category: str, reason: str) -> Label:
    """Revoke one label of the actor's publisher, named by its code."""
    publisher = publisher_of(actor)
    category, reason = _reason(category, reason)
    parsed = codes.parse(code_text)
    label = None
    if parsed.valid:
        label = db.session.scalar(
            select(Label)
            .join(LabelBatch, Label.batch_id == LabelBatch.id)
            .where(
                Label.code_hash == codes.code_hash(label_key(), parsed.normalised),
                LabelBatch.publisher_id == publisher.id,
            )
        )
    if label is None:
        raise NotFoundError(_l("None of your labels has this code."))
    if label.revoked_at is not None:
        raise ConflictError(_l("This label has already been revoked."))
    label.revoked_at = utcnow()
    label.revoke_category = category
    audit.record(
        actor,
        "label.revoke",
        label,
        None,
        {"batch_id": label.batch_id, "serial": label.serial, "category": category,
         "reason": reason},
    )  # fmt: skip
    return label


def batch_summaries(batch_ids: list[int]) -> dict[int, dict]:
    """Return checks and revoked labels per batch, one query for a whole page of batches."""
    if not batch_ids:
        return {}
    rows = db.session.execute(
        select(
            Label.batch_id,
            func.sum(Label.checks),
            func.count(Label.first_checked_at),
            func.count(Label.revoked_at),
        )
        .where(Label.batch_id.in_(batch_ids))
        .group_by(Label.batch_id)
    )
    return {
        batch_id: {"checks": checks or 0, "checked": checked, "revoked": revoked}
        for batch_id, checks, checked, revoked in rows
    }
