"""Benchmark the subsidy proposal (campaigns.allocation.proposal) on generated enrolments.

Prints timings.

First the whole proposal as staff meet it: 10,000 approved enrolments in a fresh SQLite
database, planning.build_proposal (the SQL read and the algorithm) and planning.apply_proposal
(one transaction, set-based), then the ledger invariant. Then the algorithm alone:
propose_allocation and proposal_totals on several shapes of 10,000 enrolments: a typical
campaign (a few hundred publishers, a third with a publisher room, budget short of demand),
every title capped (budget larger than all rooms), one publisher per title each with a binding
room, and cascading caps (every title's room binds at a different level, the worst case for
round-by-round water-filling). Reports the first run and the median of the repeats.

    .venv/bin/python benchmarks/campaign_proposal.py [--rows 10000] [--repeat 7]

Target (issue 4): the whole proposal under 2 s; the algorithm itself well under 0.5 s.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from campaign_setup import make_app, seed_campaign

from campaigns.allocation.proposal import proposal_totals, propose_allocation

CATEGORIES = np.array(["A", "B", "I", "K", "TP", "Z"])
WEIGHTS = {"I": 2.0, "K": 1.0, "TP": 0.5, "Z": 0.0}


def frame(ids, publishers, categories, demand, room) -> pd.DataFrame:
    """Build an enrolment frame in the shape propose_allocation expects."""
    return pd.DataFrame({
        "enrolment_id": ids, "publisher_id": publishers, "category": categories,
        "demand_fen": demand.astype(np.int64), "title_room_fen": room.astype(np.int64),
    })  # fmt: skip


def scenarios(rows: int) -> dict:
    """Return name -> (enrolments, budget room, publisher rooms) for each benchmarked shape."""
    rng = np.random.default_rng(2021)
    ids = rng.permutation(rows) + 1
    demand = rng.integers(1_000, 5_000_000, rows)  # 10 to 50,000 yuan requested per title
    room = demand // rng.integers(1, 4, rows)  # the per-title cap bites on two thirds
    publishers = rng.integers(1, 400, rows)
    categories = rng.choice(CATEGORIES, rows)
    typical_rooms = {int(p): int(rng.integers(0, 30_000_000)) for p in range(1, 400, 3)}
    own = np.arange(1, rows + 1)
    return {
        "typical": (frame(ids, publishers, categories, demand, room), int(room.sum()) // 3,
                    typical_rooms),
        "every title capped": (frame(ids, publishers, categories, demand, room),
                               int(room.sum()) * 2, {}),
        "one publisher per title, rooms bind": (
            frame(ids, own, categories, demand, room), int(room.sum()) // 2,
            {int(p): int(r) // 2 for p, r in zip(own, room, strict=True)}),
        "cascading caps": (frame(ids, publishers, np.full(rows, "K"), np.full(rows, 10**6),
                                 np.geomspace(1, 10**6, rows).astype(np.int64)),
                           int(np.geomspace(1, 10**6, rows).astype(np.int64).sum()) - 1, {}),
    }  # fmt: skip


def whole_proposal(rows: int, repeat: int) -> None:
    """Time build_proposal and apply_proposal on a database of `rows` approved enrolments."""
    from alliance.auth.models import User
    from alliance.extensions import db
    from campaigns import ledger
    from campaigns.allocation import planning
    from campaigns.models import Campaign

    with tempfile.TemporaryDirectory() as folder:
        app = make_app(f"sqlite:///{folder}/proposal.db")
        with app.app_context():
            ids = seed_campaign(rows, 300, 3_000_000_000, 500_000, 50_000_000)
            db.session.commit()
            campaign = db.session.get(Campaign, ids["campaign_id"])
            staff = db.session.get(User, ids["staff_id"])
            builds = []
            for _ in range(repeat):
                started = time.perf_counter()
                table = planning.build_proposal(campaign)
                builds.append(time.perf_counter() - started)
            amounts = dict(zip(table["enrolment_id"], table["proposed_fen"], strict=True))
            started = time.perf_counter()
            applied = planning.apply_proposal(staff, campaign, amounts, "bench")
            db.session.commit()
            apply_time = time.perf_counter() - started
            problems = ledger.invariant_problems(campaign)
            print(
                f"whole proposal, {rows:,} approved enrolments on SQLite: build_proposal "
                f"first {builds[0] * 1000:.0f} ms, median {statistics.median(builds) * 1000:.0f} "
                f"ms; apply_proposal {apply_time * 1000:.0f} ms for {applied.allocations:,} "
                f"allocations ({applied.total_fen:,} fen); build + apply "
                f"{(statistics.median(builds) + apply_time):.2f} s (target under 2 s); "
                f"invariant {'holds' if not problems else problems[:3]}"
            )
        with app.app_context():
            db.engine.dispose()


def main() -> None:
    """Run every scenario and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    whole_proposal(args.rows, args.repeat)
    print(f"{args.rows:,} enrolments per scenario, {args.repeat} runs each")
    for name, (enrolments, budget, rooms) in scenarios(args.rows).items():
        runs, totals_runs = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = propose_allocation(enrolments, budget, rooms, WEIGHTS)
            middle = time.perf_counter()
            totals = proposal_totals(result)
            runs.append(middle - started)
            totals_runs.append(time.perf_counter() - middle)
        assert totals["proposed_fen"] <= budget
        print(
            f"{name}: propose_allocation first {runs[0] * 1000:.0f} ms, "
            f"median {statistics.median(runs) * 1000:.0f} ms; proposal_totals median "
            f"{statistics.median(totals_runs) * 1000:.0f} ms; proposed "
            f"{totals['proposed_fen']:,} of {budget:,} fen to {totals['funded']:,} enrolments"
        )


if __name__ == "__main__":
    main()
