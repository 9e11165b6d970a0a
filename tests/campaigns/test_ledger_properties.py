"""A hypothesis state machine drives allocations, releases and spends: the books always balance."""

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from alliance.errors import DomainError
from alliance.extensions import db
from campaigns import ledger
from campaigns.enrolments import services as enrolling
from campaigns.models import CampaignStatus
from tests import factories

BUDGET = 100_000
TITLE_CAP = 40_000
PUBLISHER_CAP = 70_000
# Round amounts meet the caps exactly; any amount finds the off-by-one cases.
AMOUNTS = st.one_of(
    st.sampled_from([5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 60_000]),
    st.integers(min_value=1, max_value=60_000),
)


@pytest.fixture
def machine(ctx, staff, make_campaign, make_title, publisher_user):
    """Return the state machine class, wired to the test's database."""
    users = [publisher_user(), publisher_user()]

    class LedgerMachine(RuleBasedStateMachine):
        """Random money movements against a model of what the totals must be."""

        def __init__(self):
            super().__init__()
            self.campaign = make_campaign(
                budget_fen=BUDGET, per_title_cap_fen=TITLE_CAP, per_publisher_cap_fen=PUBLISHER_CAP
            )
            self.enrolments = []
            for index in range(4):
                user = users[index % 2]
                title = make_title(user.organisation)
                enrolment = enrolling.enrol_title(
                    user,
                    self.campaign,
                    enrolling.EnrolmentInput(title.isbn, 4000, 500, 1000, 0),
                )
                self.enrolments.append(enrolment)
            enrolling.decide_enrolments(staff, self.enrolments, "approved")
            factories.move_campaign(self.campaign, CampaignStatus.RUNNING, staff)
            db.session.commit()
            self.allocated = [0] * 4
            self.spent = [0] * 4
            self.keys = 0

        def _publisher_total(self, index):
            return sum(self.allocated[i] for i in range(4) if i % 2 == index % 2)

        def _try(self, call):
            try:
                result = call()
            except DomainError:
                db.session.rollback()
                return None
            db.session.commit()
            return result

        @rule(index=st.integers(0, 3), amount=AMOUNTS, reuse_key=st.booleans())
        def allocate(self, index, amount, reuse_key):
            if not reuse_key or self.keys == 0:
                self.keys += 1
            key = f"k{self.keys}-{index}-{amount}"
            fits = (
                sum(self.allocated) + amount <= BUDGET
                and self.allocated[index] + amount <= TITLE_CAP
                and self._publisher_total(index) + amount <= PUBLISHER_CAP
            )
            recorded = self._try(
                lambda: ledger.allocate(staff, self.enrolments[index], amount, key)
            )
            if recorded is not None and recorded.created:
                assert fits
                self.allocated[index] += amount
            elif recorded is None:
                assert not fits

        @rule(index=st.integers(0, 3), amount=AMOUNTS)
        def release(self, index, amount):
            fits = self.allocated[index] - self.spent[index] >= amount
            done = self._try(lambda: ledger.release(staff, self.enrolments[index], amount))
            assert (done is not None) == fits
            if done is not None:
                self.allocated[index] -= amount

        @rule(index=st.integers(0, 3), amount=st.integers(-30_000, 30_000))
        @precondition(lambda self: any(self.allocated))
        def spend(self, index, amount):
            change = self._try(lambda: ledger.spend(None, self.enrolments[index], amount, None))
            expected = max(
                min(amount, self.allocated[index] - self.spent[index]), -self.spent[index]
            )
            assert change == expected
            self.spent[index] += change

        @invariant()
        def books_balance(self):
            campaign = self.campaign
            assert ledger.invariant_problems(campaign) == []
            assert campaign.allocated_fen == sum(self.allocated)
            assert campaign.spent_fen == sum(self.spent)
            assert campaign.budget_fen - campaign.allocated_fen >= 0
            totals = ledger.ledger_totals(campaign)
            assert (
                campaign.budget_fen
                == campaign.remaining_fen + totals["allocate"] + totals["release"]
            )

    return LedgerMachine


def test_random_money_movements_keep_the_books_balanced(machine):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        machine, settings=settings(max_examples=25, stateful_step_count=25, deadline=None)
    )
