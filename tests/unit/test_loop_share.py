"""Streams that all have work take turns: no event-loop turn runs much more than the budget."""

from __future__ import annotations

import asyncio
import time

import pytest

from openv0_lsp import loop_share
from openv0_lsp.loop_share import BUDGET, share_loop

STEP = 0.001  # seconds of work before each checkpoint


async def _busy_stream(steps: int) -> None:
    for _ in range(steps):
        await share_loop()
        end = time.perf_counter() + STEP
        while time.perf_counter() < end:
            pass


async def test_a_timer_runs_between_turns_while_fifty_streams_are_busy():
    lags: list[float] = []

    async def probe() -> None:
        for _ in range(40):
            before = time.perf_counter()
            await asyncio.sleep(0.002)
            lags.append(time.perf_counter() - before - 0.002)

    await asyncio.gather(probe(), *[_busy_stream(10) for _ in range(50)])
    # 50 streams x 10 ms of work: without turns one loop turn would run them all (500 ms).
    assert max(lags) < BUDGET + 10 * STEP


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
