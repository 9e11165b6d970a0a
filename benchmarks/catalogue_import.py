"""Benchmark the title import and catalogue search; prints measured figures.

Generates a spreadsheet of titles, imports it through the real import path into a fresh
SQLite database, times a bare pandas.read_csv + DataFrame.to_sql of the same file in the
same run, prints both times, their ratio and each one's peak memory, then prints the query
plans of catalogue searches by ISBN, title prefix and contributor prefix. Both sides run
`--repeat` times, one after the other, each into a fresh database; the figure compared
with the target is the median ratio (a single run on a busy machine can be off by 5%).

    .venv/bin/python benchmarks/catalogue_import.py [--rows 100000] [--repeat 3]

Targets (issue 3): ratio at most 3, peak memory under 1 GiB, searches answered from indexes.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from stdnum import ean

HEADER = ["ISBN", "书名", "作者", "译者", "定价", "出版日期", "页数", "中图法分类号", "装帧"]


def make_csv(path: Path, rows: int) -> None:
    """Write `rows` valid titles with distinct 978-7 ISBNs."""
    rng = random.Random(100_000)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            body = (
                f"97875321{n:04d}"
                if n < 10_000
                else f"9787{200 + n // 100_000:03d}{n % 100_000:05d}"
            )
            isbn = body + ean.calc_check_digit(body)
            writer.writerow([
                isbn, f"测试书名{n:06d} 第{rng.randint(1, 9)}卷", f"作者{rng.randint(1, 5000)}",
                "" if n % 5 else f"译者{n % 300}",
                f"¥{rng.randint(10, 300)}.{rng.randint(0, 99):02d}",
                f"20{rng.randint(10, 21)}-{rng.randint(1, 12):02d}-01", str(rng.randint(50, 900)),
                "I247.5", "平装",
            ])  # fmt: skip


def _child(code: str, *args: str) -> dict:
    """Run `code` in a fresh interpreter; return the JSON it prints plus its peak memory."""
    wrapper = (
        "import json, resource, sys\n"
        + code
        + "\nresult['peak_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps(result))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", wrapper, *args], capture_output=True, text=True, check=True,
        env={**os.environ, "RATELIMIT_ENABLED": "false"},
    ).stdout  # fmt: skip
    return json.loads(output.strip().splitlines()[-1])


REAL_IMPORT = """
import time
from pathlib import Path
from flask_migrate import upgrade
from alliance import create_app
from alliance.extensions import db
from alliance.members.models import Organisation
from alliance import importing as driver
from alliance.catalogue import bulk, importing
csv_path, db_path = sys.argv[1], sys.argv[2]
phases = {}

