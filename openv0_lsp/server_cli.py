"""`openv0-lsp`: start the language server on stdio (default), TCP or websockets.

In stdio mode stdout belongs to the protocol: logs go to stderr or to `--log-file`, through a
filter that masks API keys (`redact`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from openv0_lsp import __version__
from openv0_lsp.redact import RedactingFilter, RedactingFormatter, register_secret


def _host_port(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host, int(port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openv0-lsp", description="openv0 language server: generate UI components."
    )
    transport = parser.add_mutually_exclusive_group()
    transport.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    transport.add_argument("--tcp", type=_host_port, metavar="HOST:PORT", help="listen on TCP")
    transport.add_argument(
        "--ws", type=_host_port, metavar="HOST:PORT", help="listen on websockets"
    )
    parser.add_argument("--log-file", help="write logs to this file instead of stderr")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logs (-vv: debug)")
    parser.add_argument("--version", action="version", version=f"openv0-lsp {__version__}")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    handler: logging.Handler = (
        logging.FileHandler(args.log_file, encoding="utf-8")
        if args.log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.addFilter(RedactingFilter())
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for variable in ("OPENROUTER_API_KEY", "OPENAI_API_KEY", "OPENV0_API_KEY"):
        register_secret(os.environ.get(variable))
    logging.basicConfig(level=level, handlers=[handler])
    if args.verbose < 2:  # pygls logs whole messages at INFO: only with -vv
        logging.getLogger("pygls").setLevel(max(level, logging.WARNING))
    from openv0_lsp.server.app import server  # imported after logging is set up

    # Generation steps run in worker threads; a short GIL switch interval lets the event loop
    # thread answer requests between their slices instead of waiting up to 5 ms per slice.
    sys.setswitchinterval(0.0005)

    if args.tcp:
        server.start_tcp(*args.tcp)
    elif args.ws:
        server.start_ws(*args.ws)
    else:
        from openv0_lsp.server.stdio import serve_stdio

        serve_stdio(server)


if __name__ == "__main__":
    main()
