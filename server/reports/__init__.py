"""HQ reports: read-side queries over the server's tables (no writes)."""
