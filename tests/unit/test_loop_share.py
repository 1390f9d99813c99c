"""Streams that all have work take turns: no event-loop turn runs much more than the budget."""

from __future__ import annotations

import asyncio
import time

import pytest

from openv0_lsp import loop_share
from openv0_lsp.loop_share import BUDGET, share_loop

STEP = 0.001  # seconds of work before each checkpoint


async def _busy_stream(steps: int, done: list[int]) -> None:
    for _ in range(steps):
        await share_loop()
        end = time.perf_counter() + STEP
        while time.perf_counter() < end:
            pass
        done[0] += 1


async def test_a_timer_runs_between_turns_while_fifty_streams_are_busy():
    """Counted in work, not in wall time, so a busy machine cannot make it fail: between two
    wake-ups of a 2 ms timer, only about a budget's worth of steps may run."""
    done = [0]
    runs_between: list[int] = []

    async def probe() -> None:
        seen = 0
        for _ in range(40):
            await asyncio.sleep(0.002)
            runs_between.append(done[0] - seen)
            seen = done[0]

    await asyncio.gather(probe(), *[_busy_stream(10, done) for _ in range(50)])
    # 50 streams x 10 steps of 1 ms: without turns one loop turn would run all 500 steps.
    per_turn = round(BUDGET / STEP) + 1
    assert max(runs_between) <= 3 * per_turn


async def test_the_checkpoint_returns_at_once_when_the_turn_has_room(
    monkeypatch: pytest.MonkeyPatch,
):
    yields: list[float] = []

    async def recording_sleep(delay: float) -> None:
        yields.append(delay)

    await share_loop()  # this loop's first checkpoint (it may wait for a turn that is marked)
    await asyncio.sleep(0)  # a turn of its own
    monkeypatch.setattr(loop_share.asyncio, "sleep", recording_sleep)
    await share_loop()
    await share_loop()
    assert yields == []  # the turn's first checkpoint started its budget; the second had room


async def test_a_lone_stream_on_an_idle_loop_never_yields(monkeypatch: pytest.MonkeyPatch):
    """Between checkpoints the loop goes idle (the stream waits for its next chunk): each
    checkpoint is the first of its turn, whatever time has passed since the last budget."""
    yields: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(delay: float) -> None:
        yields.append(delay)
        await real_sleep(delay)

    await share_loop()  # this loop's first checkpoint (it may wait for a turn that is marked)
    monkeypatch.setattr(loop_share.asyncio, "sleep", recording_sleep)
    for _ in range(20):
        await real_sleep(0.002)  # waiting for the next chunk: later turns
        await share_loop()
        end = time.perf_counter() + 2 * BUDGET  # more work than a budget, then wait again
        while time.perf_counter() < end:
            pass
    assert yields == []


def test_a_checkpoint_in_a_new_event_loop_does_not_wait_for_a_stopped_one(
    monkeypatch: pytest.MonkeyPatch,
):
    """A mark queued in a loop that stopped before running it never runs: a checkpoint in the
    next loop must not wait for it forever."""
    stopped = asyncio.new_event_loop()
    stopped.close()
    monkeypatch.setattr(loop_share, "_fresh_turn", False)  # that loop's budget, long spent
    monkeypatch.setattr(loop_share, "_budget_started", 0.0)
    monkeypatch.setattr(loop_share, "_marked_in", stopped)

    async def checkpoint() -> None:
        await asyncio.wait_for(share_loop(), timeout=2)

    asyncio.run(checkpoint())
