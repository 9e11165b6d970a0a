"""Benchmark concurrent subsidy allocations on PostgreSQL; prints the rate and checks the budget.

Creates a fresh PostgreSQL database (dropped at the end), a running campaign with approved
enrolments, and a budget that covers only part of what the clients will ask for. Then N
concurrent clients (threads, each with its own app and request context and so its own
session and connection) do what the allocation API does on random enrolments (find the
campaign and the enrolment, `campaigns.ledger.allocate`, commit) until the time is up.
Prints allocations per second, refusals and errors, then checks that nothing was
overspent: `ledger.invariant_problems` is empty and the allocated total is within the
budget and equals the ledger's sum.

    .venv/bin/python benchmarks/campaign_allocations.py
        [postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--clients 8] [--seconds 20]

Target (issue 4): at least 200 allocations per second with 8 clients, and no overspend.
"""

import argparse
import random
import threading
import time
import uuid
from collections import Counter

from campaign_setup import fresh_postgres, make_app, seed_campaign

AMOUNT_FEN = 1_000


def client(app, ids: dict, stop: threading.Event, results: Counter, lock, seed: int) -> None:
    """Allocate to random enrolments until told to stop; count what happened."""
    from alliance.auth.models import User
    from alliance.errors import DomainError
    from alliance.extensions import db
    from campaigns import ledger, services
    from campaigns.enrolments import services as enrolling

    rng = random.Random(seed)
    enrolment_ids = [enrolment_id for enrolment_id, _publisher in ids["enrolments"]]
    local = Counter()
    local["first_ns"] = time.perf_counter_ns()  # the system's monotonic clock, in any process
    with app.test_request_context("/campaigns/allocate", method="POST"):
        while not stop.is_set():
            actor = db.session.get(User, ids["staff_id"])  # as the API's key check does
            try:
                campaign = services.find_campaign(ids["campaign_id"])
                enrolment = enrolling.find_enrolment(campaign, rng.choice(enrolment_ids))
                ledger.allocate(actor, enrolment, AMOUNT_FEN, idempotency_key=uuid.uuid4().hex)
                db.session.commit()
                local["allocated"] += 1
                local["last_success_ns"] = time.perf_counter_ns()
            except ledger.BudgetExceeded:
                db.session.rollback()
                local["refused"] += 1
            except DomainError:
                db.session.rollback()
                local["other refusals"] += 1
            except Exception as error:  # counted and shown, never hidden
                db.session.rollback()
                local[f"error: {type(error).__name__}"] += 1
            db.session.expunge_all()  # each request starts from a clean session, as on the web
        db.session.remove()
    with lock:
        _merge(results, local)


def _merge(results: Counter, counted) -> None:
    """Add one client's counts; keep the earliest start and the latest success."""
    counted = Counter(counted)
    first = min(results.get("first_ns", counted["first_ns"]), counted.pop("first_ns"))
    last = max(results.get("last_success_ns", 0), counted.pop("last_success_ns", 0))
    results.update(counted)
    results["first_ns"], results["last_success_ns"] = first, last


def process_client(database_url: str, ids: dict, seconds: float, seed: int, queue) -> None:
    """Run one client in its own process (its own app, engine and interpreter lock)."""
    from alliance import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
    stop, results = threading.Event(), Counter()
    threading.Timer(seconds, stop.set).start()
    client(app, ids, stop, results, threading.Lock(), seed)
    queue.put(dict(results))


def hammer_with_processes(database_url, ids, clients, seconds) -> Counter:
    """Run the clients as processes and add up what they counted."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [
        context.Process(target=process_client, args=(database_url, ids, seconds, n, queue))
        for n in range(clients)
    ]
    for worker in workers:
        worker.start()
    results = Counter()
    for _ in workers:
        _merge(results, queue.get())
    for worker in workers:
        worker.join()
    return results


def run(
    database_url: str,
    clients: int,
    seconds: float,
    enrolments: int,
    covered: int,
    processes: bool = False,
) -> None:
    """Seed, hammer and check one database; print the figures."""
    from alliance.extensions import db
    from campaigns import ledger
    from campaigns.models import Campaign

    app = make_app(database_url)
    budget = covered * AMOUNT_FEN
    with app.app_context():
        ids = seed_campaign(
            enrolments,
            publishers=max(1, enrolments // 10),
            budget_fen=budget,
            per_title_cap_fen=AMOUNT_FEN * 100,
            per_publisher_cap_fen=budget,
        )
    print(
        f"campaign: {enrolments:,} approved enrolments, budget covers {covered:,} allocations "
        f"of {AMOUNT_FEN / 100:.2f} yuan; {clients} concurrent clients "
        f"({'processes' if processes else 'threads'}) for {seconds:.0f} s"
    )
    with app.app_context():
        db.engine.dispose()  # no pooled connection may cross a fork
    started_ns = time.perf_counter_ns()
    if processes:
        results = hammer_with_processes(database_url, ids, clients, seconds)
    else:
        stop, lock, results = threading.Event(), threading.Lock(), Counter()
        threads = [
            threading.Thread(target=client, args=(app, ids, stop, results, lock, n))
            for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
    ended_ns = time.perf_counter_ns()
    allocated = results["allocated"]
    last = results.pop("last_success_ns", 0)
    first = results.pop("first_ns", started_ns)  # processes start their clients later
    elapsed = (ended_ns - first) / 1e9
    busy = (last - first) / 1e9 if allocated else elapsed
    attempts = sum(v for k, v in results.items())
    print(f"attempts: {attempts:,} in {elapsed:.1f} s ({attempts / elapsed:.0f} per second)")
    print(
        f"allocations: {allocated:,}; until the budget ran out ({busy:.1f} s): "
        f"{allocated / busy:.0f} allocations per second (target >= 200)"
    )
    if not results["refused"]:
        print("the budget was not used up: run with a smaller --covered to see refusals")
    print(f"refused for the budget: {results['refused']:,}; other outcomes: " + str(
        {k: v for k, v in results.items() if k not in ("allocated", "refused")}
    ))  # fmt: skip
    with app.app_context():
        campaign = db.session.get(Campaign, ids["campaign_id"])
        problems = ledger.invariant_problems(campaign)
        totals = ledger.ledger_totals(campaign)
        in_ledger = totals["allocate"] + totals["release"]
        print(
            f"budget {campaign.budget_fen:,} fen; allocated {campaign.allocated_fen:,} fen "
            f"(ledger says {in_ledger:,}; {allocated:,} x {AMOUNT_FEN} = "
            f"{allocated * AMOUNT_FEN:,}); overspent: "
            f"{'YES' if campaign.allocated_fen > campaign.budget_fen else 'no'}; "
            f"invariant problems: {problems or 'none'}"
        )
        db.engine.dispose()


def main() -> None:
    """Run the benchmark against a fresh database and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "url", nargs="?", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server; a fresh database is created there and dropped afterwards",
    )  # fmt: skip
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--enrolments", type=int, default=1_000)
    parser.add_argument("--covered", type=int, default=3_000, help="allocations the budget covers")
    parser.add_argument(
        "--processes", action="store_true", help="one process per client instead of threads"
    )
    args = parser.parse_args()
    with fresh_postgres(args.url) as url:
        run(url, args.clients, args.seconds, args.enrolments, args.covered, args.processes)


if __name__ == "__main__":
    main()
