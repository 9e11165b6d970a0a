"""Many processes writing one SQLite file: a queue for short writes, checkpoints off the request.

SQLite lets one writer in at a time; a writer that finds the lock taken sleeps in its busy
handler for a millisecond or more, although the other's write lasts some microseconds. For
frequent short writes (the public label checks), queueing on a file lock first hands the
SQLite lock on as soon as it is free. And the copy of the write-ahead log into the database
file (a checkpoint) runs in a thread of each process, not inside whichever request commits.
"""

import contextlib
import logging
import os
import threading
import time

try:
    import fcntl
except ImportError:  # not on Windows: SQLite's own busy handler queues the writers alone
    fcntl = None

log = logging.getLogger(__name__)
CHECKPOINT_EVERY = 0.5  # seconds


class WriterQueue:
    """A lock taken around a short write, shared by every thread and process on the file."""

    def __init__(self, database_path: str):
        self.path = database_path + "-writers.lock"
        self._local = threading.local()

    @contextlib.contextmanager
    def held(self):
        """Wait for the lock (woken as soon as it is free), hold it, give it back."""
        if fcntl is None:
            yield
            return
        descriptor = self._descriptor()
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)

    def _descriptor(self) -> int:
        # One open file per thread and process: flock excludes open files, not processes.
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            local.pid = os.getpid()
        return local.descriptor


class Checkpointer:
    """Copy the write-ahead log into the database file every half second, from a thread."""

    def __init__(self, engine):
        self.engine = engine
        self._pid = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start this process's checkpoint thread unless it runs already (threads die in a fork)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True).start()

    def _run(self) -> None:
        connection = self.engine.raw_connection()
        connection.detach()  # its own connection for good, outside the pool
        while True:
            time.sleep(CHECKPOINT_EVERY)
            try:
                connection.dbapi_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # a busy or vanished file: the next round tries again
                log.warning("SQLite checkpoint failed", exc_info=True)
