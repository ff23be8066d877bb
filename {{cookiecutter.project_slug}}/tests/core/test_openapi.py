"""The OpenAPI document reads well in clients generated from it."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    openapi: dict[str, Any] = client.get("/openapi.json").json()
    return openapi


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for path in document["paths"].values() for operation in path.values()]


def test_operation_ids_are_short_and_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for operation in _operations(document)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)+", operation_id) for operation_id in ids), ids
    assert {"auth-register", "auth-login", "todos-read-page", "todos-create"} <= set(ids)


def test_every_schema_has_a_name_of_its_own(document: dict[str, Any]) -> None:
    names = set(document["components"]["schemas"])
    generated = [name for name in names if "_" in name or "Response" in name or "Body" in name]
    assert generated == []


def test_every_success_with_a_body_names_its_schema(document: dict[str, Any]) -> None:
    for operation in _operations(document):
        for code, response in operation["responses"].items():
            if code.startswith("2") and "content" in response:  # not 204, nor revocation's 200
                schema = response["content"]["application/json"]["schema"]
                assert "$ref" in schema, (operation["operationId"], code, schema)


def test_readiness_documents_both_answers(document: dict[str, Any]) -> None:
    responses = document["paths"]["/health/ready"]["get"]["responses"]
    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Readiness"
    }
    assert responses["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NotReady"
    }


def test_no_content_answers_declare_no_body(document: dict[str, Any]) -> None:
    delete = document["paths"]["/api/v1/todos/{todo_id}"]["delete"]["responses"]["204"]
    assert "content" not in delete
