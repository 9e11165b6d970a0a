"""Benchmark public label verification against a bare Flask app; prints measured figures.

Fills a fresh SQLite database with a batch of 1,000,000 labels through the real service
(timed), seals it, then serves the app with gunicorn (2 workers) and, in the same run, a
bare Flask "hello" app with the same gunicorn settings, loads both with wrk (random codes of
the batch for the app) and prints requests per second, p99 latency and the ratio.

    .venv/bin/python benchmarks/label_verification.py [--labels 1000000] [--seconds 15]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/empty_db]

Targets (issues 5 and 11): verification at least 0.7 (SQLite) or 0.8 (PostgreSQL) of the
bare app's throughput; the 1,000,000-code batch created in under 60 s. The bare app is loaded
twice: with one fixed request, and with the same Lua-made requests as the check (wrk's Lua
costs CPU on the same cores, so that is the like-for-like baseline). It also prints the
checks the database holds once the workers stopped (they are tallied and written in
batches) against the answers wrk counted.
Needs wrk (Debian package `wrk`) and gunicorn (extra `server`).
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = 20_000  # codes kept (before sealing) for the load tool to ask about

SEED = """
import json, random, sys, time
from flask_migrate import upgrade
from alliance import create_app
from alliance.catalogue.models import Title, search_key
from alliance.extensions import db
from alliance.members.models import Organisation
from authenticity.labels import services
quantity, sample, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
app = create_app("production")
with app.app_context():
    upgrade()
    publisher = Organisation(name="基准出版社", name_en="Benchmark Press", kind="publisher")
    db.session.add(publisher)
    db.session.flush()
    title = Title(isbn="9787020001002", title="红楼梦", title_key=search_key("红楼梦"),
                  publisher=publisher)
    db.session.add(title)
    db.session.commit()
    with app.test_request_context(method="POST"):  # an order, as the form or the API makes it
        started = time.perf_counter()
        batch = services.create_batch(None, title.isbn, None, quantity, publisher=publisher)
        db.session.commit()
        services.finish_writing(None, batch)  # the rest, one committed chunk at a time
        seconds = time.perf_counter() - started
        wanted = set(random.sample(range(1, quantity + 1), min(sample, quantity)))
        codes = [code for serial, code in services.download_codes(None, batch) if serial in wanted]
        services.seal_batch(None, batch)
        db.session.commit()
with open(out, "w") as handle:
    handle.write("\\n".join(codes))
