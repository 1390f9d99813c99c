"""Validation tells the user, and the model, what is wrong with a component before it is written.

Every test builds a real workspace in tmp_path: a package.json, a tsconfig.json with path
aliases, project files next to the component, and a node_modules with a small lucide-react.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

import pytest

from openv0_lsp.pipeline.validate import Finding, validate_component

LUCIDE_TYPINGS = """\
import * as react from 'react';
import { SVGProps } from 'react';

interface LucideProps extends Partial<SVGProps<SVGSVGElement>> {
    size?: string | number;
}
type LucideIcon = react.ForwardRefExoticComponent<LucideProps>;

declare const Check: react.ForwardRefExoticComponent<LucideProps>;
declare const Mail: react.ForwardRefExoticComponent<LucideProps>;
declare const Sparkles: react.ForwardRefExoticComponent<LucideProps>;
declare const ArrowRight: react.ForwardRefExoticComponent<LucideProps>;

export { ArrowRight, ArrowRight as ArrowRightIcon, Check, Check as CheckIcon,
  Check as LucideCheck, Mail, Mail as MailIcon, Sparkles, Sparkles as SparklesIcon };
export type { LucideIcon, LucideProps };
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A Next.js-like project: dependencies, an '@/' alias, a few files, lucide installed."""
    root = tmp_path / "app"
    package = {
        "name": "app",
        "dependencies": {
            "react": "^18.3.0",
            "react-dom": "^18.3.0",
            "lucide-react": "^0.460.0",
            "@radix-ui/react-dialog": "^1.1.0",
            "clsx": "^2.1.0",
        },
        "devDependencies": {"@testing-library/react": "^16.0.0"},
        "peerDependencies": {"zod": "^3.0.0"},
        "optionalDependencies": {"sharp": "^0.33.0"},
    }
    write(root / "package.json", json.dumps(package))
    write(
        root / "tsconfig.json",
        """{
  // paths as shadcn/ui sets them up; tsconfig allows comments and trailing commas
  "compilerOptions": {
    "jsx": "preserve",
    "paths": { "@/*": ["./src/*"], "~ui/*": ["./src/components/ui/*"], },
  },
}
""",
    )
    write(root / "src/components/ui/button.tsx", "export function Button() { return null; }\n")
    write(root / "src/lib/utils.ts", "export const cn = (...c: string[]) => c.join(' ');\n")
    write(root / "src/components/Card/index.tsx", "export default function Card() {}\n")
    write(root / "src/components/styles.css", ".x {}\n")
    write(root / "src/components/logo.svg", "<svg/>\n")
    write(root / "src/components/format.ts", "export const f = 1;\n")
    lucide = root / "node_modules/lucide-react"
    write(
        lucide / "package.json",
        json.dumps({"name": "lucide-react", "version": "0.460.0", "typings": "dist/lucide.d.ts"}),
    )
    write(lucide / "dist/lucide.d.ts", LUCIDE_TYPINGS)
    write(root / "node_modules/date-fns/package.json", json.dumps({"name": "date-fns"}))
    return root


def check(
    code: str,
    root: Path,
    path: str = "src/components/Pricing.tsx",
    framework: Literal["react", "html"] = "react",
) -> list[Finding]:
    return validate_component(
        code,
        framework=framework,
        file_path=root / path,
        workspace_root=root,
    )


def component(jsx: str = "<div />", imports: str = "") -> str:
    """A well-formed module around `jsx`: the return value of a default-exported component."""
    return f"{imports}\nexport default function Pricing() {{\n  return (\n    {jsx}\n  );\n}}\n"


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def only(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, findings
    return matching[0]


# --- a good component ----------------------------------------------------------------------


def test_a_well_formed_component_has_no_findings(workspace: Path):
    code = """\
import { useId, useState } from "react";
import { createPortal } from "react-dom";
import { Check, Mail as MailIcon } from "lucide-react";
import * as Dialog from "@radix-ui/react-dialog";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import Card from "./Card";
import "./styles.css";

