"""The component plan: what the plan step produces and the scaffold step renders.

A plan is the single typed description of a component that crosses from the planner (offline
or a model) to the templates. Every user-visible string lives here, so templates never invent
content the user asked to change, and a model's plan is validated once, at this edge.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from openv0_lsp.pipeline.framework import COMPONENT_NAME, FRAMEWORKS, Framework

# Tailwind palette names a plan may use as its accent colour.
__all__ = ["COMPONENT_NAME", "FRAMEWORKS", "Framework", "Plan", "Section"]

ACCENTS = (
    "slate", "gray", "zinc", "neutral", "stone", "red", "orange", "amber", "yellow", "lime",
    "green", "emerald", "teal", "cyan", "sky", "blue", "indigo", "violet", "purple", "fuchsia",
    "pink", "rose",
)  # fmt: skip
Accent = Literal[
    "slate", "gray", "zinc", "neutral", "stone", "red", "orange", "amber", "yellow", "lime",
    "green", "emerald", "teal", "cyan", "sky", "blue", "indigo", "violet", "purple", "fuchsia",
    "pink", "rose",
]  # fmt: skip

FieldType = Literal[
    "text", "email", "password", "checkbox", "textarea", "select", "tel", "number", "url",
    "date", "search", "toggle",
]  # fmt: skip


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FormField(_Model):
    """One input of a form block: `name` is a JS identifier, `label` is what the user reads."""

    name: str = Field(pattern=r"^[a-z][A-Za-z0-9]*$", max_length=64)
    label: str = Field(min_length=1, max_length=120)
    type: FieldType = "text"
    required: bool = False
    placeholder: str = ""
    options: list[str] = Field(default_factory=list, max_length=50)  # for select


class Tier(_Model):
    """A pricing tier; prices are whole currency units, yearly is per month billed yearly."""

    name: str = Field(min_length=1, max_length=60)
    price_monthly: float = Field(ge=0)
    price_yearly: float = Field(ge=0)
    description: str = ""
    features: list[str] = Field(default_factory=list, max_length=30)
    cta: str = "Get started"
    highlighted: bool = False


class Link(_Model):
    label: str = Field(min_length=1, max_length=80)
    href: str = Field(default="#", max_length=300)


class Item(_Model):
    """A generic entry of a list-like block: a feature, a stat, a testimonial, a question,
    a tab, a card, a blog post, a table row, a todo, a sidebar entry.

    `title` is the main text (feature name, stat value label, question, author, tab label...),
    `description` the body (answer, quote, tab panel text...), `value` a figure or secondary
    text (stat value, price, date, role, status), `icon` a name from the block's inline icon set.
    """

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    value: str = Field(default="", max_length=120)
    icon: str = Field(default="", max_length=40)
    href: str = Field(default="", max_length=300)
    done: bool = False


class Section(_Model):
    """One block of the catalog with its content. Fields a block does not use stay empty."""

    block: str = Field(min_length=1, max_length=40)
    heading: str = Field(default="", max_length=200)
    subheading: str = Field(default="", max_length=600)
    fields: list[FormField] = Field(default_factory=list, max_length=40)
    tiers: list[Tier] = Field(default_factory=list, max_length=8)
    links: list[Link] = Field(default_factory=list, max_length=20)
    items: list[Item] = Field(default_factory=list, max_length=60)
    body: str = Field(default="", max_length=4000)  # longer text: modal body, profile bio...
    columns: list[str] = Field(default_factory=list, max_length=12)  # table headers
    rows: list[list[str]] = Field(default_factory=list, max_length=100)  # table cells, as text
    primary_action: str = Field(default="", max_length=60)
    secondary_action: str = Field(default="", max_length=60)
    brand: str = Field(default="", max_length=60)
    billing_toggle: bool = False  # pricing: monthly/yearly switch


class Plan(_Model):
    """The whole component: its name, look and ordered sections."""

    name: str = Field(description="PascalCase component name")
    summary: str = Field(default="", max_length=600)
    framework: Framework = "react"
    accent: Accent = "indigo"
    dark: Literal["auto", "always", "never"] = "auto"
    sections: list[Section] = Field(min_length=1, max_length=12)
    props: list[str] = Field(default_factory=list)
    state: list[str] = Field(default_factory=list)
    icons: list[str] = Field(default_factory=list)
    dependencies: list[str] = Field(default_factory=list)
    accessibility: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _pascal_case(cls, value: str) -> str:
        if not COMPONENT_NAME.match(value):
            raise ValueError(
                f"component name {value!r} must be PascalCase letters and digits, "
                "starting with a capital letter (at most 64 characters)"
            )
        return value
