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

    monkeypatch.setattr(loop_share.asyncio, "sleep", recording_sleep)
    loop_share._renew()
    await share_loop()
    assert yields == []
