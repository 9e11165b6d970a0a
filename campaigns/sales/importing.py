"""Import sales from a spreadsheet: the one import driver checks every row, then records all
of them or none; new sales draw their subsidy through the ledger."""

from dataclasses import dataclass, field

from sqlalchemy import select

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.dates import read_day
from alliance.extensions import db
from alliance.i18n import _l, local_today
from alliance.importing import Found, ImportSpec, run_import
from alliance.members.services import publisher_of
from alliance.money import MoneyError, parse_money
from alliance.spreadsheets import Table
from campaigns import ledger
from campaigns.models import Campaign, Sale
from campaigns.sales import services as sales

SALES_IMPORT = ImportSpec(
    action="sale.import",
    # Canonical column -> the header spellings accepted (see spreadsheets.normalise_header).
    columns={
        "isbn": {"isbn", "isbn13", "书号", "isbn号", "国际标准书号"},
        "date": {"date", "sale date", "day", "日期", "销售日期"},
        "channel": {"channel", "渠道", "销售渠道"},
        "units": {"units", "quantity", "qty", "copies", "数量", "销量", "册数"},
        "revenue": {"revenue", "sales", "amount", "销售额", "金额", "销售金额"},
    },
    required=("isbn", "date", "units", "revenue"),
    max_rows=100_000,
)
TEMPLATE_HEADER = list(SALES_IMPORT.columns)
TEMPLATE_EXAMPLE = ["978-7-02-000220-7", "2021-04-23", "store", "120", "4776.00"]


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

    def check(table: Table, found: Found) -> list:
        checked = _check_rows(table, campaign, found)
        isbns = sorted({values.isbn for _row, values in checked})
        enrolments = sales.approved_enrolments(organisation, campaign, isbns)
        wanted = []
        for number, values in checked:
            if values.isbn in enrolments:
                wanted.append((enrolments[values.isbn], values))
            else:
                message = _l(
                    "None of your titles approved for this campaign has the ISBN %(isbn)s.",
                    isbn=values.isbn,
                )
                found.refuse(number, "isbn", message)
        return wanted

    def write(wanted: list, table: Table) -> SalesImportResult:
        return _record(actor, campaign, wanted, table)

    return run_import(SALES_IMPORT, actor, campaign, data, filename, check, write)


def _record(actor: User, campaign: Campaign, wanted: list, table: Table) -> SalesImportResult:
    """Add the new sales and correct the changed ones; leave the same figures alone."""
    # Every writer of sales locks the campaign row first: from here on no one else can add
    # or change this campaign's sales until the import commits, so what is read is current.
    db.session.execute(select(Campaign.id).where(Campaign.id == campaign.id).with_for_update())
    existing = _existing_sales(campaign, [enrolment.id for enrolment, _values in wanted])
    new, changed = [], []
    for enrolment, values in wanted:
        before = existing.get((enrolment.id, values.sale_date, values.channel))
        if before is None:
            new.append((enrolment, sales.new_sale(enrolment, values)))
        elif before != (values.units, values.revenue_fen):
            changed.append((enrolment, values))
    moved, short = ledger.spend_on_new_sales(actor, campaign, new)
    for _enrolment, sale in new:
        audit.record(actor, "sale.report", sale, None, sales.sale_state(sale))
    corrected = 0
    for enrolment, values in changed:
        report = sales.apply_sale(actor, enrolment, values)
        corrected += report.changed
        short += report.short_fen > 0
        moved += report.drawn_fen
    return SalesImportResult(
        created=len(new),
        corrected=corrected,
        unchanged=len(wanted) - len(new) - corrected,
        rows=len(table.rows),
        subsidy_fen=moved,
        short=short,
        ignored_columns=list(table.ignored_columns),
    )


def _check_rows(table: Table, campaign: Campaign, found: Found) -> list:
    """Read every row, noting each bad cell and the days reported twice inside the file."""
    today = local_today()
    checked: list[tuple[int, sales.SaleInput]] = []
    for row in table.rows:
        values, bad = _read_row(row, campaign, today, found)
        if {"isbn", "sale_date", "channel"} <= values.keys():
            key = (values["isbn"], values["sale_date"], values["channel"])
            first = found.repeated(key, row.number)
            if first is not None:
                message = _l("The same ISBN, date and channel are also on row %(row)s.", row=first)
                found.refuse(row.number, "isbn", message)
                continue
        if not bad:
            checked.append((row.number, sales.SaleInput(**values)))
    return checked


def _read_row(row, campaign: Campaign, today, found: Found) -> tuple[dict, bool]:
    """Return the values a row gives, and whether any of its cells was refused."""
    cells = row.values
    values = {}
    refused_before = len(found.problems)

    def refuse(column, message):
        found.refuse(row.number, column, message)

    try:
        values["isbn"] = normalise_isbn(cells["isbn"])
    except IsbnError as error:
        refuse("isbn", error.message)
    try:
        day = read_day(cells["date"], required=True)
    except ValueError as error:
        refuse("date", error.args[0])
    else:
        if problem := sales.date_problem(campaign, day, today):
            refuse("date", problem)
        else:
            values["sale_date"] = day
    try:
        values["channel"] = sales.parse_channel(cells.get("channel", ""))
    except ValueError as error:
        refuse("channel", error.args[0])
    try:
        values["units"] = sales.parse_units(cells["units"])
    except ValueError as error:
        refuse("units", error.args[0])
    try:
        values["revenue_fen"] = parse_money(cells["revenue"])
    except MoneyError as error:
        refuse("revenue", error.message)
    return values, len(found.problems) > refused_before


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
