"""Import sales from a spreadsheet: check every row first, then record all of them or none."""

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import BigInteger, Integer, column, select, update
from sqlalchemy import values as rows_of

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.dates import read_day
from alliance.extensions import db
from alliance.i18n import _l, local_today
from alliance.members.services import publisher_of
from alliance.money import MoneyError, parse_money
from alliance.spreadsheets import Table, read_table
from alliance.tabular import ImportRejected, Problem, missing_columns
from campaigns import ledger
from campaigns.models import Campaign, CampaignPublisher, Enrolment, EntryKind, Sale
from campaigns.sales import services as sales

# Canonical column -> the header spellings accepted for it (see spreadsheets.normalise_header).
SALE_COLUMNS: dict[str, set[str]] = {
    "isbn": {"isbn", "isbn13", "书号", "isbn号", "国际标准书号"},
    "date": {"date", "sale date", "day", "日期", "销售日期"},
    "channel": {"channel", "渠道", "销售渠道"},
    "units": {"units", "quantity", "qty", "copies", "数量", "销量", "册数"},
    "revenue": {"revenue", "sales", "amount", "销售额", "金额", "销售金额"},
}
REQUIRED_COLUMNS = ("isbn", "date", "units", "revenue")
TEMPLATE_HEADER = list(SALE_COLUMNS)
TEMPLATE_EXAMPLE = ["978-7-02-000220-7", "2021-04-23", "store", "120", "4776.00"]
MAX_ROWS = 100_000


@dataclass(frozen=True)
class SalesImportResult:
    """What an import did: sales added, corrected and left as they were, and their subsidy."""

    created: int
    corrected: int
    unchanged: int
    rows: int
    subsidy_fen: int  # the subsidy the new and corrected sales moved (negative: given back)
    short: int  # sales that earned more subsidy than their allocation had left
    ignored_columns: list[str] = field(default_factory=list)


def import_sales(actor: User, campaign: Campaign, data: bytes, filename: str) -> SalesImportResult:
    """Check every row of a CSV/XLSX file of sales, then record all of them or none.

    Raises SpreadsheetError when the file cannot be read as a table, ConflictError when the
    campaign takes no reports now, and ImportRejected listing (row, column, problem) for
    every bad row, having written nothing.
    """
    organisation = publisher_of(actor)
    sales.check_accepting(campaign)
    table = read_table(data, filename, SALE_COLUMNS, max_rows=MAX_ROWS)
    missing = missing_columns(table.columns_found, SALE_COLUMNS, REQUIRED_COLUMNS)
    if missing:
        raise ImportRejected(missing)
    checked, problems = _check_rows(table, campaign)
    enrolments = sales.approved_enrolments(
        organisation, campaign, sorted({values.isbn for _row, values in checked})
    )
    wanted = []
    for number, values in checked:
        if values.isbn in enrolments:
            wanted.append((enrolments[values.isbn], values))
        else:
            message = _l(
                "None of your titles approved for this campaign has the ISBN %(isbn)s.",
                isbn=values.isbn,
            )
            problems.append(Problem(number, _column(table, "isbn"), str(message)))
    if problems:
        problems.sort(key=lambda problem: problem.row or 0)
        raise ImportRejected(problems)

    # Every writer of sales locks the campaign row first: from here on no one else can add
    # or change this campaign's sales until the import commits, so what is read is current.
    db.session.execute(select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())
    existing = _existing_sales(campaign, [enrolment.id for enrolment, _values in wanted])
    new, changed = [], []
    for enrolment, values in wanted:
        before = existing.get((enrolment.id, values.sale_date, values.channel))
        if before is None:
            new.append((enrolment, values))
        elif before != (values.units, values.revenue_fen):
            changed.append((enrolment, values))
    created, moved, short = _record_new(actor, campaign, new)
    corrected = 0
    for enrolment, values in changed:
        report = sales.apply_sale(actor, enrolment, values)
        corrected += report.changed
        short += report.short_fen > 0
        moved += report.drawn_fen
    result = SalesImportResult(
        created=created,
        corrected=corrected,
        unchanged=len(wanted) - created - corrected,
        rows=len(table.rows),
        subsidy_fen=moved,
        short=short,
        ignored_columns=list(table.ignored_columns),
    )
    if created or corrected:
        audit.record(
            actor,
            "sale.import",
            campaign,
            None,
            {
                "filename": filename[:255],
                "sha256": hashlib.sha256(data).hexdigest(),
                "publisher_id": organisation.id,
                "rows": result.rows,
                "created": created,
                "corrected": corrected,
                "unchanged": result.unchanged,
                "subsidy_fen": moved,
            },
        )
        db.session.flush()
    return result


