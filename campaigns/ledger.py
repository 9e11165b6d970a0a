"""The subsidy ledger: allocate, release and spend money without ever overspending.

Every movement is an append-only `LedgerEntry`. The running totals on the campaign, the
publisher's row and the enrolment change only through conditional UPDATEs in the same
transaction as the entry, so the budget and both caps hold under any number of concurrent
requests: the database, not a read in Python, decides whether the money is there.
"""

from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, bindparam, column, func, insert, select, update
from sqlalchemy import values as rows_of
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from alliance import audit
from alliance.auth.models import User
from alliance.db import conflict_insert, utcnow
from alliance.errors import ConflictError, DomainError
from alliance.extensions import db
from alliance.i18n import _l, local_today
from alliance.money import format_money
from campaigns.models import (
    Campaign,
    CampaignPublisher,
    CampaignStatus,
    Enrolment,
    EnrolmentStatus,
    EntryKind,
    LedgerEntry,
    Sale,
)

# Money moves while a campaign is being prepared or runs; never in a draft or after the end.
OPEN_FOR_MONEY = {
    CampaignStatus.ENROLMENT_OPEN.value,
    CampaignStatus.ENROLMENT_CLOSED.value,
    CampaignStatus.RUNNING.value,
}
MAX_KEY_LENGTH = 100


class BudgetExceeded(ConflictError):
    """An allocation would exceed the budget or a cap."""

    problem = "budget-exceeded"


@dataclass(frozen=True)
class Recorded:
    """A ledger entry and whether this request created it (False: an idempotent repeat)."""

    entry: LedgerEntry
    created: bool


def allocate(
    actor: User | None,
    enrolment: Enrolment,
    amount_fen: int,
    idempotency_key: str | None = None,
    note: str | None = None,
) -> Recorded:
    """Grant `amount_fen` more to an approved enrolment within the budget and both caps."""
    campaign = enrolment.campaign
    _check_amount(amount_fen)
    if enrolment.status != EnrolmentStatus.APPROVED:
        raise ConflictError(_l("Only an approved enrolment can receive a subsidy."))
    entry = _entry(actor, enrolment, EntryKind.ALLOCATE, amount_fen, idempotency_key, note)
    if repeat := _insert_once(entry, idempotency_key):
        return repeat
    check_open(campaign)
    # The campaign row first: every allocation takes the same locks in the same order.
    campaign_total = _conditional(
        update(Campaign)
        .where(Campaign.id == campaign.id)
        .where(Campaign.allocated_fen + amount_fen <= Campaign.budget_fen)
        .values(allocated_fen=Campaign.allocated_fen + amount_fen)
        .returning(Campaign.allocated_fen),
        lambda: _l(
            "This would exceed the campaign's budget: %(remaining)s is left.",
            remaining=format_money(_fresh(Campaign.budget_fen - Campaign.allocated_fen, campaign)),
        ),
    )
    _conditional(
        update(CampaignPublisher)
        .where(
            CampaignPublisher.campaign_id == campaign.id,
            CampaignPublisher.publisher_id == enrolment.publisher_id,
            CampaignPublisher.allocated_fen + amount_fen <= campaign.per_publisher_cap_fen,
        )
        .values(allocated_fen=CampaignPublisher.allocated_fen + amount_fen)
        .returning(CampaignPublisher.allocated_fen),
        lambda: _l(
            "This would exceed the publisher's cap of %(cap)s in this campaign.",
            cap=format_money(campaign.per_publisher_cap_fen),
        ),
    )
    enrolment_total = _conditional(
        update(Enrolment)
        .where(
            Enrolment.id == enrolment.id,
            Enrolment.status == EnrolmentStatus.APPROVED.value,
            Enrolment.allocated_fen + amount_fen <= campaign.per_title_cap_fen,
        )
        .values(allocated_fen=Enrolment.allocated_fen + amount_fen)
        .returning(Enrolment.allocated_fen),
        lambda: _l(
            "This would exceed the cap of %(cap)s per title.",
            cap=format_money(campaign.per_title_cap_fen),
        ),
    )
    return _finish(actor, enrolment, entry, campaign_total, enrolment_total, "subsidy.allocate")


