"""The column and request types a generated resource uses for decimals, dates and times."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ConfigDict, TypeAdapter, ValidationError
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select

from {{ cookiecutter.package_name }}.core.db import ExactDecimal
from {{ cookiecutter.package_name }}.core.schemas import DecimalNumber, IsoDate, UTCTimestamp


@pytest.fixture
def amounts(engine: Engine) -> Iterator[Table]:
    """A scratch table with a NUMERIC(12, 2) column, on the test database."""
    table = Table(
        "scratch_amounts",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("amount", ExactDecimal(12, 2)),
    )
    table.create(engine)
    yield table
    table.drop(engine)


@pytest.mark.parametrize(
    "amount", ["0.10", "1234567890.99", "-9999999999.99", "0.00", "42.50", None]
)
def test_exact_decimal_reads_back_what_was_stored(
    engine: Engine, amounts: Table, amount: str | None
) -> None:
    stored = Decimal(amount) if amount is not None else None
    with engine.begin() as connection:
        connection.execute(insert(amounts).values(amount=stored))
        read = connection.scalar(select(amounts.c.amount))
    assert read == stored
    assert str(read) == str(amount)  # the scale, too: 42.50, not 42.5


def test_exact_decimal_refuses_more_precision_than_sqlite_keeps() -> None:
    with pytest.raises(ValueError, match="precision"):
        ExactDecimal(16, 2)


def _validate(annotation: Any, value: object) -> object:
    """As in a request body: strict, on JSON already parsed into Python values."""
    return TypeAdapter(annotation, config=ConfigDict(strict=True)).validate_python(value)


def test_request_types_read_json_strings_even_in_strict_bodies() -> None:
    assert _validate(IsoDate, "2026-11-23") == date(2026, 11, 23)
    assert _validate(DecimalNumber, "12.50") == Decimal("12.50")
    assert _validate(UTCTimestamp, "2026-11-23T13:00:00+01:00") == datetime(
        2026, 11, 23, 12, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("annotation", "value"),
    [
        (IsoDate, 86_400),  # a Unix time, which lax validation alone would take
        (UTCTimestamp, 0),
        (UTCTimestamp, "2026-11-23T13:00:00"),  # no offset
        (UTCTimestamp, "0001-01-01T00:00:00+01:00"),  # before year 1 in UTC
        (DecimalNumber, "NaN"),
    ],
)
def test_request_types_refuse_what_would_be_wrong_or_fail_later(
    annotation: Any, value: object
) -> None:
    with pytest.raises(ValidationError):
        _validate(annotation, value)
