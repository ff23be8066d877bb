"""A client generated from a served bake's OpenAPI document (openapi-python-client) has short
names and walks the todo flow against that server."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import pytest

from .baked_project import InstalledProject
from .conftest import variant
from .harness import TOOLS_BIN, clean_environment, run

pytestmark = pytest.mark.slow

CLIENT = "todo_client"


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"{CLIENT}.{name}")


def _generate_client(openapi: str, folder: Path) -> str:
    (folder / "openapi.json").write_text(openapi)
    result = run(
        [
            str(TOOLS_BIN / "openapi-python-client"),
            "generate",
            "--path",
            "openapi.json",
            "--meta",
            "none",
            "--output-path",
            CLIENT,
        ],
        cwd=folder,
        # Its post-generation hooks run ruff from PATH.
        env=clean_environment(PATH=f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"),
    )
    return result.stdout + result.stderr


@pytest.mark.parametrize("project", [variant("defaults")], indirect=True)
def test_a_generated_client_walks_the_todo_flow(
    project: InstalledProject,
    migrated_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with project.serve(DATABASE_URL=migrated_database) as api:
        output = _generate_client(api.get("/openapi.json").text, tmp_path)
        assert "Warning" not in output, output
        api_folder = tmp_path / CLIENT / "api"
        functions = {path.stem for path in api_folder.glob("*/*.py")} - {"__init__"}
        assert {"auth_register", "auth_login", "todos_read_page", "users_read_me"} <= functions
        assert not [name for name in functions if "api_v1" in name], functions
        monkeypatch.syspath_prepend(str(tmp_path))
        client_module, models = _module("client"), _module("models")
        base_url = str(api.base_url)
        email, password = "generated@example.com", "a generated client's password"
        with client_module.Client(base_url=base_url) as anonymous:
            user = _module("api.auth.auth_register").sync(
                client=anonymous, body=models.UserCreate(email=email, password=password)
            )
            form = models.AuthLoginTokenRequest(
                grant_type=models.AuthLoginTokenRequestGrantType.PASSWORD,
                username=email,
                password=password,
            )
            token = _module("api.auth.auth_login").sync(client=anonymous, body=form)
        assert isinstance(user, models.UserPublic)
        assert user.email == email
        assert isinstance(token, models.Token)

        with client_module.AuthenticatedClient(
            base_url=base_url, token=token.access_token
        ) as client:
            _walk_the_todo_flow(client, models)


def _walk_the_todo_flow(client: object, models: ModuleType) -> None:
    created = _module("api.todos.todos_create").sync(
        client=client, body=models.TodoCreate(title="from a generated client")
    )
    assert isinstance(created, models.TodoPublic)
    page = _module("api.todos.todos_read_page").sync(client=client, limit=10)
    assert isinstance(page, models.TodosPublic)
    assert (page.total, [item.id for item in page.items]) == (1, [created.id])

    updated = _module("api.todos.todos_update").sync(
        created.id, client=client, body=models.TodoUpdate(completed=True)
    )
    assert isinstance(updated, models.TodoPublic)
    assert updated.completed is True

    deleted = _module("api.todos.todos_delete").sync_detailed(created.id, client=client)
    assert deleted.status_code == 204
    missing = _module("api.todos.todos_read").sync(created.id, client=client)
    assert isinstance(missing, models.ErrorMessage)
    assert missing.detail == "Todo not found"
