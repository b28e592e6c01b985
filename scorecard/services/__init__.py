"""Queries and writes that take a Session; the caller (a view or a command) commits."""
