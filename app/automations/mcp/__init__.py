"""Tools of MCP servers as Steward actions: configuration (``config``), the servers while
Steward runs (``hub``), tool definitions (``definitions``), the actions and what the user
approved of them (``tools``), and the one object front ends use (``toolbox``)."""
