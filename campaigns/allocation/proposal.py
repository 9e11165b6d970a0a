"""Propose how to share a campaign's remaining subsidy budget among its approved enrolments."""

from __future__ import annotations

# The exact (real-valued) proposal is water-filling: every enrolment with weight
# w = demand_fen x category weight rises at one common level s, receiving s x w, until it reaches
# its title room, its publisher reaches its publisher room, or the budget runs out; the money a
# capped row cannot take keeps flowing to the others. Inside a full publisher the same rule holds
# at that publisher's own (lower) level. Rounding to fen: each row gets floor(share) or
# floor(share) + 1; the fen left after flooring go one each to the largest fractional remainders
# (rows of publishers the exact proposal fills first), ties to the smaller enrolment_id, never to
# a row at its title room or of a publisher at its room. The total is exactly
# min(budget room, what the title and publisher rooms allow), computed in integers.
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and numpy load only when a proposal is computed
    import numpy as np
    import pandas as pd


COLUMNS = ("enrolment_id", "publisher_id", "category", "demand_fen", "title_room_fen")
MAX_FEN = 10**15  # as alliance.money.MAX_FEN: far beyond any budget, exact in float64
MIN_WEIGHT, MAX_WEIGHT = 1e-6, 1e6  # positive priorities beyond these only add float error
_UNLIMITED = 2**62  # publisher room of a publisher missing from the mapping


