"""Share the event loop fairly among many streams, whatever each one has to do.

asyncio runs every callback that is ready at the start of a loop turn before it looks at
anything else. When a hundred generations become ready at once (their requests start together,
their answers end together, a backlog arrives), one turn can run for hundreds of milliseconds:
a code action, a cancel or a progress report waits all that time.

`share_loop()` is a checkpoint placed before each piece of streaming work. Once `BUDGET` of
work has run in the current turn, every checkpoint reached yields until a later turn has room;
a fresh budget starts with each turn. A turn therefore runs about `BUDGET` of checkpointed work
plus a short step per waiting task, and the rest goes on, in order, in the turns after.
"""

from __future__ import annotations

import asyncio
import time

BUDGET = 0.001  # seconds of checkpointed work per event-loop turn

_turn_started = 0.0  # perf_counter when the current budget began
_renewal_pending = False


def _renew() -> None:
    global _turn_started, _renewal_pending
    _turn_started = time.perf_counter()
    _renewal_pending = False


async def share_loop() -> None:
    """Return once this turn's budget has room: at once if it has, else in a later turn."""
    global _renewal_pending
    while time.perf_counter() - _turn_started >= BUDGET:
        if not _renewal_pending:
            # Scheduled before the tasks that yield after it, so it runs first next turn.
            _renewal_pending = True
            asyncio.get_running_loop().call_soon(_renew)
        await asyncio.sleep(0)
