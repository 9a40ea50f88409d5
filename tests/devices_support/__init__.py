"""Shared fixtures and helpers for the device tests (simulators, daemons, sample sales)."""