export default function Pricing({ plans }: { plans: string[] }) {
  const id = useId();
  const [email, setEmail] = useState("");
  return (
    <section className={cn("p-8")}>
      <img src="/hero.png" alt="Three pricing tiers" />
      <label htmlFor={id}>Email</label>
      <input id={id} value={email} onChange={(e) => setEmail(e.target.value)} />
      {plans.map((plan) => (
        <Card key={plan}>
          <button type="button"><Check aria-hidden="true" /> Choose {plan}</button>
        </Card>
      ))}
      <button aria-label="Contact us"><MailIcon /></button>
      <Button>Go</Button>
    </section>
  );
}
"""
    assert check(code, workspace) == []


# --- syntax --------------------------------------------------------------------------------


def test_an_extra_closing_brace_is_reported_at_its_line_and_column(workspace: Path):
    code = "export default function Pricing() {\n  return <div>hi</div>;\n}}\n"
    finding = only(check(code, workspace), "syntax")
    assert (finding.line, finding.column, finding.end_line, finding.end_column) == (2, 1, 2, 2)
    assert finding.message == "syntax error: unexpected '}'"
    assert finding.severity == "error"


def test_a_missing_parenthesis_is_reported_where_it_belongs(workspace: Path):
    code = "export default function Pricing() {\n  return (<div>hi</div>;\n}\n"
    finding = only(check(code, workspace), "syntax")
    assert (finding.line, finding.column) == (1, 23)
    assert finding.message == "syntax error: missing ')'"


def test_an_unclosed_jsx_tag_is_named(workspace: Path):
    code = "export default function Pricing() {\n  return <div>\n    <p>x</p>\n  ;\n}\n"
    finding = only(check(code, workspace), "syntax")
    assert (finding.line, finding.column) == (1, 9)
    assert "<div> is never closed" in finding.message


def test_a_closing_tag_that_does_not_match_names_both_tags(workspace: Path):
    code = component("<section><span>hi</div></section>")
    finding = only(check(code, workspace), "syntax")
    assert finding.message == "syntax error: </div> closes <span> (line 4); expected </span>"
    assert (finding.line, finding.column, finding.end_column) == (3, 21, 27)


def test_an_unterminated_string_points_at_its_opening_quote(workspace: Path):
    code = 'export default function Pricing() {\n  return <div className="p-4>hi</div>;\n}\n'
    findings = check(code, workspace)
    finding = only(findings, "syntax")
    assert (finding.line, finding.column) == (1, 24)
    assert "string is never closed" in finding.message
    # the `export default` swallowed by the broken stretch still counts
    assert "missing-default-export" not in codes(findings)


def test_syntax_errors_are_capped_at_ten(workspace: Path):
    code = component() + "}\n" * 30
    assert codes(check(code, workspace)).count("syntax") == 10


def test_columns_count_utf16_code_units_as_lsp_does(workspace: Path):
    # the emoji is 4 bytes in UTF-8, 2 code units in UTF-16, 1 Python character
    code = 'export default function Pricing() {\n  const s = "😀"; )\n  return null;\n}\n'
    finding = only(check(code, workspace), "syntax")
    assert (finding.line, finding.column) == (1, 18)


def test_findings_come_sorted_by_position(workspace: Path):
    code = component('<div><img src="a.png" /><input /></div>', 'import x from "nope";')
    findings = check(code, workspace)
    assert codes(findings) == ["unknown-import", "img-alt", "input-label"]
    positions = [(f.line, f.column) for f in findings]
    assert positions == sorted(positions)


# --- default export ------------------------------------------------------------------------


def test_a_module_without_a_default_export_names_the_component_to_export(workspace: Path):
    code = "export function Pricing() {\n  return <div />;\n}\n"
    finding = only(check(code, workspace), "missing-default-export")
    assert "export default Pricing;" in finding.message
    assert (finding.line, finding.column, finding.end_column) == (0, 16, 23)


def test_a_module_with_nothing_to_export_is_reported_at_the_top(workspace: Path):
    finding = only(check("const x = 1;\n", workspace), "missing-default-export")
    assert (finding.line, finding.column) == (0, 0)
    assert "no default export" in finding.message


@pytest.mark.parametrize(
    "code",
    [
        "export default function Pricing() { return <div />; }",
        "function Pricing() { return <div />; }\nexport default Pricing;",
        "export default () => <div />;",
        "export default class Pricing extends React.Component { render() { return null; } }",
        "const Pricing = () => <div />;\nexport { Pricing as default };",
        "import { memo } from 'react';\nexport default memo(function Pricing() { return null; });",
    ],
    ids=["function", "identifier", "arrow", "class", "export-as-default", "memo"],
)
def test_every_form_of_default_export_counts(workspace: Path, code: str):
    assert "missing-default-export" not in codes(check(code, workspace))


# --- imports -------------------------------------------------------------------------------


def test_react_and_its_subpaths_are_always_allowed(workspace: Path):
    imports = (
        'import React from "react";\nimport { createRoot } from "react-dom/client";\n'
        'import { jsx } from "react/jsx-runtime";'
    )
    no_package_json = workspace / "bare"
    no_package_json.mkdir()
    assert check(component(imports=imports), no_package_json, "Pricing.tsx") == []


@pytest.mark.parametrize(
    "module",
    ["./Card", "./styles.css", "./logo.svg", "./format", "./format.js", "../components/Card"],
)
def test_relative_imports_resolve_to_files_next_to_the_component(workspace: Path, module: str):
    code = component(imports=f'import x from "{module}";')
    assert check(code, workspace) == []


def test_a_relative_import_of_a_missing_file_is_unknown(workspace: Path):
    code = component(imports='import Hero from "./Hero";')
    finding = only(check(code, workspace), "unknown-import")
    assert finding.message.startswith("import './Hero' does not resolve to a file")
    assert "src/components/Hero.tsx" in finding.message
    assert (finding.line, finding.column, finding.end_column) == (0, 17, 25)


def test_a_component_whose_folder_does_not_exist_yet_still_resolves_what_it_can(
    workspace: Path,
):
    code = component(
        imports=(
            'import { Check } from "lucide-react";\nimport { cn } from "@/lib/utils";\n'
            'import Card from "../../Card";\nimport Gone from "./Gone";'
        )
    )
    findings = check(code, workspace, "src/components/new/deeper/Pricing.tsx")
    assert not (workspace / "src/components/new").exists()
    assert [(f.code, f.message.split(" does")[0]) for f in findings] == [
        ("unknown-import", "import './Gone'")
    ]


def test_the_tsconfig_alias_resolves_into_src(workspace: Path):
    code = component(
        imports=(
            'import { Button } from "@/components/ui/button";\n'
            'import { Button as B } from "~ui/button";'
        )
    )
    assert check(code, workspace) == []


def test_an_alias_to_a_missing_file_names_the_alias_and_the_config(workspace: Path):
    code = component(imports='import { Badge } from "@/components/ui/badge";')
    finding = only(check(code, workspace), "unknown-import")
    assert finding.message.startswith(
        "import '@/components/ui/badge' matches '@/*' in tsconfig.json, but there is no "
        "src/components/ui/badge.tsx"
    )


def test_an_alias_no_config_defines_is_unknown(tmp_path: Path):
    write(tmp_path / "package.json", json.dumps({"dependencies": {"react": "18"}}))
    code = component(imports='import { cn } from "@/lib/utils";')
    finding = only(check(code, tmp_path), "unknown-import")
    assert "uses the alias '@/'" in finding.message
    assert "tsconfig.json" in finding.message


def test_aliases_in_a_referenced_vite_config_and_a_base_url_resolve(tmp_path: Path):
    write(tmp_path / "package.json", "{}")
    write(
        tmp_path / "tsconfig.json",
        '{"files": [], "references": [{"path": "./tsconfig.app.json"}]}',
    )
    write(tmp_path / "tsconfig.base.json", '{"compilerOptions": {"baseUrl": "src"}}')
    write(
        tmp_path / "tsconfig.app.json",
        '{"extends": "./tsconfig.base", "compilerOptions": {"paths": {"#ui/*": ["ui/*"]}}}',
    )
    write(tmp_path / "src/ui/Badge.tsx", "export default 1;\n")
    write(tmp_path / "src/hooks/useTheme.ts", "export default 1;\n")
    code = component(
        imports='import Badge from "#ui/Badge";\nimport useTheme from "hooks/useTheme";'
    )
    assert check(code, tmp_path, "src/App.tsx") == []


def test_a_jsconfig_works_like_a_tsconfig(tmp_path: Path):
    write(tmp_path / "jsconfig.json", '{"compilerOptions": {"paths": {"@/*": ["./*"]}}}')
    write(tmp_path / "lib/utils.js", "export const cn = 1;\n")
    code = component(imports='import { cn } from "@/lib/utils";')
    assert check(code, tmp_path, "components/Pricing.jsx") == []


@pytest.mark.parametrize(
    "module",
    [
        "clsx",
        "clsx/lite",
        "@radix-ui/react-dialog",
        "@radix-ui/react-dialog/dist/index.mjs",
        "@testing-library/react",
        "zod",
        "sharp",
        "date-fns/format",  # installed in node_modules, though not declared
    ],
)
def test_declared_or_installed_packages_and_their_subpaths_are_allowed(
    workspace: Path, module: str
):
    assert check(component(imports=f'import x from "{module}";'), workspace) == []


def test_a_package_that_is_not_a_dependency_is_unknown(workspace: Path):
    code = component(imports='import { motion } from "framer-motion";')
    finding = only(check(code, workspace), "unknown-import")
    assert finding.message.startswith("import 'framer-motion' is not a dependency in package.json")
    assert finding.severity == "error"


def test_a_scoped_package_subpath_names_the_package_it_needs(workspace: Path):
    code = component(imports='import { useQuery } from "@tanstack/react-query/build";')
    finding = only(check(code, workspace), "unknown-import")
    assert "needs the package '@tanstack/react-query'" in finding.message


def test_the_nearest_package_json_decides_in_a_monorepo(tmp_path: Path):
    write(tmp_path / "package.json", json.dumps({"devDependencies": {"turbo": "2"}}))
    write(tmp_path / "apps/web/package.json", json.dumps({"dependencies": {"zustand": "4"}}))
    write(tmp_path / "apps/docs/package.json", json.dumps({"dependencies": {}}))
    code = component(imports='import { create } from "zustand";')
    assert check(code, tmp_path, "apps/web/src/Store.tsx") == []
    finding = only(check(code, tmp_path, "apps/docs/src/Store.tsx"), "unknown-import")
    assert "apps/docs/package.json" in finding.message


def test_re_exports_and_dynamic_imports_are_checked_too(workspace: Path):
    code = component(
        imports=(
            'export { motion } from "framer-motion";\n'
            'const Chart = React.lazy(() => import("recharts"));\n'
            'const Card = React.lazy(() => import("./Card"));'
        )
    )
    findings = check(code, workspace)
    assert [f.message.split(" is ")[0] for f in findings] == [
        "import 'framer-motion'",
        "import 'recharts'",
    ]


def test_url_and_node_imports_are_unknown(workspace: Path):
    code = component(imports='import fs from "node:fs";\nimport x from "https://esm.sh/x";')
    assert codes(check(code, workspace)) == ["unknown-import", "unknown-import"]


# --- lucide icons --------------------------------------------------------------------------


def test_icons_the_installed_lucide_exports_are_allowed(workspace: Path):
    code = component(
        imports="import { Check, CheckIcon, LucideCheck, Mail as M, type LucideIcon } "
        'from "lucide-react";'
    )
    assert check(code, workspace) == []


def test_an_icon_lucide_does_not_export_is_reported_at_its_name(workspace: Path):
    code = component(imports='import { Check, Sparkle, Rocket } from "lucide-react";')
    findings = check(code, workspace)
    assert codes(findings) == ["unknown-icon", "unknown-icon"]
    sparkle, rocket = findings
    assert sparkle.message == (
        "icon 'Sparkle' is not exported by lucide-react 0.460.0 (did you mean 'Sparkles'?)"
    )
    assert (sparkle.line, sparkle.column, sparkle.end_column) == (0, 16, 23)
    assert rocket.message == "icon 'Rocket' is not exported by lucide-react 0.460.0"


def test_icons_are_not_checked_when_lucide_is_not_installed(tmp_path: Path):
    write(tmp_path / "package.json", json.dumps({"dependencies": {"lucide-react": "0.460.0"}}))
    code = component(imports='import { NoSuchIcon } from "lucide-react";')
    assert check(code, tmp_path) == []


def test_updating_lucide_is_noticed(workspace: Path):
    code = component(imports='import { Rocket } from "lucide-react";')
    assert codes(check(code, workspace)) == ["unknown-icon"]
    typings = workspace / "node_modules/lucide-react/dist/lucide.d.ts"
    typings.write_text(LUCIDE_TYPINGS + "declare const Rocket: any;\nexport { Rocket };\n")
    later = typings.stat().st_mtime_ns + 2_000_000_000
    os.utime(typings, ns=(later, later))
    assert check(code, workspace) == []


def test_typings_that_re_export_another_file_are_followed(tmp_path: Path):
    lucide = tmp_path / "node_modules/lucide-react"
    write(lucide / "package.json", json.dumps({"name": "lucide-react", "types": "index.d.ts"}))
    write(lucide / "index.d.ts", "export * from './icons';\nexport declare const Icon: any;\n")
    write(lucide / "icons/index.d.ts", "export declare const Star: any;\n")
    code = component(imports='import { Star, Icon, Moon } from "lucide-react";')
    findings = check(code, tmp_path)
    assert [f.message.split(" is ")[0] for f in findings] == ["icon 'Moon'"]


# --- accessibility: images -----------------------------------------------------------------


def test_an_image_without_alt_is_reported(workspace: Path):
    finding = only(check(component('<img src="/hero.png" />'), workspace), "img-alt")
    assert finding.message.startswith('<img src="/hero.png"> has no alt attribute')
    assert finding.severity == "warning"
    assert (finding.line, finding.column, finding.end_column) == (3, 4, 8)


@pytest.mark.parametrize(
    "jsx",
    [
        '<img src="/divider.png" alt="" />',
        "<img src={photo.url} alt={photo.caption} />",
        "<img {...imageProps} />",
        '<img src="/x.png" role="presentation" />',
    ],
    ids=["decorative-empty-alt", "computed-alt", "spread-props", "presentation"],
)
def test_images_with_alt_or_props_that_may_carry_it_pass(workspace: Path, jsx: str):
    assert check(component(jsx), workspace) == []


def test_a_component_named_like_a_tag_is_not_checked(workspace: Path):
    assert check(component('<Image src="/hero.png" />'), workspace) == []


# --- accessibility: form fields ------------------------------------------------------------


def test_an_input_without_a_label_is_reported(workspace: Path):
    code = component('<form><input type="email" name="email" /></form>')
    finding = only(check(code, workspace), "input-label")
    assert finding.message.startswith('<input type="email" name="email"> has no label')
    assert "<label htmlFor>" in finding.message


def test_select_and_textarea_need_labels_too(workspace: Path):
    code = component("<div><select><option>A</option></select><textarea /></div>")
    assert codes(check(code, workspace)) == ["input-label", "input-label"]


def test_an_input_wrapped_in_a_label_is_labelled(workspace: Path):
    code = component(
        '<label className="flex">\n      <input type="checkbox" /> Remember me\n    </label>'
    )
    assert check(code, workspace) == []


def test_a_label_pointing_at_the_input_id_labels_it(workspace: Path):
    code = component('<div><label htmlFor="email">Email</label><input id="email" /></div>')
    assert check(code, workspace) == []


def test_label_components_label_too(workspace: Path):
    code = component(
        '<div><Label htmlFor="email">Email</Label><input id="email" />\n'
        '    <FormLabel>Name <input name="name" /></FormLabel></div>',
        'import { Label, FormLabel } from "@/components/ui/button";',
    )
    assert check(code, workspace) == []


def test_a_label_pointing_at_another_id_does_not(workspace: Path):
    code = component('<div><label htmlFor="mail">Email</label><input id="email" /></div>')
    assert codes(check(code, workspace)) == ["input-label"]


def test_computed_ids_on_both_sides_are_trusted(workspace: Path):
    code = component(
        "<div><label htmlFor={`${id}-email`}>Email</label><input id={`${id}-email`} /></div>"
    )
    assert check(code, workspace) == []


@pytest.mark.parametrize(
    "jsx",
    [
        '<input aria-label="Search" />',
        '<input aria-labelledby="search-heading" />',
        '<input title="Search" />',
        "<input {...register('email')} />",
        '<input type="hidden" name="token" />',
        '<input type="submit" value="Send" />',
    ],
    ids=["aria-label", "aria-labelledby", "title", "spread-props", "hidden", "submit"],
)
def test_inputs_named_another_way_or_needing_no_label_pass(workspace: Path, jsx: str):
    assert check(component(jsx), workspace) == []


def test_an_empty_aria_label_does_not_label(workspace: Path):
    assert codes(check(component('<input aria-label="" />'), workspace)) == ["input-label"]


# --- accessibility: buttons ----------------------------------------------------------------


def test_a_button_showing_only_an_icon_has_no_name(workspace: Path):
    code = component(
        '<button onClick={close}>\n      <svg viewBox="0 0 24 24"><path d="M6 6l12 12" />'
        "</svg>\n    </button>"
    )
    finding = only(check(code, workspace), "button-name")
    assert finding.message.startswith("<button> has no accessible name")
    assert (finding.line, finding.column, finding.end_column) == (3, 4, 11)


def test_a_button_with_only_an_icon_component_has_no_name(workspace: Path):
    code = component("<button><Check /></button>", 'import { Check } from "lucide-react";')
    assert codes(check(code, workspace)) == ["button-name"]


def test_an_empty_button_and_a_comment_are_not_names(workspace: Path):
    code = component("<div><button /><button>{/* icon */}</button></div>")
    assert codes(check(code, workspace)) == ["button-name", "button-name"]


@pytest.mark.parametrize(
    "jsx",
    [
        "<button>Save</button>",
        "<button>{label}</button>",
        "<button>{t('save')}</button>",
        '<button aria-label="Close"><svg /></button>',
        '<button title="Close"><svg /></button>',
        '<button><svg /><span className="sr-only">Close</span></button>',
        '<button><img src="/x.png" alt="Close" /></button>',
        "<button {...buttonProps} />",
    ],
    ids=["text", "expression", "call", "aria-label", "title", "sr-only", "img-alt", "spread"],
)
def test_buttons_with_a_name_pass(workspace: Path, jsx: str):
    assert check(component(jsx), workspace) == []


# --- html ----------------------------------------------------------------------------------

HTML_PAGE = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pricing</title></head>
<body>
  <main>
    <img src="hero.png" alt="">
    <form>
      <label for="email">Email</label>
      <input id="email" type="email">
      <label>Name <input name="name"></label>
      <button type="submit">Subscribe</button>
      <button aria-label="Close"><svg viewBox="0 0 24 24"><path d="M6 6l12 12"/></svg></button>
    </form>
    <ul><li>One<li>Two</ul>
    <p>Paragraphs may end implicitly
  </main>
  <script type="module">import x from "nowhere";</script>
</body>
</html>
"""


