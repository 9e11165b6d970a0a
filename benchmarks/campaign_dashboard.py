"""Benchmark the campaign dashboard's queries over a million ledger entries; prints figures.

Builds a fresh SQLite database (and a fresh PostgreSQL database with `--postgres URL`), loads
a campaign with 1,200 approved enrolments, one allocation each and spends up to a million
ledger entries in bulk (executemany on SQLite, COPY on PostgreSQL; the append-only trigger
allows inserts), plus one sale per title and day. Then it times each function the dashboard
page calls, several repetitions, prints the plans of the two ledger queries, and times the
whole page and each chart as the staff user would load them.

    .venv/bin/python benchmarks/campaign_dashboard.py [--entries 1000000] [--enrolments 1200]
        [--repeat 7] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Target (issue 4): the dashboard's queries under 300 ms in total.
"""

import argparse
import statistics
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from campaign_setup import Timer, fresh_postgres, make_app, seed_campaign
from sqlalchemy import text

DAYS = 30
ALLOCATION_FEN = 1_000_000  # each enrolment gets 10,000 yuan, then spends part of it
LEDGER_COLUMNS = (
    "campaign_id", "enrolment_id", "publisher_id", "kind", "amount_fen", "platform_fen",
    "publisher_fen", "day", "actor_id", "created_at",
)  # fmt: skip


