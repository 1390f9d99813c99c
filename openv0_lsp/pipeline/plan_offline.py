"""Offline planner: a deterministic, no-network reading of a prompt into a `Plan`.

With no model configured this is the whole plan step, so it has to honour what the user named:
which blocks (navbar, hero, pricing...), in the order they appear; and the specifics inside them
(form fields and their types, tier names, counts and prices, links, headings, button labels, the
brand, the accent colour, dark mode). It reads the prompt in passes:

1. normalise the text (unicode, quotes, bullets, length cap) and find quoted strings;
2. find *lists of names* the user gave ("links to Docs, Blog and Pricing", "three tiers:
   Starter, Growth, Scale", "name, email and message fields") and mask them, so that a link
   called "Pricing" does not add a pricing section;
3. find block mentions from the catalog keywords plus a synonym table, dropping the ones that
   are only a button ("sign in button"), a modifier ("pricing table"), negated ("no footer") or
   weak attribute words ("price" in "product cards with price");
4. read the specifics and route each one to the section that owns that part of the prompt
   (the last block named before it) or, failing that, the nearest section that can hold it;
5. build each section from the block's defaults, resized and overridden with those specifics.

Everything is plain string and regex work, deterministic and bounded by `MAX_PROMPT_CHARS`.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import Literal, NamedTuple, TypeVar, cast

from pydantic import BaseModel

from openv0_lsp.pipeline.catalog import Block
from openv0_lsp.pipeline.framework import COMPONENT_NAME, FRAMEWORKS, Framework
from openv0_lsp.pipeline.icons import ICON_PATHS
from openv0_lsp.pipeline.plan import (
    ACCENTS,
    Accent,
    FieldType,
    FormField,
    Item,
    Link,
    Plan,
    Section,
    Tier,
)

MAX_PROMPT_CHARS = 4000  # what the planner reads of a prompt; the rest is ignored
MAX_SECTIONS = 12
MAX_LISTS = 120  # list openings examined per pass: bounds the work on a pathological prompt
Dark = Literal["auto", "always", "never"]

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

# Block synonyms the planner knows besides each block.json's `keywords`.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "navbar": (
        "navbar", "nav bar", "navigation bar", "navigation", "nav", "top bar", "topbar",
        "header", "site header", "menu bar", "app bar", "top navigation", "nav menu",
        "navigation menu", "top nav",
    ),
    "hero": (
        "hero", "hero section", "hero banner", "jumbotron", "masthead", "splash",
        "above the fold", "intro section",
    ),
    "footer": ("footer", "site footer", "page footer"),
    "cta": ("cta", "call to action", "cta section", "cta banner", "call to action section"),
    "features": (
        "features", "feature grid", "feature list", "feature section", "features section",
        "why choose us", "capabilities", "key features", "feature cards", "benefits",
    ),
    "cards": (
        "cards", "card grid", "card list", "product cards", "product grid", "product list",
        "products", "gallery", "portfolio", "catalog", "catalogue", "team section",
        "listings", "team page", "our team", "meet the team", "team grid", "image gallery",
    ),
    "stats": (
        "stats", "statistics", "stat cards", "metrics", "key figures", "counters",
        "numbers section",
    ),
    "testimonials": (
        "testimonials", "testimonial", "customer reviews", "reviews", "social proof",
        "what customers say", "wall of love",
    ),
    "faq": (
        "faq", "faqs", "frequently asked questions", "questions and answers", "q&a",
        "accordion", "help center",
    ),
    "tabs": ("tabs", "tabbed", "tab panel", "tab panels", "tab view", "tabbed interface"),
    "blog": (
        "blog", "blog posts", "blog list", "articles", "posts", "latest posts", "news section",
        "newsroom", "article list",
    ),
    "login": (
        "login", "log in", "sign in", "signin", "login form", "sign in form", "authentication",
        "auth form", "login page", "login screen",
    ),
    "signup": (
        "signup", "sign up", "register", "registration", "create account", "create an account",
        "sign up form", "registration form", "join form", "onboarding form",
    ),
    "contact": (
        "contact", "contact form", "contact us", "get in touch", "contact section",
        "enquiry form", "inquiry form", "support form", "feedback form", "reach out",
    ),
    "settings": (
        "settings", "preferences", "account settings", "profile settings", "settings form",
        "settings page", "user settings",
    ),
    "modal": (
        "modal", "dialog", "dialogue", "popup", "pop up", "lightbox", "confirmation dialog",
        "alert dialog",
    ),
    "table": ("table", "data table", "datatable", "data grid", "datagrid", "spreadsheet"),
    "sidebar": (
        "sidebar", "side bar", "side nav", "sidenav", "side navigation", "side menu", "drawer",
        "left nav", "navigation rail", "sidebar layout",
    ),
    "dashboard": (
        "dashboard", "admin panel", "admin dashboard", "analytics dashboard", "control panel",
        "admin area", "back office", "backoffice", "admin page",
    ),
    "profile": (
        "profile", "profile card", "user profile", "user card", "profile page", "member card",
        "about me", "bio card", "author card",
    ),
    "todo": (
        "todo", "to do", "todo list", "task list", "tasks", "checklist", "task manager",
        "todos", "todo app", "kanban", "kanban board", "task board",
    ),
}  # fmt: skip

# Words that describe a part of a block rather than name one: as keywords they only count when
# nothing stronger matched ("monthly prices for my app" → pricing).
WEAK_WORDS = frozenset(
    (
        "price", "prices", "monthly", "yearly", "annual", "annually", "billing", "plan", "email",
        "password", "name", "message", "link", "links", "button", "buttons", "image", "images",
        "title", "date", "status", "user", "users", "icon", "icons", "list", "grid", "card", "item",
        "items", "menu", "section", "page", "form", "layout", "panel", "number", "numbers", "text",
        "logo", "search", "toggle", "switch", "tab", "post", "task", "question", "questions",
        "answer", "quote", "quotes", "review", "product", "subscription", "checkout", "account",
        "team", "admin", "analytics", "app", "header", "navigation", "nav", "field", "fields",
        "headline", "heading", "news", "resources", "confirm", "confirmation", "overlay", "bio",
        "avatar", "person", "options", "credentials", "records", "rows", "columns", "sortable",
        "invoices", "transactions", "copyright", "reporting", "figures", "achievements",
        "milestones", "feature", "enquiry", "inquiry",
        "social links", "social icons", "footer links", "contact card", "social profile",
        "message us", "send a message", "reach us", "new account",
    )
)  # fmt: skip
# When two block words touch ("pricing table", "stats cards"), these heads yield to the modifier.
GENERIC_TAILS = frozenset(
    (
        "card", "cards", "table", "list", "grid", "section", "page", "form", "block", "area",
        "panel", "layout", "widget", "component", "banner", "header", "navigation", "nav", "menu",
    )
)  # fmt: skip
# A block word right before one of these is a control, not a block ("sign in button").
CONTROL_AFTER = re.compile(
    r"[\s-]*(?:buttons?|btns?|links?|ctas?|icons?|dropdowns?|drop-downs?|toggles?|switch(?:es)?"
    r"|badges?|options?|checkbox(?:es)?|tooltips?|urls?|menu items?|actions?)(?!\w)"
)
CONTROL_AFTER_BLOCK: dict[str, re.Pattern[str]] = {
    "profile": re.compile(
        r"[\s-]*(?:pictures?|photos?|images?|pics?|avatars?|menus?|pages? links?|dropdowns?)\b"
    ),
    "settings": re.compile(r"[\s-]*(?:menus?|gear|cog|page links?)\b"),
}
CONTROL_BEFORE = re.compile(
    r"(?:buttons?|links?|ctas?)\s+(?:to|for)\s+(?:the\s+)?$|(?:go|link|navigate)\s+to\s+(?:the\s+)?$"
)
NEGATION_BEFORE = re.compile(
    r"(?:\bno|\bwithout|\bnot|\bexcept|\bexcluding|\bminus|\bskip|\bomit)\s+(?:(?:a|an|the|any)\s+)?$"
)

# A page made of blocks: "landing page" alone expands to this set.
LANDING_RE = re.compile(
    r"(?<!\w)(?:landing[\s-]*page|landing|home[\s-]*page|marketing[\s-]*(?:page|site|website)"
    r"|web[\s-]*site|one[\s-]*pager|startup\s+page|saas\s+page|product\s+page)(?!\w)"
)
LANDING_SET = ("navbar", "hero", "features", "cta", "footer")
LANDING_ORDER = (
    "navbar", "hero", "stats", "features", "cards", "tabs", "testimonials", "pricing", "blog",
    "faq", "table", "todo", "profile", "settings", "login", "signup", "contact", "modal",
    "sidebar", "dashboard", "cta", "footer",
)  # fmt: skip
STRUCTURAL_BLOCKS = frozenset({"navbar", "hero", "footer"})

# A container block takes in what would otherwise be separate sections of it.
ABSORB: dict[str, tuple[str, ...]] = {
    "dashboard": ("stats", "table", "sidebar", "navbar"),
    "profile": ("stats",),
    "modal": ("login", "signup", "contact", "settings"),
}

# What each shipped block renders (see the brief in templates/README.md); custom blocks are
# read from their defaults instead.
CAPS: dict[str, frozenset[str]] = {
    "pricing": frozenset({"heading", "subheading", "tiers"}),
    "navbar": frozenset({"brand", "links", "actions"}),
    "hero": frozenset({"heading", "subheading", "actions", "items"}),
    "footer": frozenset({"brand", "subheading", "links", "items"}),
    "cta": frozenset({"heading", "subheading", "actions"}),
    "modal": frozenset({"heading", "body", "actions", "fields"}),
    "table": frozenset({"heading", "subheading", "columns"}),
    "sidebar": frozenset({"brand", "items", "heading", "body"}),
    "dashboard": frozenset({"brand", "links", "items", "columns", "heading"}),
    "profile": frozenset({"heading", "subheading", "body", "items", "links", "actions"}),
    "todo": frozenset({"heading", "items", "actions"}),
    **{
        b: frozenset({"heading", "subheading", "items"})
        for b in ("features", "cards", "blog", "stats", "testimonials", "faq", "tabs")
    },
    **{
        b: frozenset({"heading", "subheading", "fields", "actions"})
        for b in ("login", "signup", "contact", "settings")
    },
}  # fmt: skip
ITEM_KIND: dict[str, str] = {
    "hero": "badges", "footer": "social", "features": "features", "cards": "cards",
    "blog": "blog", "stats": "stats", "testimonials": "testimonials", "faq": "faq",
    "tabs": "tabs", "sidebar": "nav", "dashboard": "stats", "profile": "stats", "todo": "todo",
}  # fmt: skip
# The slot an unlabelled "with A, B and C" list fills, per block.
DEFAULT_SLOT: dict[str, str] = {
    **{b: "fields" for b in ("login", "signup", "contact", "settings", "modal")},
    "navbar": "links", "footer": "links", "sidebar": "links", "table": "columns",
    "dashboard": "stats", "profile": "stats", "pricing": "tiers", "features": "features",
    "cards": "cards", "blog": "blog", "stats": "stats", "testimonials": "testimonials",
    "faq": "faq", "tabs": "tabs", "todo": "todo",
}  # fmt: skip
ITEM_SLOTS = frozenset(
    (
        "features", "cards", "blog", "stats", "testimonials", "faq", "tabs", "todo", "badges",
        "social", "nav",
    )
)  # fmt: skip
# Slots whose unlabelled lists must look like proper names (capitalised or quoted).
NAME_STRICT = frozenset({"tiers", "cards", "blog", "testimonials", "badges", "social"})

# Nouns that label a list or a count of a slot ("three tiers", "links to", "5 questions").
SLOT_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("social", ("social media links", "social media icons", "social links", "social icons",
                "social media", "socials", "social buttons", "social profiles")),
    ("links", ("navigation links", "navigation items", "nav links", "nav items", "menu items",
               "menu links", "header links", "footer links", "links", "link")),
    ("tiers", ("pricing tiers", "pricing plans", "pricing options", "tiers", "tier", "plans",
               "plan", "packages", "package")),
    ("fields", ("form fields", "input fields", "fields", "inputs")),
    ("columns", ("columns", "column", "cols")),
    ("rows", ("rows", "records")),
    ("badges", ("badges", "badge", "tags", "pills")),
    ("faq", ("frequently asked questions", "faq items", "faqs", "faq", "questions", "question")),
    ("features", ("features", "feature", "benefits", "highlights", "capabilities",
                  "selling points")),
    ("stats", ("statistics", "stats", "stat", "metrics", "metric", "kpis", "kpi", "figures",
               "counters")),
    ("testimonials", ("testimonials", "testimonial", "reviews", "review", "customer quotes",
                      "quotes")),
    ("tabs", ("tabs", "tab")),
    ("blog", ("blog posts", "blog post", "posts", "post", "articles", "article", "stories")),
    ("cards", ("cards", "card", "products", "product", "projects", "team members", "members",
               "people", "items for sale", "photos", "images", "pictures")),
    ("todo", ("todo items", "to-do items", "tasks", "task", "todos", "to-dos")),
    ("items", ("items", "entries", "nav entries", "menu entries")),
)  # fmt: skip

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "a pair of": 2,
    "a few": 3, "a dozen": 12, "a single": 1, "single": 1, "a": 1, "an": 1,
}  # fmt: skip
_NUM = r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve" \
    r"|a\s+couple\s+of|a\s+pair\s+of|a\s+few|a\s+dozen|a\s+single|single)"  # fmt: skip
# "three pricing tiers": a count, up to two words before its noun ("three column grid" is not)
COUNT_BEFORE = re.compile(
    rf"(?<![\w$€£.,/])({_NUM})(?![\w.,%/])\s+"
    r"(?:(?!(?:columns?|cols?|rows?|steps?|stars?)\b)[a-z][\w-]*\s+){0,2}$"
)

ARTICLES = frozenset({"a", "an", "the", "some", "my", "our", "your", "their", "its"})
STOPWORDS = frozenset(
    (
        "and", "or", "with", "for", "that", "which", "where", "who", "to", "in", "on", "of", "at",
        "by", "as", "from", "plus", "but", "so", "then", "also", "while", "when", "is", "are", "be",
        "it", "this", "these", "those", "into", "onto",
    )
)  # fmt: skip

# Colour words → Tailwind palette names (plan.ACCENTS); longer phrases first.
COLOURS: dict[str, Accent] = {
    "sky blue": "sky", "light blue": "sky", "baby blue": "sky", "navy blue": "blue",
    "royal blue": "blue", "dark blue": "blue", "forest green": "green", "lime green": "lime",
    "sea green": "teal", "mint green": "emerald", "hot pink": "pink", "blood red": "red",
    "dark green": "green", "dark red": "red", "light green": "lime", "dark purple": "purple",
    "navy": "blue", "cobalt": "blue", "azure": "sky", "turquoise": "teal", "aqua": "cyan",
    "aquamarine": "teal", "gold": "amber", "golden": "amber", "mustard": "yellow",
    "crimson": "red", "scarlet": "red", "ruby": "red", "cherry": "red", "maroon": "rose",
    "burgundy": "rose", "wine": "rose", "magenta": "fuchsia", "lavender": "violet",
    "lilac": "violet", "mauve": "purple", "plum": "purple", "mint": "emerald",
    "jade": "emerald", "olive": "lime", "coral": "orange", "salmon": "rose", "peach": "orange",
    "tangerine": "orange", "brown": "stone", "beige": "stone", "tan": "stone", "sand": "stone",
    "khaki": "stone", "grey": "gray", "silver": "zinc", "charcoal": "zinc", "black": "neutral",
    "monochrome": "neutral", "graphite": "zinc",
    **{name: cast(Accent, name) for name in ACCENTS},
}  # fmt: skip
_COLOUR_ALT = "|".join(sorted((re.escape(c) for c in COLOURS), key=len, reverse=True))
COLOUR_RE = re.compile(rf"(?<![\w-])({_COLOUR_ALT})(?![\w-])(?!\s+friday)")
COLOUR_NOT_BEFORE = re.compile(r"[\s-]*(?:tiers?|plans?|packages?|members?|level|medals?)\b")

DARK_AUTO_RE = re.compile(
    r"dark[\s-]*(?:mode|theme)[\s-]*(?:aware|support(?:ed)?|friendly|compatible|ready|toggle"
    r"|switch|variants?)|(?:supports?|supporting|respects?|respecting|handles?|adapts?\s+to"
    r"|follows?)\s+(?:for\s+)?(?:the\s+)?(?:both\s+)?(?:light\s+(?:and|&|/)\s+)?dark[\s-]*"
    r"(?:mode|theme)?|light\s*(?:and|&|/|or|\+)\s*dark|dark\s*(?:and|&|/|or|\+)\s*light"
    r"|system\s+(?:theme|preference|colou?r\s+scheme)|prefers-colou?r-scheme|both\s+themes"
    r"|auto(?:matic)?\s+dark"
)
DARK_NEVER_RE = re.compile(
    r"light[\s-]*(?:mode|theme)?[\s-]*only|only\s+(?:in\s+)?light|(?:no|without)\s+dark"
    r"(?:[\s-]*(?:mode|theme))?|light[\s-]*(?:mode|theme|background|ui)\b|bright\s+theme"
)
DARK_ALWAYS_RE = re.compile(
    rf"(?<![\w-])(?:dark|night[\s-]*mode|black\s+background)(?![\w])(?![\s-]*(?:{_COLOUR_ALT}"
    r"|grey|gray|text|shade|font)\b)"
)

# --------------------------------------------------------------------------------------------
# Reading the prompt
# --------------------------------------------------------------------------------------------

_QUOTES = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2018": "'", "\u2019": "'", "\u201a": "'",
        "\u201b": "'", "\u2032": "'", "\u2013": "-", "\u2014": " - ", "\u2212": "-",
        "\u2022": ",", "\u00a0": " ", "\u200b": "",
    }
)  # fmt: skip


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    quoted: bool = False


class _Prompt:
    """The normalised prompt, its lower-case twin (same length) and a mask of consumed text."""

    def __init__(self, prompt: str) -> None:
        text = unicodedata.normalize("NFKC", prompt).translate(_QUOTES)
        text = re.sub(r"\n\s*(?:[-*+]|\d+[.)])\s+", ", ", "\n" + text)  # bullet lists
        text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)
        text = re.sub(r"\s*\n\s*", ". ", text.strip())
        text = re.sub(r"\s+", " ", text).strip(" ,.")
        if len(text) > MAX_PROMPT_CHARS:
            cut = text.rfind(" ", 0, MAX_PROMPT_CHARS)
            text = text[: cut if cut > MAX_PROMPT_CHARS // 2 else MAX_PROMPT_CHARS]
        self.text = text
        self.low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        letters = [c for c in text if c.isalpha() and c.lower() != c.upper()]
        upper = sum(c.isupper() for c in letters)
        self.shouting = len(letters) >= 8 and upper > 0.8 * len(letters)
        self.has_case = upper > 0 and not self.shouting
        self.mask = bytearray(len(text))  # consumed: placed in the plan, or quoted
        self.quiet = bytearray(len(text))  # parts of a block ("with an image and a price"):
        # not block words, but still read for headings, colours...
        self.quoted = self._find_quoted()
        self._by_opening = {q.start - 1: q for q in self.quoted}
        self.used_quotes: set[int] = set()  # starts of quoted spans already placed in the plan
        for q in self.quoted:  # quoted text is content: never a block word or a list label
            self.add_mask(q.start - 1, q.end + 1)

    def _find_quoted(self) -> list[_Span]:
        found = []
        pattern = r"(?<![\w])'([^']{1,200}?)'(?![\w])|\"([^\"]{1,200}?)\"|`([^`]{1,200}?)`"
        for m in re.finditer(pattern, self.text):
            g = 1 if m.group(1) is not None else 2 if m.group(2) is not None else 3
            if m.group(g).strip():
                found.append(_Span(m.start(g), m.end(g), quoted=True))
        return found

    def quote_at(self, pos: int) -> _Span | None:
        """The quoted span whose opening quote is at `pos`."""
        return self._by_opening.get(pos)

    def quote_around(self, start: int, end: int) -> _Span | None:
        for q in self.quoted:
            if q.start - 1 <= start and end <= q.end + 1:
                return q
        return None

    def masked(self, start: int, end: int) -> bool:
        return any(self.mask[start:end])

    def add_mask(self, start: int, end: int) -> None:
        self.mask[start:end] = b"\x01" * (end - start)

    def consume(self, span: _Span) -> None:
        """Mark `span` as placed in the plan."""
        if span.quoted:
            self.used_quotes.add(span.start)
        else:
            self.add_mask(span.start, span.end)

    def free(self, span: _Span) -> bool:
        """`span` is not placed yet (and, unquoted, not part of a list or other content)."""
        if span.quoted:
            return span.start not in self.used_quotes
        return not self.masked(span.start, span.end)

    def surface(self, span: _Span) -> str:
        """What the user wrote at `span`, ready to show: trimmed, sentence-cased if shouted."""
        if span.quoted:
            return self.text[span.start : span.end].strip()
        raw = (self.low if self.shouting else self.text)[span.start : span.end]
        raw = raw.strip(" \t,;:.!-'\"`")
        for opening, closing in ("()", "[]", "{}"):  # unbalanced brackets only
            if raw.endswith(closing) and opening not in raw:
                raw = raw[:-1]
            if raw.startswith(opening) and closing not in raw:
                raw = raw[1:]
        return _sentence(raw.strip())

    def capitalised(self, span: _Span) -> bool:
        if span.quoted:
            return True
        word = self.text[span.start : span.end].strip(" '\"(")
        return self.has_case and bool(word) and (word[0].isupper() or word[0].isdigit())


def _skip_spaces(p: _Prompt, pos: int) -> int:
    while pos < len(p.text) and p.text[pos] == " ":
        pos += 1
    return pos


def _sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _words(text: str) -> list[str]:
    return re.findall(r"[\w][\w'&.+/-]*", text.lower())


def _clip(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return (text[: cut if cut > limit // 2 else limit - 1]).rstrip(" ,;:-") + "…"


_M = TypeVar("_M", bound=BaseModel)


def _clone(model: _M) -> _M:
    """A deep copy of a plan part, made by pydantic-core (twice as fast as a deep `model_copy`)."""
    return type(model).model_validate(model.model_dump())


def _phrase_words(phrase: str) -> list[str]:
    return [w for w in re.split(r"[\s_-]+", phrase.strip()) if w]


def _phrase_re(phrase: str) -> str:
    words = [re.escape(w) for w in _phrase_words(phrase)]
    return r"(?<!\w)" + r"[\s_-]*".join(words) + r"(?:e?s)?(?!\w)"


def _count_word(word: str) -> int | None:
    word = re.sub(r"\s+", " ", word.strip().lower())
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


# --------------------------------------------------------------------------------------------
# Lists of names
# --------------------------------------------------------------------------------------------

# "a dropdown for language (English, French)": a field named after its type word
_TYPE_FOR = re.compile(
    r"(?:(?:a|an|the)\s+)?(?:toggle|switch|checkbox|check\s+box|dropdown|drop-down|select"
    r"|picker|text\s*area|radio\s+buttons?)\s+(?:for|of|to)\s"
)
_ITEM_SEP = re.compile(
    r"\s*(?:,\s*(?:and|or|&|plus)\s+|,|\s+(?:and|or|&|plus|\+|vs\.?|versus)\s+|\s+/\s+)"
)
_ITEM_END = re.compile(r"[;!]|[.:?](?=\s|$)|\)")
_MORE = re.compile(r"\s*,?\s+(?:plus|as\s+well\s+as|and\s+also)\s+")
_ITEM_CUT = re.compile(
    r"\s(?:in|on|at)\s+(?:the|a|an|my|our|your|its|each|every)\s"  # "About on the right"
    r"|\s(?:with|that|which|where|who|so|using|featuring|including|showing|but|while"
    r"|when|underneath|below|above|followed|for(?!\s*[$€£\d]))\s"
)


@dataclass
class _ListResult:
    items: list[_Span]
    end: int


def _parse_list(
    p: _Prompt,
    start: int,
    *,
    limit: int | None = None,
    allow_articles: bool = True,
    max_words: int = 6,
    questions: bool = False,
) -> _ListResult:
    """Items of an enumeration starting at `start`: "A, B and C", "'A', 'B'", "A / B / C".

    The list ends at sentence punctuation, after the item that follows "and"/"or", at an item
    that reads like a new clause (too long, an article when names are expected), or at `limit`.
    """
    text = p.text
    # separators are lower-case words; in a prompt with case, a capitalised "Plus" is a name
    seps = p.text if p.has_case else p.low
    stop = len(text) if limit is None else min(limit, len(text))
    items: list[_Span] = []
    i = start
    last_after_conj = False
    while i < stop and len(items) < 60:
        while i < stop and text[i] == " ":
            i += 1
        if i >= stop:
            break
        quote = p.quote_at(i)
        if quote is not None:
            item = quote
            j = quote.end + 1
        else:
            # an item is a few words: scanning further only finds a clause, not an item
            item_stop = min(stop, i + 40 * (max_words + 1))
            j = _item_end(p, seps, i, item_stop, questions)
            raw = text[i:j]
            cut = _ITEM_CUT.search(" " + seps[i:j] + " ")
            if cut is not None and _TYPE_FOR.match(seps[i:j]):
                cut = _ITEM_CUT.search(" " + seps[i:j] + " ", cut.end() - 1)
            ended = False
            if cut is not None:
                raw = raw[: max(cut.start() - 1, 0)]
                ended = True
            stripped = raw.strip()
            if not stripped:
                break
            words = stripped.split()
            if not allow_articles and words[0].lower() in ARTICLES:
                break
            named = p.has_case and words[0][:1].isupper() and bool(items)
            if len(words) > max_words or (words[0].lower() in STOPWORDS and not named):
                break
            lead = len(raw) - len(raw.lstrip())
            item = _Span(i + lead, i + lead + len(stripped))
            if ended:
                items.append(item)
                break
        items.append(item)
        if last_after_conj and not _MORE.match(seps, j):
            break  # "A, B and C" ends after C, unless "... plus D"
        asked = not item.quoted and text[item.end - 1 : item.end] == "?"
        if questions and asked and re.match(r"\s+\S", text[j:]):
            i = j  # "What is it? How much does it cost?": the question mark separates
            continue
        sep = _ITEM_SEP.match(seps, j) if j < stop else None
        if sep is None:
            break
        last_after_conj = bool(re.search(r"\b(?:and|or)\b|&", sep.group()))
        more = _MORE.match(seps, j)
        i = more.end() if more else sep.end()
    end = items[-1].end + (1 if items and items[-1].quoted else 0) if items else start
    return _ListResult(items, end)


_ITEM_BOUNDARY = re.compile(rf"[()'\"`?]|{_ITEM_END.pattern}|{_ITEM_SEP.pattern}")


def _item_end(p: _Prompt, seps: str, start: int, stop: int, questions: bool) -> int:
    """Where the list item starting at `start` ends: at a separator or the end of the list,
    not inside parentheses ("role (Admin, Editor)") and, for questions, after the "?"."""
    depth, k = 0, start
    while True:
        m = _ITEM_BOUNDARY.search(seps, k, stop)
        if m is None:
            return stop
        at, ch = m.start(), seps[m.start()]
        k = at + 1
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth:
            continue
        elif ch == "?" and questions:
            return at + 1
        elif ch in "'\"`?" and not (p.quote_at(at) or _ITEM_END.match(seps, at)):
            continue  # an apostrophe, or a "?" inside a word
        else:
            return at


@dataclass
class _Hit:
    """A list and/or count of one slot ("three tiers: A, B, C") found at `pos`."""

    slot: str
    pos: int
    items: list[_Span] = field(default_factory=list)
    count: int | None = None
    replace: bool = True  # fields: replace the defaults (False: add to them)
    suffix: dict[int, str] = field(default_factory=dict)  # item start → type word to add


_SLOT_RES: list[tuple[re.Pattern[str], str]] = sorted(
    ((re.compile(_phrase_re(ph)), slot) for slot, phrases in SLOT_PHRASES for ph in phrases),
    key=lambda pair: -len(pair[0].pattern),
)
_CONNECTOR = re.compile(
    r"\s*(?:[:=(]|-(?=\s))\s*|\s+(?:to|for|about|on|like|such\s+as|named|called|labell?ed|titled"
    r"|including|include|from|covering|of\s+type|e\.g\.?|i\.e\.?|as)\s+(?::\s*)?|\s+"
)
_MULTI_ONLY = {"for", "from", "on", "about", "covering", "as"}


def _slot_nouns(p: _Prompt) -> list[tuple[int, int, str]]:
    """Slot nouns in the prompt, longest phrase first where two overlap."""
    found: list[tuple[int, int, str]] = []
    taken = bytearray(len(p.low))
    for rx, slot in _SLOT_RES:
        for m in rx.finditer(p.low):
            if not any(taken[m.start() : m.end()]):
                taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
                found.append((m.start(), m.end(), slot))
    return sorted(found)


_PARTS = frozenset(
    (
        "bio", "avatar", "logo", "image", "images", "photo", "picture", "name", "title",
        "description", "heading", "subheading", "tagline", "icon", "icons", "button", "buttons",
        "price", "rating", "excerpt", "date", "author", "tags", "badge", "cover", "thumbnail",
        "text", "copy", "illustration", "screenshot", "background",
    )
)  # fmt: skip


def _looks_like_name(p: _Prompt, span: _Span, slot: str, *, strict: bool = True) -> bool:
    """`span` reads as a name for `slot`; `strict` (unlabelled lists) wants proper names."""
    words = _words(p.text[span.start : span.end])
    if not words:
        return False
    if span.quoted:
        return True
    if slot not in {"fields", "columns"} and not p.capitalised(span) and set(words) <= _PARTS:
        return False  # "with bio, GitHub and Twitter links": bio is a part, not a link
    if slot != "fields" and words[-1] in {"button", "buttons", "btn", "cta", "ctas"}:
        return False  # "links Home / About, CTA button 'Get a quote'"
    if slot == "stats" and re.match(_FIGURE, p.text[span.start : span.end]):
        return True  # "50 countries"
    if words[0] in ARTICLES or words[0] in STOPWORDS or _count_word(words[0]) is not None:
        if p.capitalised(span) and words[0] in STOPWORDS and words[0] not in ARTICLES:
            return True  # "Plus", a tier name
        return slot in {"fields", "todo"} and words[0] in ARTICLES
    return not (strict and slot in NAME_STRICT and not p.capitalised(span))


def _explicit_hits(p: _Prompt) -> list[_Hit]:
    """Lists and counts labelled by a slot noun, forwards ("tabs for A, B") or backwards
    ("A, B and C columns"). Their items are masked so that block detection skips them."""
    hits: list[_Hit] = []
    for start, end, slot in _slot_nouns(p)[:MAX_LISTS]:
        if p.masked(start, end):
            continue
        count = None
        before = COUNT_BEFORE.search(p.low, max(0, start - 40), start)
        if before is not None:
            word = before.group(1)
            count = _count_word(word)
            if word in {"a", "an"}:
                count = None
        # forwards: noun, connector, list
        conn = _CONNECTOR.match(p.low, end)
        items: list[_Span] = []
        if conn is not None and conn.end() < len(p.text):
            connector = conn.group().strip(" :").lower()
            result = _parse_list(
                p,
                conn.end(),
                allow_articles=slot == "fields",
                max_words=16 if slot in {"faq", "todo", "blog"} else 9 if slot == "fields" else 6,
                questions=slot == "faq",
            )
            # the names, up to the first item that is not one ("Starter, Growth and a toggle")
            items = []
            for s in result.items:
                if not _looks_like_name(p, s, slot, strict=False):
                    break
                items.append(s)
            first = items[0] if items else None
            if (
                first is not None
                and connector == ""
                and not (
                    first.quoted
                    or p.capitalised(first)
                    or (len(items) >= 2 and (not p.has_case or slot in {"columns", "fields"}))
                )
            ):
                items = []
            single_ok = (items and items[0].quoted) or (slot == "faq" and connector == "about")
            if connector in _MULTI_ONLY and len(items) < 2 and not single_ok:
                items = []
            plural = p.low[end - 1] == "s"
            if connector in {"titled", "named", "called"} and (len(items) < 2 or not plural):
                items = []  # "an FAQ titled 'Common questions'" is a heading, not a question
            if any(_is_generic_noun(p.low[s.start : s.end]) for s in items[:1]):
                items = []
        # backwards: "A, B and C columns"
        if not items and slot != "rows":
            items = _list_before(p, start, slot)
        if items or count is not None:
            hits.append(_Hit(slot, start, items, count))
            for s in items:
                p.consume(s)
    return hits


_BOUNDARY_BEFORE = re.compile(
    r"(?:\bwith|\bfor|\bof|\bhas|\bhave|\bhaving|\bincluding|\bshowing|\bcontaining|\bplus"
    r"|\bfeaturing|\band\s+(?:a|an|the)|[:;]|\.(?=\s)|^)\s*",
)


def _list_before(p: _Prompt, noun_start: int, slot: str) -> list[_Span]:
    left = max(0, noun_start - 240)
    window = p.low[left:noun_start]
    boundary = None
    for m in _BOUNDARY_BEFORE.finditer(window):
        boundary = m
    if boundary is None:
        return []
    begin = left + boundary.end()
    if begin >= noun_start - 1:
        return []
    result = _parse_list(p, begin, limit=noun_start, allow_articles=True, max_words=5)
    items = result.items
    if not items or p.text[result.end : noun_start].strip():
        return []  # "pricing, faq and a footer": faq is an item of the list, not its label
    # keep the tail run of acceptable items ("with a sidebar, revenue and orders stats")
    tail: list[_Span] = []
    for s in reversed(items):
        if not _looks_like_name(p, s, slot, strict=False) or not p.free(s):
            break
        tail.insert(0, s)
    if len(tail) < 2 and not (tail and tail[0].quoted):
        return []
    return tail


def _is_generic_noun(text: str) -> bool:
    return text.strip() in GENERIC_TAILS | {"section", "block", "area"}


# --------------------------------------------------------------------------------------------
# Block mentions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mention:
    block: str
    start: int
    end: int
    phrase: str
    weak: bool


class _Keyword(NamedTuple):
    rx: re.Pattern[str]
    block: str
    phrase: str
    weak: bool
    needle: str  # the phrase's longest word, in every match: a prompt without it is skipped


@dataclass(frozen=True)
class _KeywordTable:
    keywords: tuple[_Keyword, ...]  # a block's own keywords first, then synonyms
    strong: re.Pattern[str]  # every strong block word in one alternation


def _keyword_table(catalog: Mapping[str, Block]) -> _KeywordTable:
    """Every block word; a block's own keywords first, so that a phrase two blocks share goes
    to the block that declared it."""
    return _keyword_table_for(tuple((bid, b.keywords) for bid, b in sorted(catalog.items())))


@cache  # compiled once per catalog: hundreds of patterns, the bulk of planning time otherwise
def _keyword_table_for(keywords: tuple[tuple[str, tuple[str, ...]], ...]) -> _KeywordTable:
    table: list[tuple[int, _Keyword]] = []
    for block_id, block_keywords in keywords:
        own = [k.strip().lower() for k in block_keywords]
        mine = [k for k in (*SYNONYMS.get(block_id, ()), block_id.lower()) if k not in own]
        for rank, phrases in enumerate((own, mine)):
            for phrase in dict.fromkeys(phrases):
                if not phrase or LANDING_RE.fullmatch(phrase):
                    continue  # a page, not a block: see _compose
                keyword = _Keyword(
                    rx=re.compile(_phrase_re(phrase)),
                    block=block_id,
                    phrase=phrase,
                    weak=phrase in WEAK_WORDS,
                    needle=max(_phrase_words(phrase), key=len, default=""),
                )
                table.append((rank, keyword))
    ordered = tuple(entry for _, entry in sorted(table, key=lambda pair: pair[0]))
    strong = "|".join(f"(?:{k.rx.pattern})" for k in ordered if not k.weak)
    return _KeywordTable(ordered, re.compile(strong))


@dataclass
class _Mentions:
    kept: list[_Mention]
    flavours: dict[str, list[str]]
    negated: set[str]


def _find_mentions(p: _Prompt, table: _KeywordTable, *, in_quotes: bool = False) -> _Mentions:
    """Block words in the prompt; `in_quotes` also reads quoted text (the last resort for a
    prompt like '{"component": "navbar"}')."""
    mask = p.mask
    if in_quotes:
        p.mask = bytearray(mask)
        for q in p.quoted:
            if p.free(q):
                p.mask[q.start - 1 : q.end + 1] = bytes(q.end - q.start + 2)
    try:
        return _find_mentions_unmasked(p, table)
    finally:
        p.mask = mask


def _find_mentions_unmasked(p: _Prompt, table: _KeywordTable) -> _Mentions:
    quiet = p.quiet
    low = p.low
    raw: list[tuple[int, _Mention]] = []
    for rank, (rx, block_id, phrase, weak, needle) in enumerate(table.keywords):
        if needle not in low:
            continue  # most prompts name a few blocks of the catalog: a substring test each
        for found in rx.finditer(low):
            raw.append((rank, _Mention(block_id, found.start(), found.end(), phrase, weak)))
    raw.sort(
        key=lambda pair: (pair[1].start, -(pair[1].end - pair[1].start), pair[1].weak, pair[0])
    )
    chosen: list[_Mention] = []
    for _, m in raw:
        if chosen and m.start < chosen[-1].end:
            continue
        chosen.append(m)
    kept: list[_Mention] = []
    negated: set[str] = set()
    for m in chosen:
        if p.masked(m.start, m.end) or any(quiet[m.start : m.end]):
            continue
        after = CONTROL_AFTER_BLOCK.get(m.block)
        if CONTROL_AFTER.match(p.low, m.end) or (after is not None and after.match(p.low, m.end)):
            continue
        before = p.low[max(0, m.start - 30) : m.start]
        if CONTROL_BEFORE.search(before):
            continue
        if NEGATION_BEFORE.search(before):
            negated.add(m.block)
            continue
        kept.append(m)
    # touching block words: "pricing table" → pricing; "login modal" → a modal, login-flavoured
    flavours: dict[str, list[str]] = {}
    result: list[_Mention] = []
    for m in kept:
        prev = result[-1] if result else None
        if (
            prev is not None
            and prev.block != m.block
            and not p.text[prev.end : m.start].strip(" -")
            and not prev.weak
        ):
            tail = m.phrase.split()[-1]
            if tail in GENERIC_TAILS and not (m.block == "table" and prev.block != "pricing"):
                continue  # "stats cards" → stats, "pricing table" → pricing
            result.pop()
            if m.block != "table":  # "recent signups table" is a table, nothing more
                flavours.setdefault(m.block, []).append(prev.block)
        elif (
            prev is not None
            and prev.block != m.block
            and re.fullmatch(
                r"\s+of\s+(?:(?:the|all|our|my|your|recent|latest)\s+)*", p.low[prev.end : m.start]
            )
            and prev.phrase.split()[-1] in GENERIC_TAILS
        ):
            # "grid of testimonials" → testimonials; "table of products" → a table;
            # "cards of team members" → cards
            if prev.block == "table" or m.block == "profile":
                continue
            result.pop()
        result.append(m)
    strong = [m for m in result if not m.weak]
    if not strong and re.search(r"\bform\b", p.low):
        result = []  # "checkout form with card number": a form, not cards (see _fallback_block)
    # with only weak words, the first is the head noun ("a card showing a user's avatar")
    return _Mentions(strong or result[:1], flavours, negated)


@dataclass
class _Composition:
    sections: list[str]
    anchors: list[tuple[int, str]]  # (position, owning section) of every block word
    raw: list[tuple[int, str]]  # (position, block named there), before absorption
    flavours: dict[str, list[str]]
    landing: bool


def _compose(p: _Prompt, mentions: _Mentions, catalog: Mapping[str, Block]) -> _Composition:
    order: list[str] = []
    for m in mentions.kept:
        if m.block not in order and m.block not in mentions.negated:
            order.append(m.block)
    flavours = {k: v for k, v in mentions.flavours.items()}
    redirect: dict[str, str] = {}
    first_at = {}
    for m in reversed(mentions.kept):
        first_at[m.block] = m.start
    for container, parts in ABSORB.items():
        if container in order:
            for part in parts:
                # a modal holds the form named after it ("a modal with a login form"), not a
                # form named before it ("a contact form and a confirmation modal")
                before = first_at.get(part, 0) < first_at.get(container, 0)
                if part in order and not (container == "modal" and before):
                    order.remove(part)
                    redirect[part] = container
                    if container == "modal":
                        flavours.setdefault("modal", []).append(part)
    landing_match = next(
        (
            m
            for m in LANDING_RE.finditer(p.low)
            if not p.masked(m.start(), m.end()) and not any(p.quiet[m.start() : m.end()])
        ),
        None,
    )
    landing = landing_match is not None
    if landing and not STRUCTURAL_BLOCKS & set(order):
        wanted = [b for b in LANDING_SET if b in catalog and b not in mentions.negated]
        merged = list(dict.fromkeys([*wanted, *order]))
        rank = {b: i for i, b in enumerate(LANDING_ORDER)}
        cta_rank = rank["cta"] - 0.5
        order = sorted(merged, key=lambda b: rank.get(b, cta_rank))
    if not order:
        order = [_fallback_block(p, catalog)]
    order = order[:MAX_SECTIONS]
    anchors = []
    for m in mentions.kept:
        block = redirect.get(m.block, m.block)
        if block in order:
            anchors.append((m.start, block))
    for block, mods in flavours.items():
        if block in order:
            for mod in mods:
                anchors.extend((m.start, block) for m in mentions.kept if m.block == mod)
    anchors.sort()
    raw = sorted((m.start, m.block) for m in mentions.kept)
    return _Composition(order, anchors, raw, flavours, landing)


def _fallback_block(p: _Prompt, catalog: Mapping[str, Block]) -> str:
    low = p.low
    choices: list[str] = []
    if re.search(r"\b(?:form|inputs?|fields?)\b", low):
        choices.append("contact")
    if re.search(r"\b(?:list|grid|gallery|collection|catalog(?:ue)?|directory)\b", low):
        choices.append("cards")
    if re.search(r"\b(?:prices?|plans?|billing|subscriptions?)\b", low):
        choices.append("pricing")
    if re.search(r"\b(?:menu|links)\b", low):
        choices.append("navbar")
    choices += ["hero", "cta", "features", "cards"]
    for choice in choices:
        if choice in catalog:
            return choice
    return sorted(catalog)[0]


# --------------------------------------------------------------------------------------------
# Drafts: a section being filled in
# --------------------------------------------------------------------------------------------


@dataclass
class _Draft:
    block: Block
    section: Section
    set: set[str] = field(default_factory=set)  # what the prompt named explicitly
    flavour: str | None = None

    @property
    def id(self) -> str:
        return self.block.id

    def caps(self) -> frozenset[str]:
        """What this block renders: the shipped mapping plus whatever its defaults fill."""
        d = self.block.defaults
        caps = {
            name
            for name, value in (
                ("heading", d.heading), ("subheading", d.subheading), ("body", d.body),
                ("brand", d.brand), ("links", d.links), ("items", d.items),
                ("fields", d.fields), ("columns", d.columns), ("tiers", d.tiers),
                ("actions", d.primary_action),
            )
            if value
        }  # fmt: skip
        return frozenset(caps | CAPS.get(self.id, {"heading"}))

    def kind(self) -> str:
        return ITEM_KIND.get(self.id, "generic")

    def supports(self, slot: str) -> bool:
        caps = self.caps()
        if slot in ITEM_SLOTS:
            return "items" in caps and self.kind() == slot
        if slot == "links":
            return "links" in caps or self.kind() == "nav"
        if slot == "rows":
            return "columns" in caps
        return slot in caps


@dataclass
class _Reading:
    """Everything read from the prompt, before it is applied to the drafts."""

    p: _Prompt
    comp: _Composition
    hits: list[_Hit]
    drafts: list[_Draft]
    actions: list[tuple[int, str]]  # (position, label) of buttons; negative: -(link pos) - 1

    def owner(self, pos: int) -> _Draft:
        block = None
        for at, b in self.comp.anchors:
            if at <= pos:
                block = b
            else:
                break
        if block is None and self.comp.anchors:
            block = self.comp.anchors[0][1]
        for d in self.drafts:
            if d.id == block:
                return d
        return self.drafts[0]

    def named_before(self, pos: int) -> str | None:
        """The block named last before `pos` (a sidebar, even when a dashboard absorbed it);
        None when the text at `pos` comes before any block, i.e. it describes the page."""
        if not self.comp.raw:
            return self.drafts[0].id
        named = [block for at, block in self.comp.raw if at <= pos]
        return named[-1] if named else None

    def route(self, pos: int, slot: str) -> _Draft | None:
        """The section that holds `slot` for text at `pos`: the owner, else the nearest."""
        owner = self.owner(pos)
        if owner.supports(slot):
            return owner
        best: tuple[int, int] | None = None
        chosen = None
        for index, d in enumerate(self.drafts):
            if not d.supports(slot):
                continue
            places = [at for at, b in self.comp.anchors if b == d.id] or [index * 10_000]
            distance = min(abs(at - pos) for at in places)
            if best is None or (distance, index) < best:
                best, chosen = (distance, index), d
        return chosen


# --------------------------------------------------------------------------------------------
# The planner
# --------------------------------------------------------------------------------------------


def plan_offline(
    prompt: str,
    *,
    framework: Framework = "react",
    name: str | None = None,
    catalog: Mapping[str, Block],
) -> Plan:
    """Read `prompt` into a Plan with blocks from `catalog`, deterministically and offline.

    Raises ValueError for an empty prompt, an invalid `name`, an unknown framework or an empty
    catalog; any other prompt gets a plan.
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("prompt is empty: describe the component to generate")
    if name is not None and not COMPONENT_NAME.match(name):
        raise ValueError(
            f"component name {name!r} must be PascalCase letters and digits, starting with a "
            "capital letter (at most 64 characters), e.g. 'PricingSection'"
        )
    if framework not in FRAMEWORKS:
        raise ValueError(f"framework {framework!r} is not one of {', '.join(FRAMEWORKS)}")
    if not catalog:
        raise ValueError("the block catalog is empty: no block to plan with")
    p = _Prompt(prompt)
    if not p.text.strip(" .,;:!?'\"`-"):
        p = _Prompt("component: " + prompt.strip())
    reading = _read(p, catalog)
    _apply(reading, catalog)
    sections = [d.section for d in reading.drafts]
    plan_name = name or _derive_name(p, reading.comp, catalog)
    accent = _accent(p)
    dark = _dark(p)
    icons = sorted({i.icon for s in sections for i in s.items if i.icon in ICON_PATHS})
    return Plan(
        name=plan_name,
        summary=_summary(p),
        framework=framework,
        accent=accent or "indigo",
        dark=dark,
        sections=sections,
        props=[],
        state=_state_notes(reading.drafts),
        icons=icons,
        dependencies=[],
        accessibility=_accessibility_notes(reading.drafts, dark),
    )


