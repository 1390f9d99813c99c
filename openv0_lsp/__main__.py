"""`python -m openv0_lsp` starts the language server (same as `openv0-lsp`)."""

from openv0_lsp.server_cli import main

main()