def release(
    actor: User | None,
    enrolment: Enrolment,
    amount_fen: int,
    idempotency_key: str | None = None,
    note: str | None = None,
) -> Recorded:
    """Give back to the budget part of an enrolment's allocation that is not yet spent."""
    campaign = enrolment.campaign
    _check_amount(amount_fen)
    entry = _entry(actor, enrolment, EntryKind.RELEASE, -amount_fen, idempotency_key, note)
    if repeat := _insert_once(entry, idempotency_key):
        return repeat
    check_open(campaign)
    refusal = lambda: _l(  # noqa: E731
        "Only %(amount)s of this allocation is unspent and can be released.",
        amount=format_money(_fresh(Enrolment.allocated_fen - Enrolment.spent_fen, enrolment)),
    )
    unspent = (
        select(Enrolment.allocated_fen - Enrolment.spent_fen)
        .where(Enrolment.id == enrolment.id)
        .scalar_subquery()
    )
    # The campaign row first, as in `allocate`, so that the two never wait on each other.
    campaign_total = _conditional(
        update(Campaign)
        .where(Campaign.id == campaign.id, unspent >= amount_fen)
        .values(allocated_fen=Campaign.allocated_fen - amount_fen)
        .returning(Campaign.allocated_fen),
        refusal,
    )
    enrolment_total = _conditional(
        update(Enrolment)
        .where(
            Enrolment.id == enrolment.id,
            Enrolment.allocated_fen - Enrolment.spent_fen >= amount_fen,
        )
        .values(allocated_fen=Enrolment.allocated_fen - amount_fen)
        .returning(Enrolment.allocated_fen),
        refusal,
    )
    db.session.execute(
        update(CampaignPublisher)
        .where(
            CampaignPublisher.campaign_id == campaign.id,
            CampaignPublisher.publisher_id == enrolment.publisher_id,
        )
        .values(allocated_fen=CampaignPublisher.allocated_fen - amount_fen)
        .execution_options(synchronize_session=False)
    )
    return _finish(actor, enrolment, entry, campaign_total, enrolment_total, "subsidy.release")


def spend(actor: User | None, enrolment: Enrolment, amount_fen: int, sale: Sale | None) -> int:
    """Draw up to `amount_fen` (negative: give back) from the allocation; return the change.

    A sale never draws more than the enrolment has left: the spend is capped, not refused,
    because the copies were sold either way. The entry of a sale's spend (or its correction)
    is dated on the sale's day, so spend over time follows the sales it pays for.
    """
    if amount_fen == 0:
        return 0
    # Lock the campaign, then the enrolment, in the order `allocate` uses (no deadlock),
    # and read the enrolment's current totals. SQLite already holds its write lock.
    db.session.execute(
        select(Campaign.id).where(Campaign.id == enrolment.campaign_id).with_for_update()
    )
    row = db.session.execute(
        select(Enrolment.allocated_fen, Enrolment.spent_fen)
        .where(Enrolment.id == enrolment.id)
        .with_for_update()
    ).one()
    change = min(amount_fen, row.allocated_fen - row.spent_fen)
    change = max(change, -row.spent_fen)
    if change == 0:
        return 0
    entry = _entry(actor, enrolment, EntryKind.SPEND, change, None, None)
    if sale is not None:
        entry.sale_id, entry.day = sale.id, sale.sale_date
    db.session.add(entry)
    for model, where in (
        (Enrolment, [Enrolment.id == enrolment.id]),
        (Campaign, [Campaign.id == enrolment.campaign_id]),
        (
            CampaignPublisher,
            [
                CampaignPublisher.campaign_id == enrolment.campaign_id,
                CampaignPublisher.publisher_id == enrolment.publisher_id,
            ],
        ),
    ):
        _conditional(
            update(model)
            .where(*where, model.spent_fen + change <= model.allocated_fen)
            .values(spent_fen=model.spent_fen + change)
            .returning(model.spent_fen),
            lambda: _l("The subsidy spent cannot exceed the allocation."),
        )
    db.session.flush()
    db.session.expire(enrolment, ["spent_fen"])
    db.session.expire(enrolment.campaign, ["spent_fen"])
    return change


