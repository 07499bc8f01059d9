"""Reusable test helpers (loopback servers)."""
