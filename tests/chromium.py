"""Debian's Chromium as the browser tests and benchmarks start it (never a downloaded browser).

Without the background-networking flags Chromium keeps trying hosts this closed network
refuses; `OPENV0_CHROMIUM` points at another binary.
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("OPENV0_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
