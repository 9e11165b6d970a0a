"""Where the CPU of a label check goes: gunicorn workers, database server, the rest; prints it.

Serves a bare Flask app and the label check (gunicorn, 2 sync workers) with the same
Lua-made requests as benchmarks/label_verification.py, and reads the CPU time of every
process on the machine (/proc, Linux) before and after each wrk run: the figures are
microseconds of CPU per answered request, by process name (PostgreSQL's by role).

    .venv/bin/python benchmarks/label_cpu.py [--labels 50000] [--seconds 10]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/empty_db]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import label_verification as bench

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[tuple[str, str], float]:
    """Return the CPU seconds (user and system) of every process now, by (pid, name)."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            name = stat.split("(", 1)[1].rsplit(")", 1)[0]
            if name == "postgres":  # its role: a backend of the benchmark's database, walwriter...
                command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
                name = re.sub(r"[\d.]+\(\d+\)|\bidle\b.*", "", command).strip()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[(pid, name)] = (int(fields[11]) + int(fields[12])) / TICK
    return found


def spent(before: dict, after: dict) -> dict[str, float]:
    """Return the CPU seconds spent between two readings, by process name."""
    by_name: dict[str, float] = {}
    for key, seconds in after.items():
        used = seconds - before.get(key, 0.0)
        if used > 0:
            by_name[key[1]] = by_name.get(key[1], 0.0) + used
    return by_name


def main() -> None:
    """Seed, serve both apps in turn, load them and print the CPU per request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = options.database_url or f"sqlite:///{folder / 'labels.db'}"
        env = {**os.environ, "ALLIANCE_INSTANCE_PATH": str(folder), "DATABASE_URL": url,
               "SECRET_KEY": "benchmark-secret-" + "x" * 40,
               "LABEL_HMAC_KEY": "benchmark-label-key-" + "y" * 40, "FORCE_HTTPS": "false",
               "PUBLIC_BASE_URL": "http://127.0.0.1", "RATELIMIT_ENABLED": "false",
               "PYTHONPATH": str(bench.ROOT)}  # fmt: skip
        if options.database_url:
            bench.wipe(options.database_url)
        codes = folder / "codes.txt"
        seeded = subprocess.run(
            [sys.executable, "-c", bench.SEED, str(options.labels), str(bench.SAMPLE), str(codes)],
            capture_output=True, text=True, env=env, cwd=bench.ROOT,
        )  # fmt: skip
        if seeded.returncode:
            sys.exit(seeded.stderr[-3000:])
        script = folder / "codes.lua"
        script.write_text(bench.LUA % codes)
        (folder / "hello_app.py").write_text(bench.HELLO)
        for name, app, cwd in (
            ("bare Flask, same requests", "hello_app:app", folder),
            ("label check", "alliance.wsgi:app", bench.ROOT),
        ):
            process, port = bench.serve(app, env, cwd)
            try:
                bench.wait_until_up(port, "/hello" if cwd == folder else "/healthz")
                bench.load(port, 3, 8, script, "/api/v1/labels/x")
                before = cpu_seconds()
                figures = bench.load(port, options.seconds, 8, script, "/api/v1/labels/x")
                after = cpu_seconds()
            finally:
                bench.stop(process)
            answered = figures["answered"]
            per_request = {
                who: 1e6 * seconds / answered
                for who, seconds in spent(before, after).items()
                if 1e6 * seconds / answered >= 3
            }
            largest_first = sorted(per_request.items(), key=lambda item: -item[1])
            parts = ", ".join(f"{who} {us:.0f}" for who, us in largest_first)
            print(f"{name}: {figures['rps']:.0f} requests/s; CPU per request "
                  f"{sum(per_request.values()):.0f} us ({parts})")  # fmt: skip
        print(f"database: {'PostgreSQL' if options.database_url else 'SQLite (WAL)'}; wrk itself "
              "is not counted (it has exited when the second reading is taken)")  # fmt: skip


if __name__ == "__main__":
    main()
