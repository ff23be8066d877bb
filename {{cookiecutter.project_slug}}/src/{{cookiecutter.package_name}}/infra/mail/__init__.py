"""Outgoing mail: Jinja2 templates rendered to plain text and HTML, sent over SMTP."""
