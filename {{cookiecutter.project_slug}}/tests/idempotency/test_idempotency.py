"""Idempotent retries (the IETF Idempotency-Key draft): a POST or PATCH with a key runs once,
its retries get its answer again, the key is refused for another request, and the answers
are forgotten once expired."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, Session

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import utc_now
from {{ cookiecutter.package_name }}.core.quota import Quota
from {{ cookiecutter.package_name }}.idempotency.exceptions import IdempotencyKeyInUseError
from {{ cookiecutter.package_name }}.idempotency.models import IdempotencyRecord
from {{ cookiecutter.package_name }}.idempotency.store import Claim, claimed, purge_expired
from {{ cookiecutter.package_name }}.todos.models import Todo

from ..conftest import ClientFactory
from ..factories import UserFactory

TODOS = "/api/v1/todos"
KEY = '"8e03978e-40d5-43e8-bc93-6894a57f9324"'


def _todos(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Todo)) or 0


def _post(client: TestClient, headers: dict[str, str], body: dict[str, Any], key: str = KEY) -> Any:
    return client.post(TODOS, headers={**headers, "Idempotency-Key": key}, json=body)


def test_a_retried_post_runs_once_and_gets_the_first_answer_again(
    client: TestClient, auth_headers: dict[str, str], session: Session
) -> None:
    first = _post(client, auth_headers, {"title": "Pay the rent"})
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers

    retry = _post(client, auth_headers, {"title": "Pay the rent"})
    assert retry.status_code == 201
    assert retry.content == first.content
    assert retry.headers["etag"] == first.headers["etag"]
    assert retry.headers["content-type"] == first.headers["content-type"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert _todos(session) == 1


def test_a_key_is_refused_for_another_request(
    client: TestClient, auth_headers: dict[str, str], session: Session
) -> None:
    assert _post(client, auth_headers, {"title": "Pay the rent"}).status_code == 201
    other = _post(client, auth_headers, {"title": "Pay the rent twice"})
    assert other.status_code == 422
    [error] = other.json()["detail"]
    assert error["loc"] == ["header", "Idempotency-Key"]
    assert error["type"] == "idempotency_key_reused"
    assert _todos(session) == 1


def test_a_patch_with_a_key_is_not_applied_again(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    url = f"{TODOS}/{client.post(TODOS, headers=auth_headers, json={'title': 'A'}).json()['id']}"
    keyed = {**auth_headers, "Idempotency-Key": KEY}
    first = client.patch(url, headers=keyed, json={"title": "B"})
    assert first.status_code == 200
    assert client.patch(url, headers=auth_headers, json={"title": "C"}).status_code == 200

    retry = client.patch(url, headers=keyed, json={"title": "B"})
    assert retry.status_code == 200
    assert retry.json()["title"] == "B"  # the first answer...
    assert retry.headers["idempotent-replayed"] == "true"
    assert client.get(url, headers=auth_headers).json()["title"] == "C"  # ...not a second run


def test_keys_are_the_callers_own(
    client: TestClient, auth_headers: dict[str, str], users: UserFactory, session: Session
) -> None:
    other = users.login_headers(client, users.create())
    assert _post(client, auth_headers, {"title": "Mine"}).status_code == 201
    theirs = _post(client, other, {"title": "Mine"})
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert _todos(session) == 2


@pytest.mark.parametrize(
    "fields",
    [
        ['""'],  # empty
        ['"' + "k" * 256 + '"'],  # too long
        ['"tab\there"'],  # not printable ASCII
        ['"a"', '"b"'],  # two keys
        ['"a", "b"'],  # a list, not an Item
        ['"unterminated'],
        ["bare but with spaces"],
    ],
)
def test_a_malformed_key_is_a_400(
    client: TestClient, auth_headers: dict[str, str], session: Session, fields: list[str]
) -> None:
    headers = list(auth_headers.items())
    headers += [("Idempotency-Key", field) for field in fields]
    response = client.post(TODOS, headers=headers, json={"title": "A"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Idempotency-Key must be one key of 1 to 255")
    assert _todos(session) == 0


def test_a_bare_key_is_the_same_key_as_its_string(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    assert _post(client, auth_headers, {"title": "A"}, key="8e03978e").status_code == 201
    again = _post(client, auth_headers, {"title": "A"}, key='"8e03978e"')
    assert again.headers["idempotent-replayed"] == "true"


def test_an_escaped_quote_is_part_of_the_key(
    client: TestClient, auth_headers: dict[str, str]
) -> None:
    assert _post(client, auth_headers, {"title": "A"}, key=r'"say \"hi\""').status_code == 201
    again = _post(client, auth_headers, {"title": "A"}, key=r'"say \"hi\""')
    assert again.headers["idempotent-replayed"] == "true"


def test_a_failed_request_keeps_nothing(
    client: TestClient, auth_headers: dict[str, str], session: Session
) -> None:
    assert _post(client, auth_headers, {"title": ""}).status_code == 422
    corrected = _post(client, auth_headers, {"title": "A"})
    assert corrected.status_code == 201
    assert "idempotent-replayed" not in corrected.headers
    assert _todos(session) == 1


def test_a_request_without_credentials_is_refused_as_without_a_key(
    client: TestClient, session: Session
) -> None:
    response = client.post(TODOS, headers={"Idempotency-Key": KEY}, json={"title": "A"})
    assert response.status_code == 401
    assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


def test_an_expired_answer_is_forgotten(
    client: TestClient, auth_headers: dict[str, str], session: Session
) -> None:
    assert _post(client, auth_headers, {"title": "A"}).status_code == 201
    session.execute(update(IdempotencyRecord).values(expires_at=utc_now() - timedelta(seconds=1)))
    session.commit()
    again = _post(client, auth_headers, {"title": "A"})
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert _todos(session) == 2


@pytest.mark.anyio
async def test_a_key_in_use_is_a_409(async_session: AsyncSession, users: UserFactory) -> None:
    claim = Claim(user_id=users.create().id, key="k", fingerprint="f")
    async with claimed(async_session, claim) as earlier:
        assert earlier is None
        with pytest.raises(IdempotencyKeyInUseError):
            async with claimed(async_session, claim):
                pass


@pytest.mark.anyio
async def test_expired_answers_are_purged(
    client: TestClient,
    auth_headers: dict[str, str],
    session: Session,
    async_session: AsyncSession,
    settings: Settings,
) -> None:
    assert _post(client, auth_headers, {"title": "A"}).status_code == 201
    assert _post(client, auth_headers, {"title": "B"}, key='"another"').status_code == 201
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.key == "another")
        .values(expires_at=utc_now() - timedelta(seconds=1))
    )
    session.commit()
    await purge_expired(async_session, settings)
    await async_session.commit()
    assert session.scalars(select(IdempotencyRecord.key)).all() == [KEY.strip('"')]


def test_the_openapi_document_declares_the_key(client: TestClient) -> None:
    create = client.get("/openapi.json").json()["paths"][TODOS]["post"]
    assert "Idempotency-Key" in {parameter["name"] for parameter in create["parameters"]}
    assert {"400", "409", "422"} <= set(create["responses"])
    assert "Idempotent-Replayed" in create["responses"]["201"]["headers"]


def test_a_key_another_process_committed_first_refuses_this_answer_and_its_change(
    client: TestClient, auth_headers: dict[str, str], session: Session
) -> None:
    """Another worker's request with the key commits between this one's lookup and its
    commit (SQLite has no lock to keep it out), simulated in this transaction: the unique key
    refuses this one's answer, and its change goes with it."""

    def another_process_keeps_the_key(
        _mapper: Mapper[Todo], connection: Connection, todo: Todo
    ) -> None:
        now = utc_now()
        answer = {"status_code": 201, "headers": [], "body": b"{}", "fingerprint": "theirs"}
        record = {"user_id": todo.owner_id, "key": KEY.strip('"'), "created_at": now}
        expires = {"expires_at": now + timedelta(hours=1)}
        connection.execute(insert(IdempotencyRecord).values(**record, **answer, **expires))

    event.listen(Todo, "after_insert", another_process_keeps_the_key)
    try:
        second = _post(client, auth_headers, {"title": "A"})
    finally:
        event.remove(Todo, "after_insert", another_process_keeps_the_key)
    assert second.status_code == 409
    assert second.headers["retry-after"] == "1"
    assert _todos(session) == 0


def test_a_replay_spends_the_rate_limit_and_says_what_is_left_now(
    client_with: ClientFactory, users: UserFactory
) -> None:
    client = client_with(rate_limit_api=Quota(requests=3, window_seconds=60))
    headers = users.login_headers(client, users.create())
    first = _post(client, headers, {"title": "A"})
    assert first.headers["ratelimit"].startswith('"api";r=2;')
    again = _post(client, headers, {"title": "A"})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["ratelimit"].startswith('"api";r=1;')
    assert _post(client, headers, {"title": "A"}).headers["ratelimit"].startswith('"api";r=0;')
    refused = _post(client, headers, {"title": "A"})
    assert refused.status_code == 429
    assert "idempotent-replayed" not in refused.headers
