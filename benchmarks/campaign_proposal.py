"""Benchmark the subsidy proposal (campaigns.proposal) on generated enrolments; prints timings.

Runs propose_allocation and proposal_totals on several shapes of 10,000 enrolments: a typical
campaign (a few hundred publishers, a third with a publisher room, budget short of demand),
every title capped (budget larger than all rooms), one publisher per title each with a binding
room, and cascading caps (every title's room binds at a different level, the worst case for
round-by-round water-filling). Reports the first run and the median of the repeats.

    .venv/bin/python benchmarks/campaign_proposal.py [--rows 10000] [--repeat 7]

Target (issue 4): the whole proposal under 2 s; the algorithm itself well under 0.5 s.
"""

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from campaigns.proposal import proposal_totals, propose_allocation

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


def main() -> None:
    """Run every scenario and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
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
