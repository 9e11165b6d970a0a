"""Benchmark notice and takedown: a 300-listing notice by API, and the officers' queue page.

Builds a fresh SQLite database (and a fresh PostgreSQL one with `--postgres URL`), registers
and verifies a right through the services, then bulk-loads `--notices` notices naming
`--listings` listings in all (executemany on SQLite, COPY on PostgreSQL), most of them
decided and `--waiting` of them waiting for an officer. Then it times, several times each:
filing a 300-listing notice through the API (checked and written), the officers' queue page
(first page, a merchant filter and a deep page), and a bare page of the same app (`/healthz`)
as the baseline measured in the same run; and it prints the queue's SQL plan.

    .venv/bin/python benchmarks/ip_notices.py [--notices 100000] [--listings 1000000]
        [--waiting 30000] [--repeat 7] [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]

Targets (issue 12): the 300-listing notice answered in under 1 s; the queue page in under
300 ms.
"""

import argparse
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from campaign_setup import Timer, fresh_postgres, make_app
from sqlalchemy import text

ITEM_COLUMNS = ("notice_id", "organisation_id", "listing_id", "merchant_id", "reason_code",
                "status", "submitted_at")  # fmt: skip
NOTICE_COLUMNS = ("id", "organisation_id", "right_id", "regime", "good_faith", "accurate",
                  "regime_statement", "signature", "created_at")  # fmt: skip
NO_LOGIN = "!"  # a hash no password matches: these users never log in by form
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def seed_people(app) -> dict:
    """A rights holder with a verified right, an IP officer; their ids and an API key."""
    from alliance.api.services import create_api_key
    from alliance.auth.models import User, UserRole
    from alliance.extensions import db
    from alliance.files.services import Upload
    from alliance.members import services as members
    from authenticity.ip import services as rights

    with app.test_request_context():
        holder_org = members.create_organisation(None, "rights_holder", {"name": "基准权利人"})
        holder = User(
            email="holder@bench.example",
            display_name="holder",
            password_hash=NO_LOGIN,
            organisation=holder_org,
            role_grants=[UserRole(role="rights_holder")],
        )
        officer = User(email="ip@bench.example", display_name="officer", password_hash=NO_LOGIN,
                       role_grants=[UserRole(role="ip_officer")])  # fmt: skip
        db.session.add_all([holder, officer])
        db.session.flush()
        right = rights.register_right(holder, rights.read_right({
            "right_type": "copyright", "title": "基准", "territory": "中国大陆",
            "valid_from": "2020-01-01", "work_titles": "基准作品",
        }), [Upload("p.pdf", PDF)])  # fmt: skip
        rights.decide_right(officer, right, "verified")
        key = create_api_key(holder, "bench")[1]
        db.session.commit()
        return {"holder": holder.id, "officer": officer.id, "organisation": holder_org.id,
                "right": right.id, "key": key}  # fmt: skip


def notice_rows(people, notices: int, as_text: bool):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(1, notices + 1):
        when = start + timedelta(seconds=number * 30)
        yield (number, people["organisation"], people["right"], "cn_ecommerce", True, True, True,
               "基准", when.strftime("%Y-%m-%d %H:%M:%S.000000") if as_text else when)  # fmt: skip


def item_rows(people, notices: int, listings: int, waiting: int, as_text: bool):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(listings):
        notice_id = 1 + number * notices // listings
        when = start + timedelta(seconds=notice_id * 30)
        status = (
            "submitted" if number >= listings - waiting else ("removed", "rejected")[number % 2]
        )
        yield (notice_id, people["organisation"], f"B{number}", f"shop-{number % 5000}",
               "pirated_copy", status,
               when.strftime("%Y-%m-%d %H:%M:%S.000000") if as_text else when)  # fmt: skip


def bulk_load(app, people, notices: int, listings: int, waiting: int) -> float:
    """Insert the notices and their listings in bulk; return the seconds it took."""
    from alliance.extensions import db

    with app.app_context(), Timer() as took:
        dialect = db.engine.dialect.name
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        as_text = dialect == "sqlite"
        if as_text:
            cursor.execute("BEGIN")
        for table, columns, rows in (
            ("notice", NOTICE_COLUMNS, notice_rows(people, notices, as_text)),
            ("notice_item", ITEM_COLUMNS, item_rows(people, notices, listings, waiting, as_text)),
        ):
            names = ", ".join(columns)
            if dialect == "postgresql":
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (our names)
                cursor.executemany(insert, rows)
        if dialect == "postgresql":
            cursor.execute("SELECT setval('notice_id_seq', (SELECT max(id) FROM notice))")
        raw.commit()
        raw.close()
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return took.ms / 1000


