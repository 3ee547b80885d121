"""The local OpenAI-compatible API: one more front end on the session (app.api.server)."""