def propose_allocation(
    enrolments: pd.DataFrame,
    budget_room_fen: int,
    publisher_room_fen: Mapping[int, int],
    category_weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Return the enrolments, in their order, with the additional proposed_fen for each."""
    import numpy as np
    import pandas as pd

    missing = [name for name in COLUMNS if name not in enrolments.columns]
    if missing:
        raise ValueError(f"enrolments lack columns: {', '.join(missing)}")
    budget = _fen(budget_room_fen, "budget_room_fen", MAX_FEN)
    result = enrolments.copy()
    result["proposed_fen"] = np.zeros(len(result), dtype=np.int64)
    if result.empty:
        return result
    ids = _fen_column(enrolments, "enrolment_id", None)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("enrolment_id must be unique")
    # Work in enrolment-id order so floats, ties and rounding never depend on the order given.
    order = np.argsort(ids, kind="stable")
    frame = enrolments.iloc[order]
    demand = _fen_column(frame, "demand_fen", MAX_FEN)
    room = _fen_column(frame, "title_room_fen", MAX_FEN)
    weight = demand.astype(np.float64) * _category_factors(frame["category"], category_weights)
    pub_code, pub_ids = pd.factorize(_fen_column(frame, "publisher_id", None))
    rooms = publisher_room_fen or {}
    pub_room = np.array(
        [min(_fen(rooms[p], "publisher room", None), _UNLIMITED) if p in rooms else _UNLIMITED
         for p in pub_ids.tolist()],
        dtype=np.int64,
    )  # fmt: skip
    room = np.where(weight > 0, room, 0)  # a zero weight means "give nothing"
    share, target, pub_full = _water_fill(weight, room, pub_code, pub_room, budget)
    proposed = np.empty(len(ids), dtype=np.int64)
    proposed[order] = _round_shares(share, room, pub_code, pub_room, target, pub_full[pub_code])
    result["proposed_fen"] = proposed
    return result


def proposal_totals(result: pd.DataFrame) -> dict:
    """Sum a proposal overall, per category and per publisher, as plain ints for a template."""
    funded = result["proposed_fen"] > 0

    def by(column: str) -> dict:
        grouped = (
            result.assign(funded=funded)
            .groupby(column, sort=True)
            .agg(
                enrolments=("proposed_fen", "size"),
                funded=("funded", "sum"),
                proposed_fen=("proposed_fen", "sum"),
            )
        )
        return {
            key: {"enrolments": int(n), "funded": int(f), "proposed_fen": int(fen)}
            for key, n, f, fen in grouped.itertuples()
        }

    return {
        "enrolments": len(result),
        "funded": int(funded.sum()),
        "proposed_fen": int(result["proposed_fen"].sum()),
        "by_category": by("category") if len(result) else {},
        "by_publisher": by("publisher_id") if len(result) else {},
    }


def _fen(value, name: str, limit: int | None) -> int:
    """Return value as a non-negative int (at most limit), or raise ValueError."""
    import numpy as np

    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer number of fen")
    if value < 0 or (limit is not None and value > limit):
        raise ValueError(f"{name} must be at least 0 and at most {limit or 'unbounded'} fen")
    return int(value)


def _fen_column(frame: pd.DataFrame, name: str, limit: int | None) -> np.ndarray:
    """Return an integer column as int64, or raise ValueError if it is not whole, in-range fen."""
    import numpy as np
    import pandas as pd

    column = frame[name]
    if not pd.api.types.is_integer_dtype(column) or column.isna().any():
        raise ValueError(f"{name} must hold integers")
    values = column.to_numpy(dtype=np.int64)
    if limit is not None and ((values < 0) | (values > limit)).any():
        raise ValueError(f"{name} must be between 0 and {limit}")
    return values


def _category_factors(categories: pd.Series, weights: Mapping[str, float] | None) -> np.ndarray:
    """Return each row's category priority (1.0 when the category has none)."""
    weights = dict(weights or {})
    for category, factor in weights.items():
        factor = float(factor)
        if not (factor == 0 or MIN_WEIGHT <= factor <= MAX_WEIGHT):
            raise ValueError(
                f"weight of {category!r} must be 0 or from {MIN_WEIGHT} to {MAX_WEIGHT}"
            )
    factors = categories.map({c: float(f) for c, f in weights.items()}).astype("float64")
    return factors.fillna(1.0).to_numpy()


def _water_fill(weight, room, pub_code, pub_room, budget) -> tuple[np.ndarray, int, np.ndarray]:
    """Return the rows' water-filling shares, the whole-fen total, and which publishers fill up."""
    import numpy as np

    share = np.zeros(len(weight))
    pub_total = [0] * len(pub_room)
    for code, fen in zip(pub_code.tolist(), room.tolist(), strict=True):
        pub_total[code] += fen  # Python ints: thousands of 10^15 rooms would overflow int64
    pub_limit = pub_room.tolist()
    reachable = sum(min(p, t) for p, t in zip(pub_limit, pub_total, strict=True))
    target = min(budget, reachable)
    live = np.flatnonzero(room > 0)
    if target == 0:
        return share, 0, np.zeros(len(pub_room), dtype=bool)
    w, r, code = weight[live], room[live].astype(np.float64), pub_code[live]
    title_level = r / w  # the level at which a title reaches its room
    binding = np.array([t > p for p, t in zip(pub_limit, pub_total, strict=True)], dtype=bool)
    pub_level = np.full(len(pub_room), np.inf)
    if binding.any():
        limits = np.where(binding, pub_room.astype(np.float64), np.inf)
        pub_level[binding] = _fill_levels(code, w, title_level, r, limits)[binding]
    level = np.minimum(title_level, pub_level[code])  # where each row stops rising
    title_full = title_level <= pub_level[code]
    cap = np.where(title_full, r, level * w)  # exact room where the title itself is the limit
    budget_level = np.inf
    if reachable > budget:
        budget_level = _fill_levels(np.zeros_like(code), w, level, cap, np.array([budget]))[0]
    share[live] = np.where(level <= budget_level, cap, budget_level * w)
    return share, target, binding & (pub_level <= budget_level)


def _fill_levels(group, weight, level_cap, amount_cap, target) -> np.ndarray:
    """Return per group the level s where sum(min(amount_cap, s * weight)) reaches target."""
    import numpy as np
    import pandas as pd

    order = np.lexsort((level_cap, group))
    g, w, e, c = group[order], weight[order], level_cap[order], amount_cap[order]
    # Per-group running sums (not one global cumsum) so a late group's sums carry no big error.
    sums = pd.DataFrame({"g": g, "w": w, "c": c})
    before = sums.groupby("g", sort=False)["c"].cumsum().to_numpy() - c  # rows already full
    rising = sums[::-1].groupby("g", sort=False)["w"].cumsum().to_numpy()[::-1]  # this row on
    filled = before + e * rising  # the groups' total when the level reaches this row's cap
    hits = np.flatnonzero(filled >= target[g])
    levels = np.full(len(target), np.inf)
    first_groups, first = np.unique(g[hits], return_index=True)
    k = hits[first]
    levels[first_groups] = np.clip((target[first_groups] - before[k]) / rising[k], 0, e[k])
    return levels


def _round_shares(share, room, pub_code, pub_room, target, pub_full) -> np.ndarray:
    """Turn float shares into whole fen summing to target without breaking any cap."""
    import numpy as np
    import pandas as pd

    fen = np.minimum(np.floor(share).astype(np.int64), room)
    # Float error can put a floor one fen above the exact share: take such fen back first.
    fen = _trim(fen, share, pub_code, pub_room)
    fen = _trim(fen, share, np.zeros_like(pub_code), np.array([target], dtype=np.int64))
    while (left := target - int(fen.sum())) > 0:
        pub_left = pub_room - _group_sum(fen, pub_code, len(pub_room))
        rows = np.flatnonzero((fen < room) & (pub_left[pub_code] > 0))
        if rows.size == 0:  # cannot happen: target never exceeds what the rooms allow
            break
        # A publisher full in the exact proposal is served first, so it ends exactly full (its
        # rows' remainders sum to its missing fen) and rows still rising keep one common level.
        rows = rows[np.lexsort((rows, fen[rows] - share[rows], ~pub_full[rows]))]
        rank = pd.Series(pub_code[rows]).groupby(pub_code[rows]).cumcount().to_numpy()
        fen[rows[rank < pub_left[pub_code[rows]]][:left]] += 1
    return fen


def _trim(fen, share, group, limit) -> np.ndarray:
    """Take fen back, smallest remainder first, from every group whose total exceeds its limit."""
    import numpy as np
    import pandas as pd

    while ((excess := _group_sum(fen, group, len(limit)) - limit) > 0).any():
        rows = np.flatnonzero((fen > 0) & (excess[group] > 0))
        rows = rows[np.lexsort((-rows, share[rows] - fen[rows]))]
        rank = pd.Series(group[rows]).groupby(group[rows]).cumcount().to_numpy()
        fen[rows[rank < excess[group[rows]]]] -= 1
    return fen


def _group_sum(values, group, size) -> np.ndarray:
    """Return the int64 sum of values per group code."""
    import numpy as np

    total = np.zeros(size, dtype=np.int64)
    np.add.at(total, group, values)
    return total