def _read(p: _Prompt, catalog: Mapping[str, Block]) -> _Reading:
    hits = _explicit_hits(p)
    actions = _action_labels(p)
    table = _keyword_table(catalog)
    strong = table.strong
    in_quotes = False
    mentions = _find_mentions(p, table)
    if not mentions.kept:
        in_quotes = True
        mentions = _find_mentions(p, table, in_quotes=True)
    comp = _compose(p, mentions, catalog)
    # Unlabelled lists ("sidebar with Dashboard, Projects and Team") are read with the owner
    # the composition gives them; the names they mask may change the composition (Dashboard
    # was read as a block), so read them again until the composition settles.
    saved = (bytearray(p.mask), bytearray(p.quiet), set(p.used_quotes))
    for attempt in range(3):
        reading = _Reading(p, comp, hits, _drafts(comp, catalog), list(actions))
        generic = _generic_hits(reading, strong)
        settled = _compose(p, _find_mentions(p, table, in_quotes=in_quotes), catalog)
        if settled.sections == comp.sections:
            comp = settled  # same sections; anchors without the names the lists masked
            break
        if attempt == 2:
            break  # keep the last reading as it is
        p.mask, p.quiet, p.used_quotes = bytearray(saved[0]), bytearray(saved[1]), set(saved[2])
        comp = settled
    if in_quotes:
        for at, _ in comp.anchors:
            quote = p.quote_around(at, at + 1)
            if quote is not None:
                p.consume(quote)
    return _Reading(p, comp, [*hits, *generic], _drafts(comp, catalog), reading.actions)


