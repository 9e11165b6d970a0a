"""Authorised sellers as spreadsheets: import through the one driver (all or none), export."""

from dataclasses import dataclass

from sqlalchemy import select

from alliance.auth.models import User
from alliance.errors import FieldsInvalid
from alliance.extensions import db
from alliance.importing import Found, ImportSpec, run_import
from alliance.members.services import publisher_of
from alliance.spreadsheets import Table
from authenticity.sellers.models import SellerAuthorisation
from authenticity.sellers.services import (
    AuthorisationInput,
    create_authorisation,
    read_authorisation,
    titles_of,
)

COLUMNS: dict[str, set[str]] = {
    "merchant_id": {"merchant id", "merchant", "商家id", "商家编号", "店铺id"},
    "merchant_name": {"merchant name", "name", "商家名称", "店铺名称"},
    "merchant_uscc": {"uscc", "统一社会信用代码", "信用代码"},
    "isbns": {"isbns", "isbn", "书号"},
    "valid_from": {"valid from", "from", "开始日期", "生效日期"},
    "valid_until": {"valid until", "until", "结束日期", "截止日期"},
    "status": {"status", "状态"},
}
REQUIRED = ("merchant_id", "merchant_name", "valid_from")
HEADER = [
    "merchant_id", "merchant_name", "merchant_uscc", "isbns", "valid_from", "valid_until",
    "status", "revoke_reason",
]  # fmt: skip
REVOKED = {"revoked", "已撤销"}

AUTHORISATION_IMPORT = ImportSpec(
    action="authorisation.import",
    columns=COLUMNS,
    required=REQUIRED,
    multiline=("isbns",),
    max_rows=20_000,
)


@dataclass(frozen=True)
class ImportResult:
    """What an import of authorisations did."""

    created: int
    unchanged: int


def _key(values: AuthorisationInput) -> tuple:
    return (values.merchant_id, values.isbns, values.valid_from, values.valid_until)


def _existing_keys(publisher_id: int) -> set[tuple]:
    keys = set()
    for authorisation in db.session.scalars(
        select(SellerAuthorisation).where(
            SellerAuthorisation.publisher_id == publisher_id,
            SellerAuthorisation.revoked_at.is_(None),
        )
    ):
        isbns = authorisation.isbns
        keys.add(
            (
                authorisation.merchant_id,
                tuple(isbns) if isbns is not None else None,
                authorisation.valid_from,
                authorisation.valid_until,
            )
        )
    return keys


def import_authorisations(actor: User, data: bytes, filename: str) -> ImportResult:
    """Check every row of a file of authorisations, then add the new ones, all or none.

    A row equal to an authorisation in force (same merchant, titles and window), or to an
    earlier row of the file, is skipped, so importing an exported file again changes
    nothing; revoked rows are skipped too.
    """
    publisher = publisher_of(actor)

    def check(table: Table, found: Found) -> tuple[list[AuthorisationInput], int]:
        wanted: list[AuthorisationInput] = []
        kept = 0  # the rows not revoked: each is added or already present
        for row in table.rows:
            if row.values.get("status", "").strip().lower() in REVOKED:
                continue
            try:
                values = read_authorisation(row.values)
                if values.isbns:
                    titles_of(publisher.id, values.isbns)
            except FieldsInvalid as invalid:
                found.refuse_fields(row.number, invalid)
                continue
            kept += 1
            if found.repeated(_key(values), row.number) is None:
                wanted.append(values)
        return wanted, kept

    def write(plan, _table: Table) -> ImportResult:
        wanted, kept = plan
        existing = _existing_keys(publisher.id)
        new = [values for values in wanted if _key(values) not in existing]
        for values in new:
            create_authorisation(actor, values)
        return ImportResult(created=len(new), unchanged=kept - len(new))

    return run_import(AUTHORISATION_IMPORT, actor, publisher, data, filename, check, write)


def export_rows(publisher_id: int):
    """Yield the publisher's authorisations as rows under HEADER."""
    for authorisation in db.session.scalars(
        select(SellerAuthorisation)
        .where(SellerAuthorisation.publisher_id == publisher_id)
        .order_by(SellerAuthorisation.id)
    ):
        isbns = authorisation.isbns
        yield [
            authorisation.merchant_id,
            authorisation.merchant_name,
            authorisation.merchant_uscc or "",
            " ".join(isbns) if isbns is not None else "",
            authorisation.valid_from.isoformat(),
            authorisation.valid_until.isoformat() if authorisation.valid_until else "",
            "revoked" if authorisation.revoked_at else "active",
            authorisation.revoke_reason or "",
        ]
