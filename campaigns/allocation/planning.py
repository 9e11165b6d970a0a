"""The allocation proposal for a campaign: compute it from the database, apply it at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from alliance import audit
from alliance.auth.models import User
from alliance.catalogue.models import Title
from alliance.errors import DomainError
from alliance.extensions import db
from alliance.i18n import _l
from alliance.members.models import Organisation
from campaigns import ledger
from campaigns.allocation.proposal import propose_allocation
from campaigns.models import (
    Campaign,
    CampaignPublisher,
    Enrolment,
    EnrolmentStatus,
    LedgerEntry,
)

if TYPE_CHECKING:  # pandas loads only when a proposal is computed
    import pandas as pd


@dataclass(frozen=True)
class Applied:
    """What applying a proposal did."""

    allocations: int
    total_fen: int


def build_proposal(campaign: Campaign, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Return one row per approved enrolment with what it has, may get, and is proposed."""
    import pandas as pd

    rows = db.session.execute(
        select(
            Enrolment.id.label("enrolment_id"),
            Enrolment.publisher_id,
            Enrolment.category,
            (Enrolment.subsidy_per_unit_fen * Enrolment.expected_units).label("demand_fen"),
            Enrolment.allocated_fen,
            Title.isbn,
            Title.title,
            Organisation.name.label("publisher"),
            Organisation.name_en.label("publisher_en"),
        )
        .join(Title, Title.id == Enrolment.title_id)
        .join(Organisation, Organisation.id == Enrolment.publisher_id)
        .where(
            Enrolment.campaign_id == campaign.id,
            Enrolment.status == EnrolmentStatus.APPROVED.value,
        )
        .order_by(Enrolment.id)
    ).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "enrolment_id", "publisher_id", "category", "demand_fen", "allocated_fen", "isbn",
            "title", "publisher", "publisher_en",
        ],
    )  # fmt: skip
    if frame.empty:
        frame["title_room_fen"] = pd.Series(dtype="int64")
        frame["proposed_fen"] = pd.Series(dtype="int64")
        return frame
    frame = frame.astype({"demand_fen": "int64", "allocated_fen": "int64"})
    cap = frame["demand_fen"].clip(upper=campaign.per_title_cap_fen)
    frame["title_room_fen"] = (cap - frame["allocated_fen"]).clip(lower=0)
    publisher_rooms = {
        publisher_id: max(campaign.per_publisher_cap_fen - allocated, 0)
        for publisher_id, allocated in db.session.execute(
            select(CampaignPublisher.publisher_id, CampaignPublisher.allocated_fen).where(
                CampaignPublisher.campaign_id == campaign.id
            )
        )
    }
    for publisher_id in frame["publisher_id"].unique():
        publisher_rooms.setdefault(int(publisher_id), campaign.per_publisher_cap_fen)
    result = propose_allocation(
        frame,
        budget_room_fen=campaign.budget_fen - campaign.allocated_fen,
        publisher_room_fen=publisher_rooms,
        category_weights=weights if weights is not None else campaign.category_weights,
    )
    return result


def apply_proposal(actor: User, campaign: Campaign, amounts: dict[int, int], key: str) -> Applied:
    """Allocate every amount in one transaction: all of them, or (on any refusal) none.

    Set-based: one INSERT of the entries and one guarded UPDATE per total, so a proposal
    for ten thousand titles applies as fast as one. Each entry's idempotency key derives
    from `key`, so applying the same form twice allocates once.
    """
    if not key or len(key) > 60:
        raise DomainError(_l("This proposal form has expired; compute the proposal again."))
    if any(fen < 0 for fen in amounts.values()):
        raise DomainError(_l("An amount cannot be negative."))
    wanted = {enrolment_id: fen for enrolment_id, fen in amounts.items() if fen > 0}
    if not wanted:
        raise DomainError(_l("The proposal allocates nothing."))
    keys = {enrolment_id: f"proposal:{key}:{enrolment_id}" for enrolment_id in wanted}
    done = set(
        db.session.scalars(
            select(LedgerEntry.enrolment_id).where(
                LedgerEntry.campaign_id == campaign.id,
                LedgerEntry.idempotency_key.in_(list(keys.values())),
            )
        )
    )
    wanted = {enrolment_id: fen for enrolment_id, fen in wanted.items() if enrolment_id not in done}
    if not wanted:
        return Applied(allocations=0, total_fen=0)
    rows = db.session.execute(
        select(Enrolment.id, Enrolment.publisher_id).where(
            Enrolment.campaign_id == campaign.id,
            Enrolment.id.in_(list(wanted)),
            Enrolment.status == EnrolmentStatus.APPROVED.value,
        )
    ).all()
    if len(rows) != len(wanted):
        raise DomainError(
            _l("The proposal names an enrolment that is not approved in this campaign.")
        )
    ledger.check_open(campaign)
    publisher_of = dict(rows)
    ledger.insert_entries(
        actor,
        campaign,
        [(enrolment_id, publisher_of[enrolment_id], fen, keys[enrolment_id])
         for enrolment_id, fen in sorted(wanted.items())],
    )  # fmt: skip
    by_publisher: dict[int, int] = {}
    for enrolment_id, fen in wanted.items():
        by_publisher[publisher_of[enrolment_id]] = (
            by_publisher.get(publisher_of[enrolment_id], 0) + fen
        )
    ledger.add_to_totals(campaign, wanted, by_publisher)
    total = sum(wanted.values())
    audit.record(
        actor,
        "subsidy.apply_proposal",
        campaign,
        {"allocated_fen": campaign.allocated_fen},
        {"allocated_fen": campaign.allocated_fen + total, "allocations": len(wanted), "key": key},
    )
    db.session.expire(campaign, ["allocated_fen"])
    return Applied(allocations=len(wanted), total_fen=total)