def _drafts(comp: _Composition, catalog: Mapping[str, Block]) -> list[_Draft]:
    drafts = []
    for block_id in comp.sections:
        block = catalog[block_id]
        draft = _Draft(block, _clone(block.defaults))
        flavours = [f for f in comp.flavours.get(block_id, []) if f in catalog]
        if flavours:
            draft.flavour = flavours[0]
        drafts.append(draft)
    return drafts


_WITH_RE = re.compile(
    r"(?:\b(?:with|including|featuring|containing|showing|listing|having|comparing|that\s+has"
    r"|that\s+shows|asking\s+for|asks\s+for|collecting|collects|requesting|for)\s+"
    r"|(?<=\w)\s*:\s*|\s*\(\s*)"
    r"(?:(?:the\s+)?(?:fields?|inputs?|labels?|names?|titles?|entries|options)\s*:?\s+)?"
)


def _generic_hits(reading: _Reading, strong: re.Pattern[str]) -> list[_Hit]:
    """Unlabelled lists after "with", ":" or "(": form fields, nav links, table columns...

    A list whose items are all block words ("with a navbar, a hero and pricing") composes
    blocks instead; other lists of parts ("with an image, title and price") are masked, so
    their words do not add blocks, but fill nothing."""
    p = reading.p
    hits: list[_Hit] = []
    for m in islice(_WITH_RE.finditer(p.low), MAX_LISTS):
        if p.masked(m.start(), m.end()):
            continue
        trigger = m.group().strip(" :(")
        is_for = trigger.startswith("for")
        owner = reading.owner(m.start())
        named = reading.named_before(m.start())
        # a list before any block describes the page ("landing page with a hero, logos...")
        slot = DEFAULT_SLOT.get(named) if named is not None else None
        if named is not None and slot is None and named not in CAPS and owner.id == named:
            slot = "items" if owner.block.defaults.items else None
        result = _parse_list(
            p,
            m.end(),
            allow_articles=slot in {"fields", None},
            max_words=16 if slot in {"faq", "todo"} else 9 if slot == "fields" else 6,
            questions=slot == "faq",
        )
        items = [s for s in result.items if p.free(s)]
        if not items or not p.free(result.items[0]):
            continue
        head = p.low[items[0].start : items[0].end]
        if any(rx.fullmatch(head) for rx, _ in _SLOT_RES):
            continue  # "with items: a, b" is read by the labelled list
        if trigger.startswith(("listing", "showing")) and len(items) < 2:
            continue  # "a table listing employees": the subject, not a list
        last = p.low[items[-1].start : items[-1].end]
        if re.search(r"\s(?:sections|groups|panels|areas|pages|parts|categories|steps)$", last):
            for s in items:  # "with profile, notifications and billing sections"
                if not s.quoted:
                    p.quiet[s.start : s.end] = b"\x01" * (s.end - s.start)
            continue
        if is_for and (slot != "fields" or len(items) < 2):
            continue
        if any(_slot_in(p, s) for s in items):
            continue
        mention_like = [_mention_like(p, s, strong) for s in items]
        if all(mention_like):
            continue
        fits = slot is not None and all(_looks_like_name(p, s, slot) for s in items)
        figure = slot == "stats" and bool(re.match(_FIGURE, p.text[items[0].start :]))
        if slot not in {"fields", "todo", "columns"} and len(items) < 2 and not figure:
            fits = False  # "pricing with Pro highlighted": one capitalised word is not a list
        if slot == "fields":
            hits.extend(_form_list(reading, m.start(), owner, items, mention_like))
            continue
        if fits and slot is not None:
            hits.append(_Hit(slot, m.start(), items, None, replace=len(items) > 1))
            for s in items:
                p.consume(s)
        else:
            for s, like in zip(items, mention_like, strict=True):
                if not like and not s.quoted:
                    p.quiet[s.start : s.end] = b"\x01" * (s.end - s.start)
    return hits


