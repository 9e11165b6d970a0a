"""Enrol titles from a spreadsheet: check every row first, then write all of them or none."""

from dataclasses import dataclass

from sqlalchemy import select

from alliance.auth.models import User
from alliance.catalogue.isbn import IsbnError, normalise_isbn
from alliance.catalogue.models import Title
from alliance.errors import ConflictError, DomainError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.importing import Found, ImportSpec, run_import
from alliance.members.services import publisher_of
from alliance.money import parse_money
from alliance.spreadsheets import Table
from alliance.tabular import parse_int_cell
from campaigns.enrolments import services
from campaigns.models import Campaign, Enrolment, EnrolmentStatus
from campaigns.services import enrolment_open

ENROLMENT_IMPORT = ImportSpec(
    action="enrolment.import",
    columns={
        "isbn": {"isbn", "isbn13", "书号", "isbn号"},
        "campaign_price": {"campaign price", "price", "活动价", "活动价格", "促销价"},
        "subsidy_per_unit": {"subsidy", "subsidy per copy", "subsidy per unit", "补贴", "单册补贴"},
        "expected_units": {"expected units", "expected copies", "units", "预计销量", "预计册数"},
        "stock": {"stock", "库存", "库存量"},
    },
    required=("isbn", "campaign_price", "subsidy_per_unit", "expected_units"),
    max_rows=20_000,
    # Where a problem found by the rules is reported: the rules speak of fields, files of columns.
    field_columns={
        "campaign_price_fen": "campaign_price",
        "subsidy_per_unit_fen": "subsidy_per_unit",
    },
)
TEMPLATE_HEADER = list(ENROLMENT_IMPORT.columns)
TEMPLATE_EXAMPLE = ["978-7-02-000220-7", "39.80", "5.00", "2000", "3000"]
TERMS = ("campaign_price_fen", "subsidy_per_unit_fen", "expected_units", "stock")


@dataclass(frozen=True)
class EnrolmentImportResult:
    """What an import did: enrolments added, changed and left as they were."""

    created: int
    updated: int
    unchanged: int
    rows: int


def import_enrolments(
    actor: User, campaign: Campaign, data: bytes, filename: str
) -> EnrolmentImportResult:
    """Check every row of a CSV/XLSX file of enrolments, then write all of them or none.

    A pending enrolment takes the file's new terms; a decided one must keep its terms.
    """
    organisation = publisher_of(actor)
    if not enrolment_open(campaign):
        raise ConflictError(services.ENROLMENT_CLOSED)

    def check(table: Table, found: Found) -> tuple[list, int]:
        rows = []
        for row in table.rows:
            values = _read_row(row.number, row.values, found)
            if values is None:
                continue
            first = found.repeated(values.isbn, row.number)
            if first is not None:
                found.refuse(
                    row.number,
                    "isbn",
                    _l("This ISBN is already on row %(row)s of the file.", row=first),
                )
                continue
            rows.append((row.number, values))
        return _plan(campaign, organisation.id, rows, found), len(rows)

    def write(checked: tuple[list, int], table: Table) -> EnrolmentImportResult:
        plan, read = checked
        created = sum(
            enrolment is None or enrolment.status == EnrolmentStatus.WITHDRAWN
            for _title, _values, enrolment in plan
        )
        services.save_enrolments(actor, campaign, plan)
        return EnrolmentImportResult(
            created=created,
            updated=len(plan) - created,
            unchanged=read - len(plan),
            rows=len(table.rows),
        )

    return run_import(ENROLMENT_IMPORT, actor, campaign, data, filename, check, write)


def _plan(campaign: Campaign, publisher_id: int, rows: list, found: Found) -> list:
    """Return (title, values, enrolment or None) for each row that changes something."""
    titles = _own_titles([values.isbn for _, values in rows], publisher_id)
    existing = _existing(campaign, [title.id for title in titles.values()])
    plan = []
    for number, values in rows:
        title = titles.get(values.isbn)
        if title is None:
            found.refuse(number, "isbn", _l("None of your titles has this ISBN."))
            continue
        for name, message in services.check_enrolment_values(campaign, title, values).items():
            found.refuse(number, name, message)
        enrolment = existing.get(title.id)
        if enrolment is not None and _same_terms(enrolment, values):
            if enrolment.status != EnrolmentStatus.WITHDRAWN:
                continue  # unchanged: importing the same file twice changes nothing
        elif enrolment is not None and enrolment.status in (
            EnrolmentStatus.APPROVED,
            EnrolmentStatus.REJECTED,
        ):
            found.refuse(
                number, "isbn", _l("This enrolment has been decided; its terms cannot change.")
            )
            continue
        plan.append((title, values, enrolment))
    return plan


def _read_row(number: int, cells: dict[str, str], found: Found):
    """Read one row's cells into enrolment values, noting every problem."""
    problems_before = len(found.problems)
    try:
        isbn = normalise_isbn(cells.get("isbn", ""))
    except IsbnError as error:
        found.refuse(number, "isbn", error.message)
        isbn = None
    amounts = {}
    for column in ("campaign_price", "subsidy_per_unit"):
        try:
            amounts[column] = parse_money(cells.get(column, ""))
        except DomainError as error:
            found.refuse(number, column, error.message)
    counts = {}
    for column, required in (("expected_units", True), ("stock", False)):
        text = cells.get(column, "").strip()
        if not text and not required:
            counts[column] = 0
            continue
        try:
            counts[column] = parse_int_cell(text)
        except ValueError:
            found.refuse(number, column, _l("Enter a whole number of copies, such as 2000."))
    if len(found.problems) > problems_before:
        return None
    return services.EnrolmentInput(
        isbn=isbn,
        campaign_price_fen=amounts["campaign_price"],
        subsidy_per_unit_fen=amounts["subsidy_per_unit"],
        expected_units=counts["expected_units"],
        stock=counts["stock"],
    )


def _own_titles(isbns: list[str], publisher_id: int) -> dict[str, Title]:
    titles = {}
    for start in range(0, len(isbns), 500):
        chunk = isbns[start : start + 500]
        query = select(Title).where(Title.isbn.in_(chunk), Title.publisher_id == publisher_id)
        titles.update((title.isbn, title) for title in db.session.scalars(query))
    return titles


def _existing(campaign: Campaign, title_ids: list[int]) -> dict[int, Enrolment]:
    found = {}
    for start in range(0, len(title_ids), 500):
        chunk = title_ids[start : start + 500]
        query = select(Enrolment).where(
            Enrolment.campaign_id == campaign.id, Enrolment.title_id.in_(chunk)
        )
        found.update((enrolment.title_id, enrolment) for enrolment in db.session.scalars(query))
    return found


def _same_terms(enrolment: Enrolment, values: services.EnrolmentInput) -> bool:
    return all(getattr(enrolment, name) == getattr(values, name) for name in TERMS)
