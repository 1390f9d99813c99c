"""An event-loop lag probe, for benchmarks and for diagnosing a sluggish server.

Off by default (it wakes the loop every few milliseconds); `OPENV0_LOOP_LAG_PROBE=1` starts it
with the server. It sleeps for `interval` seconds over and over and records how late each wake-up
is: the longest time any callback kept the loop busy. `openv0.status` reports the figures since
its previous call, so a benchmark reads the lag of exactly the load it ran in between.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

ENV_SWITCH = "OPENV0_LOOP_LAG_PROBE"


class LoopLagProbe:
    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.max_lag = 0.0
        self.samples = 0
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def from_environment(cls) -> LoopLagProbe | None:
        return cls() if os.environ.get(ENV_SWITCH) == "1" else None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.interval)
            lag = time.perf_counter() - before - self.interval
            self.samples += 1
            self.max_lag = max(self.max_lag, lag)

    def report_and_reset(self) -> dict[str, Any]:
        """The figures since the previous report."""
        report = {"maxLagMs": round(self.max_lag * 1000, 2), "samples": self.samples}
        self.max_lag, self.samples = 0.0, 0
        return report