def _form_list(
    reading: _Reading, pos: int, owner: _Draft, items: list[_Span], mention_like: list[bool]
) -> list[_Hit]:
    """An unlabelled list on a form: its fields ("email, password and a remember-me
    checkbox"), sign-in providers ("Google and GitHub sign in"), typed groups ("toggles for
    email and push notifications") and buttons ("delete account")."""
    p = reading.p
    hits: list[_Hit] = []
    settings = owner.id == "settings"
    suffix: dict[int, str] = {}
    typed = _typed_list(p, items)
    if typed is not None:
        kind, extra = typed
        items = [*items[:-1], *extra]
        mention_like = [*mention_like[:-1], *(False for _ in extra)]
        suffix = {s.start: kind for s in extra}
    providers = [s for s in items if _PROVIDER_RE.fullmatch(p.low[s.start : s.end])]
    if providers and "items" in owner.caps() and owner.id in {"login", "signup"}:
        hits.append(_Hit("providers", pos, providers, None))
        for s in providers:
            p.consume(s)
        items = [s for s in items if s not in providers]
        mention_like = [False for _ in items]
    # "the message 'They will get an invite'": a text of the block, read by _apply_texts
    items = [s for s in items if s.quoted or p.quote_at(_skip_spaces(p, s.end)) is None]
    mention_like = mention_like[: len(items)] + [False] * (len(items) - len(mention_like))
    for s in items:
        if _VERB_ITEM.match(p.low[s.start : s.end]):
            reading.actions.append((-s.start - 1, p.surface(s)))  # a secondary action
    fields = [
        s for s in items
        if _field_from(f"{p.surface(s)} {suffix.get(s.start, '')}", settings) is not None
    ]  # fmt: skip
    for s, like in zip(items, mention_like, strict=True):
        if s not in fields and not like and not s.quoted:
            p.quiet[s.start : s.end] = b"\x01" * (s.end - s.start)
    if fields:
        hits.append(_Hit("fields", pos, fields, None, replace=len(fields) > 1, suffix=suffix))
        for s in fields:
            p.consume(s)
    return hits


_TYPE_PLURAL = re.compile(
    r"(?:(?:a|an|some|two|three|four)\s+)?(toggle|switch|checkbox|check box|dropdown|select"
    r"|radio button)(?:e?s)?"
)
_PROVIDER_RE = re.compile(
    r"(?:(?:a|an|the)\s+)?(?:sign[\s-]*in\s+with\s+|log[\s-]*in\s+with\s+|continue\s+with\s+)?"
    r"(google|github|gitlab|apple|facebook|microsoft|twitter|x|linkedin|discord|slack|sso"
    r"|single\s+sign[\s-]*on|saml|okta|magic\s+link|passkeys?)(?:\s+(?:sign[\s-]*in|log[\s-]*in"
    r"|login|auth|oauth|button|sso))*"
)


def _typed_list(p: _Prompt, items: list[_Span]) -> tuple[str, list[_Span]] | None:
    """ "... and toggles for email notifications and two-factor": the type applies to each."""
    if not items:
        return None
    last = items[-1]
    kind = _TYPE_PLURAL.fullmatch(p.low[last.start : last.end])
    after = re.match(r"\s+(?:for|of)\s+", p.low[last.end :])
    if kind is None or after is None:
        return None
    extra = _parse_list(p, last.end + after.end(), allow_articles=True).items
    return (kind.group(1), extra) if extra else None


def _slot_in(p: _Prompt, span: _Span) -> bool:
    if span.quoted:
        return False
    text = p.low[span.start : span.end]
    if COUNT_BEFORE.search(text + " ") and re.match(rf"\s*{_NUM}\s", text):
        return True
    if not re.search(r"\b(?:links?|tiers?|columns?|tabs?|questions?|buttons?)\b", text):
        return False
    return any(rx.search(text) for rx, slot in _SLOT_RES if slot not in {"items", "fields"})


def _mention_like(p: _Prompt, span: _Span, strong: re.Pattern[str]) -> bool:
    """The list item names a block: "a navbar", "pricing section", "faq" (`strong` is every
    strong block word in one alternation)."""
    if span.quoted:
        return False
    text = p.low[span.start : span.end].strip()
    words = text.split()
    if words and words[0] in ARTICLES and strong.search(text):
        return True
    body = " ".join(w for w in words if w not in ARTICLES)
    body_core = re.sub(
        r"\s+(?:section|block|area|form|page|grid|list|component|widget)s?$", "", body
    )
    return bool(strong.fullmatch(body_core) or strong.fullmatch(body))


# --------------------------------------------------------------------------------------------
# Applying what was read
# --------------------------------------------------------------------------------------------


_CONFIRM_RE = re.compile(
    r"\b(?:confirm(?:ation)?|are\s+you\s+sure|delete|deletion|remove|destructive|warning|alert"
    r"|discard|log\s*out|sign\s*out|cancel\s+subscription)\b"
)


def _apply(reading: _Reading, catalog: Mapping[str, Block]) -> None:
    for d in reading.drafts:
        if d.id == "modal":
            _shape_modal(reading, d, catalog)
    _apply_actions(reading)
    _apply_texts(reading)
    _apply_person(reading)
    _apply_brand(reading)
    for hit in _merge_hits(reading):
        _apply_hit(reading, hit)
    _apply_pricing(reading)
    _drop_negated_fields(reading)
    _mark_done(reading)
    _apply_subjects(reading)
    for d in reading.drafts:
        if d.id == "cards" and "items" not in d.set:
            region = [reading.p.low[s:e] for s, e in _region(reading, d)]
            if any(_PRODUCTS_RE.search(text) for text in region):
                _apply_items(d, "cards", [], None, products=True)
            elif any(_PEOPLE_RE.search(text) for text in region):
                _apply_items(d, "cards", [], None, people=True)
    _apply_leftover_quotes(reading)
    for d in reading.drafts:
        _finish(d)


def _shape_modal(reading: _Reading, d: _Draft, catalog: Mapping[str, Block]) -> None:
    """A "login modal" holds the login form; a "delete confirmation" holds a question."""
    if d.flavour and d.flavour in catalog:
        base = catalog[d.flavour].defaults
        d.section.fields = [_clone(f) for f in base.fields]
        d.section.heading = base.heading or d.section.heading
        d.section.primary_action = base.primary_action or d.section.primary_action
        return
    text = " ".join(
        _lead_in(reading.p, s) + reading.p.low[s:e] for s, e in _region(reading, d)
    )  # "a contact form and a confirmation modal": the words right before "modal" count
    has_fields = any(h.slot == "fields" and reading.owner(h.pos) is d for h in reading.hits)
    if has_fields or not _CONFIRM_RE.search(text):
        return
    d.section.fields = []
    d.section.subheading = ""
    d.section.heading = "Are you sure?"
    d.section.body = "This action cannot be undone."
    destructive = re.search(r"\b(delete|remove|discard)\b", text)
    d.section.primary_action = destructive.group(1).capitalize() if destructive else "Confirm"
    d.section.secondary_action = "Cancel"


def _merge_hits(reading: _Reading) -> list[tuple[_Draft, str, _Hit]]:
    merged: dict[tuple[int, str], tuple[_Draft, str, _Hit]] = {}
    for hit in sorted(reading.hits, key=lambda h: h.pos):
        slot = hit.slot
        owner = reading.owner(hit.pos)
        if slot == "cards" and not owner.supports("cards"):
            # "three feature cards: ...", "pricing cards": the cards of the block named
            slot = (
                "items" if "items" in owner.caps() else "tiers" if owner.supports("tiers") else slot
            )
        if slot == "items":
            slot = owner.kind() if "items" in owner.caps() else ""
            if owner.kind() == "generic" and "items" in owner.caps():
                slot = "generic"
        if slot == "features" and not any(d.supports("features") for d in reading.drafts):
            target = next((d for d in reading.drafts if d.supports("tiers")), None)
            slot = "tier_features"
        elif slot == "generic":
            target = owner
        elif slot == "tiers" and owner.id == "table":
            continue
        elif slot == "providers":
            target = owner
        elif slot == "columns" and not owner.supports("columns") and owner.supports("links"):
            slot, target = "links", owner  # footer "columns: Product, Company, Legal"
        else:
            target = reading.route(hit.pos, slot) if slot else None
        if target is None and slot == "links" and len(hit.items) == 1:
            # "a CTA with a 'Talk to sales' link": no section has links; it is an action
            if owner.supports("actions") and "secondary" not in owner.set:
                owner.section.secondary_action = _clip(reading.p.surface(hit.items[0]), 60)
                owner.set.add("secondary")
            continue
        if target is None:
            continue
        key = (id(target), slot)
        if key in merged:
            old = merged[key][2]
            old.items.extend(s for s in hit.items if s not in old.items)
            if hit.count is not None:
                old.count = max(old.count or 0, hit.count)
            old.replace = old.replace or hit.replace
            old.suffix.update(hit.suffix)
        else:
            copy = dataclasses.replace(hit, items=list(hit.items), suffix=dict(hit.suffix))
            merged[key] = (target, slot, copy)
    return list(merged.values())


def _apply_hit(reading: _Reading, entry: tuple[_Draft, str, _Hit]) -> None:
    draft, slot, hit = entry
    p = reading.p
    names = [p.surface(s) for s in hit.items]
    names = [n for n in names if n]
    sec = draft.section
    if slot == "fields":
        names = [f"{p.surface(s)} {hit.suffix.get(s.start, '')}".strip() for s in hit.items]
        _apply_fields(draft, names, hit.replace or any(
            w in p.low for w in (" only ", " just ")
        ))  # fmt: skip
    elif slot == "providers":
        providers = []
        for s in hit.items:
            m = _PROVIDER_RE.fullmatch(p.low[s.start : s.end])
            key = m.group(1) if m else p.low[s.start : s.end]
            title = _PROVIDER_NAMES.get(key, _sentence(key))
            providers.append(Item(title=title, icon=_icon_for(key, "globe"), href="#"))
        sec.items = providers[:60]
        draft.set.add("items")
    elif slot == "columns":
        if names:
            sec.columns = [_clip(n, 60) for n in _dedupe(names)][:12]
            draft.set.add("columns")
        elif hit.count:
            sec.columns = _resize_strings(sec.columns, min(hit.count, 12), COLUMN_POOL)
        if "columns" in draft.set or hit.count:
            sec.rows = _rows_for(sec.columns, max(len(sec.rows), 1) if sec.rows else 5)
    elif slot == "rows":
        if hit.count:
            sec.rows = _rows_for(sec.columns, min(hit.count, 100), keep=sec.rows)
    elif slot == "tiers":
        _apply_tiers(reading, draft, hit, names)
    elif slot == "tier_features":
        if sec.tiers and names:
            tier = next((t for t in sec.tiers if t.highlighted), sec.tiers[0])
            tier.features = _dedupe([*names, *tier.features])[:30]
    elif slot == "links" and draft.kind() == "nav":
        _apply_items(draft, "nav", names, hit.count)
    elif slot == "links":
        count = hit.count
        links = list(sec.links)
        if names:
            links = [Link(label=_clip(n, 80), href=_href(n)) for n in _dedupe(names)]
            if count and count > len(links):
                links = _resize_links(links, count)
        elif count:
            links = _resize_links(links, count)
        sec.links = links[:20]
        draft.set.add("links")
    elif slot in ITEM_SLOTS or slot == "generic":
        region = [p.low[s:e] for s, e in _region(reading, draft)] if slot == "cards" else []
        products = any(_PRODUCTS_RE.search(text) for text in region)
        people = not products and any(_PEOPLE_RE.search(text) for text in region)
        _apply_items(draft, slot, names, hit.count, products=products, people=people)


_PROVIDER_NAMES = {
    "google": "Google", "github": "GitHub", "gitlab": "GitLab", "apple": "Apple",
    "facebook": "Facebook", "microsoft": "Microsoft", "twitter": "Twitter", "x": "X",
    "linkedin": "LinkedIn", "discord": "Discord", "slack": "Slack", "sso": "Single sign-on",
    "saml": "SAML", "okta": "Okta", "magic link": "Magic link", "passkey": "Passkey",
    "passkeys": "Passkey",
}  # fmt: skip


