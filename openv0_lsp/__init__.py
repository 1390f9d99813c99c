"""openv0-lsp: describe a UI in your editor, get a validated React/Tailwind component."""

__version__ = "0.1.0"
