"""The shape a new resource copies: one registry of domains, shared pagination, model mixins."""

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.core.api import API_PREFIX
from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.pagination import PageParams, paginate
from {{ cookiecutter.package_name }}.domains import DOMAINS, api_routers, metadata
from {{ cookiecutter.package_name }}.identity.dependencies import TOKEN_URL
from {{ cookiecutter.package_name }}.infra.context import context_of
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.todos.models import Todo
from {{ cookiecutter.package_name }}.users.schemas import EMAIL_MAX_LENGTH

from ..factories import TodoFactory, UserFactory


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


def test_every_domain_router_is_mounted_under_the_api_prefix(app: FastAPI) -> None:
    mounted = set(app.openapi()["paths"])
    for router in api_routers():
        for route in router.routes:
            assert isinstance(route, APIRoute)
            assert API_PREFIX + route.path_format in mounted  # as documented: no `:int`
    assert {"auth", "users", "todos"} <= {domain.name for domain in DOMAINS}


def test_every_domain_table_is_in_the_schema_alembic_compares() -> None:
    assert {"users", "todos"} <= set(metadata().tables)


def test_every_table_is_declared_by_the_domain_that_owns_it() -> None:
    declared = [model.__tablename__ for domain in DOMAINS for model in domain.models]
    assert sorted(declared) == sorted(metadata().tables)


def test_every_job_kind_is_named_for_the_domain_that_declares_it() -> None:
    for domain in DOMAINS:
        for kind in domain.jobs:
            assert kind.startswith(f"{domain.name}.")


def test_the_oauth2_scheme_points_at_the_mounted_token_endpoint(app: FastAPI) -> None:
    assert TOKEN_URL in app.openapi()["paths"]
    scheme = app.openapi()["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == TOKEN_URL


def test_the_lifespan_hands_out_one_typed_context(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app):
        context = context_of(app)
        assert context.settings is settings
        assert context.outbox_relay is not None
        assert context.login_throttle is not None


def test_an_owned_resource_gets_id_timestamps_and_owner_from_the_mixins() -> None:
    todos = metadata().tables["todos"]
    assert {"id", "created_at", "updated_at", "owner_id"} <= set(todos.columns.keys())
    [foreign_key] = todos.c.owner_id.foreign_keys
    assert foreign_key.target_fullname == "users.id"
    assert foreign_key.ondelete == "CASCADE"
    assert "ix_todos_owner_id_created_at" in {index.name for index in todos.indexes}


def test_the_email_column_holds_exactly_what_the_schema_accepts() -> None:
    email = metadata().tables["users"].c.email.type
    assert isinstance(email, String)
    assert email.length == EMAIL_MAX_LENGTH


@pytest.mark.anyio
async def test_paginate_counts_every_row_the_statement_selects(
    async_session: AsyncSession, users: UserFactory, todos: TodoFactory
) -> None:
    owner, other = users.create(), users.create()
    for title in ("a", "b", "c"):
        todos.create(owner, title=title)
    todos.create(other)
    statement = select(Todo).where(Todo.owner_id == owner.id).order_by(Todo.title)
    page = await paginate(async_session, statement, PageParams(limit=2, offset=1))
    assert page.total == 3
    assert [todo.title for todo in page.items] == ["b", "c"]
    assert (page.limit, page.offset) == (2, 1)


@pytest.mark.anyio
async def test_past_the_last_page_the_total_is_still_counted(
    async_session: AsyncSession, users: UserFactory, todos: TodoFactory
) -> None:
    owner = users.create()
    todos.create(owner)
    statement = select(Todo).where(Todo.owner_id == owner.id)
    page = await paginate(async_session, statement, PageParams(limit=2, offset=5))
    assert (page.items, page.total) == ([], 1)
    empty = await paginate(async_session, statement.where(Todo.id < 0), PageParams(2, 0))
    assert (empty.items, empty.total) == ([], 0)
