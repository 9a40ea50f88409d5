"""The agent's local HTTP API (/local/v1) and the register page served beside it."""
