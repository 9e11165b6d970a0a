"""Import sales from a spreadsheet: check every row first, then record all of them or none."""

import hashlib
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.catalogue.services import publisher_of
from alliance.extensions import db
from alliance.i18n import local_today
from alliance.money import MoneyError, parse_money
from alliance.spreadsheets import Table, read_table
from alliance.tabular import ImportRejected, Problem
from campaigns import sales
from campaigns.models import Campaign, Sale

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


def column_spellings(column: str) -> tuple[list[str], list[str]]:
    """Return the accepted headers of a column: (Latin spellings, Chinese spellings)."""
    spellings = sorted(SALE_COLUMNS[column], key=lambda text: (len(text), text))
    latin = [text for text in spellings if text.isascii()]
    return latin, [text for text in spellings if not text.isascii()]


def import_sales(actor: User, campaign: Campaign, data: bytes, filename: str) -> SalesImportResult:
    """Check every row of a CSV/XLSX file of sales, then record all of them or none.

    Raises SpreadsheetError when the file cannot be read as a table, ConflictError when the
    campaign takes no reports now, and ImportRejected listing (row, column, problem) for
    every bad row, having written nothing.
    """
    organisation = publisher_of(actor)
    sales.check_accepting(campaign)
    table = read_table(data, filename, SALE_COLUMNS, max_rows=MAX_ROWS)
    missing = [
        Problem(None, column, str(_missing_message(column)))
        for column in REQUIRED_COLUMNS
        if column not in table.columns_found
    ]
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

    existing = _existing_sales(campaign, [enrolment.id for enrolment, _values in wanted])
    created = corrected = short = moved = 0
    for enrolment, values in wanted:
        before = existing.get((enrolment.id, values.sale_date, values.channel))
        if before == (values.units, values.revenue_fen):
            continue
        report = sales.apply_sale(actor, enrolment, values)
        if not report.changed:
            continue
        created += report.created
        corrected += not report.created
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


def _missing_message(column: str):
    latin, chinese = column_spellings(column)
    return _l(
        "The file has no %(column)s column: name one column %(names)s.",
        column=column,
        names=" / ".join([*latin[:2], *chinese[:2]]),
    )


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
        day = sales.parse_day(values["date"])
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
