"""Benchmark the sales import; prints measured figures.

Builds a running campaign with approved, allocated titles in a fresh database (SQLite unless
DATABASE_URL says otherwise), then times a spreadsheet of sales (titles x days) imported
through the real import path, the same file imported again (nothing changes), and one
page of the sales list with its totals.

    .venv/bin/python benchmarks/sales_import.py [--titles 1000] [--days 10]
"""

import argparse
import csv
import io
import os
import secrets
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from stdnum import ean


def main() -> None:
    """Build the data, run the import twice and the list query, print the times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", type=int, default=1000)
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        run(url, args.titles, args.days)


def run(url: str, titles: int, days: int) -> None:
    """Run the benchmark against the database at `url` (it must be empty)."""
    os.environ.setdefault("RATELIMIT_ENABLED", "false")
    from alliance import create_app
    from alliance.auth.models import User, UserRole
    from alliance.auth.passwords import hash_password
    from alliance.catalogue.models import Title, search_key
    from alliance.extensions import db
    from alliance.i18n import local_today
    from alliance.members.models import Organisation
    from campaigns import ledger, services
    from campaigns.enrolments import services as enrolling
    from campaigns.models import CampaignStatus, Enrolment
    from campaigns.sales import services as sales
    from campaigns.sales.importing import import_sales

    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.test_request_context():
        upgrade()
        today = local_today()
        unusable = hash_password(secrets.token_urlsafe())  # nobody logs in as these users
        staff = User(email="staff@example.org", display_name="Staff", password_hash=unusable)
        staff.role_grants = [UserRole(role="campaign_staff")]
        publisher = Organisation(name="基准出版社", kind="publisher", status="active")
        user = User(
            email="p@example.org", display_name="P", password_hash=unusable, organisation=publisher
        )
        user.role_grants = [UserRole(role="publisher")]
        db.session.add_all([staff, user])
        budget = titles * 100_000
        campaign = services.create_campaign(
            staff,
            services.CampaignInput(
                name="基准读书月",
                name_en=None,
                enrolment_opens=today - timedelta(days=1),
                enrolment_closes=today + timedelta(days=1),
                starts=today + timedelta(days=2),
                ends=today + timedelta(days=20),
                budget_fen=budget,
                per_title_cap_fen=100_000,
                per_publisher_cap_fen=budget,
                categories=[],
            ),
        )
        services.change_status(staff, campaign, CampaignStatus.ENROLMENT_OPEN)
        isbns = []
        for n in range(titles):
            body = f"97875321{n:04d}"
            isbn = body + ean.calc_check_digit(body)
            isbns.append(isbn)
            db.session.add(
                Title(
                    isbn=isbn,
                    title=f"基准图书{n}",
                    title_key=search_key(f"基准图书{n}"),
                    publisher=publisher,
                    clc_class="I247.5",
                    list_price_fen=5000,
                    status="active",
                )
            )
        db.session.flush()
        enrolments = [
            enrolling.enrol_title(user, campaign, enrolling.EnrolmentInput(i, 4000, 500, 100, 1000))
            for i in isbns
        ]
        enrolling.decide_enrolments(staff, enrolments, "approved")
        for enrolment in enrolments:
            ledger.allocate(staff, enrolment, 50_000)
        campaign.starts = today - timedelta(days=days + 1)
        campaign.enrolment_opens = campaign.enrolment_closes = campaign.starts - timedelta(days=1)
        for status in (CampaignStatus.ENROLMENT_CLOSED, CampaignStatus.RUNNING):
            services.change_status(staff, campaign, status)  # through its workflow
        db.session.commit()

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["书号", "日期", "渠道", "销量", "销售额"])
        for offset in range(days):
            day = (today - timedelta(days=offset)).isoformat()
            for n, isbn in enumerate(isbns):
                writer.writerow([isbn, day, "门店" if n % 3 else "直播", n % 17, f"{n % 17 * 40}"])
        data = buffer.getvalue().encode("utf-8")
        rows = titles * days

        started = time.perf_counter()
        result = import_sales(user, campaign, data, "sales.csv")
        db.session.commit()
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = import_sales(user, campaign, data, "sales.csv")
        db.session.commit()
        second = time.perf_counter() - started
        started = time.perf_counter()
        page = db.paginate(
            sales.sales_query(campaign, publisher_id=publisher.id), per_page=50, page=3
        )
        totals = sales.sales_totals(campaign, publisher_id=publisher.id)
        listed = time.perf_counter() - started
        problems = ledger.invariant_problems(campaign)
        spent = db.session.get(Enrolment, enrolments[0].id).campaign.spent_fen

    print(f"database: {url.split(':', 1)[0]}")
    print(f"rows: {rows} ({titles} titles x {days} days)")
    print(f"first import: {first:.2f} s ({rows / first:.0f} rows/s), created {result.created}")
    print(f"same file again: {second:.2f} s, unchanged {again.unchanged}, created {again.created}")
    print(f"list page 3 + totals: {listed * 1000:.1f} ms ({len(page.items)} rows, {totals})")
    print(f"subsidy spent: {spent} fen; ledger invariant problems: {problems or 'none'}")


if __name__ == "__main__":
    main()
