"""Label checks counted in memory at once and written to the database in batches.

Written one by one, every check waits for a write: on SQLite the checks of all workers queue
for the file's single write lock, on PostgreSQL each pays a commit. Instead each process
keeps a tally of the checks it answered, and a thread writes it every LABEL_CHECK_WRITE_SECONDS
in one statement per 500 labels, and once more when the process exits.

A reader is told exactly the stored count plus this process's checks not written yet: a
check reads its label and adds itself under the tally's lock, and a label whose checks are
on their way to the database is read again once they are stored. Another worker's checks
show once that worker writes them, within the interval. A worker killed outright (SIGKILL)
loses the counts of its last interval; no label and no verdict is ever lost. With 0 seconds
each check is written before its answer goes out.
"""

import atexit
import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger(__name__)
ROWS_PER_WRITE = 500  # 8 values a row, well within the databases' limits on parameters
MOST_PENDING = 20_000  # labels: past this the writer is failing and a check writes itself


def new_readings(day: int, bits: int, stored_day: int | None, stored_bits: int) -> int:
    """Count the networks of `bits`, seen on `day`, that the stored row has not seen that day."""
    return (bits & ~stored_bits if day == stored_day else bits).bit_count()


@dataclass
class Pending:
    """The checks of one label that are not stored yet.

    Readings (one network on one day counts once) are kept as the bits of the networks seen
    on the latest `day`, plus `closed`: the readings of earlier days, already counted.
    """

    checks: int
    bits: int
    first: datetime
    last: datetime
    day: int = 0
    day_bits: int = 0
    closed: int = 0

    def merge(self, later: "Pending") -> None:
        """Add the checks of `later` to these."""
        self.checks += later.checks
        self.bits |= later.bits
        self.first, self.last = min(self.first, later.first), max(self.last, later.last)
        self.closed += later.closed
        if later.day == self.day:
            self.day_bits |= later.day_bits
        else:  # (only when a failed write meets a new day: the older networks count in full)
            older, newer = (self, later) if self.day < later.day else (later, self)
            self.closed += older.day_bits.bit_count()
            self.day, self.day_bits = newer.day, newer.day_bits

    def readings(self, stored_day: int | None, stored_bits: int) -> int:
        """Return the readings these checks add to a stored row."""
        return self.closed + new_readings(self.day, self.day_bits, stored_day, stored_bits)

    def row(self, label_id: int) -> tuple:
        """Return the values written for the label (see CheckTally)."""
        return (label_id, self.checks, self.bits, self.first, self.last, self.day,
                self.day_bits, self.closed)  # fmt: skip


class ProcessTally:
    """One process's checks not stored yet (a fork starts afresh: the parent writes its own)."""

    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Condition()
        self.pending: dict[int, Pending] = {}
        self.writing: dict[int, Pending] = {}  # taken by a write that has not finished

    def settled(self, label_id: int) -> bool:
        """Say whether a row just read shows every written check of the label.

        While a write of its checks is on its way, the row may or may not show them: wait
        for the write to finish and return False (read the row again).
        """
        if label_id not in self.writing:
            return True
        self.lock.wait_for(lambda: label_id not in self.writing)
        return False

    def add(
        self, label_id: int, bit: int, now: datetime, day: int = 0, stored: tuple = (None, 0)
    ) -> Pending:
        """Count one check of a label from a network `bit` on `day`; return its pending checks.

        `stored` is the row's (reading_day, reading_day_bits) as just read: when this
        process's checks of the label move on to a new day, the networks of the day before
        that the row had not seen are counted as readings.
        """
        found = self.pending.get(label_id)
        if found is None:
            found = self.pending[label_id] = Pending(1, bit, now, now, day, bit)
            return found
        found.checks += 1
        found.bits |= bit
        found.first, found.last = min(found.first, now), max(found.last, now)
        if day != found.day:
            found.closed += new_readings(found.day, found.day_bits, *stored)
            found.day, found.day_bits = day, 0
        found.day_bits |= bit
        return found


class CheckTally:
    """The checks a process answered, written in batches by `write`.

    `write(rows)` stores rows of (label id, checks, network bits, first, last, day, day's
    network bits, readings of earlier days), in label order, in one statement; `tidy()` runs
    in the writer thread after each round that wrote.
    """

    def __init__(self, write, every: float, tidy=None):
        self.write = write
        self.every = every
        self.tidy = tidy
        self._process: ProcessTally | None = None
        self._starting = threading.Lock()

    @contextlib.contextmanager
    def counting(self):
        """Hold this process's tally while a check reads its label and adds itself."""
        process = self._current()
        with process.lock:
            yield process
            due = not self.every or len(process.pending) > MOST_PENDING
        if due:
            self.write_pending(process)

    def write_pending(self, process: ProcessTally) -> None:
        """Write the pending checks; those not written stay pending when a write fails."""
        with process.lock:
            process.lock.wait_for(lambda: not process.writing)  # one write at a time
            process.writing, process.pending = process.pending, {}
        written = []
        try:
            ids = sorted(process.writing)  # one order everywhere: writers never deadlock
            for start in range(0, len(ids), ROWS_PER_WRITE):
                chunk = ids[start : start + ROWS_PER_WRITE]
                self.write([process.writing[label_id].row(label_id) for label_id in chunk])
                written += chunk
        finally:
            with process.lock:
                for label_id in written:
                    del process.writing[label_id]
                for label_id, counts in process.writing.items():  # not written: pending again
                    later = process.pending.get(label_id)
                    if later:
                        counts.merge(later)
                    process.pending[label_id] = counts
                process.writing = {}
                process.lock.notify_all()

    def _current(self) -> ProcessTally:
        process = self._process
        if process is not None and process.pid == os.getpid():
            return process
        with self._starting:
            process = self._process
            if process is None or process.pid != os.getpid():  # none yet, or a fork's copy
                process = self._process = ProcessTally()
                if self.every:
                    name = "label-check-writer"
                    threading.Thread(
                        target=self._run, args=(process,), name=name, daemon=True
                    ).start()
                    atexit.register(self._write_at_exit, process)
        return process

    def _write_at_exit(self, process: ProcessTally) -> None:
        if process.pid == os.getpid():  # not the copy a forked child inherited
            self._write_quietly(process)

    def _write_quietly(self, process: ProcessTally) -> None:
        try:
            self.write_pending(process)
        except Exception:
            log.warning("label checks not written yet, kept for the next round", exc_info=True)

    def _run(self, process: ProcessTally) -> None:
        while True:
            time.sleep(self.every)
            if not process.pending:
                continue  # an idle worker does nothing
            self._write_quietly(process)
            if self.tidy:
                try:
                    self.tidy()
                except Exception:  # a busy or vanished file: the next round tries again
                    log.warning("tidying after writing label checks failed", exc_info=True)
