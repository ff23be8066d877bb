"""Where the API lives: every domain router is mounted under this prefix."""

API_PREFIX = "/api/v1"
