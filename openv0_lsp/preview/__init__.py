"""The live preview: a compiler sidecar (Node: esbuild + Tailwind), an aiohttp server on
127.0.0.1 with a per-session token, and a page that swaps the component in place over a
websocket. See `model` for what the parts hand each other."""