def _dedupe(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for v in values:
        key = v.lower()
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _href(label: str) -> str:
    if re.match(r"https?://", label):
        return label[:300]
    slug = re.sub(r"[^a-z0-9]+", "-", _ascii(label).lower()).strip("-")
    return f"#{slug}"[:300] if slug else "#"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# ---- pools of extra entries, used when the user asks for more than the defaults have ----

POOLS: dict[str, list[tuple[str, str, str, str]]] = {  # (title, description, value, icon)
    "features": [
        ("Lightning fast", "Pages load in milliseconds on every device.", "", "zap"),
        ("Secure by default", "Encryption at rest and in transit, always on.", "", "shield"),
        ("Works everywhere", "A responsive layout for phones, tablets and desktops.", "", "globe"),
        ("Built for teams", "Invite teammates and work together in real time.", "", "users"),
        ("Insightful analytics", "See what works with clear, live dashboards.", "", "chart"),
        ("Developer friendly", "A typed API and webhooks for everything.", "", "code"),
        ("Cloud sync", "Your work is saved and synced across devices.", "", "cloud"),
        ("Smart alerts", "Get notified about what matters, nothing more.", "", "bell"),
        ("Flexible layouts", "Compose pages from blocks that fit together.", "", "layers"),
        ("Launch faster", "Go from idea to production in an afternoon.", "", "rocket"),
        ("Always available", "Redundant infrastructure with 99.99% uptime.", "", "clock"),
        ("Loved by users", "Thoughtful details that people notice.", "", "heart"),
    ],
    "stats": [
        ("Active users", "", "12k", ""), ("Uptime", "", "99.9%", ""),
        ("Countries", "", "40+", ""), ("Support", "", "24/7", ""),
        ("Revenue", "", "$1.2M", ""), ("Rating", "", "4.9/5", ""),
        ("Downloads", "", "250k", ""), ("Team members", "", "85", ""),
    ],
    "testimonials": [
        ("Jane Cooper", "It replaced three tools for us and the team actually enjoys using it.",
         "CTO, Northwind", ""),
        ("Marcus Chen", "Setup took ten minutes. We shipped our new site the same week.",
         "Founder, Brightside", ""),
        ("Amara Okafor", "Support answers within the hour, every time. That alone is worth it.",
         "Head of Operations, Lumen", ""),
        ("Diego Alvarez", "Clean, fast and accessible out of the box.", "Lead Engineer, Orbit", ""),
        ("Sofia Rossi", "Our conversion rate went up 18% after the redesign.",
         "Marketing Lead, Fjord", ""),
        ("Liam O'Brien", "The best developer experience we have had in years.",
         "Staff Engineer, Kite", ""),
    ],
    "faq": [
        ("How does the free trial work?",
         "You get full access for 14 days. No credit card is needed to start.", "", ""),
        ("Can I cancel at any time?",
         "Yes. Cancel from your account settings and you will not be charged again.", "", ""),
        ("Do you offer refunds?",
         "If you are not happy within 30 days, we refund your payment in full.", "", ""),
        ("Is my data secure?",
         "Data is encrypted at rest and in transit, and backed up every day.", "", ""),
        ("Can I change plans later?",
         "Upgrade or downgrade whenever you like; billing is prorated.", "", ""),
        ("Do you have a discount for non-profits?",
         "Yes, registered non-profits get 50% off every plan.", "", ""),
        ("How do I contact support?",
         "Write to us from the help menu; we answer within one business day.", "", ""),
        ("Which payment methods do you accept?",
         "All major credit cards, and invoices for yearly plans.", "", ""),
    ],
    "tabs": [
        ("Overview", "A short summary of what this is and who it is for.", "", ""),
        ("Features", "The capabilities that matter most, at a glance.", "", ""),
        ("Specifications", "Dimensions, formats and technical details.", "", ""),
        ("Reviews", "What people who use it every day are saying.", "", ""),
        ("Support", "Guides, answers and how to reach the team.", "", ""),
        ("Changelog", "What changed in each release.", "", ""),
    ],
    "cards": [
        ("Changelog", "Every release, with notes on what changed and why.", "Updates", "file"),
        ("Templates", "Starter projects you can clone and deploy in one click.", "Starter",
         "layers"),
        ("Case studies", "How teams like yours ship faster with us.", "Stories", "book"),
        ("Video tutorials", "Short walkthroughs of the most common workflows.", "Video",
         "image"),
        ("Status page", "Live uptime and incident history for every region.", "Status",
         "chart"),
        ("Help center", "Answers to common questions, searchable in seconds.", "Support",
         "info"),
    ],
    "people": [
        ("Jane Cooper", "Leads product and design; previously at Linear.", "Head of Product",
         "user"),
        ("Marcus Chen", "Builds the platform and keeps it fast.", "Engineering Lead", "user"),
        ("Amara Okafor", "Turns research into interfaces people enjoy.", "Product Designer",
         "user"),
        ("Diego Alvarez", "Makes sure every customer gets an answer.", "Support Lead", "user"),
        ("Sofia Rossi", "Tells the story of what we build.", "Marketing", "user"),
        ("Liam O'Brien", "Ships features end to end.", "Software Engineer", "user"),
        ("Hana Sato", "Runs infrastructure and on-call.", "Site Reliability", "user"),
        ("Noah Fischer", "Keeps the books and the lights on.", "Operations", "user"),
    ],
    "products": [
        ("Everyday Tote", "Durable canvas tote for daily errands.", "$48", "image"),
        ("Desk Lamp", "Warm, dimmable light with a weighted base.", "$89", "image"),
        ("Ceramic Mug", "Hand-glazed stoneware, 350 ml.", "$24", "image"),
        ("Wool Throw", "Soft merino blanket for cold evenings.", "$120", "image"),
        ("Notebook Set", "Three dotted notebooks with lay-flat binding.", "$18", "image"),
        ("Plant Stand", "Solid oak stand for small and medium pots.", "$64", "image"),
    ],
    "blog": [
        ("How we cut our build times in half", "A look at caching, parallel jobs and what "
         "did not work.", "Mar 12, 2025", ""),
        ("Designing for dark mode", "Contrast, colour tokens and the details people notice.",
         "Feb 27, 2025", ""),
        ("Our first year, in numbers", "Customers, uptime and the lessons behind them.",
         "Feb 3, 2025", ""),
        ("Writing accessible forms", "Labels, errors and focus order, done right.",
         "Jan 19, 2025", ""),
        ("A calmer on-call rotation", "How we reduced pages by 70% without missing incidents.",
         "Jan 6, 2025", ""),
    ],
    "todo": [
        ("Review pull requests", "", "", ""), ("Write release notes", "", "", ""),
        ("Plan next sprint", "", "", ""), ("Update documentation", "", "", ""),
        ("Reply to customer emails", "", "", ""), ("Book the team offsite", "", "", ""),
    ],
    "nav": [
        ("Dashboard", "", "", "home"), ("Projects", "", "", "folder"),
        ("Team", "", "", "users"), ("Calendar", "", "", "calendar"),
        ("Reports", "", "", "chart"), ("Documents", "", "", "file"),
        ("Messages", "", "", "message"), ("Settings", "", "", "settings"),
    ],
    "social": [
        ("GitHub", "", "", "github"), ("Twitter", "", "", "twitter"),
        ("LinkedIn", "", "", "linkedin"),
    ],
    "badges": [("New", "", "", ""), ("Open source", "", "", ""), ("v2.0", "", "", "")],
}  # fmt: skip
LINK_POOL = ["Product", "Features", "Pricing", "Docs", "Blog", "About", "Careers", "Contact"]
COLUMN_POOL = ["Name", "Email", "Role", "Status", "Joined", "Plan", "Location", "Last active"]

ICON_HINTS: tuple[tuple[str, str], ...] = (
    (r"fast|speed|quick|performance|instant|lightning", "zap"),
    (r"secur|safe|privacy|protect|encrypt|compliance", "shield"),
    (r"lock|password|auth", "lock"),
    (r"global|world|international|language|translat|cdn|everywhere", "globe"),
    (r"team|collab|people|users|members|community|share", "users"),
    (r"analytic|insight|report|metric|chart|stat|growth", "chart"),
    (r"code|api|developer|integrat|webhook|sdk", "code"),
    (r"cloud|sync|backup|storage|host", "cloud"),
    (r"notif|alert|remind", "bell"),
    (r"calendar|schedul|event|date", "calendar"),
    (r"time|uptime|clock|history|24/7", "clock"),
    (r"support|chat|message|inbox|comment", "message"),
    (r"mail|email|newsletter", "mail"),
    (r"home|dashboard|overview", "home"),
    (r"setting|config|prefer|custom", "settings"),
    (r"search|find|discover", "search"),
    (r"project|folder|files?\b", "folder"),
    (r"doc|document|page|note", "file"),
    (r"billing|payment|card|invoice|checkout", "credit-card"),
    (r"price|cost|money|revenue|pay|sale", "dollar"),
    (r"cart|shop|store|order", "cart"),
    (r"layer|stack|template|component|block|design", "layers"),
    (r"launch|deploy|ship|rocket|scal", "rocket"),
    (r"open[\s-]?source|source|git\b", "code"),
    (r"profile|account|user", "user"),
    (r"photo|image|gallery|media", "image"),
    (r"learn|guide|book|course|read", "book"),
    (r"love|favo|like|heart", "heart"),
    (r"star|rating|review|quality", "star"),
    (r"logout|sign out|log out", "logout"),
    (r"help|info|about|faq", "info"),
    (r"github", "github"), (r"twitter|\bx\b", "twitter"), (r"linkedin", "linkedin"),
    (r"phone|call", "phone"), (r"location|map|address", "map-pin"),
    (r"download|export", "download"), (r"edit|write", "edit"), (r"delete|trash", "trash"),
)  # fmt: skip


def _icon_for(title: str, fallback: str) -> str:
    low = title.lower()
    for pattern, icon in ICON_HINTS:
        if re.search(pattern, low):
            return icon
    return fallback


STAT_HINTS: tuple[tuple[str, str], ...] = (
    (r"uptime|availability|sla", "99.9%"), (r"revenue|sales|mrr|arr|income|earnings", "$48.2k"),
    (r"conversion|bounce|churn|rate", "3.2%"), (r"growth|increase", "+12.5%"),
    (r"retention|satisfaction|nps|csat|accuracy", "94%"), (r"rating|stars|score", "4.9/5"),
    (r"support|help", "24/7"), (r"countr|regions?|languages", "40+"),
    (r"download|install", "1M+"), (r"order|transaction|purchase|sale", "1,284"),
    (r"visit|view|traffic|session|impression", "58k"),
    (r"followers|subscribers|fans", "2.4k"), (r"following", "180"),
    (r"user|customer|member|client|signup|account", "12k"),
    (r"post|article|project|repo|commit|review", "64"),
    (r"team|employee|staff|people", "120"), (r"response|time|latency|speed", "120ms"),
    (r"year|experience", "10+"), (r"profit|margin", "28%"), (r"ticket|issue|bug", "32"),
)  # fmt: skip
_FIGURE = r"[$€£¥]?\d[\d,.]*\s?(?:[kKmMbB]\b|%|x\b|\+)?\+?|\d+/\d+"


def _stat_value(label: str, index: int) -> str:
    low = label.lower()
    for pattern, value in STAT_HINTS:
        if re.search(pattern, low):
            return value
    return ["1.2k", "98%", "24", "3.4x", "560", "87%"][index % 6]


def _split_figure(name: str) -> tuple[str, str]:
    """ "10k users" → ("Users", "10k"); "uptime 99.9%" → ("Uptime", "99.9%"); else (name, "")."""
    m = re.match(rf"^({_FIGURE})\s+(.+)$", name)
    if m:
        return _sentence(m.group(2)), m.group(1).strip()
    m = re.match(rf"^(.+?)\s*(?::|of|at)?\s+({_FIGURE})$", name)
    if m:
        return _sentence(m.group(1)), m.group(2).strip()
    return name, ""


def _pool_item(kind: str, index: int) -> Item:
    pool = POOLS.get(kind) or POOLS["features"]
    title, description, value, icon = pool[index % len(pool)]
    return Item(title=title, description=description, value=value, icon=icon)


def _resize_items(items: list[Item], n: int, kind: str) -> list[Item]:
    n = max(0, min(n, 60))
    out = [_clone(i) for i in items[:n]]
    used = {i.title.lower() for i in out}
    pool = POOLS.get(kind, [])
    for title, description, value, icon in pool:
        if len(out) >= n:
            break
        if title.lower() not in used:
            out.append(Item(title=title, description=description, value=value, icon=icon))
            used.add(title.lower())
    base = items or [_pool_item(kind, 0)]
    k = 0
    while len(out) < n:
        source = base[k % len(base)]
        number = k // len(base) + 2
        title = _clip(f"{source.title} {number}", 200)
        out.append(source.model_copy(update={"title": title}, deep=True))
        k += 1
    return out


def _item_for(kind: str, name: str, base: Item, index: int) -> Item:
    item = _clone(base)
    item.title = _clip(name, 200)
    if kind == "features":
        item.description = f"{name} — built in from day one, with nothing extra to set up."
        item.icon = _icon_for(name, base.icon or "sparkles")
    elif kind in {"cards", "people", "products"}:
        role = re.fullmatch(r"(.+?)\s*\(([^()]{1,60})\)", name)  # "Jane (CEO)"
        if role:
            item.title, item.value = _clip(role.group(1), 200), _clip(role.group(2), 120)
            name = role.group(1)
        item.description = (
            base.description
            if kind == "people" and role
            else f"Discover {name}: thoughtfully made and ready when you are."
        )
    elif kind == "blog":
        item.description = f"{name}: the story behind it, what worked and what we would change."
    elif kind == "stats":
        title, value = _split_figure(name)
        item.title = _clip(title, 200)
        item.value = _clip(value or _stat_value(title, index), 120)
        item.description = ""
        if base.icon:
            item.icon = _icon_for(title, base.icon)
    elif kind == "testimonials":
        item.title = _clip(name, 200)
    elif kind == "faq":
        if name.endswith("?"):
            item.description = "Here is the short answer. Contact us if you need more details."
        else:
            topic = name[:1].lower() + name[1:] if not name[:2].isupper() else name
            item.title = _clip(f"What should I know about {topic}?", 200)
            item.description = (
                f"Everything about {topic}, answered briefly. Contact us if you have more "
                "questions."
            )
    elif kind == "tabs":
        item.description = f"Content for the {name} tab goes here."
    elif kind == "todo":
        done = re.search(r"\s*\((?:done|completed|checked)\)$|\s+(?:done|completed)$", name, re.I)
        if done:
            item.title = _clip(name[: done.start()], 200)
        item.done = bool(done)
        item.description = ""
    elif kind == "nav":
        item.icon = _icon_for(name, base.icon or "circle")
        item.href = _href(name)
    elif kind == "social":
        item.icon = _icon_for(name, "globe")
        slug = re.sub(r"[^a-z0-9]", "", _ascii(name).lower())
        item.href = f"https://{slug}.com" if slug else "#"
    return item


CARD_HEADINGS = {
    "products": ("Featured products", "Thoughtfully made goods, ready to ship."),
    "people": ("Meet the team", "The people who design, build and support the product."),
}
_PRODUCTS_RE = re.compile(r"\b(?:products?|shop|store|merch|e-?commerce|catalog(?:ue)?)\b")
_PEOPLE_RE = re.compile(r"\b(?:team|members?|people|staff|employees|speakers|authors)\b")


def _apply_items(
    draft: _Draft,
    kind: str,
    names: list[str],
    count: int | None,
    *,
    products: bool = False,
    people: bool = False,
) -> None:
    sec = draft.section
    names = _dedupe(names)[:60]
    if kind == "stats" and len(names) == 1 and not count and len(sec.items) > 1:
        # "profile with 1.2k followers": that one figure, among the others
        title, value = _split_figure(names[0])
        same = [i for i in sec.items if i.title.lower() == title.lower()]
        item = same[0] if same else sec.items[0]
        item.title, item.value = _clip(title, 200), _clip(value or item.value, 120)
        draft.set.add("items")
        return
    n = max(len(names), count or 0) if names else (count or len(sec.items))
    if kind == "generic":
        kind = draft.kind()
    base = sec.items
    if kind == "cards" and (products or people):
        # the default cards are resources; the user wants products or people
        kind, base = ("products" if products else "people"), []
        if "heading" not in draft.set:
            sec.heading, sec.subheading = CARD_HEADINGS[kind]
    items = _resize_items(base, n, kind)
    for index, name in enumerate(names):
        items[index] = _item_for(kind, name, items[index], index)
    sec.items = items
    draft.set.add("items")


def _resize_strings(values: list[str], n: int, pool: list[str]) -> list[str]:
    out = values[:n]
    for extra in pool:
        if len(out) >= n:
            break
        if extra.lower() not in {v.lower() for v in out}:
            out.append(extra)
    k = 2
    while len(out) < n:
        out.append(f"Column {k}")
        k += 1
    return out


def _resize_links(links: list[Link], n: int) -> list[Link]:
    n = min(n, 20)
    labels = _resize_strings([link.label for link in links], n, LINK_POOL)
    by_label = {link.label: link for link in links}
    return [by_label.get(label) or Link(label=label, href=_href(label)) for label in labels]


# ---- table rows ----

PEOPLE = ["Jane Cooper", "Cody Fisher", "Esther Howard", "Jenny Wilson", "Kristin Watson",
          "Cameron Williamson", "Leslie Alexander", "Robert Fox"]  # fmt: skip
COLUMN_VALUES: tuple[tuple[str, Callable[[int], str]], ...] = (
    (r"e-?mail", lambda i: PEOPLE[i % 8].lower().replace(" ", ".") + "@example.com"),
    (r"\bname|customer|user|author|owner|assignee|member|client|person|contact",
     lambda i: PEOPLE[i % 8]),
    (r"role|permission", lambda i: ["Admin", "Editor", "Viewer", "Owner", "Member"][i % 5]),
    (r"status|state", lambda i: ["Active", "Invited", "Inactive", "Active", "Suspended"][i % 5]),
    (r"date|created|joined|updated|last|since|due|when|time",
     lambda i: f"2025-0{1 + i % 9}-{10 + (i * 7) % 19:02d}"),
    (r"amount|price|total|revenue|cost|balance|salary|spent|mrr|value",
     lambda i: f"${(i * 379 + 120) % 2000 + 80:,}.00"),
    (r"\bid\b|#|number|order|invoice|ref", lambda i: f"#{1042 + i}"),
    (r"plan|tier|subscription", lambda i: ["Pro", "Free", "Team", "Enterprise"][i % 4]),
    (r"country|location|city|region",
     lambda i: ["United States", "Germany", "Japan", "Brazil", "Canada", "India"][i % 6]),
    (r"phone|mobile|tel", lambda i: f"+1 555 01{i:02d}"),
    (r"company|organi[sz]ation|team|department",
     lambda i: ["Acme Inc", "Globex", "Initech", "Umbrella", "Hooli"][i % 5]),
    (r"priority", lambda i: ["High", "Medium", "Low"][i % 3]),
    (r"progress|completion|percent", lambda i: f"{(i * 23 + 30) % 100}%"),
    (r"qty|quantity|count|items|stock|units", lambda i: str((i * 7 + 3) % 40 + 1)),
    (r"title|product|project|task|item|subject|description|name",
     lambda i: ["Website redesign", "Mobile app", "Billing update", "Onboarding flow",
                "API v2", "Docs refresh"][i % 6]),
)  # fmt: skip


def _cell(column: str, row: int) -> str:
    low = column.lower()
    for pattern, make in COLUMN_VALUES:
        if re.search(pattern, low):
            return make(row)
    return f"{column} {row + 1}"


def _rows_for(columns: list[str], n: int, keep: list[list[str]] | None = None) -> list[list[str]]:
    keep = [r for r in (keep or []) if len(r) == len(columns)]
    rows = [list(r) for r in keep[:n]]
    while len(rows) < n:
        rows.append([_cell(c, len(rows)) for c in columns])
    return rows[:100]


# ---- form fields ----

_TYPE_WORDS: tuple[tuple[str, FieldType], ...] = (
    (r"check[\s-]?box(?:es)?|tick[\s-]?box(?:es)?", "checkbox"),
    (r"toggles?|switch(?:es)?", "toggle"),
    (r"date[\s-]?picker", "date"),
    (r"drop[\s-]?downs?|select(?:or)?s?(?:\s+(?:box|menu))?|pickers?|combo[\s-]?box", "select"),
    (r"text[\s-]?areas?|multi[\s-]?line(?:\s+text)?|long\s+text", "textarea"),
    (r"numeric(?:\s+(?:field|input))?", "number"),
)
_FIELD_NOISE = re.compile(
    r"\b(?:fields?|inputs?|boxe?s?|entry|entries|(?:an?\s+)?optional|required|please|just|only"
    r"|also)\b"
    r"|\((?:optional|required)\)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _FieldWord:
    pattern: str
    type: FieldType
    label: str | None = None  # canonical label; None keeps the user's words
    name: str | None = None
    required: bool = False
    options: tuple[str, ...] = ()


FIELD_WORDS: tuple[_FieldWord, ...] = (
    _FieldWord(r"remember[\s-]*me|keep\s+me\s+(?:signed|logged)\s+in|stay\s+signed\s+in",
               "checkbox", "Remember me", "rememberMe"),
    _FieldWord(r"(?:confirm(?:ation)?|repeat|verify|retype)\s+password|password\s+(?:again"
               r"|confirmation)", "password", None, "confirmPassword", True),
    _FieldWord(r"terms|\btos\b|privacy\s+policy|consent|gdpr", "checkbox", None, "acceptTerms"),
    _FieldWord(r"newsletter|subscribe|marketing\s+emails?|product\s+updates", "checkbox"),
    _FieldWord(r"notifications?|dark\s+mode|two[\s-]factor|\b2fa\b|public\s+profile"
               r"|auto[\s-]?play|sounds?|alerts?", "toggle"),
    _FieldWord(r"password|passcode|passphrase", "password", None, None, True),
    _FieldWord(r"e-mail(?:\s+address)?", "email", "Email", "email", True),
    _FieldWord(r"email", "email", None, None, True),
    _FieldWord(r"phone|mobile|telephone|\btel\b|cell|whatsapp", "tel"),
    _FieldWord(r"message|comments?|feedback|notes?|\bbio\b|about\s+(?:you|me|yourself)"
               r"|description|details|enquiry|inquiry|your\s+question|additional", "textarea"),
    _FieldWord(r"website|\burl\b|homepage|portfolio|linkedin|github", "url"),
    _FieldWord(r"\bage\b|quantity|\bqty\b|amount|budget|number\s+of|guests|seats|headcount",
               "number"),
    _FieldWord(r"birthday|date\s+of\s+birth|\bdob\b|birth\s+date|\bdate\b|deadline", "date"),
    _FieldWord(r"search", "search"),
    _FieldWord(r"country", "select", None, None, False,
               ("United States", "United Kingdom", "Canada", "Germany", "France", "India",
                "Japan", "Australia")),
    _FieldWord(r"language|locale", "select", None, None, False,
               ("English", "Español", "Deutsch", "Français", "日本語")),
    _FieldWord(r"time\s*zone", "select", None, None, False,
               ("UTC", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo")),
    _FieldWord(r"currency", "select", None, None, False, ("USD", "EUR", "GBP", "JPY")),
    _FieldWord(r"\brole\b", "select", None, None, False, ("Admin", "Editor", "Viewer")),
    _FieldWord(r"\bplan\b|\btier\b", "select", None, None, False, ("Free", "Pro", "Enterprise")),
    _FieldWord(r"\bsize\b", "select", None, None, False, ("Small", "Medium", "Large")),
    _FieldWord(r"department|\bteam\b", "select", None, None, False,
               ("Sales", "Support", "Engineering", "Design")),
    _FieldWord(r"gender", "select", None, None, False,
               ("Female", "Male", "Non-binary", "Prefer not to say")),
    _FieldWord(r"\bstate\b|province|region", "select", None, None, False,
               ("California", "New York", "Texas", "Washington")),
    _FieldWord(r"category|topic|reason|industry|priority|how\s+did\s+you\s+hear", "select"),
    _FieldWord(r"\bname\b|username|company|organi[sz]ation|subject|city|address|job\s+title"
               r"|zip|postal", "text", None, None, True),
)  # fmt: skip
_LABEL_FIXES = {"e mail": "Email", "remember me": "Remember me"}


_NOT_A_FIELD = re.compile(
    r"\b(?:buttons?|links?|headings?|titles?|logos?|illustrations?|images?|dividers?"
    r"|separators?|maps?|forms?|sections?|cards?|columns?|grids?|videos?|icons?|photos?)\s*$"
)
# "change password, delete account": actions, not inputs
_VERB_ITEM = re.compile(
    r"(?:change|delete|remove|export|import|reset|update|download|upload|log\s*out|sign\s*out"
    r"|cancel|deactivate|manage|edit|add|invite|connect|disconnect|close|view)\s+\w"
)


def _camel(label: str) -> str:
    words = re.findall(r"[a-z0-9]+", _ascii(label).lower())
    name = "".join(w if i == 0 else w.capitalize() for i, w in enumerate(words))
    if not name or not name[0].isalpha():
        name = "field" + name.capitalize()
    return name[:64]


def _field_from(text: str, settings: bool) -> FormField | None:
    named = re.search(r"\s(?:labell?ed|called|named|saying|reading)\s+(.+)$", text, re.I)
    if named:  # "a checkbox labelled Keep me signed in": the label is the user's words
        field = _field_from(text[: named.start()], settings)
        label = named.group(1).strip(" '\"")
        if field is not None and label:
            return field.model_copy(update={"label": _clip(_sentence(label), 120),
                                            "name": _camel(label)})  # fmt: skip
    options: list[str] = []
    group = re.search(r"\(([^)]*)\)", text)
    if group and not re.fullmatch(r"\s*(?:optional|required)\s*", group.group(1), re.I):
        options = [o.strip() for o in re.split(r",|/|\bor\b", group.group(1)) if o.strip()]
        text = text[: group.start()] + text[group.end() :]
    low = text.lower()
    optional = bool(re.search(r"\boptional\b", low))
    required_word = bool(re.search(r"\brequired\b", low))
    if _NOT_A_FIELD.search(low) and not re.search(r"job\s+title", low):
        return None
    if _VERB_ITEM.match(low.strip()):
        return None
    ftype: FieldType | None = None
    for pattern, t in _TYPE_WORDS:
        if re.search(rf"\b(?:{pattern})\b", low):
            ftype = t
            low = re.sub(rf"\b(?:{pattern})\b", " ", low)
            text = re.sub(rf"\b(?:{pattern})\b", " ", text, flags=re.I)
    text = _FIELD_NOISE.sub(" ", text)
    low = _FIELD_NOISE.sub(" ", low)
    words = text.split()
    while words and (words[0].lower() in ARTICLES or words[0].lower() in {"for", "of", "to"}):
        words.pop(0)
    label = " ".join(words).strip(" -,:;.'\"")
    word = next((w for w in FIELD_WORDS if re.search(w.pattern, low)), None)
    if not label:
        if ftype is None:
            return None
        label = {"checkbox": "I agree", "toggle": "Enabled", "select": "Choose an option"}.get(
            ftype, "Value"
        )
    fixed = _LABEL_FIXES.get(re.sub(r"[\s-]+", " ", label.lower()))
    if word is not None and word.label:
        label = word.label
    elif fixed:
        label = fixed
    if (
        word is not None
        and word.name == "acceptTerms"
        and not re.search(r"\b(?:agree|accept)", label, re.I)
    ):
        label = f"I agree to the {label[:1].lower() + label[1:]}"
    if (
        word is not None
        and word.pattern.startswith("newsletter")
        and label.lower()
        in {
            "newsletter",
            "the newsletter",
        }
    ):
        label = "Subscribe to the newsletter"
    chosen: FieldType = ftype or (word.type if word else "text")
    if settings and chosen == "checkbox" and word is not None and word.type == "toggle":
        chosen = "toggle"
    if word is not None and word.type == "toggle" and ftype is None and not settings:
        chosen = "checkbox"
    required = (word.required if word else False) and chosen not in {"checkbox", "toggle"}
    required = (required or required_word) and not optional
    if chosen == "select" and not options:
        options = list(word.options) if word and word.options else ["Option 1", "Option 2",
                                                                    "Option 3"]  # fmt: skip
    placeholder = {
        "email": "you@example.com", "tel": "+1 555 000 0000", "url": "https://",
        "textarea": "Write a few lines…", "search": "Search…",
    }.get(chosen, "")  # fmt: skip
    name = (word.name if word and word.name else None) or _camel(label)
    return FormField(
        name=name,
        label=_clip(_sentence(label), 120),
        type=chosen,
        required=required,
        placeholder=placeholder,
        options=[_clip(o, 120) for o in options][:50] if chosen == "select" else [],
    )


_NEGATED_FIELD = re.compile(
    r"\b(?:without|no|remove|minus|except|but\s+not)\s+(?:the\s+|a\s+|an\s+|any\s+)?"
    r"([a-z][\w -]{1,40}?)(?:\s+(?:fields?|options?|checkbox(?:es)?|inputs?|toggles?|boxe?s?))?"
    r"(?=\s*(?:[,.;!?]|$)|\s+(?:and|or|but|with|in)\b)"
)


_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
_DONE_RE = re.compile(
    r"\bmark(?:ed)?\s+(?:the\s+)?(first|second|third|fourth|fifth|last)\s+(?:one\s+|item\s+"
    r"|task\s+|todo\s+)?(?:as\s+)?(?:done|completed?|checked|finished)"
)


def _mark_done(reading: _Reading) -> None:
    """ "Mark the first as done": a todo item starts checked."""
    for m in _DONE_RE.finditer(reading.p.low):
        draft = reading.owner(m.start())
        if draft.kind() == "todo" and draft.section.items:
            index = _ORDINALS[m.group(1)]
            if index < len(draft.section.items):
                draft.section.items[index].done = True


def _drop_negated_fields(reading: _Reading) -> None:
    """ "login form without the remember me option" → no Remember me field."""
    p = reading.p
    for m in _NEGATED_FIELD.finditer(p.low):
        draft = reading.owner(m.start())
        if not draft.section.fields:
            continue
        words = set(re.findall(r"[a-z0-9]+", m.group(1)))
        kept = [
            f
            for f in draft.section.fields
            if not words or not words <= set(re.findall(r"[a-z0-9]+", f.label.lower()))
        ]
        if kept and len(kept) < len(draft.section.fields):
            draft.section.fields = kept


def _apply_fields(draft: _Draft, names: list[str], replace: bool) -> None:
    settings = draft.id == "settings"
    fields = [f for f in (_field_from(n, settings) for n in names) if f is not None]
    if not fields:
        return
    sec = draft.section
    if not replace:
        existing = {f.name for f in sec.fields}
        existing_labels = {f.label.lower() for f in sec.fields}
        fields = [
            *sec.fields,
            *(
                f
                for f in fields
                if f.name not in existing and f.label.lower() not in existing_labels
            ),
        ]
    taken: set[str] = set()
    unique = []
    for f in fields:
        base, name, n = f.name, f.name, 2
        while name in taken:
            name, n = f"{base}{n}", n + 1
        taken.add(name)
        unique.append(f.model_copy(update={"name": name}))
    sec.fields = unique[:40]
    draft.set.add("fields")


# ---- pricing ----

_MONEY = re.compile(
    r"(?:(?<![\w])(?:[$€£¥]|usd\s?|eur\s?|gbp\s?)\s?(\d{1,6}(?:[.,]\d{1,2})?)"
    r"|(?<![\w$])(\d{1,6}(?:[.,]\d{1,2})?)\s?(?:\$|€|£|usd\b|eur\b|gbp\b|dollars?\b|euros?\b"
    r"|bucks\b))(\s?(?:/|per|a|an)\s?(?:mo(?:nth)?|yr|year|annum|user|seat)\b)?",
    re.I,
)
EXTRA_TIERS = [("Team", "For small teams that collaborate daily."),
               ("Business", "For companies that need more control."),
               ("Scale", "For high-volume workloads."), ("Plus", "A little more of everything."),
               ("Premium", "Every feature, with priority support."),
               ("Ultimate", "The complete package.")]  # fmt: skip


def _money(match: re.Match[str]) -> tuple[float, bool]:
    raw = (match.group(1) or match.group(2) or "0").replace(",", ".")
    value = float(raw)
    yearly = bool(match.group(3) and re.search(r"yr|year|annum", match.group(3), re.I))
    return value, yearly


def _tier_price(name: str) -> tuple[str, float | None, bool]:
    """ "Pro at $12/mo" → ("Pro", 12.0, False); "Pro" → ("Pro", None, False)."""
    m = _MONEY.search(name)
    if m is None:
        free = re.match(r"(.+?)\s*(?:\(|-|:|at|for)?\s*free\)?$", name, re.I)
        if free:  # "Hobby free"
            return free.group(1).strip(), 0.0, False
        # "Enterprise (custom)" → Enterprise
        return re.sub(r"\s*\([^)]*\)\s*$", "", name).strip() or name, None, False
    value, yearly = _money(m)
    cleaned = (name[: m.start()] + name[m.end() :]).strip()
    cleaned = re.sub(r"\(\s*(?:/\s*)?(?:mo(?:nth)?|month(?:ly)?)?\s*\)", "", cleaned).strip()
    cleaned = re.sub(
        r"(?:\s+(?:at|for|@|-|:|priced|costing|costs|is)|\(\s*\)|\s*[-:(])+\s*$", "", cleaned
    ).strip(" -:(")
    return cleaned or name, value, yearly


def _apply_tiers(reading: _Reading, draft: _Draft, hit: _Hit, names: list[str]) -> None:
    sec = draft.section
    parsed = [_tier_price(n) for n in _dedupe(names)][:8]
    n = max(len(parsed), min(hit.count or 0, 8)) if parsed else min(hit.count or 0, 8)
    if not n:
        return
    tiers = _resize_tiers(sec.tiers, n)
    renames: dict[str, str] = {}
    listed = [bool(_PRICE_LIST.match(reading.p.text, s.end)) for s in _dedupe_spans(reading, hit)]
    for index, (tier_name, price, yearly) in enumerate(parsed):
        tier = tiers[index]
        renames[tier.name] = tier_name
        tier.name = _clip(tier_name, 60)
        if index < len(listed) and listed[index]:
            price = None  # "Free and Pro priced at $0 and $12": a list of prices, read in order
        if price is not None:
            monthly = price / 12 if yearly else price
            tier.price_monthly = round(monthly, 2)
            tier.price_yearly = round(monthly * 0.8, 2) if monthly else 0
            draft.set.add(f"price:{index}")
        elif re.fullmatch(r"free(?:\s+(?:tier|plan))?", tier_name.strip(), re.I):
            tier.price_monthly = tier.price_yearly = 0
    for tier in tiers:
        for old, new in renames.items():
            if old != new:
                tier.features = [re.sub(rf"\b{re.escape(old)}\b", new, f) for f in tier.features]
                tier.description = re.sub(rf"\b{re.escape(old)}\b", new, tier.description)
    sec.tiers = tiers
    draft.set.add("tiers")


_PRICE_LIST = re.compile(r"\s*(?:,|and|&|or|/)\s*(?:[$€£¥]\s?)?\d")


def _dedupe_spans(reading: _Reading, hit: _Hit) -> list[_Span]:
    """The hit's items, first of each name (matching `_dedupe` of their surfaces)."""
    seen: set[str] = set()
    out = []
    for s in hit.items:
        key = reading.p.surface(s).lower()
        if key and key not in seen:
            seen.add(key)
            out.append(s)
    return out


def _resize_tiers(tiers: list[Tier], n: int) -> list[Tier]:
    out = [_clone(t) for t in tiers[:n]]
    used = {t.name.lower() for t in out}
    top = max((t.price_monthly for t in out), default=0.0)
    extras = iter(EXTRA_TIERS)
    while len(out) < n:
        tier_name, description = next(extras, (f"Tier {len(out) + 1}", "A plan of its own."))
        if tier_name.lower() in used:
            continue
        used.add(tier_name.lower())
        previous = out[-1].name if out else "Starter"
        top = top * 2 if top else 9
        out.append(
            Tier(
                name=tier_name,
                price_monthly=top,
                price_yearly=round(top * 0.8),
                description=description,
                features=[f"Everything in {previous}", "Higher usage limits", "Priority support"],
                cta="Get started",
            )
        )
    if n >= 2 and not any(t.highlighted for t in out):
        out[1 if n > 2 else n - 1].highlighted = True
    if n == 1:
        out[0].highlighted = False
    return out


def _apply_pricing(reading: _Reading) -> None:
    p = reading.p
    for draft in reading.drafts:
        if not draft.supports("tiers") or not draft.section.tiers:
            continue
        sec = draft.section
        # prices in the pricing part of the prompt, in order, for tiers without one
        region = _region(reading, draft)
        named = [(s.start, s.end) for h in reading.hits if h.slot == "tiers" for s in h.items]
        prices = [
            _money(m)
            for m in _MONEY.finditer(p.text)
            if any(s <= m.start() < e for s, e in region)
            and not any(s <= m.start() < e for s, e in named)
        ]
        free = [i for i in range(len(sec.tiers)) if f"price:{i}" not in draft.set]
        if len(prices) < len(free):  # "Free, Pro and Team at $12 and $29": skip the free one
            paid = [i for i in free if not re.match(r"free\b", sec.tiers[i].name, re.I)]
            free = paid if len(paid) >= len(prices) else free
        for index, (value, yearly) in zip(free, prices, strict=False):
            tier = sec.tiers[index]
            monthly = value / 12 if yearly else value
            tier.price_monthly = round(monthly, 2)
            tier.price_yearly = round(monthly * 0.8, 2) if monthly else 0
        # highlighted tier
        for m in re.finditer(
            r"highlight(?:s|ed|ing)?|most\s+popular|recommended|featured|emphasi[sz]e[sd]?"
            r"|popular|best\s+value|stand(?:s)?\s+out",
            p.low,
        ):
            near = _nearest_tier(p, sec.tiers, m.start(), m.end())
            if near is not None:
                for i, tier in enumerate(sec.tiers):
                    tier.highlighted = i == near
                break
        # the billing switch
        text = p.low
        if re.search(
            r"(?:no|without)\s+(?:a\s+|the\s+)?(?:billing\s+|monthly\s*/\s*yearly\s+)?"
            r"(?:toggle|switch)|monthly\s+only|one[\s-]time",
            text,
        ):
            sec.billing_toggle = False
        elif re.search(
            r"monthly\s*(?:/|and|or|&|vs\.?|-|to)\s*(?:yearly|annual(?:ly)?)|(?:yearly|annual"
            r"(?:ly)?)\s*(?:/|and|or|&|vs\.?|-|to)\s*monthly|billing\s+(?:toggle|switch|period)"
            r"|annual\s+(?:billing|pricing|discount)|(?:toggle|switch)\s+(?:between|for)\s+"
            r"(?:monthly|billing|annual|yearly)|yearly\s+(?:billing|discount|toggle|switch)",
            text,
        ):
            sec.billing_toggle = True


def _nearest_tier(p: _Prompt, tiers: list[Tier], start: int, end: int) -> int | None:
    best: tuple[int, int] | None = None
    for index, tier in enumerate(tiers):
        for m in re.finditer(rf"(?<!\w){re.escape(tier.name.lower())}(?!\w)", p.low):
            distance = start - m.end() if m.end() <= start else m.start() - end
            if 0 <= distance <= 30 and (best is None or distance < best[0]):
                best = (distance, index)
    return best[1] if best else None


def _lead_in(p: _Prompt, at: int) -> str:
    """The words of the noun phrase before `at` ("a delete confirmation " before "modal")."""
    window = p.low[max(0, at - 40) : at]
    cuts = [m.end() for m in re.finditer(r"[,;:.]|\b(?:and|with|then|or)\b", window)]
    return window[cuts[-1] :] if cuts else window


def _region(reading: _Reading, draft: _Draft) -> list[tuple[int, int]]:
    """Spans of the prompt owned by `draft` (from each of its block words to the next one)."""
    anchors = reading.comp.anchors
    if not anchors:
        return [(0, len(reading.p.text))]
    spans = []
    for i, (at, block) in enumerate(anchors):
        if block == draft.id:
            start = 0 if i == 0 else at
            end = anchors[i + 1][0] if i + 1 < len(anchors) else len(reading.p.text)
            spans.append((start, end))
    return spans


# ---- buttons ----

_ACTION_NOUN = r"(?:buttons?|btns?|ctas?|call[\s-]to[\s-]actions?)"
_ADJECTIVES = frozenset(
    (
        "primary", "secondary", "main", "big", "large", "small", "huge", "prominent", "bold",
        "rounded", "ghost", "outline", "outlined", "solid", "filled", "gradient", "full-width",
        "wide", "single", "second", "first", "another", "extra", "call-to-action", "cta", "action",
    )
)  # fmt: skip
_SIGN_IN = {"sign in", "log in", "login", "signin", "log on"}
_SIGN_UP = {"sign up", "signup", "register", "create account", "join", "get started"}


def _action_labels(p: _Prompt) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    used: list[tuple[int, int]] = []

    def add(pos: int, span: _Span) -> None:
        if any(s <= span.start < e for s, e in used):
            return
        label = p.surface(span)
        words = label.split()
        while words and (words[0].lower() in _ADJECTIVES or words[0].lower() in COLOURS):
            words.pop(0)
        while words and (words[-1].lower() in _ADJECTIVES):
            words.pop()
        label = _sentence(" ".join(words)) if not span.quoted else label
        if not label or label.lower() in {"a", "the"}:
            return
        if _count_word(label.split()[0]) is not None and not span.quoted:
            return
        used.append((span.start, span.end))
        found.append((pos, _clip(label, 60)))
        if span.quoted:
            p.consume(span)
        else:  # only the label: "a blue Get started button" keeps "blue" for the accent
            at = p.low.find(label.lower(), span.start, span.end)
            p.consume(_Span(at, at + len(label)) if at >= 0 else span)

    for m in re.finditer(rf"(?<!\w){_ACTION_NOUN}(?!\w)", p.low):
        start, end = m.start(), m.end()
        # after: "button labelled 'Save'", "buttons: Save and Cancel"
        after = re.match(
            r"\s*(?:labell?ed|saying|that\s+says|which\s+says|reading|that\s+reads|with\s+(?:the\s+)?"
            r"(?:text|label)|called|named|titled|[:=])\s*|\s+(?=['\"`])",
            p.low[end:],
        )
        if after is not None:
            items = _parse_list(p, end + after.end(), max_words=6).items
            for span in items:
                add(start, span)
            if items:
                continue
        # before: quoted labels, "'Save' and 'Cancel' buttons"
        j = start
        quoted: list[_Span] = []
        while True:
            k = j
            while k > 0 and p.text[k - 1] in " ":
                k -= 1
            q = next((q for q in p.quoted if q.end + 1 == k), None)
            if q is None:
                gap = re.search(r"(?:,|\band|\bor|&)\s*$", p.low[max(0, k - 6) : k])
                if gap is not None and quoted:
                    j = k - len(gap.group())
                    continue
                break
            quoted.insert(0, q)
            j = q.start - 1
        if quoted:
            for span in quoted:
                add(start, span)
            continue
        # before, unquoted: "a sign in button", "Save and Cancel buttons" (not "a newsletter
        # CTA", which is a block)
        if not re.match(r"buttons?|btns?", p.low[start:end]):
            continue
        plural = p.low[start:end].endswith("s")
        for span in _words_before(p, start, plural):
            if p.masked(span.start, span.end) and not plural:
                continue
            add(start, span)
    for m in re.finditer(r"\b(?:links?)\b", p.low):
        # "a forgot password link" on a form, "a 'Learn more' link": a secondary action
        k = len(p.text[: m.start()].rstrip())
        quote = next((q for q in p.quoted if q.end + 1 == k and p.free(q)), None)
        if quote is not None and p.low[m.start() : m.end()] == "link":
            p.consume(quote)
            found.append((-m.start() - 1, _clip(p.surface(quote), 60)))
            continue
        if p.low[m.start() : m.end()] != "link":
            continue
        spans = [
            span
            for span in _words_before(p, m.start(), plural=False)
            if not p.masked(span.start, span.end)
            and not set(p.low[span.start : span.end].split()) <= _ADJECTIVES | STOPWORDS
        ]
        target = re.match(
            r"\s+to\s+(?:the\s+|our\s+|your\s+)?([\w'-]+(?:\s+[\w'-]+)?)", p.low[m.end() :]
        )
        if not spans and target:  # "a link to the docs"
            words = target.group(1).split()
            if words[-1] in STOPWORDS | ARTICLES:
                words = words[:1]
            start = m.end() + target.start(1)
            spans = [_Span(start, start + len(" ".join(words)))]
        for span in spans:
            found.append((-m.start() - 1, _clip(p.surface(span), 60)))
    return found


_ACTION_BOUNDARY = frozenset(
    (
        "a", "an", "the", "with", "plus", "has", "have", "having", "including", "its", "their",
        "for", "to", "of", "into",
    )
)  # fmt: skip


def _words_before(p: _Prompt, start: int, plural: bool) -> list[_Span]:
    """The label words right before a button noun, back to a boundary ("with a", ",", "the");
    for "buttons", split on and/or: "Save and Cancel buttons" → Save, Cancel."""
    window_start = max(0, start - 100)
    tokens = list(re.finditer(r"\S+", p.text[window_start:start]))
    kept: list[re.Match[str]] = []
    for t in reversed(tokens):
        word = t.group()
        low = word.lower()
        if low in _ACTION_BOUNDARY or word[-1:] in ",.;:!" or _count_word(low) is not None:
            break
        if not plural and low in {"and", "or", "&"}:
            break
        kept.insert(0, t)
        if len(kept) >= (9 if plural else 4):
            break
    if not kept:
        return []
    begin, finish = window_start + kept[0].start(), window_start + kept[-1].end()
    spans: list[_Span] = []
    parts = re.split(r"(\s+(?:and|or|&)\s+|\s*/\s*)", p.text[begin:finish]) if plural else [
        p.text[begin:finish]
    ]  # fmt: skip
    at = begin
    for part in parts:
        separator = re.fullmatch(r"\s+(?:and|or|&)\s+|\s*/\s*", part)
        if part.strip() and not separator and part.lower() not in STOPWORDS:
            spans.append(_Span(at, at + len(part)))
        at += len(part)
    return spans


def _apply_actions(reading: _Reading) -> None:
    for pos, label in reading.actions:
        if pos < 0:  # a link, at -pos - 1
            _add_link(reading.owner(-pos - 1), label)
            continue
        owner = reading.owner(pos)
        if owner.supports("tiers") and owner.section.tiers:
            tier = next((t for t in owner.section.tiers if t.highlighted), owner.section.tiers[0])
            tier.cta = label
            continue
        target = owner if owner.supports("actions") else reading.route(pos, "actions")
        if target is None:
            continue
        _add_action(target, label)


def _add_link(owner: _Draft, label: str) -> None:
    """A link the user named: the action that already means it ("a forgot password link" on a
    login form), a link of a block with links ("a navbar with a 'Docs' link"), or else the
    block's secondary action ("a hero with a 'Learn more' link")."""
    sec = owner.section
    if _rename_action(sec, label):
        return
    if owner.supports("links") and owner.kind() != "nav":
        if label.lower() not in {link.label.lower() for link in sec.links}:
            sec.links = [*sec.links, Link(label=label, href=_href(label))][:20]
    elif owner.supports("actions") and "secondary" not in owner.set:
        sec.secondary_action = label
        owner.set.add("secondary")


def _rename_action(sec: Section, label: str) -> bool:
    """Give the user's wording to the action that already means `label`, if there is one."""
    kind = _norm_action(label)
    for attr in ("primary_action", "secondary_action"):
        current = getattr(sec, attr)
        if current and _norm_action(current) == kind:
            setattr(sec, attr, label)
            return True
    return False


def _norm_action(label: str) -> str:
    low = re.sub(r"[^a-z ]", "", label.lower()).strip()
    if low in _SIGN_IN:
        return "sign in"
    if low in _SIGN_UP:
        return "sign up"
    return low


def _add_action(draft: _Draft, label: str) -> None:
    sec = draft.section
    kind = _norm_action(label)
    if (
        "secondary" not in draft.set
        and sec.secondary_action
        and _norm_action(sec.secondary_action) == kind
    ):
        sec.secondary_action = label
        draft.set.add("secondary")
    elif "primary" not in draft.set:
        sec.primary_action = label
        draft.set.add("primary")
    elif "secondary" not in draft.set:
        sec.secondary_action = label
        draft.set.add("secondary")


# ---- headings, subheadings, body ----

_CLAUSE_END = re.compile(
    r"[,;!?]|\.(?=\s|$)|:|\s(?:with|and|that|which|where|plus|but|in|on|under|above|below"
    r"|followed|then|using|including|featuring|showing|(?:AND|WITH|THAT|IN))\s"
    r"|\sfor\s(?=[A-Z]|(?:a|an|the|my|our|your)\s)"  # "Built for teams" is a heading
)
# "and the title Build the future": read on the original text, the capital marks the start
_HEADING_CASED = re.compile(
    r"\b(?:[Tt]he|[Aa]n?)\s+(?:main\s+)?(?:heading|headline|title)\s+(?=[A-Z0-9])"
)
_HEADING_RE = re.compile(
    r"\b(?:titled|entitled|headlined|captioned|with\s+(?:the\s+)?(?:main\s+)?(?:heading|headline"
    r"|title|header|text)|(?:heading|headline|title|header)\s*(?:of|:|=|that\s+says|saying"
    r"|reading|which\s+reads|as|is)|(?:heading|headline|title)(?=\s*['\"`]))\s*:?\s*"
)
_HEADING_QUOTE_ONLY = re.compile(
    r"\b(?:that\s+says|which\s+says|saying|that\s+reads|reading|asking|says|reads|with\s+text)"
    r"\s*:?\s*(?=['\"`])"
)
_SUB_RE = re.compile(
    r"\b(?:sub[\s-]?heading|sub[\s-]?title|sub[\s-]?headline|tagline|slogan|lead\s+text"
    r"|supporting\s+text|caption)\s*(?:of|:|=|that\s+says|saying|reading|as|is)?\s*"
)
_SUB_QUOTE_ONLY = re.compile(r"\b(?:description|intro|strapline)\s*(?:of|:|=|is)?\s*(?=['\"`:])")
_BODY_RE = re.compile(
    r"\b(?:body(?:\s+text)?|message|text|content|copy|bio|paragraph|description)\s*(?:of|:|=|"
    r"that\s+says|saying|reading|is)?\s*(?=['\"`])"
)


def _clause(p: _Prompt, start: int, *, quote_only: bool = False) -> _Span | None:
    while start < len(p.text) and p.text[start] == " ":
        start += 1
    quote = p.quote_at(start)
    if quote is not None:
        return quote
    if quote_only or start >= len(p.text):
        return None
    m = _CLAUSE_END.search(p.text, start)
    end = m.start() if m else len(p.text)
    raw = p.text[start:end].strip()
    words = raw.split()
    if not words or words[0].lower() in STOPWORDS | ARTICLES:
        return None
    if len(words) > 12:
        raw = " ".join(words[:12])
    return _Span(start, start + len(raw))


def _apply_texts(reading: _Reading) -> None:
    p = reading.p

    def take(m: re.Match[str], slot: str, quote_only: bool = False) -> None:
        if p.masked(m.start(), m.end()):
            return
        span = _clause(p, m.end(), quote_only=quote_only)
        if span is None or not p.free(span):
            return
        owner = reading.owner(m.start())
        target = owner if owner.supports(slot) else reading.route(m.start(), slot)
        if target is None or slot in target.set:
            return
        text = p.surface(span)
        if not text:
            return
        limit = {"heading": 200, "subheading": 600, "body": 4000}[slot]
        setattr(target.section, slot, _clip(text, limit))
        target.set.add(slot)
        p.consume(span)

    for m in _SUB_RE.finditer(p.low):
        take(m, "subheading")
    for m in _SUB_QUOTE_ONLY.finditer(p.low):
        take(m, "subheading", quote_only=True)
    for m in _HEADING_RE.finditer(p.low):
        take(m, "heading")
    if p.has_case:
        for m in _HEADING_CASED.finditer(p.text):
            take(m, "heading")
    for m in _BODY_RE.finditer(p.low):
        if reading.owner(m.start()).supports("body"):
            take(m, "body", quote_only=True)
    for m in _HEADING_QUOTE_ONLY.finditer(p.low):
        take(m, "heading", quote_only=True)


def _apply_leftover_quotes(reading: _Reading) -> None:
    p = reading.p
    for q in p.quoted:
        if not p.free(q):
            continue
        owner = reading.owner(q.start)
        text = p.surface(q)
        for slot in ("heading", "subheading", "body", "brand"):
            if owner.supports(slot) and slot not in owner.set:
                limit = {"heading": 200, "subheading": 600, "body": 4000, "brand": 60}[slot]
                setattr(owner.section, slot, _clip(text, limit))
                owner.set.add(slot)
                p.consume(q)
                break


# ---- brand and people ----

_BRAND_STOP = frozenset(
    (
        "i", "me", "my", "our", "your", "saas", "b2b", "b2c", "ai", "api", "react", "vue", "svelte",
        "angular", "tailwind", "html", "css", "next", "nextjs", "ios", "android", "mac", "windows",
        "web", "app", "apps", "startups", "startup", "developers", "devs", "teams", "team",
        "business", "businesses", "ecommerce", "e-commerce", "mobile", "desktop", "users", "admins",
        "customers", "everyone", "free", "pro", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june",
        "july", "august", "september", "october", "november", "december", "it", "this", "that", "a",
        "an", "the", "both", "all", "each", "every", "light", "dark", "typescript", "javascript",
    )
)  # fmt: skip


_LOWER_NAME = re.compile(
    r"([\w&'.-]+(?:\s+(?!(?:" + "|".join(sorted(STOPWORDS | ARTICLES)) + r")\b)[\w&'.-]+)?)"
)


def _brand_span(p: _Prompt) -> tuple[int, _Span] | None:
    business = re.search(
        r"\b(?:bakery|company|startup|app|shop|store|brand|agency|studio|restaurant|caf[eé]"
        r"|product|site|website|business|project|platform|tool|service|clinic|gym|school|firm"
        r"|saas|podcast|band|hotel|salon|organi[sz]ation|charity|newsletter|community)\s+"
        r"(?:(?:called|named)\s+)?(?=[\"'`])",
        p.low,
    )
    if business is not None:
        quote = p.quote_at(business.end())
        if quote is not None and p.free(quote):
            return business.start(), quote
    patterns = (
        r"\b(?:called|named|brand(?:ed)?(?:\s+name)?(?:\s+is)?|company\s+name(?:\s+is)?"
        r"|product\s+name(?:\s+is)?|logo(?:\s+(?:text|reading|saying|called|named))?)\s*:?\s+",
        r"\bfor\s+(?!a\b|an\b|the\b|my\b|our\b|your\b|their\b)",
        r"\bby\s+(?!a\b|an\b|the\b)",
    )
    for index, pattern in enumerate(patterns):
        for m in re.finditer(pattern, p.low):
            if p.masked(m.start(), m.end()):
                continue
            before = p.low[max(0, m.start() - 20) : m.start()]
            if index == 0 and re.search(
                r"\b(?:tabs?|tiers?|plans?|columns?|links?|fields?|items?|questions?|features?"
                r"|tasks?|buttons?|sections?)\s*$",
                before,
            ):
                continue
            start = m.end()
            quote = p.quote_at(start)
            if quote is not None:
                if p.free(quote):
                    return m.start(), quote
                continue
            if index > 0 and not p.has_case:
                continue
            run = re.match(
                r"((?:[A-Z0-9][\w&'.-]*|&)(?:\s+(?:[A-Z0-9][\w&'.-]*|&))*)", p.text[start:]
            )
            if run is None and index == 0 and not p.has_case:
                # no case to go by: one or two words, up to a small word ("acme with ...")
                run = _LOWER_NAME.match(p.low, start)
            if run is None:
                continue
            raw = run.group(1).rstrip(".'")
            words = raw.split()
            while words and (words[-1].lower() in _BRAND_STOP or words[-1] == "&"):
                words.pop()
            if not words or words[0].lower() in _BRAND_STOP | STOPWORDS:
                continue
            if len(words) > 4 or any(c.isdigit() for c in words[0][:1]):
                continue
            raw = " ".join(words)
            span = _Span(start, start + len(raw))
            if p.masked(span.start, span.end):
                continue
            return m.start(), span
    owned = re.search(r"(?<!\w)([A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)?)'s\s+(?:\w+\s+){0,2}?\w", p.text)
    if owned is not None and p.has_case and owned.group(1).lower() not in _BRAND_STOP:
        return owned.start(), _Span(owned.start(1), owned.end(1))  # "Acme's landing page"
    return None


BRAND_HEADINGS = {
    "login": "Sign in to {brand}", "signup": "Create your {brand} account",
    "contact": "Contact {brand}", "pricing": "{brand} pricing", "faq": "{brand} FAQ",
    "testimonials": "What people say about {brand}", "blog": "The {brand} blog",
    "features": "Why teams choose {brand}", "cta": "Get started with {brand}",
    "settings": "{brand} settings",
}  # fmt: skip


def _apply_brand(reading: _Reading) -> None:
    p = reading.p
    found = _brand_span(p)
    if found is None:
        return
    pos, span = found
    owner = reading.owner(pos)
    if owner.id == "profile" and not span.quoted:
        if "heading" not in owner.set:
            owner.section.heading = _clip(p.surface(span), 200)
            owner.set.add("heading")
            p.add_mask(span.start, span.end)
        return
    brand = _clip(p.surface(span), 60)
    p.consume(span)
    placed = False
    for d in reading.drafts:
        if d.supports("brand"):
            d.section.brand = brand
            d.set.add("brand")
            placed = True
    if placed:
        return
    for d in reading.drafts:
        template = BRAND_HEADINGS.get(d.id)
        if template and "heading" not in d.set:
            d.section.heading = _clip(template.format(brand=brand), 200)
            d.set.add("heading")
            return
    for d in reading.drafts:
        if d.supports("subheading") and "subheading" not in d.set:
            sub = d.section.subheading
            d.section.subheading = _clip(f"{brand} — {sub}" if sub else brand, 600)
            d.set.add("subheading")
            return
        if d.supports("heading") and "heading" not in d.set:
            d.section.heading = _clip(f"{brand}: {d.section.heading}".rstrip(": "), 200)
            d.set.add("heading")
            return


# ", a UX researcher", ", senior engineer at Stripe", " who is a designer"
_ROLE = re.compile(
    r"\s*(?:,\s*|\s+(?:who\s+is|is|works\s+as|as)\s+)"
    r"(?:(?:a|an|the|our)\s+([^,.;!?]{1,60}?)|([a-z][^,.;!?]{1,60}?))"
    r"(?=\s*(?:[,.;!?]|\swith\b|\swho\b|$))"
)


def _apply_person(reading: _Reading) -> None:
    """Profile cards: "profile card for Jane Cooper, a product designer at Acme"."""
    p = reading.p
    for d in reading.drafts:
        if d.id != "profile":
            continue
        region = _region(reading, d)
        m = None
        for start, end in region:
            m = re.compile(
                r"\b(?:for|of|named|called)\s+((?:[A-Z][\w'.-]*)(?:\s+[A-Z][\w'.-]*){0,3})"
            ).search(p.text, start, end)
            if m:
                break
        handle = None
        for start, end in region:
            handle = re.compile(r"(?<!\w)@[A-Za-z0-9_.]{2,40}").search(p.text, start, end)
            if handle:
                break
        if handle is not None and "heading" not in d.set:
            d.section.heading = handle.group().rstrip(".")  # "profile for @janedoe"
            d.set.add("heading")
            p.add_mask(handle.start(), handle.end())
            continue
        if m is None or not p.has_case or m.group(1).lower() in _BRAND_STOP:
            continue
        d.section.heading = _clip(m.group(1), 200)
        d.set.add("heading")
        p.add_mask(m.start(1), m.end(1))
        role = _ROLE.match(p.text, m.end(1))
        if role is not None:
            group = 1 if role.group(1) else 2
            d.section.subheading = _clip(_sentence(role.group(group)), 600)
            d.set.add("subheading")
            p.add_mask(role.start(group), role.end(group))


def _apply_subjects(reading: _Reading) -> None:
    """ "table of users" → heading "Users"; "todo list for groceries" → "Groceries"."""
    p = reading.p
    for m in re.finditer(
        r"\b(?:table|list|grid|gallery|directory|overview)\s+(?:of|for|listing|showing)\s+(?:(?:all|the|my|our"
        r"|your|recent|latest)\s+)*([a-z][\w-]*(?:\s+[a-z][\w-]*)?)",
        p.low,
    ):
        subject = m.group(1)
        words = subject.split()
        words = [w for w in words if w not in STOPWORDS]
        if not words or p.masked(m.start(1), m.end(1)):
            continue
        if len(words) > 1 and words[1] in STOPWORDS | {"with"}:
            words = words[:1]
        if words[0] in ARTICLES or _count_word(words[0]) is not None:
            continue
        owner = reading.owner(m.start())
        if owner.supports("heading") and "heading" not in owner.set and owner.id in {
            "table", "cards", "todo", "blog",
        }:  # fmt: skip
            recent = re.search(r"\b(recent|latest)\s+$", p.low[m.start(1) - 8 : m.start(1)])
            label = " ".join(words)
            label = f"{recent.group(1)} {label}" if recent else label
            owner.section.heading = _clip(_sentence(label), 200)
            owner.set.add("heading")


# ---- finishing ----


def _finish(d: _Draft) -> None:
    sec = d.section
    if sec.columns and sec.rows and any(len(r) != len(sec.columns) for r in sec.rows):
        sec.rows = _rows_for(sec.columns, len(sec.rows), keep=sec.rows)
    if sec.tiers and len(sec.tiers) >= 2 and sum(t.highlighted for t in sec.tiers) > 1:
        first = next(i for i, t in enumerate(sec.tiers) if t.highlighted)
        for i, t in enumerate(sec.tiers):
            t.highlighted = i == first


# --------------------------------------------------------------------------------------------
# Name, look, notes
# --------------------------------------------------------------------------------------------

_LEAD = re.compile(
    r"^(?:(?:please|pls|hey|hi|ok|okay)[,!]?\s+)*(?:(?:can|could|would)\s+you\s+)?"
    r"(?:(?:create|make|build|generate|design|give\s+me|write|add|show\s+me|render|code"
    r"|produce|i\s+want|i\s+need|i'd\s+like|i\s+would\s+like|we\s+need|need|want)\s+"
    r"(?:me\s+|us\s+)?(?:to\s+(?:have|see|build|create)\s+)?)?"
)
_NAME_SKIP = frozenset(
    (
        "a", "an", "the", "some", "my", "our", "your", "simple", "modern", "clean", "minimal",
        "minimalist", "responsive", "beautiful", "nice", "sleek", "basic", "small", "large", "big",
        "fancy", "elegant", "professional", "accessible", "light", "colourful", "colorful", "new",
        "cool", "stylish", "polished", "full", "fully", "complete", "mobile", "mobile-friendly",
        "tailwind", "react", "html", "tsx", "jsx", "typescript", "pretty", "gorgeous", "stunning",
        "awesome", "great", "good", "lovely", "quick", "elegant", "bold", "playful", "friendly",
        "sleek", "compact", "dark-mode", "dark", "themed", "premium", "fresh", "white",
        "animated", "interactive", "sticky", "fixed", "transparent", "gradient", "centered",
        "centred", "floating", "rounded", "flat", "glassmorphism", "neumorphic", "retro",
        "futuristic", "minimalistic", "lightweight", "reusable", "custom", "nice-looking",
    )
)  # fmt: skip
_NAME_CUT = frozenset(
    (
        "with", "for", "that", "which", "where", "showing", "containing", "including", "featuring",
        "having", "listing", "to", "in", "on", "using", "and", "plus", "or", "but", "so", "where",
        "who", "like", "such", "as", "about", "from", "at", "by", "titled", "entitled", "called",
        "named", "saying", "says", "reading", "asking", "headlined", "labelled", "labeled", "whose",
        "has", "have", "should", "must", "can", "will", "without", "no", "except", "then",
        "comparing", "vs", "versus",
    )
)  # fmt: skip
UI_NOUNS = frozenset(
    (
        "section", "form", "page", "card", "cards", "table", "list", "bar", "navbar", "grid",
        "hero", "footer", "header", "dashboard", "modal", "dialog", "sidebar", "layout", "panel",
        "widget", "component", "screen", "view", "menu", "banner", "accordion", "tabs", "block",
        "faq", "pricing", "gallery", "carousel", "slider", "testimonials", "features", "stats",
        "blog", "profile", "settings", "login", "signup", "todo", "cta", "toolbar", "drawer",
        "popup", "overlay", "shell", "app", "window", "nav", "navigation", "checklist", "timeline",
        "feed", "stepper", "wizard", "tracker", "calendar", "board", "inbox",
    )
)  # fmt: skip
_PAGE_HEADS = frozenset(
    (
        "dashboard", "layout", "shell", "app", "homepage", "website", "portal", "page", "site",
        "screen", "view",
    )
)  # fmt: skip
_GENERIC_HEADS = frozenset(
    (
        "page", "section", "component", "layout", "screen", "view", "ui", "form", "block", "widget",
        "app", "site", "thing",
    )
)  # fmt: skip
# One-word heads kept as the name ("dashboard for a SaaS" → Dashboard); other one-word heads
# ("pricing", "faq", "form") take the block's component name.
_KEEP_SINGLE = frozenset(
    (
        "dashboard", "navbar", "footer", "sidebar", "modal", "dialog", "popup", "drawer", "header",
        "accordion", "carousel", "gallery", "checklist", "timeline", "testimonials",
    )
)  # fmt: skip


def _derive_name(p: _Prompt, comp: _Composition, catalog: Mapping[str, Block]) -> str:
    head = _head_words(p)
    if head:
        words = head
        single = words[0].lower() if len(words) == 1 else None
        if single is not None and single not in _KEEP_SINGLE and len(comp.sections) == 1:
            # "pricing with 4 tiers" → PricingSection, "faq" → FaqSection, "form" → ContactForm
            return catalog[comp.sections[0]].component_name
        page_head = words[-1].lower() in _PAGE_HEADS
        if (single is not None and single in _GENERIC_HEADS) or (
            len(comp.sections) > 1 and not page_head
        ):
            # "a page with cards and a footer", "a contact form and a modal": from its blocks
            words = []
        name = _pascal(words) if words else ""
        if name and COMPONENT_NAME.match(name):
            return name
    if len(comp.sections) == 1:
        return catalog[comp.sections[0]].component_name
    if comp.landing or {"navbar", "hero"} & set(comp.sections):
        return "LandingPage"
    # "a login form and a footer" → LoginPage
    first = catalog[comp.sections[0]].component_name
    first = re.sub(r"(?:Form|Section|Grid|List|Card|Shell|Layout)$", "", first) or first
    return first if first.endswith("Page") else f"{first}Page"[:64]


def _head_words(p: _Prompt) -> list[str]:
    """The noun phrase the prompt starts with, trimmed to its UI noun: "a responsive pricing
    section with ..." → [pricing, section]; "table of users" → [user, table]."""
    source = (p.low if p.shouting else p.text).strip(" '\"`")
    low = source.lower()
    lead = _LEAD.match(low)
    offset = lead.end() if lead else 0
    tokens = [(m.group(), m.start() + offset) for m in re.finditer(r"[\w][\w&-]*|[^\w\s]",
                                                                    source[offset:])]  # fmt: skip
    words: list[str] = []
    of_subject: str | None = None
    i = 0
    while i < len(tokens):
        word, _ = tokens[i]
        lw = word.lower()
        count = _count_word(lw)
        colour = lw in COLOURS and not re.match(r"\s*friday", low[tokens[i][1] + len(word) :])
        adjective = lw in _NAME_SKIP or colour or (count is not None and count < 100)
        adjective = adjective or bool(re.fullmatch(r"\d+-\w+", lw))  # "2-column"
        if i and not words and lw in {"column", "columns", "col", "step", "steps", "row", "rows"}:
            adjective = True  # "three column feature grid"
        if not words and (adjective or (i and lw in {"and", "&", ","})):  # "a blue and white"
            i += 1
            continue
        if lw == "of" and words and words[-1].lower() in UI_NOUNS and i + 1 < len(tokens):
            nxt = [t for t, _ in tokens[i + 1 : i + 4] if t.lower() not in _NAME_SKIP]
            if nxt and re.match(r"\w", nxt[0]) and nxt[0].lower() not in STOPWORDS:
                of_subject = nxt[0]
            break
        if lw in _NAME_CUT or not re.match(r"\w", word):
            break
        if lw in {"mode", "theme"} and words and words[-1].lower() in {"dark", "light"}:
            words.pop()
            i += 1
            continue
        words.append(word)
        i += 1
        if len(words) > 8:
            break
    words = [
        w
        for k, w in enumerate(words)
        if w.lower() not in _NAME_SKIP
        and (w.lower() not in COLOURS or words[k + 1 : k + 2] == ["Friday"])
    ]
    while words and words[-1].lower() not in UI_NOUNS and not _is_ui(words[-1]):
        words.pop()
    if not words:
        return []
    words = words[-3:]
    if of_subject is not None:
        subject = of_subject
        if subject.lower().endswith("ies"):
            subject = subject[:-3] + "y"
        elif subject.lower().endswith("s") and not subject.lower().endswith("ss"):
            subject = subject[:-1]
        words = [subject, *words[-2:]]
    return words


def _is_ui(word: str) -> bool:
    low = word.lower()
    return any(low == kw or low == kw + "s" for kws in SYNONYMS.values() for kw in kws)


def _pascal(words: list[str]) -> str:
    parts: list[str] = []
    for word in words:
        for piece in re.split(r"[^0-9A-Za-z]+", _ascii(word.replace("to-do", "todo"))):
            if not piece:
                continue
            if piece.isupper() and len(piece) <= 4 and len(piece) > 1:
                parts.append(piece)  # FAQ, CTA, KPI
            elif any(c.isupper() for c in piece[1:]) and not piece.isupper():
                parts.append(piece[0].upper() + piece[1:])  # SaaS
            else:
                parts.append(piece.capitalize())
    name = "".join(parts)
    digits = re.match(r"^\d+", name)
    if digits:
        name = name[digits.end() :] + digits.group()
    return name[:64]


def _accent(p: _Prompt) -> Accent | None:
    for m in COLOUR_RE.finditer(p.low):
        if p.masked(m.start(), m.end()):
            continue
        if COLOUR_NOT_BEFORE.match(p.low, m.end()):
            continue
        return COLOURS[m.group(1)]
    return None


def _dark(p: _Prompt) -> Dark:
    low = "".join(" " if p.mask[i] else c for i, c in enumerate(p.low))
    if DARK_AUTO_RE.search(low):
        return "auto"
    if DARK_NEVER_RE.search(low):
        return "never"
    if DARK_ALWAYS_RE.search(low):
        return "always"
    return "auto"


def _summary(p: _Prompt) -> str:
    text = p.low if p.shouting else p.text
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return _clip(_sentence(sentence.strip()), 200)


A11Y_NOTES: dict[str, str] = {
    "navbar": "Navbar is a <nav> landmark; the mobile menu button has aria-expanded and "
    "aria-controls.",
    "hero": "Hero heading is the page's <h1>; decorative images are hidden from screen readers.",
    "footer": "Footer is a <footer> landmark; social links have accessible names.",
    "pricing": "Billing switch is a button with role=switch and aria-checked; each tier is a "
    "list item with its own heading.",
    "faq": "Each question is a button with aria-expanded controlling its answer panel.",
    "tabs": "Tabs follow the WAI-ARIA tabs pattern: role=tablist/tab/tabpanel, arrow keys move "
    "focus.",
    "modal": "Dialog has role=dialog, aria-modal and aria-labelledby; Escape closes it and focus "
    "returns to the trigger.",
    "table": "Table has a caption and <th scope> headers.",
    "sidebar": "Sidebar navigation is a <nav> landmark with aria-current on the active entry.",
    "dashboard": "Dashboard regions are landmarks with headings; stats are readable as text.",
    "todo": "Each task checkbox is labelled by the task text; the add input has a label.",
    "testimonials": "Quotes use <blockquote> and <figcaption> for the author.",
    "stats": "Figures are plain text, announced with their labels.",
    "profile": "Avatar has alt text naming the person.",
}
FORM_NOTE = "Every input has a visible <label>; required fields use the required attribute."


def _accessibility_notes(drafts: list[_Draft], dark: Dark) -> list[str]:
    notes = [
        "Interactive elements are reachable by keyboard with a visible focus ring.",
        "Text colours keep WCAG AA contrast in light and dark mode."
        if dark == "auto"
        else "Text colours keep WCAG AA contrast.",
    ]
    for d in drafts:
        if d.section.fields and FORM_NOTE not in notes:
            notes.append(FORM_NOTE)
        note = A11Y_NOTES.get(d.id)
        if note and note not in notes:
            notes.append(note)
    return notes


def _state_notes(drafts: list[_Draft]) -> list[str]:
    notes = []
    for d in drafts:
        if d.block.hooks:
            notes.append(f"{d.id}: local UI state with {', '.join(d.block.hooks)}")
    return notes


__all__ = ["MAX_PROMPT_CHARS", "plan_offline"]