def timed(name, function):
    phases.setdefault(name, [0.0, 0.0])  # listed in the order they are wrapped
    def run(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent = phases.setdefault(name, [0.0, 0.0])
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
    return run

# Time the import's phases where import_titles calls them; what they do is unchanged.
for name, label in (("read_table", "read the file"), ("read_titles", "check every row"),
                    ("_check_rows", "list problems, repeated ISBNs"),
                    ("_existing_titles", "look up the ISBNs already catalogued"),
                    ("_plan", "compare with the catalogue"), ("insert_titles", "insert titles"),
                    ("update_titles", "update titles")):
    module = driver if hasattr(driver, name) else importing  # the driver reads the file
    if hasattr(module, name):  # (an older import path may lack some: then not timed)
        setattr(module, name, timed(label, getattr(module, name)))
    if name == "insert_titles" and hasattr(bulk, "_write_titles"):  # the rows, not the indexes
        bulk._write_titles = timed("  of which rows (rest: indexes)", bulk._write_titles)
app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite:///" + db_path)
with app.app_context():
    upgrade()
    publisher = Organisation(name="基准出版社", kind="publisher", status="active")
    db.session.add(publisher)
    db.session.commit()
    data = Path(csv_path).read_bytes()
    # Loaded before the clock, as the baseline loads pandas: the app imports numpy at its first
    # import (not at start), and a running server has done that once already.
    import numpy  # noqa: F401
    started, cpu = time.perf_counter(), time.process_time()
    outcome = importing.import_titles(None, publisher, data, "titles.csv")
    timed("commit", db.session.commit)()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
result = {"seconds": seconds, "cpu": cpu, "created": outcome.created, "phases": phases}
"""

PANDAS_BASELINE = """
import sqlite3, time
import pandas
csv_path, db_path = sys.argv[1], sys.argv[2]
started, cpu = time.perf_counter(), time.process_time()
frame = pandas.read_csv(csv_path, dtype=str, keep_default_na=False)
with sqlite3.connect(db_path) as connection:
    frame.to_sql("title", connection, index=False)
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
result = {"seconds": seconds, "cpu": cpu, "created": len(frame)}
"""

PLANS = """
import time
from alliance import create_app
from alliance.extensions import db
from alliance.catalogue import services
app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite:///" + sys.argv[1])
result = {}
searches = (("ISBN", "978-7-5321-0042-2"), ("title prefix", "测试书名0123"),
            ("contributor prefix", "作者42"))
with app.app_context():
    for label, q in searches:
        query = services.search(q).limit(50)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(db.text("EXPLAIN QUERY PLAN " + str(compiled))).all()
        started = time.perf_counter()
        found = len(db.session.scalars(query).all())
        milliseconds = (time.perf_counter() - started) * 1000
        result[label] = {"plan": [row[-1] for row in plan], "found": found, "ms": milliseconds}
"""


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of both sides, one by one")
    options = parser.parse_args()
    rows, repeat = options.rows, max(1, options.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "titles.csv"
        make_csv(csv_path, rows)
        size_mib = csv_path.stat().st_size / 2**20
        print(f"spreadsheet: {rows:,} rows, {size_mib:.1f} MiB (UTF-8 CSV, Chinese headers)")
        runs = []  # (real, bare), one after the other, each into a fresh database
        for n in range(repeat):
            real = _child(REAL_IMPORT, str(csv_path), str(folder / f"real{n}.db"))
            bare = _child(PANDAS_BASELINE, str(csv_path), str(folder / f"bare{n}.db"))
            runs.append((real, bare))
            print(
                f"run {n + 1}: real import (validate every row, then write all) "
                f"{real['seconds']:.2f} s (CPU {real['cpu']:.2f} s), bare pandas read_csv + "
                f"to_sql {bare['seconds']:.2f} s (CPU {bare['cpu']:.2f} s): ratio "
                f"{real['seconds'] / bare['seconds']:.2f} (CPU {real['cpu'] / bare['cpu']:.2f})"
            )
        runs.sort(key=lambda pair: pair[0]["seconds"] / pair[1]["seconds"])
        real, bare = runs[len(runs) // 2]  # the run with the median ratio
        ratio = real["seconds"] / bare["seconds"]
        print(
            f"real import: {real['created']:,} titles, peak memory {real['peak_mib']:.0f} MiB; "
            f"bare pandas: {bare['created']:,} rows, peak memory {bare['peak_mib']:.0f} MiB"
        )
        print(
            f"ratio real/bare (median of {repeat} runs): {ratio:.2f}  (target <= 3; CPU time "
            f"ratio {real['cpu'] / bare['cpu']:.2f})   "
            f"peak memory {real['peak_mib']:.0f} MiB (target < 1024)"
        )
        print("real import by phase (wall s / CPU s):")
        for label, (wall, cpu) in real["phases"].items():
            print(f"  {label:<38} {wall:6.2f} / {cpu:5.2f}")
        plans = _child(PLANS, str(folder / "real0.db"))
        plans.pop("peak_mib")
        for label, search in plans.items():
            print(
                f"search by {label}: {search['found']} found in {search['ms']:.1f} ms; plan: "
                + " | ".join(search["plan"])
            )


if __name__ == "__main__":
    main()
