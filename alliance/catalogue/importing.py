"""Import titles from a spreadsheet: check every row first, then write all of them or none."""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from alliance.auth.models import User
from alliance.bulk import chunks
from alliance.catalogue.bulk import (
    CONTRIBUTOR_TABLE,
    STATE_FIELDS,
    TITLE_TABLE,
    forget_loaded_titles,
    insert_titles,
    titles_by_isbn,
    update_titles,
)
from alliance.catalogue.checking import CheckedTitles, read_titles
from alliance.catalogue.models import TITLE_WORKFLOW
from alliance.catalogue.rules import ROLE_FIELDS, TitleInput
from alliance.errors import ConflictError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.importing import Found, ImportSpec, run_import
from alliance.members.models import MemberStatus, Organisation, OrganisationKind
from alliance.members.services import NotAPublisher, publisher_of
from alliance.spreadsheets import Table

# Canonical column -> the header spellings accepted for it (case, spaces, punctuation and a
# bracketed tail such as "定价（元）" do not matter; see spreadsheets.normalise_header).
TITLE_COLUMNS: dict[str, set[str]] = {
    "isbn": {"isbn", "isbn13", "书号", "isbn号", "国际标准书号"},
    "title": {"title", "书名", "题名"},
    "subtitle": {"subtitle", "副书名", "副标题"},
    "authors": {"author", "authors", "作者", "著者"},
    "editors": {"editor", "editors", "编者", "主编"},
    "translators": {"translator", "translators", "译者"},
    "illustrators": {"illustrator", "illustrators", "绘者", "插画"},
    "format": {"format", "装帧", "形式"},
    "language": {"language", "语种", "语言"},
    "clc_class": {"clc", "clc class", "中图法分类号", "中图分类号", "分类号"},
    "thema_code": {"thema", "thema code"},
    "publication_date": {"publication date", "pub date", "出版日期", "出版时间"},
    "price": {"price", "list price", "定价", "价格"},
    "page_count": {"pages", "page count", "页数"},
    "description": {"description", "简介", "内容简介"},
    "status": {"status", "状态"},
}
REQUIRED_COLUMNS = ("isbn", "title")
TEMPLATE_HEADER = list(TITLE_COLUMNS)  # the template file's columns: the canonical names
TEMPLATE_EXAMPLE = [
    "978-7-02-000220-7", "红楼梦", "", "曹雪芹; 高鹗", "", "", "", "hardback", "zh",
    "I242.47", "", "1996-12-01", "59.70", "1606", "", "active",
]  # fmt: skip
# A column of the file -> the field of a title it sets; contributors and status apart.
COLUMN_FIELDS = {
    **{name: name for name in STATE_FIELDS if name in TITLE_COLUMNS and name != "status"},
    "price": "list_price_fen",
}
ROLE_OF_COLUMN = {column: role.value for column, role in ROLE_FIELDS.items()}
SIMULTANEOUS = _l("Some of these titles were added at the same moment; import the file again.")


@dataclass(frozen=True)
class ImportResult:
    """What an import did: titles added, changed and left as they were, out of `rows`."""

    created: int
    updated: int
    unchanged: int
    rows: int
    ignored_columns: list[str] = field(default_factory=list)


TITLE_IMPORT = ImportSpec(
    action="title.import",
    columns=TITLE_COLUMNS,
    required=REQUIRED_COLUMNS,
    multiline=("description",),
    field_columns={"list_price_fen": "price"},
)


def import_titles(
    actor: User | None,
    organisation: Organisation,
    data: bytes,
    filename: str,
    progress: Callable[..., None] = lambda *_args, **_kwargs: None,
) -> ImportResult:
    """Check every row of a CSV/XLSX file of titles, then add or update all of them or none.

    Raises SpreadsheetError when the file cannot be read as a table, and ImportRejected
    listing (row, column, problem) for every bad row, having written nothing. `progress`
    hears how far it has got (a fraction and a stage), for a background job's page.
    """
    organisation = importing_publisher(actor, organisation)

    def check(table: Table, found: Found):
        progress(0.2, _l("Checking %(n)s rows", n=len(table)), force=True)
        titles = read_titles(table.columns, len(table))
        checked, first_rows = _check_rows(table, titles, found)
        progress(0.6, _l("Comparing with the catalogue"), force=True)
        existing = _existing_titles(list(first_rows))
        _refuse_others_titles(first_rows, existing, organisation, found)
        current = _current_states(existing, organisation)
        return titles, checked, _plan(table, titles, checked, existing, current, found)

    def write(plan, table: Table) -> ImportResult:
        titles, checked, (new, changed) = plan
        progress(0.8, _l("Writing the titles"), force=True)
        db.session.flush()  # anything pending goes first: the writes below bypass the ORM
        try:
            with db.session.begin_nested():  # a failed write leaves nothing, indexes included
                insert_titles(titles, new, organisation.id)
                update_titles(actor, changed, organisation.id)
        except IntegrityError:  # another import added one of these ISBNs meanwhile
            raise ConflictError(SIMULTANEOUS) from None
        forget_loaded_titles()
        return ImportResult(
            created=len(new),
            updated=len(changed),
            unchanged=len(checked) - len(new) - len(changed),
            rows=len(table),
            ignored_columns=list(table.ignored_columns),
        )

    progress(0.05, _l("Reading the file"), force=True)
    return run_import(TITLE_IMPORT, actor, organisation, data, filename, check, write)


