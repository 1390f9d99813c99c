"""The language server: LSP wiring only; the work happens in `openv0_lsp.pipeline`."""
