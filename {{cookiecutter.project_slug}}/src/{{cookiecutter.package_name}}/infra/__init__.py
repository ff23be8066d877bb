"""Infrastructure every domain may use and none sits under: the application context, mail
transport, throttles{% if cookiecutter.background_jobs == "celery" %}, Redis and the Celery producer{% endif %}. Above `core`, below `users`."""
