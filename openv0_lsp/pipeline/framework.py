"""The frameworks a component is written for, and what a component name looks like.

Kept apart from the plan model so that settings and command arguments can name them without
loading the pipeline (the language server imports the pipeline on first use).
"""

from __future__ import annotations

import re
from typing import Literal

Framework = Literal["react", "html"]
FRAMEWORKS: tuple[Framework, ...] = ("react", "html")

COMPONENT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
