"""Report one generation's steps to the client the way it can show them.

Work-done progress with a server-created token where the client declares
`window.workDoneProgress`, else with the `workDoneToken` it sent, else `window/logMessage`
lines. Cancelling the progress (the client's Cancel button) calls `on_cancel`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)
CLIENT_ANSWER_TIMEOUT = 5.0


class GenerationProgress:
    def __init__(
        self,
        server: LanguageServer,
        *,
        title: str,
        client_token: types.ProgressToken | None,
        on_cancel: Callable[[], object],
    ):
        self._server = server
        self._title = title
        self._token: types.ProgressToken | None = client_token
        self._on_cancel = on_cancel
        self._active = False

    @property
    def token(self) -> types.ProgressToken | None:
        return self._token

    async def begin(self, token_hint: str, message: str) -> None:
        if self._token is None and _declares_progress(self._server):
            token = f"openv0/{token_hint}"
            try:
                await asyncio.wait_for(
                    self._server.work_done_progress.create_async(token), CLIENT_ANSWER_TIMEOUT
                )
                self._token = token
            except Exception as exc:  # a client that refuses or never answers: log lines
                log.warning("work done progress not created: %s", exc)
        if self._token is None:
            self._log(f"{self._title}: {message}")
            return
        # A client may reuse its own token: a cancel of an earlier job must not hit this one.
        self._server.work_done_progress.tokens.pop(self._token, None)
        self._server.work_done_progress.begin(
            self._token,
            types.WorkDoneProgressBegin(
                title=self._title, message=message, percentage=0, cancellable=True
            ),
        )
        self._active = True
        cancel_future = self._server.work_done_progress.tokens[self._token]
        cancel_future.add_done_callback(self._cancelled)

    def _cancelled(self, future: Any) -> None:
        if future.cancelled():
            self._on_cancel()

    def __call__(self, step: str, percentage: int, message: str) -> None:
        if self._active and self._token is not None:
            self._server.work_done_progress.report(
                self._token,
                types.WorkDoneProgressReport(message=f"{step}: {message}", percentage=percentage),
            )
        else:
            self._log(f"{self._title} [{percentage:3d}%] {step}: {message}")

    def end(self, message: str) -> None:
        if self._active and self._token is not None:
            self._server.work_done_progress.end(
                self._token, types.WorkDoneProgressEnd(message=message)
            )
            self._active = False
            # pygls never forgets ended tokens; without this a long session grows per generation
            self._server.work_done_progress.tokens.pop(self._token, None)
        else:
            self._log(f"{self._title}: {message}")

    def _log(self, message: str) -> None:
        self._server.window_log_message(
            types.LogMessageParams(type=types.MessageType.Info, message=message)
        )


def _declares_progress(server: LanguageServer) -> bool:
    window = server.client_capabilities.window
    return bool(window and window.work_done_progress)
