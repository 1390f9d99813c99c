"""The generation pipeline, one module per step; `generate` runs them in order.

Nothing here imports pygls: the server, the CLI and the tests drive the same code.
"""
