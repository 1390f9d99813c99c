"""pygls protocol hooks the server needs and pygls does not expose.

pygls answers `$/cancelRequest` for a command at once but lets the command's coroutine run on,
and it does not pass `workspace/executeCommand` params (with their `workDoneToken`) to command
handlers: this subclass forwards both. pygls 2.1's `shutdown` cancels pending requests while
iterating the dict their callbacks remove them from ("dictionary changed size during
iteration"): the override iterates over a copy, and is otherwise the same.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Generator
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

# The params of the `workspace/executeCommand` request being handled in this context.
execute_command_params: contextvars.ContextVar[types.ExecuteCommandParams | None] = (
    contextvars.ContextVar("execute_command_params", default=None)
)


class OpenV0Protocol(LanguageServerProtocol):
    on_cancel_request: Callable[[Any], None] | None = None

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        if method_name == types.WORKSPACE_EXECUTE_COMMAND:
            execute_command_params.set(params)
        super()._handle_request(msg_id, method_name, params)

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        super()._handle_cancel_notification(msg_id)
        if self.on_cancel_request is not None:
            self.on_cancel_request(msg_id)

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Generator[Any, Any, None]:
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None
