"""Workers: results and failures come back by signal; `Latest` drops stale requests."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

from gui.workers import Latest, PoolExecutor, SyncExecutor, run_task


def test_sync_executor_runs_inline_with_progress() -> None:
    seen: list[object] = []

    def work(ctx: object) -> int:
        for i in range(3):
            ctx.progress(i + 1, 3)  # type: ignore[attr-defined]
        return 42

    run_task(SyncExecutor(), work, seen.append, progress=lambda s, t: seen.append((s, t)))
    assert seen == [(1, 3), (2, 3), (3, 3), 42]


def test_pool_executor_reports_result_and_failure_in_gui_thread(qtbot: QtBot) -> None:
    executor = PoolExecutor(QThreadPool())
    main = threading.get_ident()
    where: list[int] = []
    run_task(executor, lambda _ctx: threading.get_ident(), lambda r: where.extend([r, threading.get_ident()]))
    qtbot.waitUntil(lambda: len(where) == 2, timeout=5000)
    assert where[0] != main and where[1] == main
    failures: list[str] = []

    def boom(_ctx: object) -> None:
        raise ValueError("the clip has no notes\nsecond line")

    run_task(executor, boom, lambda _r: None, failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert failures == ["the clip has no notes"]


def test_latest_runs_only_the_newest_pending_request(qtbot: QtBot) -> None:
    executor = PoolExecutor(QThreadPool())
    latest = Latest(executor)
    gate = threading.Event()
    results: list[int] = []
    latest.finished.connect(results.append)

    def job(value: int) -> object:
        def work(_ctx: object) -> int:
            if value == 0:
                gate.wait(5)
            return value

        return work

    for value in range(20):
        latest.request(job(value))
    assert latest.busy
    gate.set()
    qtbot.waitUntil(lambda: results[-1:] == [19] and not latest.busy, timeout=5000)
    assert results == [0, 19]
    assert latest.runs == 2
