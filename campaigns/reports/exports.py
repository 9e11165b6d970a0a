"""Queries of the campaign exports: enrolments and ledger entries with titles and publishers."""

from sqlalchemy import select

from alliance.catalogue.models import Title
from alliance.members.models import Organisation
from campaigns.models import Enrolment, LedgerEntry


def ledger_rows(
    campaign_id: int,
    publisher_id: int | None = None,
    kinds: tuple[str, ...] | None = None,
    newest_first: bool = False,
):
    """Return the query of ledger entries with title and publisher, oldest first."""
    query = (
        select(
            LedgerEntry.id,
            LedgerEntry.created_at,
            LedgerEntry.day,
            LedgerEntry.kind,
            LedgerEntry.amount_fen,
            LedgerEntry.platform_fen,
            LedgerEntry.publisher_fen,
            LedgerEntry.enrolment_id,
            LedgerEntry.sale_id,
            LedgerEntry.note,
            Title.isbn,
            Title.title,
            Organisation.name.label("publisher_name"),
            Organisation.name_en.label("publisher_name_en"),
        )
        .join(Enrolment, Enrolment.id == LedgerEntry.enrolment_id)
        .join(Title, Title.id == Enrolment.title_id)
        .join(Organisation, Organisation.id == LedgerEntry.publisher_id)
        .where(LedgerEntry.campaign_id == campaign_id)
        .order_by(LedgerEntry.id.desc() if newest_first else LedgerEntry.id)
    )
    if publisher_id is not None:
        query = query.where(LedgerEntry.publisher_id == publisher_id)
    if kinds:
        query = query.where(LedgerEntry.kind.in_(kinds))
    return query


def enrolment_rows(campaign_id: int, publisher_id: int | None = None):
    """Return the query of enrolments with title and publisher for an export, by id."""
    query = (
        select(
            Enrolment.id,
            Title.isbn,
            Title.title,
            Organisation.name.label("publisher_name"),
            Organisation.name_en.label("publisher_name_en"),
            Enrolment.category,
            Enrolment.status,
            Enrolment.campaign_price_fen,
            Enrolment.subsidy_per_unit_fen,
            Enrolment.expected_units,
            Enrolment.stock,
            Enrolment.allocated_fen,
            Enrolment.spent_fen,
            Enrolment.reason_code,
            Enrolment.reason,
            Enrolment.created_at,
            Enrolment.decided_at,
        )
        .join(Title, Title.id == Enrolment.title_id)
        .join(Organisation, Organisation.id == Enrolment.publisher_id)
        .where(Enrolment.campaign_id == campaign_id)
        .order_by(Enrolment.id)
    )
    if publisher_id is not None:
        query = query.where(Enrolment.publisher_id == publisher_id)
    return query