def importing_publisher(actor: User | None, organisation: Organisation) -> Organisation:
    """Return the publisher an import writes for; refuse anyone who may not import."""
    if actor is not None:
        own = publisher_of(actor)
        if organisation is not None and organisation.id != own.id:
            raise NotAPublisher(_l("You can only import titles for your publisher."))
        return own
    if (
        organisation is None
        or organisation.kind != OrganisationKind.PUBLISHER
        or organisation.status != MemberStatus.ACTIVE
    ):
        raise NotAPublisher(_l("Titles can only be imported for an active publisher."))
    return organisation


def _column_of(table: Table, name: str) -> str:
    """Name the column of a rule's field: contributors are in the first role column present."""
    if name == "contributors":
        present = [column for column in ROLE_OF_COLUMN if column in table.headers]
        return present[0] if present else "authors"
    return name


def _check_rows(table: Table, titles: CheckedTitles, found: Found):
    """Note every row's problems; find ISBNs repeated inside the file.

    Returns the indexes of the good rows (each ISBN's first) and the first row number of
    each ISBN.
    """
    isbns = titles.fields["isbn"]
    numbers = table.numbers
    if not titles.problems and None not in isbns:
        first_rows = dict(zip(isbns, numbers, strict=True))
        if len(first_rows) == len(isbns):  # no ISBN twice
            return list(range(len(isbns))), first_rows
    checked: list[int] = []
    first_rows: dict[str, int] = {}  # ISBN -> the first row that has it
    for index, isbn in enumerate(isbns):
        number = numbers[index]
        invalid = titles.problems.get(index)
        for name, message in (invalid or {}).items():
            found.refuse(number, _column_of(table, name), message)
        if isbn is None:
            continue
        if (first := found.repeated(isbn, number)) is not None:
            found.refuse(
                number,
                "isbn",
                _l("The ISBN %(isbn)s is also on row %(row)s.", isbn=isbn, row=first),
            )
            continue
        first_rows[isbn] = number
        if not invalid:
            checked.append(index)
    return checked, first_rows


def _existing_titles(isbns: list[str]) -> dict[str, object]:
    """Return the catalogued titles among these ISBNs (whoever publishes them), by ISBN."""
    columns = [TITLE_TABLE.c[name] for name in ("id", "isbn", "publisher_id", *STATE_FIELDS)]
    return {row.isbn: row for row in db.session.execute(titles_by_isbn(columns, isbns))}


def _refuse_others_titles(first_rows, existing, organisation, found: Found) -> None:
    for isbn, row in existing.items():
        if row.publisher_id != organisation.id:
            message = _l("Another publisher has already catalogued the ISBN %(isbn)s.", isbn=isbn)
            found.refuse(first_rows[isbn], "isbn", message)


def _current_states(existing: dict, organisation: Organisation) -> dict[int, dict]:
    """Return the comparable state of the organisation's titles among `existing`, by id."""
    states = {
        row.id: {
            **{name: getattr(row, name) for name in STATE_FIELDS},
            "isbn": row.isbn,
            "contributors": [],
        }
        for row in existing.values()
        if row.publisher_id == organisation.id
    }
    ids = list(states)
    c = CONTRIBUTOR_TABLE.c
    for chunk in chunks(ids):
        query = (
            select(c.title_id, c.name, c.role)
            .where(c.title_id.in_(chunk))
            .order_by(c.title_id, c.position, c.id)
        )
        for title_id, name, role in db.session.execute(query):
            states[title_id]["contributors"].append((name, role))
    return states


def _plan(table, titles: CheckedTitles, checked, existing, current, found: Found):
    """Split the good rows into new titles (row indexes) and changed ones (id, before, after)."""
    if not existing:
        return checked, []
    isbns = titles.fields["isbn"]
    present_fields = [f for column, f in COLUMN_FIELDS.items() if column in table.columns_found]
    present_roles = {r for column, r in ROLE_OF_COLUMN.items() if column in table.columns_found}
    statuses = table.columns["status"]
    new: list[int] = []
    changed: list[tuple[int, dict, dict]] = []
    for index in checked:
        catalogued = existing.get(isbns[index])
        if catalogued is None:
            new.append(index)
            continue
        before = current.get(catalogued.id)
        if before is None:  # another publisher's: already reported
            continue
        values = titles.title(index)
        number = table.numbers[index]
        after = dict(before)
        for name in present_fields:
            after[name] = getattr(values, name)
        if present_roles:
            after["contributors"] = _merged(before["contributors"], values, present_roles)
        if statuses[index] != "" and values.status != before["status"]:
            if not TITLE_WORKFLOW.can(before["status"], values.status):
                refusal = TITLE_WORKFLOW.refusal(before["status"], values.status)
                found.refuse(number, "status", refusal.message)
                continue
            after["status"] = values.status
        if after != before:
            changed.append((catalogued.id, before, after))
    return new, changed


def _merged(current: list, values: TitleInput, present_roles: set[str]) -> list:
    """Take the file's names for the roles it has columns for, keep the others' as they are."""
    by_role = {role: [] for role in ROLE_OF_COLUMN.values()}
    for name, role in current:
        by_role.setdefault(role, []).append(name)
    wanted = {role: [] for role in present_roles}
    for name, role in values.contributors:
        wanted[role].append(name)
    if all(by_role[role] == wanted[role] for role in present_roles):
        return current  # the same people: keep their order as it is
    return [
        (name, role)
        for role, names in by_role.items()
        for name in (wanted[role] if role in present_roles else names)
    ]