def html(code: str, root: Path) -> list[Finding]:
    return check(code, root, "pages/pricing.html", framework="html")


def test_a_good_html_page_has_no_findings(tmp_path: Path):
    # no package.json, no default export, an import in a script: none of it matters for HTML
    assert html(HTML_PAGE, tmp_path) == []


def test_html_an_unclosed_element_is_reported_at_its_start_tag(tmp_path: Path):
    finding = only(html("<section>\n  <div>text\n</section>\n", tmp_path), "syntax")
    assert (finding.line, finding.column, finding.end_column) == (1, 2, 7)
    assert finding.message == "syntax error: <div> is never closed (add </div>)"


def test_html_a_stray_closing_tag_is_reported(tmp_path: Path):
    finding = only(html("<div>\n  text</span>\n</div>\n", tmp_path), "syntax")
    assert (finding.line, finding.column) == (1, 6)
    assert "</span> has no matching opening tag" in finding.message


def test_html_an_unterminated_attribute_value_is_reported(tmp_path: Path):
    finding = only(html('<div class="p-4>\n  text\n</div>\n', tmp_path), "syntax")
    assert (finding.line, finding.column) == (0, 11)
    assert "string is never closed" in finding.message


def test_html_accessibility_uses_for_and_finds_the_same_problems(tmp_path: Path):
    code = (
        '<label for="mail">Email</label><input id="email">\n'
        '<img src="a.png">\n'
        "<button><svg></svg></button>\n"
    )
    findings = html(code, tmp_path)
    assert codes(findings) == ["input-label", "img-alt", "button-name"]
    assert "<label for>" in findings[0].message


def test_html_a_bare_alt_is_an_empty_alt(tmp_path: Path):
    assert html('<img src="divider.png" alt>', tmp_path) == []
