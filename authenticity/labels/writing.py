"""Writing a batch's labels in short transactions, resuming a stopped write, daily quotas.

A million labels written in one transaction held SQLite's only write lock for 20 s, and every
other write of the platform failed meanwhile. A batch is therefore written in chunks of
LABEL_WRITE_CHUNK labels, each committed with the batch's count of labels written, so the
lock is free between chunks. Until the last chunk is in, the batch is "being written": it
cannot be downloaded, sealed or checked as genuine. A write that stopped (a crash, a lost
connection) leaves a batch whose count has not moved for STALLED_AFTER: it is resumed from
its count, which is exact because each chunk and its count are committed together.
"""

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from alliance import audit
from alliance.auth.models import User
from alliance.bulk import RowWriter, larger_sqlite_cache
from alliance.db import conflict_insert, utcnow
from alliance.errors import ConflictError
from alliance.extensions import db
from alliance.i18n import _l, local_today
from authenticity.labels.models import (
    LABEL_BATCH_WORKFLOW,
    BatchStatus,
    Label,
    LabelBatch,
    LabelQuotaDay,
)

STALLED_AFTER = timedelta(minutes=2)  # a chunk takes about a second: this long means it stopped
BULK_CACHE_KIB = 256 * 1024  # SQLite page cache while a chunk is written


class QuotaExceeded(ConflictError):
    """The publisher's labels for today would pass LABEL_DAILY_QUOTA."""

    problem = "label-quota-exceeded"


class WrittenElsewhere(ConflictError):
    """Another process is writing this batch, or it is no longer being written."""

    problem = "label-batch-busy"


def reserve_quota(publisher_id: int, quantity: int) -> None:
    """Count `quantity` labels against the publisher's quota for today, or refuse them all.

    One conditional upsert on the day's row: concurrent orders cannot both pass the quota.
    """
    quota = current_app.config["LABEL_DAILY_QUOTA"]
    today = local_today()
    if quantity <= quota:
        table = LabelQuotaDay.__table__
        insert = conflict_insert(db.session, table).values(
            publisher_id=publisher_id, day=today, ordered=quantity
        )
        statement = insert.on_conflict_do_update(
            index_elements=["publisher_id", "day"],
            set_={"ordered": table.c.ordered + insert.excluded.ordered},
            where=table.c.ordered + insert.excluded.ordered <= quota,
        ).returning(table.c.ordered)
        if db.session.execute(statement).scalar() is not None:  # (no row: the WHERE held)
            return
    raise _exceeded(quota, _ordered_on(publisher_id, today))


def check_quota(publisher_id: int, quantity: int) -> None:
    """Refuse an order that would pass today's quota (reserve_quota is what counts it)."""
    quota = current_app.config["LABEL_DAILY_QUOTA"]
    ordered = _ordered_on(publisher_id, local_today())
    if ordered + quantity > quota:
        raise _exceeded(quota, ordered)


def _exceeded(quota: int, ordered: int) -> QuotaExceeded:
    left = max(0, quota - ordered)
    return QuotaExceeded(
        _l("Your publisher can order %(quota)s labels a day (China time); %(left)s are left "
           "today. Order fewer, or the rest tomorrow.", quota=f"{quota:,}", left=f"{left:,}")
    )  # fmt: skip


def _ordered_on(publisher_id: int, day: date) -> int:
    return (
        db.session.scalar(
            select(LabelQuotaDay.ordered).where(
                LabelQuotaDay.publisher_id == publisher_id, LabelQuotaDay.day == day
            )
        )
        or 0
    )


def chunk_size() -> int:
    """Return how many labels one transaction writes (LABEL_WRITE_CHUNK)."""
    return current_app.config["LABEL_WRITE_CHUNK"]