def spend_on_new_sales(actor, campaign: Campaign, new: list[tuple[Enrolment, Sale]]):
    """Record sales not written yet, each drawing its subsidy: units x subsidy per unit,
    capped by what its enrolment has left, in the order given. Returns (drawn, sales short).

    The enrolments are locked first (in id order, as `spend` locks them); the sales, their
    entries and the totals of the enrolments, the publisher and the campaign are then
    written in a few statements, each total by a guarded UPDATE, as `spend` does for one.
    """
    if not new:
        return 0, 0
    left: dict[int, int] = {}
    ids = sorted({enrolment.id for enrolment, _sale in new})
    for start in range(0, len(ids), CHUNK):
        query = (
            select(Enrolment.id, Enrolment.allocated_fen - Enrolment.spent_fen)
            .where(Enrolment.id.in_(ids[start : start + CHUNK]))
            .order_by(Enrolment.id)
            .with_for_update()
        )
        left.update(dict(db.session.execute(query).all()))
    drawn: dict[int, int] = {}
    short = 0
    for enrolment, sale in new:
        wanted = sale.units * enrolment.subsidy_per_unit_fen
        sale.subsidy_fen = min(wanted, left[enrolment.id])
        left[enrolment.id] -= sale.subsidy_fen
        drawn[enrolment.id] = drawn.get(enrolment.id, 0) + sale.subsidy_fen
        short += sale.subsidy_fen < wanted
    db.session.add_all([sale for _enrolment, sale in new])
    db.session.flush()  # the sales' ids, for their entries
    for enrolment, sale in new:
        if sale.subsidy_fen:
            entry = _entry(actor, enrolment, EntryKind.SPEND, sale.subsidy_fen, None, None)
            entry.sale_id, entry.day = sale.id, sale.sale_date
            db.session.add(entry)
    amounts = [(enrolment_id, amount) for enrolment_id, amount in drawn.items() if amount]
    for start in range(0, len(amounts), CHUNK):
        _spend_on_enrolments(amounts[start : start + CHUNK])
    total = sum(drawn.values())
    if total:
        publisher_id = new[0][0].publisher_id
        for model, where in (
            (Campaign, [Campaign.id == campaign.id]),
            (CampaignPublisher, [CampaignPublisher.campaign_id == campaign.id,
                                 CampaignPublisher.publisher_id == publisher_id]),
        ):  # fmt: skip
            _conditional(
                update(model)
                .where(*where, model.spent_fen + total <= model.allocated_fen)
                .values(spent_fen=model.spent_fen + total)
                .returning(model.spent_fen),
                lambda: _l("The subsidy spent cannot exceed the allocation."),
            )
    db.session.flush()
    for enrolment, _sale in new:
        db.session.expire(enrolment, ["allocated_fen", "spent_fen"])
    db.session.expire(campaign, ["allocated_fen", "spent_fen"])
    return total, short


def _spend_on_enrolments(amounts: list[tuple[int, int]]) -> None:
    """Add each amount to its enrolment's spent total in one UPDATE, or refuse them all."""
    refusal = _l("The subsidy spent cannot exceed the allocation.")
    if db.session.get_bind().dialect.name == "sqlite":  # no column aliases on VALUES there
        for enrolment_id, amount in amounts:  # and no round trips to save either
            _conditional(
                update(Enrolment)
                .where(Enrolment.id == enrolment_id,
                       Enrolment.spent_fen + amount <= Enrolment.allocated_fen)
                .values(spent_fen=Enrolment.spent_fen + amount)
                .returning(Enrolment.spent_fen),
                lambda: refusal,
            )  # fmt: skip
        return
    drawn = rows_of(column("id", Integer), column("amount", BigInteger), name="drawn").data(amounts)
    statement = (
        update(Enrolment)
        .where(
            Enrolment.id == drawn.c.id,
            Enrolment.spent_fen + drawn.c.amount <= Enrolment.allocated_fen,
        )
        .values(spent_fen=Enrolment.spent_fen + drawn.c.amount)
        .execution_options(synchronize_session=False)
    )
    if db.session.execute(statement).rowcount != len(amounts):
        raise BudgetExceeded(refusal)


def open_publisher_totals(campaign_id: int, publisher_id: int) -> None:
    """Create the publisher's totals row for the campaign unless it exists (race-free)."""
    statement = conflict_insert(db.session, CampaignPublisher).values(
        campaign_id=campaign_id, publisher_id=publisher_id, allocated_fen=0, spent_fen=0
    )
    db.session.execute(statement.on_conflict_do_nothing())


def _check_amount(amount_fen) -> None:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise DomainError(_l("The amount must be more than zero."))


def check_open(campaign: Campaign) -> None:
    """Refuse to move money in a draft or finished campaign."""
    if campaign.status not in OPEN_FOR_MONEY:
        raise ConflictError(_l("Money cannot move in a campaign that is a draft or finished."))


def _entry(actor, enrolment, kind, amount_fen, idempotency_key, note) -> LedgerEntry:
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
        raise DomainError(_l("The idempotency key must be 1 to 100 characters."))
    campaign = enrolment.campaign
    platform = amount_fen * campaign.platform_share_percent // 100
    return LedgerEntry(
        campaign_id=campaign.id,
        enrolment_id=enrolment.id,
        publisher_id=enrolment.publisher_id,
        kind=kind.value,
        amount_fen=amount_fen,
        platform_fen=platform,
        publisher_fen=amount_fen - platform,
        day=local_today(),
        actor_id=getattr(actor, "id", None),
        idempotency_key=idempotency_key,
        note=(note or "").strip()[:500] or None,
    )


