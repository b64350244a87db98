"""The tool proxy: ``/tools/{tool_id}/**`` forwarded to the tool's API with its stored
credentials (an ASGI app on the external service's HTTP port; see docs/tools.md)."""
