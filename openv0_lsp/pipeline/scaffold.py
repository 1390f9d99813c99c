"""Scaffold step: render a plan into base component code with jinja2 and the block catalog.

React templates receive plan strings only through `| tojson` (a JS value, never raw JSX text),
HTML templates are autoescaped, so nothing a user or a model writes into a plan can break the
generated code's syntax.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from openv0_lsp.pipeline.catalog import Block, TemplatesError, load_catalog, template_file
from openv0_lsp.pipeline.icons import ICON_NAMES, icon_path
from openv0_lsp.pipeline.plan import Plan, Section
from openv0_lsp.templates_dir import template_roots

EXTENSIONS = {"react": ".tsx", "html": ".html"}


@dataclass(frozen=True)
class RenderedBlock:
    fn: str  # the block's function (react) or fragment name
    section: Section
    code: str


@dataclass(frozen=True)
class Scaffold:
    code: str
    extension: str


class ScaffoldError(TemplatesError):
    """The plan names a block the catalog does not have, or a template failed to render."""


@cache
def template_environment(templates_path: Path | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(root)) for root in template_roots(templates_path)]
        ),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(icon_path=icon_path, icon_names=ICON_NAMES)
    env.filters["num"] = _number
    return env


def template_error_message(error: jinja2.TemplateError) -> str:
    """The error with the template file and line it comes from, for the user to fix."""
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return f"{error.filename}, line {error.lineno}: {error.message}"
    # jinja2 rewrites a render error's traceback so its last template frame is the culprit
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    if frames:
        return f"{frames[-1].filename}, line {frames[-1].lineno}: {error}"
    return str(error)


def _number(value: float) -> str:
    """A price or count as people write it: 19, not 19.0; 9.99 stays 9.99."""
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _block_functions(plan: Plan, component_names: dict[str, str]) -> list[str]:
    """One distinct function name per section; a lone section is the component itself."""
    if len(plan.sections) == 1 and plan.dark != "always":
        return [plan.name]
    taken = {plan.name}
    names = []
    for section in plan.sections:
        base = component_names[section.block]
        name, n = base, 2
        while name in taken:
            name, n = f"{base}{n}", n + 1
        taken.add(name)
        names.append(name)
    return names


def scaffold_component(
    plan: Plan, *, templates_path: Path | None = None, catalog: Mapping[str, Block] | None = None
) -> Scaffold:
    """The plan rendered; `catalog` is the one the plan was made with (read when not given)."""
    if catalog is None:
        catalog = load_catalog(templates_path)
    unknown = [s.block for s in plan.sections if s.block not in catalog]
    if unknown:
        raise ScaffoldError(
            f"unknown block(s) {', '.join(map(repr, unknown))}; the catalog has: "
            + ", ".join(sorted(catalog))
        )
    env = template_environment(templates_path)
    names = _block_functions(plan, {bid: b.component_name for bid, b in catalog.items()})
    try:
        blocks = [
            RenderedBlock(
                fn=fn,
                section=section,
                # html blocks come out escaped already: mark them safe for the html wrapper
                code=Markup(
                    env.get_template(
                        f"blocks/{section.block}/{template_file(plan.framework)}"
                    ).render(plan=plan, section=section, fn=fn, accent=plan.accent)
                ),
            )
            for fn, section in zip(names, plan.sections, strict=True)
        ]
        hooks = sorted({h for s in plan.sections for h in catalog[s.block].hooks})
        code = env.get_template(f"component/{template_file(plan.framework)}").render(
            plan=plan, blocks=blocks, hooks=hooks, wraps=names[0] != plan.name
        )
    except jinja2.TemplateError as exc:
        raise ScaffoldError(template_error_message(exc)) from exc
    return Scaffold(code=code, extension=EXTENSIONS[plan.framework])
