"""The pipeline's worker thread: work that must not stop halfway is seen through a cancel."""

from __future__ import annotations

import asyncio
import threading

import pytest

from openv0_lsp.pipeline.worker import in_worker, in_worker_to_the_end


def _wait_then_record(started: threading.Event, release: threading.Event, done: list[str]) -> str:
    started.set()
    if not release.wait(5):
        raise TimeoutError("never released")
    done.append("finished")
    return "written"


async def _cancel_while_running(call, times: int) -> tuple[asyncio.Task, list[str]]:
    started, release, done = threading.Event(), threading.Event(), []
    task = asyncio.ensure_future(call(_wait_then_record, started, release, done))
    while not started.is_set():
        await asyncio.sleep(0.001)
    for _ in range(times):
        task.cancel()
        await asyncio.sleep(0.01)
    release.set()
    return task, done


@pytest.mark.parametrize("times", [1, 3])
async def test_a_cancel_during_the_work_comes_too_late_and_the_result_is_returned(times: int):
    task, done = await _cancel_while_running(in_worker_to_the_end, times)

    assert await asyncio.wait_for(task, 5) == "written"
    assert done == ["finished"]
    assert not task.cancelled()


async def test_plain_in_worker_is_cancelled_at_once_while_the_thread_runs_on():
    """The contrast: the caller of `in_worker` stops waiting; the thread itself still ends."""
    task, done = await _cancel_while_running(in_worker, 1)

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert await in_worker(len, done) == 1  # the worker queue is in order: it finished first


async def test_a_cancel_before_the_work_starts_still_cancels():
    started, release, done = threading.Event(), threading.Event(), []
    blocker = asyncio.ensure_future(in_worker(_wait_then_record, started, release, done))
    queued = asyncio.ensure_future(in_worker_to_the_end(done.append, "queued work ran"))
    await asyncio.sleep(0.01)
    queued.cancel()  # cancelled while it waits its turn: it never runs
    with pytest.raises(asyncio.CancelledError):
        await queued
    release.set()
    assert await blocker == "written"
    await in_worker(lambda: None)  # anything still queued has run by now
    assert done == ["finished"]
