"""Shared Python helpers for echo-models' tools (standard library only)."""
