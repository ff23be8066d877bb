"""With Celery, beat sends each schedule's ticks to the workers, which run them."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import utc_now
from {{ cookiecutter.package_name }}.domains import schedules
from {{ cookiecutter.package_name }}.infra.outbox.models import OutboxMessage
from {{ cookiecutter.package_name }}.worker import run_schedule_task, worker_config


def test_beat_sends_a_task_per_schedule_at_its_interval(settings: Settings) -> None:
    beat = worker_config(settings)["beat_schedule"]
    assert set(beat) == set(schedules())
    for name, entry in beat.items():
        assert entry == {
            "task": "schedules.run",
            "schedule": schedules()[name].every(settings),
            "args": (name,),
        }


def test_the_task_runs_one_tick_of_the_schedule(settings: Settings, session: Session) -> None:
    long_ago = utc_now() - timedelta(days=settings.outbox_keep_days + 1)
    session.add_all(
        [
            OutboxMessage(topic="old", payload={}, sent_at=long_ago),
            OutboxMessage(topic="unsent", payload={}),
        ]
    )
    session.commit()
    run_schedule_task.apply(args=("outbox.purge-sent",)).get()
    session.rollback()
    assert session.scalars(select(OutboxMessage.topic)).all() == ["unsent"]