def write_chunk(batch_id: int, quantity: int, written: int, hash_code, codes_for) -> int:
    """Write a batch's next chunk of labels (their hashes) with its new count; return it.

    `codes_for(first, last)` derives the codes from the batch's secret. They are made before
    anything is written, so that SQLite's write lock (taken by the transaction's first
    write) is held only for the inserts; the caller commits.
    """
    first = written + 1
    size = min(chunk_size(), quantity - written)
    codes = codes_for(first, first + size - 1)
    rows = [(batch_id, number, hash_code(code)) for number, code in enumerate(codes, start=first)]
    rows.sort(key=_hash_of)  # in index order: each chunk fills the index in one pass
    label_writer = RowWriter(Label.__table__, ("batch_id", "serial", "code_hash"))
    to_binary = label_writer.processor("code_hash")
    with larger_sqlite_cache(label_writer.connection, BULK_CACHE_KIB):
        label_writer.write([(b, n, to_binary(h)) for b, n, h in rows])
    # Last, so that a revoke that came first (it locks the batch row) makes this chunk fail.
    moved = db.session.execute(
        update(LabelBatch)
        .where(
            LabelBatch.id == batch_id,
            LabelBatch.status == BatchStatus.WRITING.value,
            LabelBatch.written == written,
        )
        .values(written=written + size, progress_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise WrittenElsewhere(_l("This batch is no longer being written here."))
    return written + size


def _hash_of(row: tuple) -> bytes:
    return row[2]


def finish_writing(
    actor: User | None, batch: LabelBatch, hash_code, codes_for, progress=None
) -> LabelBatch:
    """Write the rest of a batch chunk by chunk, committing each, then open it for download.

    The one service that commits by itself: each chunk is its own short transaction, and
    nothing is read between them (a read would begin the next transaction early). A
    failure leaves the batch being written with every committed chunk counted. `progress`
    hears the count after each chunk.
    """
    batch_id, quantity, written = batch.id, batch.quantity, batch.written
    db.session.commit()  # whatever was read so far: the lock is taken again by each chunk
    try:
        while written < quantity:
            written = write_chunk(batch_id, quantity, written, hash_code, codes_for)
            db.session.commit()
            if progress is not None:
                progress(written)
        open_batch(actor, batch)
        db.session.commit()
    except IntegrityError:  # another writer took these serials first
        db.session.rollback()
        raise WrittenElsewhere(_l("This batch is being written by another request.")) from None
    except Exception:  # (a refusal, or a crash of this chunk: the ones before stay counted)
        db.session.rollback()
        raise
    return batch


def open_batch(actor: User | None, batch: LabelBatch) -> None:
    """Mark a batch whose labels are all written as awaiting print (its codes downloadable)."""
    # The move is checked here; the UPDATE's condition makes it once, whoever else writes.
    LABEL_BATCH_WORKFLOW.check(batch.status, BatchStatus.OPEN)
    opened = db.session.execute(
        update(LabelBatch)
        .where(
            LabelBatch.id == batch.id,
            LabelBatch.status == BatchStatus.WRITING.value,
            LabelBatch.written == LabelBatch.quantity,
        )
        .values(status=BatchStatus.OPEN.value, progress_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if opened != 1:
        raise WrittenElsewhere(_l("This batch is no longer being written here."))
    db.session.refresh(batch)
    before = {**batch.audit_state(), "status": BatchStatus.WRITING.value}
    audit.record(actor, "label_batch.written", batch, before, batch.audit_state())


def stalled(batch: LabelBatch) -> bool:
    """Tell whether a batch being written has not moved on for STALLED_AFTER (its writer died)."""
    if batch.status != BatchStatus.WRITING:
        return False
    moved = batch.progress_at or batch.created_at
    return utcnow() - moved > STALLED_AFTER


def claim_stalled(actor: User | None, batch: LabelBatch) -> None:
    """Take over a stalled batch's writing (one claimant wins); refuse one still moving."""
    if batch.status != BatchStatus.WRITING:
        raise ConflictError(_l("Only a batch being written can be resumed."))
    if not stalled(batch):
        raise WrittenElsewhere(
            _l("This batch is still being written. Reload the page in a minute.")
        )
    before = batch.audit_state()
    claimed = db.session.execute(
        update(LabelBatch)
        .where(
            LabelBatch.id == batch.id,
            LabelBatch.status == BatchStatus.WRITING.value,
            LabelBatch.written == batch.written,
        )
        .values(progress_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise WrittenElsewhere(_l("This batch is being written by another request."))
    db.session.refresh(batch)
    audit.record(actor, "label_batch.resume", batch, before, batch.audit_state())


def stalled_batches() -> list[LabelBatch]:
    """Return the batches whose writing stopped, oldest first."""
    cutoff = utcnow() - STALLED_AFTER
    return list(
        db.session.scalars(
            select(LabelBatch)
            .where(
                LabelBatch.status == BatchStatus.WRITING.value,
                db.func.coalesce(LabelBatch.progress_at, LabelBatch.created_at) < cutoff,
            )
            .order_by(LabelBatch.id)
        )
    )