def officer_client(app, officer_id: int):
    """A test client with a real login session of the officer."""
    from alliance.auth import sessions
    from alliance.auth.models import User
    from alliance.extensions import db

    client = app.test_client()
    with client.session_transaction() as session, app.test_request_context(method="POST"):
        officer = db.session.get(User, officer_id)
        sessions.start(officer)
        db.session.commit()
        session["_user_id"] = officer.get_id()
    return client


def median_ms(repeat: int, call) -> tuple[float, float]:
    """Return the median and the slowest of `repeat` timed calls, in milliseconds."""
    call()  # warm caches and lazily built things
    times = []
    for _ in range(repeat):
        with Timer() as took:
            call()
        times.append(took.ms)
    return statistics.median(times), max(times)


def run(database_url: str, args) -> None:
    app = make_app(database_url)
    app.config["RATELIMIT_ENABLED"] = False
    people = seed_people(app)
    seconds = bulk_load(app, people, args.notices, args.listings, args.waiting)
    print(f"  loaded {args.notices:,} notices and {args.listings:,} listings "
          f"({args.waiting:,} waiting) in {seconds:.1f} s")  # fmt: skip
    client = app.test_client()
    headers = {"Authorization": f"Bearer {people['key']}"}
    batch = iter(range(1_000_000))

    def file_notice():
        first = next(batch) * 300
        body = {"right_id": people["right"], "regime": "cn_ecommerce", "good_faith": True,
                "accurate": True, "signature": "基准",
                "items": [{"listing_id": f"N{first + n}", "merchant_id": f"shop-{n}",
                           "url": f"https://marketplace.example/goods/{first + n}",
                           "reason_code": "pirated_copy", "description": "盗版，试买样书无防伪"}
                          for n in range(300)]}  # fmt: skip
        response = client.post("/api/v1/notices", json=body, headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)[:300]

    officer = officer_client(app, people["officer"])

    def page(url):
        def get():
            response = officer.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    bare = median_ms(args.repeat, lambda: client.get("/healthz"))
    print(f"  baseline GET /healthz: {bare[0]:.1f} ms median")
    filed = median_ms(args.repeat, file_notice)
    print(f"  file a 300-listing notice (API): {filed[0]:.0f} ms median, {filed[1]:.0f} ms "
          f"slowest  (target < 1000 ms)")  # fmt: skip
    for label, url in (("queue, first page", "/ip/notices/review"),
                       ("queue, one merchant", "/ip/notices/review?merchant=shop-42"),
                       ("queue, page 200", "/ip/notices/review?page=200"),
                       ("a notice's page", "/ip/notices/1")):  # fmt: skip
        taken = median_ms(args.repeat, page(url))
        print(f"  {label}: {taken[0]:.0f} ms median, {taken[1]:.0f} ms slowest  "
              f"(target < 300 ms)")  # fmt: skip
    explain(app)


def explain(app) -> None:
    """Print the plans and times of the queue's two queries: its first page, and its count."""
    from sqlalchemy import func, select

    from alliance.extensions import db
    from authenticity.notices import services

    with app.app_context():
        query = services.review_queue()
        statements = {
            "page": query.limit(50),
            "count": select(func.count()).select_from(query.order_by(None).subquery()),
        }
        prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        for name, statement in statements.items():
            sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
            plan = db.session.execute(text(prefix + sql)).all()
            with Timer() as took:
                db.session.execute(text(sql)).all()
            steps = " | ".join(str(row[-1]) for row in plan)
            print(f"  queue {name} query: {took.ms:.0f} ms; plan: {steps}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=100_000)
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--waiting", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite:")
        run(f"sqlite:///{Path(folder) / 'bench.db'}", args)
    if args.postgres:
        with fresh_postgres(args.postgres) as url:
            print("PostgreSQL:")
            run(url, args)


if __name__ == "__main__":
    main()