def _insert_once(entry: LedgerEntry, key: str | None) -> Recorded | None:
    """Insert the entry; if a request with its key came first, return that one instead.

    The unique index on the key decides (ON CONFLICT DO NOTHING waits for a concurrent
    request with the same key to end), so two requests cannot both pass.
    """
    if key is None:
        db.session.add(entry)
        db.session.flush()
        return None
    entry.created_at = utcnow()
    table = LedgerEntry.__table__
    values = {column.key: getattr(entry, column.key) for column in table.columns}
    del values["id"]
    entry_id = db.session.scalar(
        conflict_insert(db.session, table)
        .values(values)
        .on_conflict_do_nothing(index_elements=["campaign_id", "idempotency_key"])
        .returning(table.c.id)
    )
    if entry_id is None:
        return _first_with_key(entry, key)
    entry.id = entry_id
    make_transient_to_detached(entry)  # the row exists: the session must not insert it again
    db.session.add(entry)
    return None


def _first_with_key(entry: LedgerEntry, key: str) -> Recorded:
    """Return the entry an earlier request with this key made; refuse a different request."""
    first = db.session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.campaign_id == entry.campaign_id, LedgerEntry.idempotency_key == key
        )
    ).one()
    if (first.enrolment_id, first.kind, first.amount_fen) != (
        entry.enrolment_id,
        entry.kind,
        entry.amount_fen,
    ):
        raise ConflictError(_l("This idempotency key was already used for another request."))
    return Recorded(first, created=False)


def _conditional(statement, refusal) -> int:
    """Run a guarded UPDATE ... RETURNING a total; refuse when its condition held it back."""
    # No session synchronising: it would scan every loaded object; the caller sets the totals.
    statement = statement.execution_options(synchronize_session=False)
    total = db.session.execute(statement).scalar()
    if total is None:
        raise BudgetExceeded(refusal())
    return total


def _fresh(expression, instance) -> int:
    """Read a value of the row as the database has it now (for a refusal message)."""
    model = type(instance)
    return db.session.scalar(select(expression).where(model.id == instance.id)) or 0


def _finish(actor, enrolment, entry, campaign_total, enrolment_total, action) -> Recorded:
    """Show the new totals on the loaded objects (no reload) and audit the change."""
    set_committed_value(enrolment.campaign, "allocated_fen", campaign_total)
    set_committed_value(enrolment, "allocated_fen", enrolment_total)
    before = {"allocated_fen": enrolment_total - entry.amount_fen}
    audit.record(actor, action, enrolment, before, {"allocated_fen": enrolment_total})
    return Recorded(entry, created=True)


CHUNK = 1000  # rows per statement in set-based writes (well inside SQLite's limits)


def insert_entries(actor, campaign: Campaign, allocations: list[tuple[int, int, int, str]]):
    """Insert allocation entries (enrolment, publisher, fen, idempotency key) in bulk."""
    day = local_today()
    share = campaign.platform_share_percent
    rows = [
        {
            "campaign_id": campaign.id,
            "enrolment_id": enrolment_id,
            "publisher_id": publisher_id,
            "kind": EntryKind.ALLOCATE.value,
            "amount_fen": fen,
            "platform_fen": fen * share // 100,
            "publisher_fen": fen - fen * share // 100,
            "day": day,
            "actor_id": getattr(actor, "id", None),
            "idempotency_key": key,
            "note": None,
            "sale_id": None,
            "created_at": utcnow(),
        }
        for enrolment_id, publisher_id, fen, key in allocations
    ]
    try:
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(LedgerEntry.__table__), rows[start : start + CHUNK])
    except IntegrityError:  # the same proposal was applied at the same moment
        raise ConflictError(
            _l("This proposal was applied at the same moment elsewhere; compute it again.")
        ) from None


