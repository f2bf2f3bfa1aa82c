"""The import's read-ahead thread: order, errors and stopping early."""

from __future__ import annotations

import threading

import pytest

from opportune.services.imports.prefetch import Prefetch


def test_results_come_in_order_and_the_work_runs_in_another_thread() -> None:
    threads: set[str] = set()

    def work(n: int) -> int:
        threads.add(threading.current_thread().name)
        return n * n

    with Prefetch(range(50), work) as results:
        assert list(results) == [n * n for n in range(50)]
    assert threads == {"import-prefetch"}


def test_an_error_while_reading_ahead_reaches_the_reader_after_earlier_results() -> None:
    def items():  # type: ignore[no-untyped-def]
        yield 1
        yield 2
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    seen = []
    with pytest.raises(UnicodeDecodeError), Prefetch(items(), lambda n: n) as results:
        seen.extend(results)
    assert seen == [1, 2]


def test_leaving_the_loop_early_stops_the_thread_without_reading_everything() -> None:
    read = []

    def items():  # type: ignore[no-untyped-def]
        for n in range(1_000):
            read.append(n)
            yield n

    prefetch = Prefetch(items(), lambda n: n, depth=1)
    with prefetch as results:
        for n in results:
            if n == 3:
                break
    assert not prefetch._thread.is_alive()
    assert len(read) < 10
