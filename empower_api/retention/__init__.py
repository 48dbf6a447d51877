"""Retention: how long each kind of record is kept, and the purge that applies it."""