def add_to_totals(campaign: Campaign, by_enrolment: dict[int, int], by_publisher: dict[int, int]):
    """Add many allocations to the totals with guarded UPDATEs; refuse if any limit breaks."""
    total = sum(by_enrolment.values())
    _conditional(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.allocated_fen + total <= Campaign.budget_fen)
        .values(allocated_fen=Campaign.allocated_fen + total)
        .returning(Campaign.allocated_fen),
        lambda: _l(
            "This would exceed the campaign's budget: %(remaining)s is left.",
            remaining=format_money(_fresh(Campaign.budget_fen - Campaign.allocated_fen, campaign)),
        ),
    )
    _add_each(
        CampaignPublisher,
        CampaignPublisher.publisher_id,
        by_publisher,
        campaign.per_publisher_cap_fen,
        [CampaignPublisher.__table__.c.campaign_id == campaign.id],
        lambda: _l(
            "This would exceed the publisher's cap of %(cap)s in this campaign.",
            cap=format_money(campaign.per_publisher_cap_fen),
        ),
    )
    _add_each(
        Enrolment,
        Enrolment.id,
        by_enrolment,
        campaign.per_title_cap_fen,
        [Enrolment.__table__.c.status == EnrolmentStatus.APPROVED.value],
        lambda: _l(
            "This would exceed the cap of %(cap)s per title.",
            cap=format_money(campaign.per_title_cap_fen),
        ),
    )
    loaded = [
        enrolment
        for enrolment in db.session.identity_map.values()
        if isinstance(enrolment, Enrolment) and enrolment.id in by_enrolment
    ]
    for enrolment in loaded:
        db.session.expire(enrolment, ["allocated_fen"])


def _add_each(model, key, amounts: dict[int, int], cap: int, where: list, refusal) -> None:
    """Add each row's amount with one guarded UPDATE run for all rows (executemany).

    Both drivers report the rows changed over the whole batch (sane multi-rowcount), so
    one row held back by its cap shows as a short count, and the whole proposal is refused.
    """
    table = model.__table__
    column = table.c[key.key]
    statement = (
        table.update()
        .where(*where, column == bindparam("row_key"))
        .where(table.c.allocated_fen + bindparam("amount") <= cap)
        .values(allocated_fen=table.c.allocated_fen + bindparam("amount"))
    )
    rows = [{"row_key": row_key, "amount": amount} for row_key, amount in sorted(amounts.items())]
    changed = 0
    for start in range(0, len(rows), CHUNK):
        changed += db.session.execute(statement, rows[start : start + CHUNK]).rowcount
    if changed != len(rows):
        raise BudgetExceeded(refusal())


def ledger_totals(campaign: Campaign) -> dict[str, int]:
    """Return the sums of the campaign's ledger by kind, computed in SQL."""
    rows = db.session.execute(
        select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
        .where(LedgerEntry.campaign_id == campaign.id)
        .group_by(LedgerEntry.kind)
    )
    totals = {kind.value: 0 for kind in EntryKind}
    totals.update({kind: int(total) for kind, total in rows})
    return totals


def invariant_problems(campaign: Campaign) -> list[str]:
    """Return every way the stored totals disagree with the ledger (empty when all is well)."""
    db.session.refresh(campaign)
    totals = ledger_totals(campaign)
    allocated = totals[EntryKind.ALLOCATE] + totals[EntryKind.RELEASE]
    problems = []
    remaining = campaign.budget_fen - campaign.allocated_fen
    if campaign.budget_fen != remaining + allocated:
        problems.append(f"budget {campaign.budget_fen} != remaining {remaining} + {allocated}")
    if remaining < 0:
        problems.append(f"remaining {remaining} < 0")
    if campaign.spent_fen != totals[EntryKind.SPEND]:
        problems.append(f"spent {campaign.spent_fen} != ledger {totals[EntryKind.SPEND]}")
    per_enrolment = db.session.execute(
        select(
            Enrolment.id,
            Enrolment.allocated_fen,
            Enrolment.spent_fen,
            func.coalesce(
                select(func.sum(LedgerEntry.amount_fen))
                .where(
                    LedgerEntry.enrolment_id == Enrolment.id,
                    LedgerEntry.kind != EntryKind.SPEND.value,
                )
                .scalar_subquery(),
                0,
            ),
        ).where(Enrolment.campaign_id == campaign.id)
    )
    for enrolment_id, allocated_fen, spent_fen, ledger in per_enrolment:
        if allocated_fen != ledger or spent_fen > allocated_fen:
            problems.append(f"enrolment {enrolment_id}: {allocated_fen}/{spent_fen} vs {ledger}")
        if allocated_fen > campaign.per_title_cap_fen:
            problems.append(f"enrolment {enrolment_id} above the title cap")
    over_cap = db.session.scalars(
        select(CampaignPublisher.publisher_id).where(
            CampaignPublisher.campaign_id == campaign.id,
            CampaignPublisher.allocated_fen > campaign.per_publisher_cap_fen,
        )
    ).all()
    problems.extend(f"publisher {p} above the publisher cap" for p in over_cap)
    return problems