def ledger_rows(campaign_id, staff_id, enrolments, entries, first_day, as_text):
    """Yield one allocation per enrolment, then spends round-robin over titles and days."""
    stamp = datetime(first_day.year, first_day.month, first_day.day, 2, tzinfo=UTC)
    when = stamp.strftime("%Y-%m-%d %H:%M:%S.000000") if as_text else stamp
    day_text = first_day.isoformat() if as_text else first_day
    for enrolment_id, publisher_id in enrolments:
        yield (
            campaign_id, enrolment_id, publisher_id, "allocate", ALLOCATION_FEN, ALLOCATION_FEN,
            0, day_text, staff_id, when,
        )  # fmt: skip
    days = [first_day + timedelta(days=n) for n in range(DAYS)]
    day_values = [d.isoformat() for d in days] if as_text else days
    count = len(enrolments)
    for n in range(entries - count):
        enrolment_id, publisher_id = enrolments[n % count]
        amount = 100 * (1 + n % 7)  # at most 700 fen x ~830 spends < the allocation
        yield (
            campaign_id, enrolment_id, publisher_id, "spend", amount, amount, 0,
            day_values[(n // count) % DAYS], None, when,
        )  # fmt: skip


def load(app, entries: int, enrolments: int, publishers: int) -> dict:
    """Seed the campaign, bulk-load the ledger and sales, and set the running totals."""
    from alliance.extensions import db

    with app.app_context():
        seeded = seed_campaign(
            enrolments,
            publishers,
            budget_fen=enrolments * ALLOCATION_FEN * 5 // 4,
            per_title_cap_fen=ALLOCATION_FEN,
            per_publisher_cap_fen=enrolments * ALLOCATION_FEN,
        )
        campaign_id, staff_id = seeded["campaign_id"], seeded["staff_id"]
        first_day = date.today() - timedelta(days=DAYS)
        dialect = db.engine.dialect.name
        raw = db.engine.raw_connection()
        with Timer() as took:
            cursor = raw.cursor()
            if dialect == "sqlite":
                cursor.execute("BEGIN")  # the app's pysqlite runs in autocommit mode
            rows = ledger_rows(
                campaign_id, staff_id, seeded["enrolments"], entries, first_day, dialect == "sqlite"
            )
            if dialect == "postgresql":
                columns = ", ".join(LEDGER_COLUMNS)
                with cursor.copy(f"COPY ledger_entry ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in LEDGER_COLUMNS)
                columns = ", ".join(LEDGER_COLUMNS)
                insert = f"INSERT INTO ledger_entry ({columns}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(insert, rows)
            # One store sale per title and day (the dashboard ranks titles by copies sold).
            sqlite = dialect == "sqlite"
            stamp = datetime(first_day.year, first_day.month, first_day.day, 2, tzinfo=UTC)
            updated = stamp.strftime("%Y-%m-%d %H:%M:%S.000000") if sqlite else stamp
            sales = [
                (
                    campaign_id,
                    enrolment_id,
                    publisher_id,
                    (first_day + timedelta(days=d)).isoformat()
                    if sqlite
                    else first_day + timedelta(days=d),
                    "store",
                    1 + (enrolment_id * 7 + d) % 40,
                    4000 * (1 + (enrolment_id * 7 + d) % 40),
                    0,
                    updated,
                )
                for enrolment_id, publisher_id in seeded["enrolments"]
                for d in range(DAYS)
            ]
            marks = ", ".join(["%s" if dialect == "postgresql" else "?"] * 9)
            insert = (
                "INSERT INTO sale (campaign_id, enrolment_id, publisher_id, sale_date, channel,"  # noqa: S608
                f" units, revenue_fen, subsidy_fen, updated_at) VALUES ({marks})"
            )
            cursor.executemany(insert, sales)
            raw.commit()
        print(f"  bulk load of {entries:,} ledger entries and {len(sales):,} sales: "
              f"{took.ms / 1000:.1f} s")  # fmt: skip
        raw.close()
        # The running totals the ledger keeps, set from the ledger itself.
        statements = [
            """UPDATE enrolment SET
                 allocated_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entry
                                   WHERE enrolment_id = enrolment.id AND kind <> 'spend'),
                 spent_fen = (SELECT COALESCE(SUM(amount_fen), 0) FROM ledger_entry
                               WHERE enrolment_id = enrolment.id AND kind = 'spend')
               WHERE campaign_id = :c""",
            """UPDATE campaign_publisher SET
                 allocated_fen = (SELECT COALESCE(SUM(allocated_fen), 0) FROM enrolment e
                   WHERE e.campaign_id = :c AND e.publisher_id = campaign_publisher.publisher_id),
                 spent_fen = (SELECT COALESCE(SUM(spent_fen), 0) FROM enrolment e
                   WHERE e.campaign_id = :c AND e.publisher_id = campaign_publisher.publisher_id)
               WHERE campaign_id = :c""",
            """UPDATE campaign SET
                 allocated_fen = (SELECT SUM(allocated_fen) FROM enrolment WHERE campaign_id = :c),
                 spent_fen = (SELECT SUM(spent_fen) FROM enrolment WHERE campaign_id = :c)
               WHERE id = :c""",
        ]
        for statement in statements:
            db.session.execute(text(statement), {"c": campaign_id})
        db.session.commit()
        if dialect == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return seeded


def dashboard_calls(campaign_id: int):
    """Return the dashboard page's figure functions, by name (the ones the page runs)."""
    from campaigns.reports import dashboard

    return {
        "overview (money, enrolments by status)": lambda: dashboard.overview(campaign_id),
        "by category": lambda: dashboard.by_category(campaign_id),
        "by publisher (top 20 + others)": lambda: dashboard.by_publisher(campaign_id, "zh", "其他"),
        "spend over time (ledger by day)": lambda: dashboard.spend_by_day(campaign_id),
        "top titles by spend": lambda: dashboard.top_titles(campaign_id, "zh", by="spent"),
        "top titles by copies sold": lambda: dashboard.top_titles(campaign_id, "zh", by="units"),
    }


def explain(campaign_id: int) -> None:
    """Print the query plans of the queries that read the ledger and the sales."""
    from alliance.extensions import db
    from campaigns.reports import dashboard

    dialect = db.engine.dialect.name
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    queries = {
        "spend over time": dashboard.select_spend_by_day(campaign_id),
        "spend over time summed from the ledger": dashboard.ledger_spend_by_day(campaign_id),
        "top titles by copies sold": dashboard.select_top_titles(campaign_id, by="units"),
    }
    for label, query in queries.items():
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(text(prefix + str(compiled))).all()
        print(f"  plan of {label}: " + " | ".join(str(row[-1]).strip() for row in plan))


def measure(app, seeded: dict, repeat: int) -> None:
    """Time each dashboard function, the page and the charts; print the figures."""
    from alliance.extensions import db
    from campaigns import ledger
    from campaigns.models import Campaign
    from campaigns.reports import dashboard

    campaign_id = seeded["campaign_id"]
    with app.test_request_context("/?lang=zh"):
        campaign = db.session.get(Campaign, campaign_id)
        problems = ledger.invariant_problems(campaign)
        entries = db.session.scalar(text("SELECT COUNT(*) FROM ledger_entry"))
        print(f"  ledger entries: {entries:,}; invariant problems: {len(problems)}")
        explain(campaign_id)
        timings = {name: [] for name in dashboard_calls(campaign_id)}
        totals = []
        for _ in range(repeat):
            db.session.expire_all()
            total = 0.0
            for name, call in dashboard_calls(campaign_id).items():
                with Timer() as took:
                    call()
                timings[name].append(took.ms)
                total += took.ms
            totals.append(total)
        for name, values in timings.items():
            print(
                f"  {name:<40} median {statistics.median(values):8.1f} ms"
                f"   min {min(values):8.1f} ms"
            )
        print(
            f"  {'ALL DASHBOARD QUERIES':<40} median {statistics.median(totals):8.1f} ms"
            f"   min {min(totals):8.1f} ms   (target < 300 ms)"
        )
        # The per-day table against the GROUP BY over the whole ledger it replaces.
        summed, direct = [], []
        for _ in range(max(2, repeat // 2)):
            with Timer() as took:
                direct_rows = db.session.execute(dashboard.ledger_spend_by_day(campaign_id)).all()
            direct.append(took.ms)
        with Timer() as took:
            summed_rows = db.session.execute(dashboard.select_spend_by_day(campaign_id)).all()
        summed.append(took.ms)
        same = [tuple(r) for r in direct_rows] == [tuple(r) for r in summed_rows]
        print(
            f"  (for comparison: spend per day summed from the ledger itself: median "
            f"{statistics.median(direct):.1f} ms; equal to the per-day table: {same})"
        )
    client = app.test_client()
    with client.session_transaction() as session:
        from alliance.auth import sessions
        from alliance.auth.models import User

        with app.app_context():
            staff = db.session.get(User, seeded["staff_id"])
            sessions.start(staff)  # a real login session, as the log-in form opens one
            db.session.commit()
            session["_user_id"] = staff.get_id()
    page_ms = []
    for _ in range(repeat):
        with Timer() as took:
            response = client.get(f"/campaigns/{campaign_id}/dashboard?lang=zh")
        assert response.status_code == 200, response.status_code
        page_ms.append(took.ms)
    print(
        f"  whole page (HTML, queries + template)      median {statistics.median(page_ms):8.1f} ms"
    )
    from campaigns.reports.views import CHARTS

    for chart in CHARTS:
        chart_ms = []
        for _ in range(max(2, repeat // 2)):
            with Timer() as took:
                response = client.get(f"/campaigns/{campaign_id}/charts/{chart}.svg?lang=zh")
            assert response.status_code == 200
            chart_ms.append(took.ms)
        print(
            f"  chart {chart + '.svg':<34} drawn {chart_ms[0]:8.1f} ms"
            f"   again (kept) median {statistics.median(chart_ms[1:]):6.1f} ms"
            f"   ({len(response.data) // 1024} KiB)"
        )


def run(label: str, database_url: str, args) -> None:
    """Load and measure one database."""
    print(f"{label}:")
    app = make_app(database_url)
    seeded = load(app, args.entries, args.enrolments, args.publishers)
    measure(app, seeded, args.repeat)
    with app.app_context():
        from alliance.extensions import db

        db.engine.dispose()


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--enrolments", type=int, default=1_200)
    parser.add_argument("--publishers", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", metavar="URL", help="also run on a fresh database there")
    parser.add_argument("--no-sqlite", action="store_true", help="run on PostgreSQL only")
    args = parser.parse_args()
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", f"sqlite:///{Path(tmp) / 'dashboard.db'}", args)
    if args.postgres:
        with fresh_postgres(args.postgres) as url:
            run("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
