"""Todos, each owned by the user who created it."""
