"""The writers' queue on an SQLite file: one writer at a time, across threads and processes."""

import subprocess
import sys
import threading
import time

from alliance.sqlite_writers import WriterQueue

TRY_LOCK = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(3)
"""


def _other_process_gets_it(path) -> bool:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, path]).returncode == 0


def test_a_second_writer_waits_until_the_first_is_done(tmp_path):
    queue = WriterQueue(str(tmp_path / "app.db"))
    events = []

    def second():
        with queue.held():
            events.append("second writes")

    with queue.held():
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.2)
        events.append("first done")
    thread.join(timeout=5)
    assert events == ["first done", "second writes"]


def test_another_process_is_kept_out_while_the_lock_is_held(tmp_path):
    queue = WriterQueue(str(tmp_path / "app.db"))
    with queue.held():
        assert not _other_process_gets_it(queue.path)
    assert _other_process_gets_it(queue.path)
