"""A notice's listings from a spreadsheet, through the one import driver (all or none)."""

from dataclasses import dataclass, replace

from alliance.auth.models import User
from alliance.errors import FieldsInvalid
from alliance.importing import Found, ImportSpec, run_import
from alliance.spreadsheets import Table
from authenticity.ip import services as rights
from authenticity.notices import services
from authenticity.notices.models import MAX_ITEMS

COLUMNS: dict[str, set[str]] = {
    "listing_id": {"listing id", "listing", "item id", "商品id", "商品编号", "链接id"},
    "merchant_id": {"merchant id", "merchant", "shop id", "商家id", "商家编号", "店铺id"},
    "isbn": {"isbn", "书号"},
    "url": {"url", "address", "link", "链接", "商品链接", "链接地址"},
    "reason_code": {"reason", "reason code", "理由", "投诉理由"},
    "description": {"description", "notes", "说明", "描述", "备注"},
}
NOTICE_IMPORT = ImportSpec(
    action="notice.import",
    columns=COLUMNS,
    required=("listing_id", "merchant_id"),
    multiline=("description",),
    max_rows=MAX_ITEMS,
)
HEADER = ["listing_id", "merchant_id", "isbn", "url", "reason_code", "description"]


@dataclass(frozen=True)
class NoticeFiled:
    """What a notice filed from a spreadsheet holds."""

    notice_id: int
    listings: int


def file_from_sheet(actor: User, values: dict, data: bytes, filename: str,
                    evidence=()) -> NoticeFiled:  # fmt: skip
    """File a notice whose listings are the rows of a CSV or Excel file: every bad row is
    named by its row and the file's own header, and nothing is written unless all are good."""
    fields = services.read_notice_fields(actor, values)
    organisation = rights.filer_of(actor)
    default_reason = values.get("default_reason")

    def check(table: Table, found: Found):
        rows = []
        for index in range(len(table)):
            row = table.values(index)
            row["reason_code"] = services.reason_named(row.get("reason_code")) or default_reason
            rows.append(row)
        try:
            return services.read_items(rows, fields.right, organisation.id, table.numbers)
        except FieldsInvalid as invalid:
            for name, message in invalid.problems.items():
                if name == "items":
                    found.refuse(None, "listing_id", message)
                else:
                    _items, number, field = name.split(".")
                    found.refuse(int(number), field, message)
            return ()

    def write(items, _table: Table) -> NoticeFiled:
        notice = services.file_notice(actor, replace(fields, items=items), evidence)
        return NoticeFiled(notice.id, len(notice.items))

    return run_import(NOTICE_IMPORT, actor, organisation, data, filename, check, write)
