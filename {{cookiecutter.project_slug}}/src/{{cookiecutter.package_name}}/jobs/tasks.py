"""The Celery tasks: thin wrappers that run the same async code as the API on the worker's
event loop. Their arguments are JSON: ids and plain values, never objects.

They keep no result in the result backend: a job's status and result are in its database
row, a mail's fate in the log. So queueing one waits for nothing but the broker (a task with
a result first subscribes to the backend, and a backend that cannot be reached then fails
the web process for good).
"""

from ..mail.render import Mail
from ..mail.sender import MailSender
from .celery_app import celery_app, run_in_worker, worker_settings
from .service import TRANSIENT_ERRORS, run_job


@celery_app.task(
    name="jobs.run",
    ignore_result=True,
    # The database is restarting or unreachable: try again, waiting 1, 2, 4, ... s (jittered,
    # at most 5 minutes apart), then give up.
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def run_job_task(job_id: int) -> None:
    run_in_worker(lambda session_factory: run_job(session_factory, job_id))


@celery_app.task(name="mail.send", ignore_result=True)
def send_mail_task(mail: dict[str, str]) -> bool:
    """Send one mail; a failure is logged and reported as False, as in the web process."""
    sender = MailSender(worker_settings())
    return run_in_worker(lambda _session_factory: sender.send(Mail(**mail)))
