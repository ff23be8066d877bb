"""The admin site at /admin, for active superusers.

Built on sqladmin: the most used admin for SQLAlchemy on Starlette, typed, kept up to date,
with async sessions, a pluggable login (`AuthenticationBackend`) and audit hooks, and its
scripts and styles in the package (no CDN); starlette-admin offers the same with a smaller
community.
"""
