"""The offline planner reads what the user asked for and nothing else.

Each story is a prompt a user could type in the command palette. The planner must pick the
blocks the prompt names (in its order, without false positives), name the component, and carry
every specific the user named (field labels, tier names and prices, links, headings, button
labels, brand) into the plan *and* into the scaffolded code of both frameworks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import escape

from openv0_lsp.pipeline.catalog import Block, load_catalog
from openv0_lsp.pipeline.plan import ACCENTS, COMPONENT_NAME, FRAMEWORKS, Item, Plan, Section
from openv0_lsp.pipeline.plan_offline import MAX_PROMPT_CHARS, plan_offline
from openv0_lsp.pipeline.scaffold import scaffold_component
from tests.tree_sitter_oracle import parse_errors

CATALOG = load_catalog()
LANDING = ["navbar", "hero", "features", "cta", "footer"]


def plan_for(prompt: str, **kwargs) -> Plan:
    return plan_offline(prompt, catalog=CATALOG, **kwargs)


def blocks(plan: Plan) -> list[str]:
    return [s.block for s in plan.sections]


def section(plan: Plan, block: str) -> Section:
    return next(s for s in plan.sections if s.block == block)


def section_strings(sec: Section) -> list[str]:
    """Every user-visible string a section holds."""
    out = [sec.heading, sec.subheading, sec.body, sec.brand, sec.primary_action]
    out += [sec.secondary_action, *sec.columns, *(c for row in sec.rows for c in row)]
    out += [link.label for link in sec.links]
    out += [s for i in sec.items for s in (i.title, i.description, i.value)]
    out += [s for f in sec.fields for s in (f.label, *f.options)]
    out += [s for t in sec.tiers for s in (t.name, t.description, t.cta, *t.features)]
    return [s for s in out if s]


def plan_strings(plan: Plan) -> list[str]:
    return [s for sec in plan.sections for s in section_strings(sec)]


def rendered(text: str, framework: str) -> str:
    """How a plan string appears in generated code: React gets it through jinja's `tojson`
    (a JS string literal), HTML through autoescaping (markupsafe, what jinja2 uses)."""
    if framework == "react":
        return str(htmlsafe_json_dumps(text))[1:-1]
    return str(escape(text))


def assert_named(plan: Plan, specific: str) -> None:
    """`specific` (what the user typed) is in the plan and in the code of both frameworks."""
    holders = [s for s in plan_strings(plan) if specific.lower() in s.lower()]
    assert holders, f"{specific!r} is not in the plan: {plan_strings(plan)}"
    for framework in FRAMEWORKS:
        code = scaffold_component(plan.model_copy(update={"framework": framework})).code
        assert any(rendered(h, framework) in code for h in holders), (
            f"{specific!r} (as {holders}) is not in the {framework} code"
        )


@dataclass
class Story:
    prompt: str
    blocks: list[str]
    name: str | None = None
    named: list[str] = field(default_factory=list)  # must appear in plan and code
    check: Callable[[Plan], None] | None = None

    def __str__(self) -> str:
        return self.prompt[:60]


def fields_of(plan: Plan, block: str) -> dict[str, str]:
    return {f.label: f.type for f in section(plan, block).fields}


def tiers_of(plan: Plan) -> list[tuple[str, float]]:
    return [(t.name, t.price_monthly) for t in section(plan, "pricing").tiers]


def titles(plan: Plan, block: str) -> list[str]:
    return [i.title for i in section(plan, block).items]


def _pricing_example(plan: Plan) -> None:
    sec = section(plan, "pricing")
    assert len(sec.tiers) == 3
    assert sec.billing_toggle is True
    assert sum(t.highlighted for t in sec.tiers) == 1


def _login_fields(plan: Plan) -> None:
    assert fields_of(plan, "login") == {
        "Email": "email",
        "Password": "password",
        "Remember me": "checkbox",
    }
    assert {f.name for f in section(plan, "login").fields} == {"email", "password", "rememberMe"}


def _landing_composition(plan: Plan) -> None:
    assert [link.label for link in section(plan, "navbar").links] == ["Docs", "Blog", "Pricing"]
    assert section(plan, "navbar").brand == "Nimbus"
    assert section(plan, "hero").heading == "Ship faster"
    assert [t.name for t in section(plan, "pricing").tiers] == ["Starter", "Growth", "Scale"]


def _free_and_pro(plan: Plan) -> None:
    assert tiers_of(plan) == [("Free", 0), ("Pro", 12)]


def _four_tiers(plan: Plan) -> None:
    sec = section(plan, "pricing")
    assert len(sec.tiers) == 4
    assert len({t.name for t in sec.tiers}) == 4
    assert sum(t.highlighted for t in sec.tiers) == 1


def _priced_tiers(plan: Plan) -> None:
    assert tiers_of(plan) == [("Basic", 9), ("Plus", 19), ("Premium", 49)]
    assert [t.name for t in section(plan, "pricing").tiers if t.highlighted] == ["Plus"]


def _no_toggle(plan: Plan) -> None:
    assert section(plan, "pricing").billing_toggle is False
    assert [t.name for t in section(plan, "pricing").tiers] == ["Hobby", "Team", "Enterprise"]


def _navbar_links(plan: Plan) -> None:
    sec = section(plan, "navbar")
    assert [link.label for link in sec.links] == ["Home", "About", "Careers", "Contact"]
    assert sec.brand == "Nimbus"
    assert "Sign in" in (sec.primary_action, sec.secondary_action)


def _contact_fields(plan: Plan) -> None:
    assert fields_of(plan, "contact") == {
        "Name": "text",
        "Email": "email",
        "Phone number": "tel",
        "Message": "textarea",
    }


def _signup_fields(plan: Plan) -> None:
    fields = {f.label: f for f in section(plan, "signup").fields}
    assert [f.type for f in fields.values()] == [
        "text", "email", "password", "password", "select", "checkbox",
    ]  # fmt: skip
    country = next(f for f in fields.values() if f.type == "select")
    assert country.label == "Country" and len(country.options) >= 3
    assert any("terms" in label.lower() for label in fields)


def _settings_toggles(plan: Plan) -> None:
    assert fields_of(plan, "settings") == {
        "Language": "select",
        "Email notifications": "toggle",
        "Dark mode": "toggle",
    }
    assert plan.dark == "auto"  # a dark-mode *setting* is not a dark component


def _user_table(plan: Plan) -> None:
    sec = section(plan, "table")
    assert sec.columns == ["Name", "Email", "Role", "Status"]
    assert sec.rows and all(len(row) == 4 for row in sec.rows)
    assert all("@" in row[1] for row in sec.rows)


def _faq_topics(plan: Plan) -> None:
    assert len(section(plan, "faq").items) == 3


def _count(block: str, n: int) -> Callable[[Plan], None]:
    def check(plan: Plan) -> None:
        items = section(plan, block).items
        assert len(items) == n
        assert len({i.title for i in items}) == n, "extra entries must be distinct"

    return check


def _stats_figures(plan: Plan) -> None:
    assert [(i.title, i.value) for i in section(plan, "stats").items] == [
        ("Users", "10k"), ("Uptime", "99.9%"), ("Support", "24/7"),
    ]  # fmt: skip


def _dashboard(plan: Plan) -> None:
    sec = section(plan, "dashboard")
    assert sec.brand == "Nimbus"
    assert titles(plan, "dashboard") == ["Revenue", "Orders", "Customers"]
    assert sec.columns == ["Order", "Customer", "Amount", "Status"]
    assert all(len(row) == 4 for row in sec.rows)


def _profile(plan: Plan) -> None:
    sec = section(plan, "profile")
    assert (sec.heading, sec.subheading) == ("Jane Doe", "Product designer")
    assert titles(plan, "profile") == ["Followers", "Following", "Posts"]


def _confirm(plan: Plan) -> None:
    sec = section(plan, "modal")
    assert sec.fields == []
    assert (sec.primary_action, sec.secondary_action) == ("Delete", "Cancel")


def _login_modal(plan: Plan) -> None:
    assert "password" in {f.type for f in section(plan, "modal").fields}


def _dark_hero(plan: Plan) -> None:
    assert plan.dark == "always"
    sec = section(plan, "hero")
    assert (sec.primary_action, sec.secondary_action) == ("Get started", "Learn more")


def _emerald_cta(plan: Plan) -> None:
    assert plan.accent == "emerald"
    assert section(plan, "cta").primary_action == "Start free trial"


def _todo(plan: Plan) -> None:
    assert titles(plan, "todo") == ["Buy milk", "Walk the dog", "Call mom"]


def _sidebar(plan: Plan) -> None:
    assert titles(plan, "sidebar") == ["Home", "Inbox", "Settings"]


def _nimbus_cloud(plan: Plan) -> None:
    assert (plan.accent, plan.dark) == ("teal", "always")
    assert [t.name for t in section(plan, "pricing").tiers] == ["Free", "Pro", "Team"]
    assert titles(plan, "features") == ["Fast builds", "Edge network", "Analytics"]


def _registration(plan: Plan) -> None:
    assert fields_of(plan, "signup") == {
        "Full name": "text",
        "Email": "email",
        "Password": "password",
        "Date of birth": "date",
        "Gender": "select",
    }


def _hobby_pro_team(plan: Plan) -> None:
    assert tiers_of(plan) == [("Hobby", 0), ("Pro", 20), ("Team", 50)]
    assert plan.dark == "always"


def _no_field(plan: Plan, block: str, field_type: str) -> None:
    assert field_type not in fields_of(plan, block).values()


def _language_options(plan: Plan) -> None:
    language = section(plan, "settings").fields[0]
    assert (language.label, language.type) == ("Language", "select")
    assert language.options == ["English", "French", "German"]


def _rows(plan: Plan, n: int) -> None:
    assert len(section(plan, "table").rows) == n


def _accent(plan: Plan, accent: str) -> None:
    assert plan.accent == accent


def _indigo(plan: Plan) -> None:
    assert plan.accent == "indigo", "tier names are not colours"


def _team(plan: Plan) -> None:
    members = [(i.title, i.value) for i in section(plan, "cards").items]
    assert members == [("Jane", "CEO"), ("Tom", "CTO"), ("Ana", "Designer")]


def _settings_types(plan: Plan) -> None:
    types = fields_of(plan, "settings")
    assert types["Timezone"] == "select"
    assert types["Email notifications"] == types["Two-factor authentication"] == "toggle"


def _no_action_fields(plan: Plan) -> None:
    labels = {label.lower() for label in fields_of(plan, "settings")}
    assert not labels & {"change password", "delete account", "export data"}


def _look(plan: Plan, accent: str, dark: str) -> None:
    assert (plan.accent, plan.dark) == (accent, dark)


def _has_field(plan: Plan, block: str, field_type: str) -> None:
    assert field_type in fields_of(plan, block).values()


def _quote_navbar(plan: Plan) -> None:
    sec = section(plan, "navbar")
    assert [link.label for link in sec.links] == ["Home", "Products", "About", "Contact"]
    assert sec.primary_action == "Get a quote"


def _done(plan: Plan, done: list[bool]) -> None:
    assert [i.done for i in section(plan, "todo").items] == done


def _invite_modal(plan: Plan) -> None:
    sec = section(plan, "modal")
    assert sec.body == "They will get an email invite"
    assert "Message" not in fields_of(plan, "modal")


def _text(plan: Plan, block: str, attr: str, text: str) -> None:
    assert getattr(section(plan, block), attr) == text


STORIES = [
    # the design's own example
    Story("pricing section with three tiers and a monthly/yearly toggle", ["pricing"],
          "PricingSection", check=_pricing_example),
    Story("login form with email, password and a remember-me checkbox", ["login"], "LoginForm",
          ["Email", "Password", "Remember me"], _login_fields),
    Story("a landing page for Nimbus with a navbar with links to Docs, Blog and Pricing, a hero "
          "titled 'Ship faster' and a pricing section with three tiers: Starter, Growth, Scale",
          ["navbar", "hero", "pricing"], "LandingPage",
          ["Nimbus", "Docs", "Blog", "Pricing", "Ship faster", "Starter", "Growth", "Scale"],
          _landing_composition),
    Story("landing page", LANDING, "LandingPage"),
    Story("Landing page for a coffee shop with pricing and a FAQ.",
          ["navbar", "hero", "features", "pricing", "faq", "cta", "footer"], "LandingPage"),
    Story("landing page with features, testimonials and a contact form but no footer",
          ["navbar", "hero", "features", "testimonials", "contact", "cta"], "LandingPage"),
    # pricing specifics
    Story("two plans Free and Pro with prices $0 and $12", ["pricing"], "PricingSection",
          ["Free", "Pro"], _free_and_pro),
    Story("pricing with 4 tiers", ["pricing"], "PricingSection", check=_four_tiers),
    Story("pricing section with Basic at $9, Plus at $19 and Premium at $49 per month, "
          "highlight Plus", ["pricing"], "PricingSection", ["Basic", "Plus", "Premium"],
          _priced_tiers),
    Story("a pricing table with Hobby, Team and Enterprise tiers and no billing toggle",
          ["pricing"], "PricingTable", ["Hobby", "Team", "Enterprise"], _no_toggle),
    Story("pricing table with gold, silver and bronze tiers", ["pricing"], "PricingTable",
          ["Gold", "Silver", "Bronze"], lambda plan: _indigo(plan)),
    # navigation, without false positives
    Story("A navbar for Nimbus with links to Home, About, Careers and Contact and a sign in "
          "button", ["navbar"], "Navbar", ["Nimbus", "Home", "Careers", "Sign in"], _navbar_links),
    Story("navbar with docs, blog and pricing", ["navbar"], "Navbar", ["Docs", "Blog"]),
    Story("a navbar with sign in and sign up buttons and a purple accent", ["navbar"], "Navbar",
          ["Sign in", "Sign up"], lambda plan: _accent(plan, "purple")),
    Story("footer for Nimbus with the tagline 'Made with care in Berlin' and social icons for "
          "GitHub, Twitter and LinkedIn", ["footer"], "Footer",
          ["Nimbus", "Made with care in Berlin", "GitHub", "Twitter", "LinkedIn"]),
    Story("a sidebar layout with links to Home, Inbox and Settings", ["sidebar"],
          "SidebarLayout", ["Home", "Inbox", "Settings"], _sidebar),
    # forms
    Story("contact form with name, email, a phone number and a message", ["contact"],
          "ContactForm", ["Name", "Phone number", "Message"], _contact_fields),
    Story("signup form with name, email, password, confirm password, a country dropdown and a "
          "terms checkbox", ["signup"], "SignupForm", ["Confirm password", "Country", "terms"],
          _signup_fields),
    Story("settings page with a language select, email notifications toggle and a dark mode "
          "toggle", ["settings"], "SettingsPage", ["Language", "Email notifications"],
          _settings_toggles),
    Story("a signup form for Nimbus with a phone number field", ["signup"], "SignupForm",
          ["Nimbus", "Phone number"]),
    Story("login form with a 'Continue' button", ["login"], "LoginForm", ["Continue"]),
    # lists of things
    Story("product cards with price", ["cards"], "ProductCards"),
    Story("a page with 6 product cards and a footer", ["cards", "footer"],
          check=_count("cards", 6)),
    Story("table of users with name, email, role and status", ["table"], "UserTable",
          ["Name", "Email", "Role", "Status"], _user_table),
    Story("FAQ with questions about refunds, shipping and privacy", ["faq"], "FaqSection",
          ["refunds", "shipping", "privacy"], _faq_topics),
    Story("faq with 7 questions", ["faq"], "FaqSection", check=_count("faq", 7)),
    Story("features: Fast, Secure, Scalable and Open source", ["features"], "FeatureGrid",
          ["Fast", "Secure", "Scalable", "Open source"], _count("features", 4)),
    Story("features section with eight features", ["features"], "FeaturesSection",
          check=_count("features", 8)),
    Story("stats section with 10k users, 99.9% uptime and 24/7 support", ["stats"],
          "StatsSection", ["10k", "99.9%", "24/7", "Uptime"], _stats_figures),
    Story("five testimonials", ["testimonials"], "Testimonials",
          check=_count("testimonials", 5)),
    Story("testimonials from Sarah, Tom and Priya", ["testimonials"], "Testimonials",
          ["Sarah", "Tom", "Priya"], _count("testimonials", 3)),
    Story("tabs for Overview, Specs and Reviews", ["tabs"], "TabsSection",
          ["Overview", "Specs", "Reviews"], _count("tabs", 3)),
    Story("blog section with 2 posts", ["blog"], "BlogSection", check=_count("blog", 2)),
    Story("todo list with buy milk, walk the dog and call mom", ["todo"], "TodoList",
          ["Buy milk", "Walk the dog", "Call mom"], _todo),
    Story("a to-do app titled 'Groceries' with 8 tasks", ["todo"], "TodoApp", ["Groceries"],
          _count("todo", 8)),
    # composite blocks
    Story("admin dashboard for Nimbus with revenue, orders and customers stats and a table of "
          "recent orders with columns order, customer, amount and status", ["dashboard"],
          "AdminDashboard", ["Nimbus", "Revenue", "Customers", "Amount"], _dashboard),
    Story("dashboard for a SaaS", ["dashboard"], "Dashboard"),
    Story("profile card for Jane Doe, a product designer, with followers, following and posts "
          "stats", ["profile"], "ProfileCard", ["Jane Doe", "Product designer", "Posts"],
          _profile),
    Story("confirmation modal asking 'Delete this project?' with Delete and Cancel buttons",
          ["modal"], "ConfirmationModal", ["Delete this project?"], _confirm),
    Story("login modal", ["modal"], "LoginModal", check=_login_modal),
    # headings, buttons, colours
    Story('a dark hero titled "Build better products" with \'Get started\' and \'Learn more\' '
          "buttons", ["hero"], "HeroSection", ["Build better products", "Get started"],
          _dark_hero),
    Story("a CTA section with a 'Start free trial' button in emerald", ["cta"], "CTASection",
          ["Start free trial"], _emerald_cta),
    Story("hero with the heading Ship faster and the subtitle Built for small teams", ["hero"],
          "HeroSection", ["Ship faster", "Built for small teams"]),
    Story('Make a landing page for my bakery "Sweet Crumbs" with an orange color scheme',
          LANDING, "LandingPage", ["Sweet Crumbs"], lambda plan: _accent(plan, "orange")),
    Story("A hero for Acme's new app saying 'Meet Orbit' with a subheading 'Your team, in sync' "
          "and a purple 'Join the waitlist' button", ["hero"], "HeroSection",
          ["Meet Orbit", "Your team, in sync", "Join the waitlist"],
          lambda plan: _accent(plan, "purple")),
    Story("Landing page for Nimbus Cloud: navbar, hero with the headline \"Deploy in seconds\", "
          "3 features (Fast builds, Edge network, Analytics), pricing with Free, Pro and Team "
          "plans, testimonials and a footer. Use a teal accent and dark mode.",
          ["navbar", "hero", "features", "pricing", "testimonials", "footer"], "LandingPage",
          ["Nimbus Cloud", "Deploy in seconds", "Fast builds", "Edge network", "Team"],
          _nimbus_cloud),
    Story("marketing site with hero, logos, features, testimonials, pricing, faq, and footer",
          ["hero", "features", "testimonials", "pricing", "faq", "footer"], "LandingPage"),
    # more ways to say the same things
    Story("I want a header with the company logo on the left and menu items Home, Shop, About "
          "on the right", ["navbar"], "Header", ["Home", "Shop", "About"]),
    Story("Generate a registration form: full name, email, password, date of birth, and gender "
          "dropdown", ["signup"], "RegistrationForm", ["Full name", "Date of birth", "Gender"],
          _registration),
    Story("a pricing component with 3 plans (Hobby free, Pro $20, Team $50) in dark mode",
          ["pricing"], "PricingComponent", ["Hobby", "Pro", "Team"], _hobby_pro_team),
    Story("Dashboard with sidebar navigation (Overview, Analytics, Customers, Settings), four "
          "stat cards and a transactions table", ["dashboard"], "Dashboard",
          ["Overview", "Analytics", "Customers", "Settings"]),
    Story("an analytics dashboard with KPIs for MRR, churn, active users and NPS, and a recent "
          "signups table", ["dashboard"], "AnalyticsDashboard", ["MRR", "Churn", "NPS"]),
    Story("sidebar navigation with Dashboard, Projects, Team, Calendar, Documents and Reports, "
          "collapsible", ["sidebar"], "SidebarNavigation", ["Dashboard", "Calendar", "Reports"],
          _count("sidebar", 6)),
    Story("A simple FAQ section. Questions: What is it? How much does it cost? Can I cancel?",
          ["faq"], "FAQSection", ["What is it?", "How much does it cost?", "Can I cancel?"],
          _count("faq", 3)),
    Story("Three feature cards: Speed, Security, Support", ["features"], "FeatureCards",
          ["Speed", "Security", "Support"], _count("features", 3)),
    Story("Create a login page without the remember me option", ["login"], "LoginPage",
          check=lambda plan: _no_field(plan, "login", "checkbox")),
    Story("settings with a dropdown for language (English, French, German) and a checkbox for "
          "marketing emails", ["settings"], "SettingsForm",
          ["English", "French", "German", "Marketing emails"], _language_options),
    Story("checkout form with name, card number, expiry date and CVC", ["contact"],
          "CheckoutForm", ["Card number", "Expiry date", "CVC"]),
    Story("Dark themed login page for Orbit with Google sign in", ["login"], "LoginPage",
          ["Orbit", "Google"], lambda plan: _no_field(plan, "login", "text")),
    Story("kanban board", ["todo"], "KanbanBoard"),
    Story("team section with 8 members", ["cards"], "TeamSection", check=_count("cards", 8)),
    Story("profile for @janedoe with 1.2k followers", ["profile"], "ProfileCard",
          ["@janedoe", "1.2k"]),
    Story("a table with columns: Product, SKU, Stock, Price and 3 rows", ["table"], "DataTable",
          ["Product", "SKU", "Stock", "Price"], lambda plan: _rows(plan, 3)),
    Story("Create a data table listing employees with columns Name, Department, Salary and "
          "Start date", ["table"], "DataTable", ["Employees", "Department", "Start date"]),
    Story("user settings with change password, delete account and export data", ["settings"],
          "UserSettings", ["Change password"], _no_action_fields),
    Story('a faq with questions: "Is it free?", "Can I self-host?" and "Do you have an API?"',
          ["faq"], "FaqSection", ["Is it free?", "Can I self-host?", "Do you have an API?"],
          _count("faq", 3)),
    Story("a pricing table comparing Free vs Pro vs Enterprise", ["pricing"], "PricingTable",
          ["Free", "Pro", "Enterprise"]),
    Story("pricing section for a startup called acme with three tiers named hobby, pro and "
          "business", ["pricing"], "PricingSection", ["Acme", "Hobby", "Business"]),
    Story("a team page with Jane (CEO), Tom (CTO) and Ana (Designer)", ["cards"], "TeamPage",
          ["Jane", "CEO", "Ana", "Designer"], _team),
    Story("settings form with username, email, bio, a timezone dropdown, and toggles for email "
          "notifications and two-factor authentication", ["settings"], "SettingsForm",
          ["Username", "Bio", "Timezone", "Email notifications", "Two-factor authentication"],
          _settings_types),
    Story("a hero section with a video background and the title Build the future, dark theme, "
          "blue accent", ["hero"], "HeroSection", ["Build the future"],
          lambda plan: _look(plan, "blue", "always")),
    Story("a contact form and a confirmation modal", ["contact", "modal"], "ContactPage",
          check=lambda plan: _no_field(plan, "modal", "email")),
    Story("a landing page without a cta", ["navbar", "hero", "features", "footer"],
          "LandingPage"),
    Story("a modal with an email input and a 'Remove' button", ["modal"], "Modal", ["Remove"],
          lambda plan: _has_field(plan, "modal", "email")),
    Story("sign in form with fields for email and password plus a remember me checkbox",
          ["login"], "LoginForm", ["Email", "Password", "Remember me"], _login_fields),
    Story("a login card with an email field, a password field and a checkbox labelled Keep me "
          "signed in", ["login"], "LoginCard", ["Keep me signed in"],
          lambda plan: _has_field(plan, "login", "checkbox")),
    Story("login form with a forgot password link", ["login"], "LoginForm", ["Forgot password"]),
    Story("A pricing section with plans Free and Pro priced at $0 and $12 per month",
          ["pricing"], "PricingSection", ["Free", "Pro"], _free_and_pro),
    Story("a stats section with the labels Users, Revenue and Uptime", ["stats"],
          "StatsSection", ["Users", "Revenue", "Uptime"], _count("stats", 3)),
    Story("a cta with a 'Get going' button and an 'Ask us anything' link", ["cta"],
          "CallToAction", ["Get going", "Ask us anything"]),
    Story("a navbar with a 'Changelog' link", ["navbar"], "Navbar", ["Changelog", "Docs"]),
    Story("hero with a secondary link to the docs", ["hero"], "HeroSection", ["Docs"]),
    Story("an faq with 3 questions about shipping", ["faq"], "FaqSection", ["shipping"],
          _count("faq", 3)),
    Story('Navbar: logo Acme, links Home / Products / About / Contact, CTA button "Get a quote".',
          ["navbar"], "Navbar", ["Home", "Products", "Get a quote"], _quote_navbar),
    Story("Make a todo app with tasks: Write report, Review PR, Deploy to prod. Mark the first "
          "as done.", ["todo"], "TodoApp", ["Write report", "Review PR", "Deploy to prod"],
          lambda plan: _done(plan, [True, False, False])),
    Story("a modal titled 'Invite your team' with the message 'They will get an email invite' "
          "and an email field", ["modal"], "Modal",
          ["Invite your team", "They will get an email invite"], _invite_modal),
    Story("profile card for Maya Lin, a UX researcher, with the bio 'I study how people use "
          "software' and links to GitHub and Dribbble", ["profile"], "ProfileCard",
          ["Maya Lin", "UX researcher", "I study how people use software", "Dribbble"]),
    Story("a sidebar layout with a body saying 'Welcome back'", ["sidebar"], "SidebarLayout",
          ["Welcome back"], lambda plan: _text(plan, "sidebar", "body", "Welcome back")),
    Story("features grid with 3 features titled Speed, Safety and Scale", ["features"],
          "FeaturesGrid", ["Speed", "Safety", "Scale"], _count("features", 3)),
    Story("a hero with badges 'New', 'Open source' and 'v2'", ["hero"], "HeroSection",
          ["New", "Open source", "v2"], _count("hero", 3)),
]  # fmt: skip


@pytest.mark.parametrize("story", STORIES, ids=str)
def test_story(story: Story):
    plan = plan_for(story.prompt)
    assert blocks(plan) == story.blocks
    if story.name:
        assert plan.name == story.name
    assert COMPONENT_NAME.match(plan.name)
    for specific in story.named:
        assert_named(plan, specific)
    if story.check:
        story.check(plan)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("story", STORIES, ids=str)
def test_story_scaffolds_into_code_that_parses(story: Story, framework: str):
    plan = plan_for(story.prompt, framework=framework)
    code = scaffold_component(plan).code
    assert parse_errors(code, framework) == []
    if framework == "react":
        assert f"export default {plan.name}" in code or (
            f"export default function {plan.name}()" in code
        )


# ---- every block is reachable --------------------------------------------------------------


@pytest.mark.parametrize("block_id", sorted(CATALOG))
def test_each_block_is_chosen_by_its_own_keyword(block_id: str):
    keyword = CATALOG[block_id].keywords[0]
    plan = plan_for(f"a {keyword}")
    assert blocks(plan) == [block_id]


@pytest.mark.parametrize("block_id", sorted(CATALOG))
def test_a_block_alone_is_named_after_its_phrase_or_its_component(block_id: str):
    plan = plan_for(CATALOG[block_id].title)
    assert blocks(plan) == [block_id]
    assert COMPONENT_NAME.match(plan.name)


def test_the_catalog_has_every_block_the_planner_composes():
    assert len(CATALOG) >= 22, sorted(CATALOG)
    assert set(LANDING) <= set(CATALOG)


# ---- false positives -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a navbar with a sign in button", ["navbar"]),
        ("navbar with a login link and a pricing link", ["navbar"]),
        ("product cards with image, title, price and a buy button", ["cards"]),
        ("tabs for Pricing, Reviews and FAQ", ["tabs"]),
        ("a hero titled 'Pricing that scales' with a Contact us button", ["hero"]),
        ("pricing table", ["pricing"]),
        ("stats cards", ["stats"]),
        ("a grid of testimonials", ["testimonials"]),
        ("table of products", ["table"]),
        ("footer without a navbar", ["footer"]),
        ("a profile settings page", ["settings"]),
        ("a user profile card with an avatar and a follow button", ["profile"]),
    ],
)
def test_words_inside_a_block_do_not_add_blocks(prompt: str, expected: list[str]):
    assert blocks(plan_for(prompt)) == expected


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("something cool", ["hero"]),
        ("list of recipes", ["cards"]),
        ("a form", ["contact"]),
        ("   ???   ", ["hero"]),
        ('{"component": "navbar"}', ["navbar"]),
    ],
)
def test_a_prompt_that_names_no_block_still_gets_a_plan(prompt: str, expected: list[str]):
    assert blocks(plan_for(prompt)) == expected


# ---- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "name"),
    [
        ("a pricing section with three tiers", "PricingSection"),
        ("login form", "LoginForm"),
        ("Landing page with a hero and a footer", "LandingPage"),
        ("dashboard for a SaaS", "Dashboard"),
        ("Create a responsive FAQ accordion for our help page", "FAQAccordion"),
        ("please make me a simple sign-up form", "SignUpForm"),
        ("table of invoices", "InvoiceTable"),
        ("a 404 page", "Page404"),
        ("pricing", "PricingSection"),
        ("a modern dark-mode pricing section", "PricingSection"),
        ("Página de precios: three plans", "PricingSection"),
    ],
)
def test_the_name_comes_from_the_prompt(prompt: str, name: str):
    assert plan_for(prompt).name == name


def test_an_explicit_name_wins():
    plan = plan_for("login form with email and password", name="SignInCard")
    assert plan.name == "SignInCard"
    assert "export default SignInCard;" in scaffold_component(plan).code


@pytest.mark.parametrize("bad", ["pricingSection", "Pricing Section", "9Lives", "", "Ünïcode",
                                 "Pricing-Section", "P" * 65])  # fmt: skip
def test_a_bad_explicit_name_is_a_clear_error(bad: str):
    with pytest.raises(ValueError, match="PascalCase"):
        plan_for("login form", name=bad)


@pytest.mark.parametrize("prompt", ["", "   ", "\n\t "])
def test_an_empty_prompt_is_a_clear_error(prompt: str):
    with pytest.raises(ValueError, match="prompt is empty"):
        plan_for(prompt)


def test_an_unknown_framework_is_an_error():
    with pytest.raises(ValueError, match="framework"):
        plan_for("login form", framework="vue")


# ---- look: accent and dark mode ------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "accent"),
    [
        ("pricing section in emerald", "emerald"),
        ("a hero with a green accent", "green"),
        ("login form with blue buttons", "blue"),
        ("purple navbar", "purple"),
        ("a navy footer", "blue"),
        ("turquoise features grid", "teal"),
        ("a gold call to action", "amber"),
        ("a crimson modal", "red"),
        ("a grey sidebar", "gray"),
        ("hero in Sky Blue", "sky"),
        ("a dark blue navbar", "blue"),
        ("pricing section", "indigo"),
    ],
)
def test_the_accent_is_the_nearest_tailwind_palette(prompt: str, accent: str):
    plan = plan_for(prompt)
    assert plan.accent == accent
    assert plan.accent in ACCENTS
    if accent != "indigo":
        assert f"-{accent}-" in scaffold_component(plan).code


@pytest.mark.parametrize(
    ("prompt", "dark"),
    [
        ("a dark pricing section", "always"),
        ("login form in dark mode", "always"),
        ("navbar with a dark theme", "always"),
        ("hero, light only", "never"),
        ("a footer in light mode", "never"),
        ("pricing section without dark mode", "never"),
        ("dark-mode aware pricing section", "auto"),
        ("a hero that supports light and dark themes", "auto"),
        ("a dark blue navbar", "auto"),
        ("pricing section", "auto"),
    ],
)
def test_dark_mode(prompt: str, dark: str):
    plan = plan_for(prompt)
    assert plan.dark == dark
    code = scaffold_component(plan).code
    if dark == "always":
        assert 'className="dark ' in code


# ---- robustness ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prompt",
    [
        "LOGIN FORM WITH EMAIL AND PASSWORD!!!",
        "pricing section 💸 with three tiers — Starter, Growth & Scale — in navy",
        "hero section for Café Lumière with the heading «Le meilleur café»",
        "a {navbar} with <script>alert(1)</script> links",
        "a 'quoted' \"mixed\" `prompt` with {{ jinja }} and {% raw %} tags",
        "hero\x00with\x07control characters",
        "navbar\n- Docs\n- Blog\n- Pricing",
        "tabs for " + ", ".join(f"Tab {n}" for n in range(200)),
        "faq with 999 questions",
        "pricing with 100 tiers",
        "a table with 50 columns and 5000 rows",
        "features " * 3000,
        "📦🚀✨",
        "日本語のログインフォーム",
        "a hero titled '" + "x" * 500 + "'",
    ],
)
def test_odd_prompts_still_plan_and_scaffold(prompt: str):
    for framework in FRAMEWORKS:
        plan = plan_for(prompt, framework=framework)
        assert COMPONENT_NAME.match(plan.name)
        assert 1 <= len(plan.sections) <= 12
        assert len(plan.summary) <= 600 and "\n" not in plan.summary
        code = scaffold_component(plan).code
        assert parse_errors(code, framework) == []


def test_shouting_reads_like_speaking():
    plan = plan_for("LOGIN FORM WITH EMAIL AND PASSWORD!!!")
    assert plan.name == "LoginForm"
    assert fields_of(plan, "login") == {"Email": "email", "Password": "password"}


def test_html_is_escaped_in_the_html_scaffold():
    plan = plan_for("hero titled '<b>Tom & Jerry</b>'", framework="html")
    assert section(plan, "hero").heading == "<b>Tom & Jerry</b>"
    code = scaffold_component(plan).code
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in code
    assert "<b>Tom" not in code


def test_a_long_prompt_is_read_up_to_the_cap():
    tail = " and a footer" + " with lots of words" * 1000
    plan = plan_for("a navbar" + tail)
    assert blocks(plan) == ["navbar", "footer"]
    far = "a navbar " + "x " * MAX_PROMPT_CHARS + "and a footer"
    assert blocks(plan_for(far)) == ["navbar"]


@pytest.mark.parametrize(
    "prompt",
    [
        "(" * 5000,
        "with " * 2000,
        "features " * 3000,
        "tabs for " + ", ".join(f"Tab {n}" for n in range(500)),
        "a form with " + ", ".join(f"field {n}" for n in range(800)),
    ],
)
def test_a_pathological_prompt_is_planned_quickly(prompt: str):
    started = time.perf_counter()
    plan_for(prompt)
    assert time.perf_counter() - started < 3  # typical prompts take a few milliseconds


def test_counts_are_kept_within_the_model_limits():
    assert len(section(plan_for("pricing with 100 tiers"), "pricing").tiers) == 8
    assert len(section(plan_for("faq with 999 questions"), "faq").items) <= 60
    sec = section(plan_for("a table with 50 columns and 500 rows"), "table")
    assert len(sec.columns) <= 12 and len(sec.rows) <= 100


def test_the_same_prompt_gives_the_same_plan():
    prompt = STORIES[2].prompt
    assert plan_for(prompt).model_dump() == plan_for(prompt).model_dump()


def test_the_plan_is_a_valid_model_with_notes():
    plan = plan_for("a dark pricing section with three tiers and a monthly/yearly toggle")
    again = Plan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert plan.summary == "A dark pricing section with three tiers and a monthly/yearly toggle"
    assert any("switch" in note for note in plan.accessibility)
    assert plan.state


def test_the_defaults_are_not_shared_between_plans():
    first = plan_for("pricing section with tiers Alpha, Beta and Gamma")
    assert [t.name for t in section(first, "pricing").tiers] == ["Alpha", "Beta", "Gamma"]
    assert CATALOG["pricing"].defaults.tiers[0].name == "Starter"
    second = plan_for("pricing section")
    assert section(second, "pricing").tiers[0].name == "Starter"


def test_a_plan_round_trips_through_json_for_the_store():
    plan = plan_for(STORIES[2].prompt)
    assert json.loads(plan.model_dump_json())["sections"][0]["block"] == "navbar"


def test_user_text_is_never_a_template():
    plan = plan_for("hero titled '{{ 7 * 7 }}' with a '{% if x %}' button")
    assert section(plan, "hero").heading == "{{ 7 * 7 }}"
    assert section(plan, "hero").primary_action == "{% if x %}"
    for framework in FRAMEWORKS:
        code = scaffold_component(plan.model_copy(update={"framework": framework})).code
        assert rendered("{{ 7 * 7 }}", framework) in code
        assert rendered("{% if x %}", framework) in code


# ---- other catalogs: a user's templatesPath adds or replaces blocks ------------------------


def _timeline_block() -> Block:
    defaults = Section(
        block="timeline",
        heading="Our story",
        items=[Item(title="Founded", value="2019"), Item(title="Seed round", value="2021")],
    )
    return Block(
        id="timeline",
        title="Timeline",
        description="Milestones on a vertical line.",
        keywords=("timeline", "roadmap", "milestones"),
        hooks=(),
        component_name="Timeline",
        defaults=defaults,
    )


def test_a_custom_block_is_found_by_its_keywords_and_filled_from_its_defaults():
    catalog = {**CATALOG, "timeline": _timeline_block()}
    plan = plan_offline("a roadmap with Alpha, Beta and Launch", catalog=catalog)
    assert blocks(plan) == ["timeline"]
    assert [i.title for i in plan.sections[0].items] == ["Alpha", "Beta", "Launch"]
    assert plan.name == "Timeline"  # a one-word head takes the component name
    plan = plan_offline("a timeline titled 'How we got here' with 5 items", catalog=catalog)
    assert plan.sections[0].heading == "How we got here"
    assert len(plan.sections[0].items) == 5


def test_a_small_catalog_still_gets_a_plan_from_what_it_has():
    catalog = {"pricing": CATALOG["pricing"]}
    assert blocks(plan_offline("landing page with a login form", catalog=catalog)) == ["pricing"]
    assert blocks(plan_offline("two plans Free and Pro", catalog=catalog)) == ["pricing"]
    with pytest.raises(ValueError, match="catalog"):
        plan_offline("pricing", catalog={})
