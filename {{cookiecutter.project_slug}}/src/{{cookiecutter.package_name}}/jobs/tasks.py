"""The Celery tasks: thin wrappers that run the same async code as the API on the worker's
event loop. Their arguments are JSON: ids and plain values, never objects."""

from ..mail.render import Mail
from ..mail.sender import MailSender
from .celery_app import celery_app, run_in_worker, worker_settings
from .service import TRANSIENT_ERRORS, run_job


@celery_app.task(
    name="jobs.run",
    # The database is restarting or unreachable: try again, waiting 1, 2, 4, ... s (jittered,
    # at most 5 minutes apart), then give up.
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def run_job_task(job_id: int) -> None:
    run_in_worker(lambda session_factory: run_job(session_factory, job_id))


@celery_app.task(name="mail.send")
def send_mail_task(mail: dict[str, str]) -> bool:
    """Send one mail; a failure is logged and reported as False, as in the web process."""
    sender = MailSender(worker_settings())
    return run_in_worker(lambda _session_factory: sender.send(Mail(**mail)))
