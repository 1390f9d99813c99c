"""Diagnostics from several origins on one file, published together.

`textDocument/publishDiagnostics` replaces a file's whole set, so the validation findings of a
generation and the preview's compile and runtime errors are kept apart here, by origin, and
every change publishes the union (the first publish for a file too, even empty: the client
then knows the file was checked).
"""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types


class DiagnosticsBook:
    def __init__(self, publish: Callable[[types.PublishDiagnosticsParams], None]):
        self._publish = publish
        self._by_uri: dict[str, dict[str, list[types.Diagnostic]]] = {}

    def set(self, uri: str, origin: str, diagnostics: list[types.Diagnostic]) -> None:
        known = uri in self._by_uri
        origins = self._by_uri.setdefault(uri, {})
        if known and origins.get(origin, []) == diagnostics:
            return  # the client already shows exactly this
        origins[origin] = diagnostics
        self._publish(
            types.PublishDiagnosticsParams(
                uri=uri, diagnostics=[d for found in origins.values() for d in found]
            )
        )
