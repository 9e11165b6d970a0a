"""Benchmark outbound webhook delivery to a local receiver; prints measured figures.

Queues events in the outbox through the real service, then lets worker processes deliver
them (the delivery task's own code: leased batch claims, one keep-alive connection each) to
a small threaded HTTP server in this script, which checks every signature and counts what
it accepted per delivery id. Three runs on a fresh outbox each:

  ok         the receiver accepts everything: deliveries per second
  flaky      the receiver answers 500 to half the posts at random (retries at once)
  killed     one worker is killed (SIGKILL) in the middle; its claims are delivered by the
             other once their lease ends

and for each prints lost (accepted never) and duplicated (accepted more than once) delivery
ids: at least once means lost = 0; duplicates may only follow the kill.

    .venv/bin/python benchmarks/webhook_delivery.py [--events 20000] [--workers 2]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/empty_db]

Target (the marketplace webhooks issue): at least 500 deliveries per second; nothing lost.
The PostgreSQL database must be empty (its webhook tables are emptied between runs).
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret-" + "x" * 32

WORKER = """
import sys, time
from sqlalchemy import func, select
from alliance import create_app
from alliance.extensions import db
from alliance.webhooks.delivery import deliver_due
from alliance.webhooks.models import WebhookEvent
app = create_app("development")
with app.app_context():
    db.session.execute(select(1)).all()
    db.session.rollback()
    print("ready", flush=True)
    sys.stdin.readline()
    started, delivered = time.perf_counter(), 0
    while True:
        done = deliver_due()
        delivered += done
        if done == 0:
            left = db.session.scalar(
                select(func.count()).where(WebhookEvent.status == "pending"))
            db.session.commit()
            if left == 0:
                break
            time.sleep(0.05)  # the rest is held by another worker, or waits for a lease
    print(f"done {delivered} {time.perf_counter() - started:.3f}", flush=True)
"""


class Tally:
    """What the receiver got: posts per delivery id, accepted per delivery id, bad signatures."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts = Counter()
        self.accepted = Counter()
        self.bad_signatures = 0
        self.fail_rate = 0.0


def receiver(tally: Tally) -> ThreadingHTTPServer:
    """Start the local marketplace stand-in on 127.0.0.1 (keep-alive, a thread per connection)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            good = hmac.compare_digest(expected, self.headers.get("X-Alliance-Signature", ""))
            delivery = self.headers["X-Alliance-Delivery"]
            ok = good and random.random() >= tally.fail_rate
            with tally.lock:
                tally.posts[delivery] += 1
                tally.bad_signatures += not good
                if ok:
                    tally.accepted[delivery] += 1
            self.send_response(200 if ok else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def queue_events(count: int) -> tuple[list[str], float]:
    """Empty the outbox and queue `count` events (1,000 a transaction); return their ids."""
    from sqlalchemy import delete

    from alliance import create_app
    from alliance.extensions import db
    from alliance.webhooks.models import WebhookAttempt, WebhookEvent
    from alliance.webhooks.services import queue_event

    app = create_app("development")
    ids = []
    with app.app_context():
        db.session.execute(delete(WebhookAttempt))
        db.session.execute(delete(WebhookEvent))
        db.session.commit()
        started = time.perf_counter()
        for start in range(0, count, 1000):
            for n in range(start, min(start + 1000, count)):
                event = queue_event(
                    "listing.removed" if n % 3 else "listing.reinstated",
                    key=f"listing:{n // 2}",  # two events a listing, delivered in order
                    payload={"listing_id": n, "reason": "盗版", "notice_id": n // 7},
                )
                ids.append(event.delivery_id)
            db.session.commit()
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    return ids, seconds


def deliver(env: dict, workers: int, kill_after: float | None) -> tuple[float, list[str]]:
    """Run the workers until the outbox is empty; return the seconds and their reports."""
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env=env, text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        for _ in range(workers)
    ]  # fmt: skip
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    if kill_after is not None:
        time.sleep(kill_after)
        procs[0].send_signal(signal.SIGKILL)
    reports = [proc.stdout.readline().strip() for proc in procs]  # "done ..." (or "": killed)
    seconds = time.perf_counter() - started
    for proc in procs:
        proc.wait()
    return seconds, reports


def given_up(env: dict) -> int:
    code = (
        "from sqlalchemy import func, select\nfrom alliance import create_app\n"
        "from alliance.extensions import db\nfrom alliance.webhooks.models import WebhookEvent\n"
        "app = create_app('development')\nwith app.app_context():\n"
        "    print(db.session.scalar(select(func.count()).where(WebhookEvent.status != "
        "'delivered')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--only", choices=["ok", "flaky", "killed"], default=None)
    args = parser.parse_args()
    tally = Tally()
    server = receiver(tally)
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database_url or f"sqlite:///{tmp}/webhooks.db"
        base = {
            **os.environ,
            "ALLIANCE_ENV": "development",
            "ALLIANCE_INSTANCE_PATH": tmp,
            "DATABASE_URL": database,
            "JOBS_URL": f"sqlite:///{tmp}/jobs.db",  # queued tasks are not run here
            "JSON_LOGS": "false",
        }
        os.environ.update({**base, "MARKETPLACE_WEBHOOK_URL": ""})  # queueing only: kept
        from flask_migrate import upgrade

        from alliance import create_app

        app = create_app("development")
        with app.app_context():
            upgrade()
        print(f"database: {database.split('@')[-1]}; {args.events:,} events; "
              f"{args.workers} workers; batches of {args.batch}")  # fmt: skip
        for name, fail_rate, kill_after, lease in (
            ("ok", 0.0, None, 120),
            ("flaky", 0.5, None, 120),
            ("killed", 0.0, 0.5, 3),
        ):
            if args.only and name != args.only:
                continue
            tally.posts.clear(), tally.accepted.clear()
            tally.bad_signatures, tally.fail_rate = 0, fail_rate
            ids, queue_seconds = queue_events(args.events)
            env = {
                **base,
                "MARKETPLACE_WEBHOOK_URL": f"http://127.0.0.1:{server.server_port}/events",
                "MARKETPLACE_WEBHOOK_SECRET": SECRET,
                "MARKETPLACE_WEBHOOK_RETRY_SECONDS": "0",  # retry at once: the run stays short
                "MARKETPLACE_WEBHOOK_MAX_ATTEMPTS": "60",
                "MARKETPLACE_WEBHOOK_BATCH": str(args.batch),
                "MARKETPLACE_WEBHOOK_LEASE": str(lease),
                "MARKETPLACE_WEBHOOK_TIMEOUT": "1",
            }
            seconds, reports = deliver(env, args.workers, kill_after)
            lost = sum(1 for delivery in ids if tally.accepted[delivery] == 0)
            duplicated = sum(1 for delivery in ids if tally.accepted[delivery] > 1)
            posts = sum(tally.posts.values())
            print(
                f"{name:7} queued {len(ids):,} in {queue_seconds:.1f} s "
                f"({len(ids) / queue_seconds:,.0f}/s); delivered in {seconds:.1f} s: "
                f"{len(ids) / seconds:,.0f} deliveries/s, {posts:,} posts "
                f"({posts / seconds:,.0f}/s); lost {lost}, duplicated {duplicated}, "
                f"bad signatures {tally.bad_signatures}, not delivered in the outbox "
                f"{given_up(env)}; workers: {' | '.join(reports) or '-'}"
            )
    server.shutdown()
    print(json.dumps({"ok": True}))


if __name__ == "__main__":
    main()