print(json.dumps({"seconds": seconds, "labels": quantity}))
"""

HELLO = '''
"""A bare Flask app: the baseline the verification endpoint is compared with."""
from flask import Flask
app = Flask(__name__)


@app.route("/hello")
def hello():
    return {"status": "ok"}


@app.route("/api/v1/labels/<path:code>")  # the same requests as the check gets, made by Lua
def same_requests(code):
    return {"status": "ok"}
'''

VIEW = '''
"""The label check as an ordinary sessionless Flask view: the same answer and tally, routed
by Flask (its request hooks, Talisman's headers) instead of the WSGI route ahead of it."""
from flask import Response, request

from alliance import plugins

plugins.add_wsgi_middleware = lambda app, wrap: None  # this app keeps no WSGI label route

from alliance.app import create_app
from alliance.auth.roles import public
from authenticity.labels.label_route import LabelRoute

app = create_app("production")
route = LabelRoute(app, None)


@plugins.sessionless
@public
def check(code):
    status, headers, body = route.answer(request.environ)
    return Response(body, status, headers)


app.add_url_rule("/api/v1/labels/<path:code>", "label_view", check)
'''

LUA = """
local codes = {}
for line in io.lines("%s") do codes[#codes + 1] = line end
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/v1/labels/" .. codes[math.random(#codes)])
end
"""


def free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, path: str, timeout: float = 60) -> None:
    """Wait until the server answers on `path`."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server on port {port} did not start")


def serve(app: str, env: dict, cwd: Path):
    """Start gunicorn with the settings both apps share; return the process and port."""
    port = free_port()
    log = (cwd if cwd != ROOT else Path(env["ALLIANCE_INSTANCE_PATH"])) / f"gunicorn-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )  # fmt: skip
    return process, port


def load(port: int, seconds: int, connections: int, script: Path | None, path: str) -> dict:
    """Load a server with wrk; return requests per second and p99 latency in ms."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    answered = int(re.search(r"(\d+) requests in", output).group(1))
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "answered": answered,
            "errors": int(errors.group(1)) if errors else 0}  # fmt: skip


def sample_answer(port: int, codes: Path) -> str:
    """Check one code of the batch, to be sure the load tool asks about real labels."""
    import urllib.request

    code = codes.read_text().split()[0]
    url = f"http://127.0.0.1:{port}/api/v1/labels/{code}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())["status"]


def wipe(url: str) -> None:
    """Empty a PostgreSQL database (its public schema) before filling it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def stored_checks(url: str) -> int:
    """Return the checks the labels' rows hold."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT coalesce(sum(checks), 0) FROM label")).scalar()
    engine.dispose()
    return int(stored)


def stop(process) -> None:
    """Stop a gunicorn master and its workers."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--database-url",
        default=None,
        help="an empty PostgreSQL database to use instead of a fresh SQLite file (it is wiped)",
    )
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "ALLIANCE_INSTANCE_PATH": str(folder),
            "DATABASE_URL": options.database_url or f"sqlite:///{folder / 'labels.db'}",
            "SECRET_KEY": "benchmark-secret-" + "x" * 40,
            "LABEL_HMAC_KEY": "benchmark-label-key-" + "y" * 40,
            "FORCE_HTTPS": "false",
            "PUBLIC_BASE_URL": "http://127.0.0.1",  # production needs it; the hosts follow
            "RATELIMIT_ENABLED": "false",
            "PYTHONPATH": str(ROOT),
        }
        if options.database_url:
            wipe(options.database_url)
        codes = folder / "codes.txt"
        seeded = subprocess.run(
            [sys.executable, "-c", SEED, str(options.labels), str(SAMPLE), str(codes)],
            capture_output=True, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        if seeded.returncode:
            sys.exit(seeded.stderr[-3000:])
        created = json.loads(seeded.stdout.strip().splitlines()[-1])
        print(
            f"batch of {created['labels']:,} labels created (generate, hash, bulk write): "
            f"{created['seconds']:.1f} s (target under 60 s)"
        )
        script = folder / "codes.lua"
        script.write_text(LUA % codes)
        (folder / "hello_app.py").write_text(HELLO)
        (folder / "view_app.py").write_text(VIEW)
        results = {}
        for name, app, path, lua in (
            ("bare Flask hello", "hello_app:app", "/hello", None),
            ("bare, same requests", "hello_app:app", "/api/v1/labels/x", script),
            ("label verification", "alliance.wsgi:app", "/api/v1/labels/x", script),
            ("as a Flask view", "view_app:app", "/api/v1/labels/x", script),
        ):
            cwd = folder if app != "alliance.wsgi:app" else ROOT
            process, port = serve(app, env, cwd)
            try:
                wait_until_up(port, "/hello" if app == "hello_app:app" else "/healthz")
                if app != "hello_app:app":
                    print(f"sample answer: {sample_answer(port, codes)}")
                warm_up = load(port, 3, options.connections, lua, path)
                results[name] = load(port, options.seconds, options.connections, lua, path)
            finally:
                stop(process)
            if app == "alliance.wsgi:app":  # the sample answer, the warm-up and the load
                answered = 1 + warm_up["answered"] + results[name]["answered"]
                stored = stored_checks(env["DATABASE_URL"])
        for name, figures in results.items():
            print(
                f"{name:<20} {figures['rps']:8.0f} requests/s   p99 {figures['p99_ms']:7.1f} ms"
                f"   non-2xx: {figures['errors']}"
            )
        checks = results["label verification"]["rps"]
        ratio = checks / results["bare Flask hello"]["rps"]
        print(f"ratio verification / bare hello: {ratio:.2f} (one fixed request, as before)")
        # wrk spends CPU on making each request in Lua, on the same 2 cores: the baseline that
        # gets the very same requests is the like-for-like one.
        same = checks / results["bare, same requests"]["rps"]
        target = "0.80 on PostgreSQL, 0.70 on SQLite"
        print(f"ratio verification / bare with the same requests: {same:.2f} (target {target})")
        as_view = results["as a Flask view"]["rps"] / results["label verification"]["rps"]
        print(f"ratio Flask view / WSGI route: {as_view:.2f} (the route stays unless within 0.90)")
        print(
            f"checks stored once the workers stopped: {stored:,}; answers wrk counted: "
            f"{answered:,} (at most {2 * options.connections} more may be cut off at the end "
            f"of its runs)"
        )
        print(f"database: {'PostgreSQL' if options.database_url else 'SQLite (WAL)'}")
        print(
            f"gunicorn: 2 sync workers each; wrk: 2 threads, {options.connections} connections, "
            f"{options.seconds} s after a 3 s warm-up; {SAMPLE:,} random codes of the batch"
        )


if __name__ == "__main__":
    main()
