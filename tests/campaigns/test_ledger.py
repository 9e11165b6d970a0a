"""The subsidy ledger: budget and caps hold, idempotency, releases, spends, append-only."""

import pytest
from sqlalchemy import text

from alliance.errors import ConflictError, DomainError
from campaigns import ledger
from campaigns.models import CampaignStatus, LedgerEntry
from tests import factories


def allocate(db, staff, enrolment, amount, key=None):
    """Allocate, commit, and return the recorded entry."""
    recorded = ledger.allocate(staff, enrolment, amount, key)
    db.session.commit()
    return recorded


def test_an_allocation_moves_money_from_the_budget_to_the_enrolment(db, staff, approved):
    enrolment = approved()
    recorded = allocate(db, staff, enrolment, 40_000)
    assert recorded.created
    assert enrolment.allocated_fen == 40_000
    assert enrolment.campaign.allocated_fen == 40_000
    assert enrolment.campaign.remaining_fen == 1_000_000 - 40_000
    assert recorded.entry.platform_fen == 40_000  # the platform pays all by default
    assert ledger.invariant_problems(enrolment.campaign) == []


def test_the_per_title_cap_refuses_the_excess_and_writes_nothing(db, staff, approved):
    enrolment = approved()
    allocate(db, staff, enrolment, 90_000)
    with pytest.raises(ledger.BudgetExceeded, match="per title"):
        ledger.allocate(staff, enrolment, 10_001)
    db.session.rollback()
    assert enrolment.allocated_fen == 90_000
    assert db.session.query(LedgerEntry).count() == 1


def test_the_per_publisher_cap_holds_across_titles(
    db, staff, approved, make_campaign, publisher_user
):
    campaign = make_campaign()
    user = publisher_user()
    for _ in range(3):
        allocate(db, staff, approved(campaign, user=user), 100_000)
    fourth = approved(campaign, user=user)
    with pytest.raises(ledger.BudgetExceeded, match="publisher's cap"):
        ledger.allocate(staff, fourth, 1)
    db.session.rollback()
    allocate(db, staff, approved(campaign), 1)  # another publisher still may


def test_the_budget_is_never_exceeded(db, staff, approved, make_campaign):
    campaign = make_campaign(
        budget_fen=150_000, per_title_cap_fen=100_000, per_publisher_cap_fen=150_000
    )
    allocate(db, staff, approved(campaign), 100_000)
    late = approved(campaign)
    with pytest.raises(ledger.BudgetExceeded, match="budget"):
        ledger.allocate(staff, late, 50_001)
    db.session.rollback()
    allocate(db, staff, late, 50_000)
    assert campaign.remaining_fen == 0
    assert ledger.invariant_problems(campaign) == []


def test_the_same_idempotency_key_allocates_once(db, staff, approved):
    enrolment = approved()
    first = allocate(db, staff, enrolment, 1_000, key="form-123")
    again = allocate(db, staff, enrolment, 1_000, key="form-123")
    assert not again.created and again.entry.id == first.entry.id
    assert enrolment.allocated_fen == 1_000
    with pytest.raises(ConflictError, match="another request"):
        ledger.allocate(staff, enrolment, 2_000, "form-123")


@pytest.mark.parametrize("amount", [0, -5, 1.5, True, "100"])
def test_amounts_must_be_positive_whole_fen(db, staff, approved, amount):
    with pytest.raises(DomainError):
        ledger.allocate(staff, approved(), amount)


def test_only_approved_enrolments_in_open_campaigns_get_money(db, staff, approved):
    enrolment = approved()
    factories.move_campaign(enrolment.campaign, CampaignStatus.FINISHED, staff)
    db.session.commit()
    with pytest.raises(ConflictError, match="draft or finished"):
        ledger.allocate(staff, enrolment, 100)


def test_a_release_gives_unspent_money_back(db, staff, approved):
    enrolment = approved()
    allocate(db, staff, enrolment, 50_000)
    ledger.spend(None, enrolment, 20_000, None)
    db.session.commit()
    with pytest.raises(ledger.BudgetExceeded, match="unspent"):
        ledger.release(staff, enrolment, 30_001)
    db.session.rollback()
    ledger.release(staff, enrolment, 30_000)
    db.session.commit()
    assert (enrolment.allocated_fen, enrolment.spent_fen) == (20_000, 20_000)
    assert enrolment.campaign.remaining_fen == 1_000_000 - 20_000
    assert ledger.invariant_problems(enrolment.campaign) == []


def test_a_spend_is_capped_by_the_allocation_and_can_be_corrected(db, staff, approved):
    enrolment = approved()
    allocate(db, staff, enrolment, 10_000)
    assert ledger.spend(None, enrolment, 25_000, None) == 10_000
    assert ledger.spend(None, enrolment, -4_000, None) == -4_000
    db.session.commit()
    assert enrolment.spent_fen == 6_000
    assert ledger.ledger_totals(enrolment.campaign)["spend"] == 6_000
    assert ledger.invariant_problems(enrolment.campaign) == []


def test_the_ledger_is_append_only(db, staff, approved):
    allocate(db, staff, approved(), 1_000)
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE ledger_entry SET amount_fen = 1"))
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM ledger_entry"))
    db.session.rollback()


def test_the_database_refuses_an_overspent_campaign_even_without_the_code(db, approved):
    enrolment = approved()
    with pytest.raises(Exception, match=r"(?i)check"):
        db.session.execute(
            text("UPDATE campaign SET allocated_fen = budget_fen + 1 WHERE id = :id"),
            {"id": enrolment.campaign_id},
        )
    db.session.rollback()