def _record_new(actor: User, campaign: Campaign, new: list) -> tuple[int, int, int]:
    """Insert new sales and their subsidy spends in a few statements; the ledger's rules hold.

    Each sale draws units x subsidy per unit, capped by what its enrolment has left, in the
    file's order; the totals of the enrolments, the publisher and the campaign then move by
    guarded UPDATEs, as `ledger.spend` moves them for one sale. Returns (sales added, subsidy
    drawn, sales only partly subsidised).
    """
    if not new:
        return 0, 0, 0
    left: dict[int, int] = {}
    ids = sorted({enrolment.id for enrolment, _values in new})
    for start in range(0, len(ids), 500):
        query = (
            select(Enrolment.id, Enrolment.allocated_fen - Enrolment.spent_fen)
            .where(Enrolment.id.in_(ids[start : start + 500]))
            .order_by(Enrolment.id)
            .with_for_update()
        )
        left.update(dict(db.session.execute(query).all()))
    rows, drawn, short = [], {}, 0
    for enrolment, values in new:
        wanted = values.units * enrolment.subsidy_per_unit_fen
        draw = min(wanted, left[enrolment.id])
        left[enrolment.id] -= draw
        drawn[enrolment.id] = drawn.get(enrolment.id, 0) + draw
        short += draw < wanted
        sale = Sale(
            campaign_id=campaign.id,
            enrolment_id=enrolment.id,
            publisher_id=enrolment.publisher_id,
            sale_date=values.sale_date,
            channel=values.channel,
            units=values.units,
            revenue_fen=values.revenue_fen,
            subsidy_fen=draw,
        )
        rows.append((enrolment, sale))
    db.session.add_all([sale for _enrolment, sale in rows])
    db.session.flush()
    for enrolment, sale in rows:
        if sale.subsidy_fen:
            entry = ledger._entry(actor, enrolment, EntryKind.SPEND, sale.subsidy_fen, None, None)
            entry.sale_id = sale.id
            db.session.add(entry)
        audit.record(actor, "sale.report", sale, None, sales.sale_state(sale))
    total = sum(drawn.values())
    publisher_id = new[0][0].publisher_id
    amounts = [(enrolment_id, amount) for enrolment_id, amount in drawn.items() if amount]
    for start in range(0, len(amounts), 500):
        _spend_on_enrolments(amounts[start : start + 500])
    if total:
        _guarded(Campaign, [Campaign.id == campaign.id], total)
        _guarded(
            CampaignPublisher,
            [
                CampaignPublisher.campaign_id == campaign.id,
                CampaignPublisher.publisher_id == publisher_id,
            ],
            total,
        )
    db.session.flush()
    for enrolment, _values in new:
        db.session.expire(enrolment, ["allocated_fen", "spent_fen"])
    db.session.expire(campaign, ["allocated_fen", "spent_fen"])
    return len(rows), total, short


def _spend_on_enrolments(amounts: list[tuple[int, int]]) -> None:
    """Add each amount to its enrolment's spent total in one UPDATE, or refuse them all."""
    if db.session.get_bind().dialect.name == "sqlite":  # no column aliases on VALUES there
        for enrolment_id, amount in amounts:  # and no round trips to save either
            _guarded(Enrolment, [Enrolment.id == enrolment_id], amount)
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
        raise ledger.BudgetExceeded(_l("The subsidy spent cannot exceed the allocation."))


def _guarded(model, where: list, amount: int) -> None:
    """Add `amount` to a row's spent total unless that would pass its allocation."""
    statement = (
        update(model)
        .where(*where, model.spent_fen + amount <= model.allocated_fen)
        .values(spent_fen=model.spent_fen + amount)
        # The rows are expired afterwards: no need to search the session for them.
        .execution_options(synchronize_session=False)
    )
    if db.session.execute(statement).rowcount != 1:
        raise ledger.BudgetExceeded(_l("The subsidy spent cannot exceed the allocation."))


def _column(table: Table, name: str) -> str:
    """Name a column as the user's file does."""
    return table.headers.get(name, name)


def _check_rows(table: Table, campaign: Campaign):
    """Read every row; find days reported twice inside the file."""
    today = local_today()
    checked: list[tuple[int, sales.SaleInput]] = []
    first_rows: dict[tuple, int] = {}
    problems: list[Problem] = []
    for row in table.rows:
        found, refused = _read_row(table, campaign, row, today)
        problems.extend(refused)
        if {"isbn", "sale_date", "channel"} <= found.keys():
            key = (found["isbn"], found["sale_date"], found["channel"])
            first = first_rows.setdefault(key, row.number)
            if first != row.number:
                message = _l("The same ISBN, date and channel are also on row %(row)s.", row=first)
                problems.append(Problem(row.number, _column(table, "isbn"), str(message)))
                continue
        if not refused:
            checked.append((row.number, sales.SaleInput(**found)))
    return checked, problems


def _read_row(table: Table, campaign: Campaign, row, today) -> tuple[dict, list[Problem]]:
    """Return the values a row gives and the problems with it (one per bad cell)."""
    values = row.values
    found = {}
    problems = []

    def refuse(column, message):
        problems.append(Problem(row.number, _column(table, column), str(message)))

    try:
        found["isbn"] = normalise_isbn(values["isbn"])
    except IsbnError as error:
        refuse("isbn", error.message)
    try:
        day = read_day(values["date"], required=True)
    except ValueError as error:
        refuse("date", error.args[0])
    else:
        if problem := sales.date_problem(campaign, day, today):
            refuse("date", problem)
        else:
            found["sale_date"] = day
    try:
        found["channel"] = sales.parse_channel(values.get("channel", ""))
    except ValueError as error:
        refuse("channel", error.args[0])
    try:
        found["units"] = sales.parse_units(values["units"])
    except ValueError as error:
        refuse("units", error.args[0])
    try:
        found["revenue_fen"] = parse_money(values["revenue"])
    except MoneyError as error:
        refuse("revenue", error.message)
    return found, problems


def _existing_sales(campaign: Campaign, enrolment_ids: list[int]) -> dict[tuple, tuple]:
    """Return the figures already reported for these enrolments, by (enrolment, day, channel)."""
    found = {}
    ids = sorted(set(enrolment_ids))
    for start in range(0, len(ids), 500):
        query = select(
            Sale.enrolment_id, Sale.sale_date, Sale.channel, Sale.units, Sale.revenue_fen
        ).where(Sale.campaign_id == campaign.id, Sale.enrolment_id.in_(ids[start : start + 500]))
        for enrolment_id, day, channel, units, revenue in db.session.execute(query):
            found[(enrolment_id, day, channel)] = (units, revenue)
    return found
