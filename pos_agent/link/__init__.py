"""The agent's port to the central server, and its signed HTTP adapter."""

from pos_agent.link.port import CardLookup, ServerLink

__all__ = ["CardLookup", "ServerLink"]
