"""An event-loop lag probe, for benchmarks and for diagnosing a sluggish server.

Off by default (it wakes the loop every few milliseconds); `OPENV0_LOOP_LAG_PROBE=1` starts it
with the server. It sleeps for `interval` seconds over and over and records how late each wake-up
is: the longest time any callback kept the loop busy. It also records the CPU time the loop's
thread used meanwhile, which tells two causes apart: a lag the thread spent running is our own
work holding the loop; a lag it spent not running is the thread waiting for a CPU (a busy
machine, a host that took the virtual CPU away) or for the GIL. `openv0.status` reports the
figures since its previous call, so a benchmark reads the lag of exactly the load it ran in
between.
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from typing import Any

ENV_SWITCH = "OPENV0_LOOP_LAG_PROBE"


class LoopLagProbe:
    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.max_lag = 0.0
        self.max_lag_at = 0.0  # seconds after the previous report
        self.max_lag_cpu = 0.0  # CPU seconds the loop's thread used during the longest lag
        self.max_busy = 0.0  # the most CPU seconds the thread used within one late wake-up
        self.samples = 0
        self.max_gc_pause = 0.0
        self.max_gc_generation = -1
        self._gc_started = 0.0
        self._since = time.perf_counter()
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_environment(cls) -> LoopLagProbe | None:
        return cls() if os.environ.get(ENV_SWITCH) == "1" else None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
            gc.callbacks.append(self._on_gc)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        """The garbage collector's pauses: a long one is a lag of its own."""
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        pause = time.perf_counter() - self._gc_started
        if pause > self.max_gc_pause:
            self.max_gc_pause, self.max_gc_generation = pause, info.get("generation", -1)

    async def _run(self) -> None:
        while True:
            before, cpu_before = time.perf_counter(), time.thread_time()
            await asyncio.sleep(self.interval)
            lag = time.perf_counter() - before - self.interval
            cpu = time.thread_time() - cpu_before
            self.samples += 1
            if lag > 0:
                self.max_busy = max(self.max_busy, min(cpu, lag))
            if lag > self.max_lag:
                self.max_lag, self.max_lag_at = lag, time.perf_counter() - self._since
                self.max_lag_cpu = cpu

    def report_and_reset(self) -> dict[str, Any]:
        """The figures since the previous report."""
        report = {
            "loop": type(asyncio.get_running_loop()).__module__.partition(".")[0],  # or uvloop
            "maxLagMs": round(self.max_lag * 1000, 2),
            "maxLagAtS": round(self.max_lag_at, 3),
            "maxLagCpuMs": round(self.max_lag_cpu * 1000, 2),
            "maxBusyMs": round(self.max_busy * 1000, 2),
            "samples": self.samples,
            "maxGcPauseMs": round(self.max_gc_pause * 1000, 2),
            "maxGcGeneration": self.max_gc_generation,
        }
        self.max_lag, self.max_lag_at, self.samples = 0.0, 0.0, 0
        self.max_lag_cpu = self.max_busy = 0.0
        self.max_gc_pause, self.max_gc_generation = 0.0, -1
        self._since = time.perf_counter()
        return report
