"""The application package; servers run `main.create_served_app()` (see gunicorn_conf.py)."""
