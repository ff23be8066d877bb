"""Background work repeated while a block runs (the outbox sweep, the in-process scheduler)."""

import asyncio
import logging

import pytest

from {{ cookiecutter.package_name }}.infra.periodic import repeating


@pytest.mark.anyio
async def test_a_failed_round_is_logged_and_the_next_one_comes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds: list[int] = []

    async def work() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("the first round fails")

    with caplog.at_level(logging.ERROR):
        async with repeating(work, every_seconds=0.01):
            while len(rounds) < 3:
                await asyncio.sleep(0.01)
    assert rounds[:3] == [0, 1, 2]
    [failure] = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert failure.getMessage().startswith("Background work")
    assert failure.exc_info is not None


@pytest.mark.anyio
async def test_the_round_under_way_finishes_at_the_end_and_no_other_starts() -> None:
    started, finished = asyncio.Event(), []

    async def work() -> None:
        started.set()
        await asyncio.sleep(0.05)
        finished.append(True)

    async with repeating(work, every_seconds=0.01):
        await started.wait()
    assert finished == [True]
