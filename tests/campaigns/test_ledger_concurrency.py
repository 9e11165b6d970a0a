"""Twenty threads allocate at once on a real database: the budget and the caps still hold.

Each run uses a database of its own (a fresh PostgreSQL database, or an SQLite file), because
the threads must commit for real, which the per-test rollback of the other tests cannot see.
"""

import random
import threading
from datetime import timedelta

from sqlalchemy import func, select

from alliance.auth.models import User, UserRole
from alliance.catalogue.models import Title, search_key
from alliance.errors import DomainError
from alliance.extensions import db as _db
from alliance.i18n import local_today
from alliance.members.models import Organisation
from campaigns import ledger
from campaigns.enrolments import services as enrolling
from campaigns.models import Campaign, CampaignStatus, Enrolment, LedgerEntry
from tests import factories

THREADS = 20
ATTEMPTS = 15  # per thread
BUDGET = 1_000_000
TITLE_CAP = 60_000
PUBLISHER_CAP = 300_000


def _setup(app) -> tuple[int, list[int], int]:
    """Create a running campaign with approved enrolments of three publishers."""
    with app.app_context():
        staff = User(email="staff@example.org", display_name="Staff", password_hash="x",
                     role_grants=[UserRole(role="campaign_staff")])  # fmt: skip
        _db.session.add(staff)
        today = local_today()
        campaign = factories.campaign(
            staff, CampaignStatus.ENROLMENT_OPEN, name="竞争测试", name_en=None,
            enrolment_opens=today, enrolment_closes=today,
            starts=today + timedelta(days=1), ends=today + timedelta(days=9),
            budget_fen=BUDGET, per_title_cap_fen=TITLE_CAP, per_publisher_cap_fen=PUBLISHER_CAP,
            categories=[],
        )  # fmt: skip
        enrolments = []
        for p in range(3):
            publisher = Organisation(name=f"出版社{p}", kind="publisher")
            _db.session.add(publisher)
            for t in range(8):
                title = Title(
                    isbn=f"978700{p}{t:06d}", title=f"书{p}-{t}", title_key=search_key("书"),
                    publisher=publisher, clc_class="I247",
                )  # fmt: skip
                enrolment = Enrolment(
                    campaign=campaign, title=title, publisher=publisher, category="I",
                    campaign_price_fen=3000, subsidy_per_unit_fen=300, expected_units=1000,
                    stock=0, allocated_fen=0, spent_fen=0,
                )  # fmt: skip
                _db.session.add(enrolment)
                enrolments.append(enrolment)
        _db.session.flush()
        enrolling.decide_enrolments(staff, enrolments, "approved")
        _db.session.commit()
        return campaign.id, [e.id for e in enrolments], staff.id


def test_twenty_threads_never_overspend(own_database):
    app = own_database
    campaign_id, enrolment_ids, staff_id = _setup(app)
    barrier = threading.Barrier(THREADS, timeout=60)
    granted: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        try:
            work(seed)
        except BaseException as error:
            with lock:
                errors.append(error)

    def work(seed: int) -> None:
        rng = random.Random(seed)
        with app.app_context():
            staff = _db.session.get(User, staff_id)
            _db.session.commit()  # end the read: SQLite's transactions take the write lock
            barrier.wait()
            for attempt in range(ATTEMPTS):
                enrolment = _db.session.get(Enrolment, rng.choice(enrolment_ids))
                amount = rng.choice([5_000, 10_000, 20_000, 30_000])
                key = f"t{seed}-{attempt}"
                try:
                    ledger.allocate(staff, enrolment, amount, key)
                    _db.session.commit()
                except DomainError:
                    _db.session.rollback()
                    with lock:
                        refused.append(amount)
                    continue
                except BaseException as error:  # a deadlock or a lost update would land here
                    _db.session.rollback()
                    with lock:
                        errors.append(error)
                    continue
                with lock:
                    granted.append(amount)
            _db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"

    assert errors == []
    assert refused, "the budget is small enough that some allocations must be refused"
    with app.app_context():
        campaign = _db.session.get(Campaign, campaign_id)
        assert ledger.invariant_problems(campaign) == []
        assert campaign.allocated_fen == sum(granted) <= BUDGET
        assert _db.session.scalar(select(func.count(LedgerEntry.id))) == len(granted)
        per_title = _db.session.scalars(select(Enrolment.allocated_fen)).all()
        assert max(per_title) <= TITLE_CAP
        per_publisher = _db.session.execute(
            select(Enrolment.publisher_id, func.sum(Enrolment.allocated_fen)).group_by(
                Enrolment.publisher_id
            )
        ).all()
        assert all(total <= PUBLISHER_CAP for _publisher, total in per_publisher)


def test_twenty_threads_submitting_the_same_key_allocate_once(own_database):
    app = own_database
    campaign_id, enrolment_ids, staff_id = _setup(app)
    barrier = threading.Barrier(THREADS, timeout=60)
    outcomes: list[tuple[int, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            with app.app_context():
                staff = _db.session.get(User, staff_id)
                enrolment = _db.session.get(Enrolment, enrolment_ids[0])
                _db.session.commit()
                barrier.wait()
                recorded = ledger.allocate(staff, enrolment, 10_000, "double-click")
                _db.session.commit()
                with lock:
                    outcomes.append((recorded.entry.id, recorded.created))
                _db.session.remove()
        except BaseException as error:
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    assert len({entry_id for entry_id, _created in outcomes}) == 1
    assert sorted(created for _entry_id, created in outcomes) == [False] * (THREADS - 1) + [True]
    with app.app_context():
        campaign = _db.session.get(Campaign, campaign_id)
        assert campaign.allocated_fen == 10_000
        assert ledger.invariant_problems(campaign) == []


def test_the_fixture_uses_a_database_of_its_own(own_database):
    with own_database.app_context():
        url = str(_db.engine.url)
    assert "/ba_own_" in url or url.endswith("/own.db")
