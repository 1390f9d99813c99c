"""pygls protocol hooks the server needs and pygls does not expose.

pygls answers `$/cancelRequest` for a command at once but lets the command's coroutine run on,
and it does not pass `workspace/executeCommand` params (with their `workDoneToken`) to command
handlers: this subclass forwards both. It also tells whoever asks when the response to a
request has been sent (`after_response`): a generation's diagnostics and notifications follow
its answer instead of delaying it. pygls 2.1 files the command handler that
`workspace/executeCommand` runs under a made-up request id and never removes it: one finished
future, with its result, kept per command for the life of the server; the override of
`_run_generator` removes it. pygls 2.1's `shutdown` cancels pending requests while
iterating the dict their callbacks remove them from ("dictionary changed size during
iteration"): the override iterates over a copy, and cancels them before the server's own
shutdown handler runs rather than after.
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._after_response: dict[Any, list[Callable[[], object]]] = {}

    def after_response(self, msg_id: Any, callback: Callable[[], object]) -> None:
        """Call `callback` right after the response to request `msg_id` is sent (a result, an
        error or a cancel); at once if it has been sent already."""
        if msg_id in self._request_futures:
            self._after_response.setdefault(msg_id, []).append(callback)
        else:
            callback()

    def _run_generator(self, future: Any, *, gen: Any, result_future: Any) -> None:
        if future is not None:  # a handler the generator yielded has finished
            for msg_id, pending in list(self._request_futures.items()):
                if pending is future:
                    del self._request_futures[msg_id]
                    break
        super()._run_generator(future, gen=gen, result_future=result_future)

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        super()._send_response(msg_id, result, error)
        for callback in self._after_response.pop(msg_id, ()):
            callback()

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
        # Every pending request is answered RequestCancelled first, then the server's own
        # shutdown (cancelling generations) runs: a generation finishing meanwhile cannot slip
        # its answer in before the cancel.
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        self._shutdown = True
        return None
