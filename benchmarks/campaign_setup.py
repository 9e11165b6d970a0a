"""Shared set-up of the campaign benchmarks: fresh databases and a campaign loaded in bulk."""

import contextlib
import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import create_engine, insert, make_url, text

os.environ.setdefault("RATELIMIT_ENABLED", "false")


@contextlib.contextmanager
def fresh_postgres(url: str):
    """Create a new, empty PostgreSQL database on the server of `url`; drop it afterwards."""
    server = make_url(url)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_app(database_url: str):
    """Return the app on `database_url`, migrated to the newest schema."""
    from flask_migrate import upgrade

    from alliance import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
    return app


def isbn_for(number: int) -> str:
    """Return a distinct valid ISBN-13 in the 978-7 group for `number`."""
    from stdnum import ean

    body = f"9787{300 + number // 100_000:03d}{number % 100_000:05d}"
    return body + ean.calc_check_digit(body)


def seed_campaign(
    enrolments: int,
    publishers: int,
    budget_fen: int,
    per_title_cap_fen: int,
    per_publisher_cap_fen: int,
    status: str = "running",
) -> dict:
    """Create a staff user, publishers, titles and approved enrolments with bulk INSERTs.

    Returns ids: the campaign, the staff user and the enrolments (id, publisher id). Runs
    inside an app context; all money is zero (the caller moves it).
    """
    from alliance.auth.models import User, UserRole
    from alliance.auth.roles import Role
    from alliance.catalogue.models import Title, search_key
    from alliance.extensions import db
    from alliance.members.models import Organisation
    from campaigns.models import Campaign, CampaignPublisher, Enrolment

    rng = random.Random(2021)
    now = datetime.now(UTC)
    session = db.session
    staff_id = session.execute(
        insert(User).returning(User.id),
        [{"email": "bench-staff@example.org", "display_name": "Bench", "password_hash": "x"}],
    ).scalar_one()
    session.execute(insert(UserRole), [{"user_id": staff_id, "role": Role.CAMPAIGN_STAFF.value}])
    session.execute(
        insert(Organisation),
        [
            {
                "name": f"基准出版社{n:04d}",
                "name_en": f"Bench Press {n:04d}",
                "kind": "publisher",
                "status": "active",
            }
            for n in range(publishers)
        ],
    )
    publisher_ids = session.scalars(
        text("SELECT id FROM organisation WHERE kind = 'publisher' ORDER BY id")
    ).all()
    classes = ["I247.5", "I266", "J221", "G624", "C912", "K825", "B222", "TP311"]
    session.execute(
        insert(Title),
        [
            {
                "isbn": isbn_for(n),
                "title": f"基准图书{n:05d}",
                "title_key": search_key(f"基准图书{n:05d}"),
                "publisher_id": publisher_ids[n % publishers],
                "clc_class": classes[n % len(classes)],
                "list_price_fen": 5000,
                "status": "active",
            }
            for n in range(enrolments)
        ],
    )
    titles = session.execute(text("SELECT id, publisher_id, clc_class FROM title ORDER BY id"))
    today = date.today()
    campaign_id = session.execute(
        insert(Campaign).returning(Campaign.id),
        [
            {
                "name": f"基准读书月{uuid.uuid4().hex[:6]}",
                "name_en": "Bench reading month",
                "status": status,
                "enrolment_opens": today - timedelta(days=40),
                "enrolment_closes": today - timedelta(days=31),
                "starts": today - timedelta(days=30),
                "ends": today + timedelta(days=30),
                "budget_fen": budget_fen,
                "per_title_cap_fen": per_title_cap_fen,
                "per_publisher_cap_fen": per_publisher_cap_fen,
                "categories": [],
                "category_weights": {},
                "allocated_fen": 0,
                "spent_fen": 0,
                "platform_share_percent": 100,
            }
        ],
    ).scalar_one()
    session.execute(
        insert(Enrolment),
        [
            {
                "campaign_id": campaign_id,
                "title_id": title_id,
                "publisher_id": publisher_id,
                "category": clc[:1],
                "campaign_price_fen": 4000,
                "subsidy_per_unit_fen": rng.choice([500, 800, 1000]),
                "expected_units": 1000,
                "stock": 2000,
                "status": "approved",
                "allocated_fen": 0,
                "spent_fen": 0,
                "created_at": now,
                "decided_at": now,
            }
            for title_id, publisher_id, clc in titles
        ],
    )
    session.execute(
        insert(CampaignPublisher),
        [
            {"campaign_id": campaign_id, "publisher_id": p, "allocated_fen": 0, "spent_fen": 0}
            for p in publisher_ids
        ],
    )
    rows = session.execute(
        text("SELECT id, publisher_id FROM enrolment WHERE campaign_id = :c ORDER BY id"),
        {"c": campaign_id},
    ).all()
    session.commit()
    return {
        "campaign_id": campaign_id,
        "staff_id": staff_id,
        "enrolments": [(row.id, row.publisher_id) for row in rows],
    }


class Timer:
    """Measure one block's wall-clock time in milliseconds."""

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_exc):
        self.ms = (time.perf_counter() - self.started) * 1000
