"""Celery's configuration for this project, and queueing a task from the web process.

The worker's own Celery app, its tasks and its processes are in `worker.py`. The web process
queues through a Celery app of its own context (`make_celery(settings)`), so creating an
app never changes Celery's process-wide state.
"""

from typing import Any

from celery import Celery, Task

from ..core.config import Settings

APP_NAME = "{{ cookiecutter.package_name }}"


def celery_config(settings: Settings) -> dict[str, Any]:
    redis_url = settings.redis_url.get_secret_value()
    return {
        "broker_url": redis_url,
        "result_backend": redis_url,
        # JSON only: a pickled message from whoever can write to Redis would run code.
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        # Acknowledged after the task ran, and put back when its worker process dies: a job
        # in flight when a worker is killed runs again instead of being lost.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # One message at a time per process, so none waits behind a long job while unacked.
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.job_soft_time_limit,
        "task_time_limit": settings.job_time_limit,
        # An unacknowledged message (its worker died without a word, e.g. SIGKILL or a lost
        # machine) goes back to the queue this many seconds after it was delivered: workers
        # look for such messages when they start and every 10 s (kombu's default is 100 s).
        "broker_transport_options": {
            "visibility_timeout": settings.job_visibility_timeout,
            "unacked_restore_throttle": 1,
        },
        "result_expires": settings.job_result_expire_seconds,
        "broker_connection_retry_on_startup": True,
    }


def make_celery(settings: Settings) -> Celery:
    """A Celery app on these settings' Redis, for queueing tasks."""
    return Celery(APP_NAME, config_source=celery_config(settings), set_as_current=False)


def enqueue(producer_app: Celery, task: "Task[..., Any]", *args: Any) -> None:
    """Queue `task(*args)` on `producer_app`'s broker. Raises kombu's OperationalError when the
    broker cannot be reached.

    Each message goes over a connection of its own: the web process queues a job or a mail
    now and then, so it keeps no idle connection to Redis in each worker.
    """
    with producer_app.connection_for_write() as connection:
        task.apply_async(args, producer=connection.Producer())
