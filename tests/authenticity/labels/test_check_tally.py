"""The tally of label checks: counted at once, written in batches, never twice, never lost."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from authenticity.labels import check_tally
from authenticity.labels.check_tally import CheckTally

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Store:
    """Stands in for the database: remembers every write, can be told to fail or to wait."""

    def __init__(self):
        self.writes = []
        self.failures = 0
        self.release = None  # an Event the next write waits for
        self.started = threading.Event()

    def write(self, rows):
        self.started.set()
        if self.release is not None:
            self.release.wait(5)
        if self.failures:
            self.failures -= 1
            raise OSError("the database went away")
        self.writes.append(rows)

    def totals(self) -> dict[int, int]:
        totals = {}
        for rows in self.writes:
            for label_id, checks, *_rest in rows:
                totals[label_id] = totals.get(label_id, 0) + checks
        return totals


def check(tally, label_id, bit=1, when=T0):
    with tally.counting() as process:
        assert process.settled(label_id)
        pending = process.add(label_id, bit, when)
        return pending.checks, pending.bits, pending.first, pending.last


def test_checks_of_a_label_add_up_until_written():
    store = Store()
    tally = CheckTally(store.write, every=60)
    assert check(tally, 7, bit=1, when=at(0)) == (1, 1, at(0), at(0))
    assert check(tally, 7, bit=4, when=at(5)) == (2, 5, at(0), at(5))
    check(tally, 3, bit=2, when=at(6))
    assert store.writes == []  # the thread writes them every 60 s, not the checks
    tally.write_pending(tally._current())
    # label order; the day (0 here), the day's networks and earlier days' readings
    assert store.writes == [[(3, 1, 2, at(6), at(6), 0, 2, 0), (7, 2, 5, at(0), at(5), 0, 5, 0)]]
    assert check(tally, 7, when=at(9))[0] == 1  # what was written is no longer pending


def test_with_no_interval_each_check_is_written_before_its_answer():
    store = Store()
    tally = CheckTally(store.write, every=0)
    check(tally, 7)
    assert store.totals() == {7: 1}
    check(tally, 7)
    assert store.totals() == {7: 2} and len(store.writes) == 2


def test_a_check_writes_the_tally_itself_when_the_writer_falls_far_behind(monkeypatch):
    monkeypatch.setattr(check_tally, "MOST_PENDING", 2)
    store = Store()
    tally = CheckTally(store.write, every=60)
    check(tally, 1)
    check(tally, 2)
    assert store.writes == []
    check(tally, 3)  # the third label pending: memory stays bounded whatever the thread does
    assert store.totals() == {1: 1, 2: 1, 3: 1}


def test_a_failed_write_keeps_the_checks_for_the_next_round():
    store = Store()
    tally = CheckTally(store.write, every=60)
    check(tally, 7, bit=1, when=at(0))
    store.failures = 1
    with pytest.raises(OSError):
        tally.write_pending(tally._current())
    assert check(tally, 7, bit=2, when=at(3)) == (2, 3, at(0), at(3))  # kept, and merged
    tally.write_pending(tally._current())
    assert store.writes == [[(7, 2, 3, at(0), at(3), 0, 3, 0)]]


def test_a_write_that_fails_half_way_writes_nothing_twice(monkeypatch):
    monkeypatch.setattr(check_tally, "ROWS_PER_WRITE", 2)
    store = Store()
    tally = CheckTally(store.write, every=60)
    for label_id in (1, 2, 3, 4, 5):
        check(tally, label_id)

    written = []

    def fails_second(rows):
        if written:
            raise OSError("disk full")
        written.append(rows)
        store.write(rows)

    tally.write = fails_second
    with pytest.raises(OSError):
        tally.write_pending(tally._current())
    assert store.totals() == {1: 1, 2: 1}
    tally.write = store.write
    tally.write_pending(tally._current())
    assert store.totals() == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}


def test_a_label_on_its_way_to_the_database_is_read_again_once_written():
    store = Store()
    tally = CheckTally(store.write, every=60)
    check(tally, 7)
    store.release = threading.Event()
    writer = threading.Thread(target=tally.write_pending, args=(tally._current(),))
    writer.start()
    assert store.started.wait(5)
    seen = {}

    def reader(label_id):
        with tally.counting() as process:
            seen[label_id] = process.settled(label_id), time.monotonic()

    other, same = (
        threading.Thread(target=reader, args=(8,)),
        threading.Thread(target=reader, args=(7,)),
    )
    other.start()
    other.join(5)
    assert seen[8][0] is True  # another label is not held up by the write
    same.start()
    time.sleep(0.2)
    assert 7 not in seen  # waits: the row it read may or may not show the write
    released = time.monotonic()
    store.release.set()
    same.join(5)
    writer.join(5)
    assert seen[7][0] is False and seen[7][1] >= released  # read again after the write


def test_a_forked_process_starts_with_an_empty_tally(monkeypatch):
    store = Store()
    tally = CheckTally(store.write, every=60)
    parent = tally._current()
    check(tally, 7)
    monkeypatch.setattr(check_tally.os, "getpid", lambda: -1)  # as in a forked child
    child = tally._current()
    assert child is not parent and child.pending == {}
    tally._write_at_exit(parent)  # the child's copy of the parent's exit handler
    assert store.writes == []  # the parent writes its own checks, not the child


def test_the_thread_writes_within_the_interval_and_tidies_after():
    store = Store()
    tidied = threading.Event()
    tally = CheckTally(store.write, every=0.05, tidy=tidied.set)
    check(tally, 7)
    check(tally, 7)
    deadline = time.monotonic() + 5
    while store.totals() != {7: 2} and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store.totals() == {7: 2}
    assert tidied.wait(5)


def test_a_network_counts_once_a_day_as_a_reading():
    tally = CheckTally(Store().write, every=60)
    process = tally._current()
    with tally.counting():
        for _ in range(5):  # one network, again and again
            pending = process.add(7, 4, at(0), day=100)
        assert (pending.checks, pending.day_bits, pending.readings(None, 0)) == (5, 4, 1)
        pending = process.add(7, 8, at(1), day=100)  # another network the same day
        assert pending.readings(None, 0) == 2
        assert pending.readings(100, 4) == 1  # the database had seen the first one that day
        assert pending.readings(99, 4) == 2  # ... but on the day before: both are new today
        pending = process.add(7, 4, at(2), day=101, stored=(100, 4))  # the next day
        # day 100 closed with one network new to the row (8); day 101 has one so far (4)
        assert (pending.closed, pending.day, pending.day_bits) == (1, 101, 4)
        assert pending.readings(100, 4) == 2
    assert pending.row(7) == (7, 7, 12, at(0), at(2), 101, 4, 1)
