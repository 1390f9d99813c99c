"""The event-loop lag probe tells our own work holding the loop from the thread not running."""

from __future__ import annotations

import asyncio
import time

from openv0_lsp.server.loop_lag import LoopLagProbe


async def _report_after_holding_the_loop(seconds: float, *, busy: bool) -> dict:
    probe = LoopLagProbe(interval=0.005)
    probe.start()
    try:
        await asyncio.sleep(0.02)  # the probe is asleep, waiting to wake up
        if busy:
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:  # our own work, on the CPU
                pass
        else:
            time.sleep(seconds)  # the loop's thread is not running (as if it waited for a CPU)
        await asyncio.sleep(0.02)  # the probe wakes up late and records it
    finally:
        probe.stop()
    report = probe.report_and_reset()
    assert probe.report_and_reset()["maxLagMs"] == 0  # reset: the next report starts afresh
    return report


async def test_a_busy_callback_is_a_lag_the_thread_spent_running():
    report = await _report_after_holding_the_loop(0.06, busy=True)
    assert report["maxLagMs"] >= 50
    assert report["maxLagCpuMs"] >= 40 and report["maxBusyMs"] >= 40


async def test_a_thread_that_does_not_run_is_a_lag_without_cpu():
    report = await _report_after_holding_the_loop(0.06, busy=False)
    assert report["maxLagMs"] >= 50
    assert report["maxLagCpuMs"] < 25 and report["maxBusyMs"] < 25
