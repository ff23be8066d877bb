"""The application package; `main.app` is the ASGI entry point."""
