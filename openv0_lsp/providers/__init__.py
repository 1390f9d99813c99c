"""Model providers: one small async interface to stream a chat, and its implementations.

`base` holds the interface, the events a stream yields and the typed errors; `sse` decodes a
server-sent-events byte stream; `openai_compat` talks to OpenRouter and any OpenAI-compatible
server (Ollama, LM Studio, llama.cpp, vLLM) over httpx. Nothing here imports pygls: the
pipeline, the CLI and the tests drive providers with plain values and asyncio cancellation.
"""
