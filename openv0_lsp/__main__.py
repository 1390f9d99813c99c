"""`python -m openv0_lsp` starts the language server (same as `openv0-lsp`)."""

from openv0_lsp.server_cli import main

if __name__ == "__main__":  # not when the pipeline's worker process imports this module
    main()
