"""The thin ceiling again on asyncpg, the app's own driver: what the driver allows at most.

The same three reads and the write as `thin_app` (which stays the reference, on psycopg2), with
an asyncpg pool of the same size and no ORM, dependency injection or response model.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import Response
from thin_app import COLUMNS, DSN, POOL_SIZE, USER_COLUMNS, as_dict, json_response, user_id

_pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    global _pool  # one pool per worker process, made after the fork
    _pool = await asyncpg.create_pool(DSN, min_size=POOL_SIZE, max_size=POOL_SIZE)
    yield
    await _pool.close()


app = FastAPI(lifespan=lifespan)


def _connection() -> Any:
    assert _pool is not None
    return _pool.acquire()


async def _is_active(connection: asyncpg.Connection, owner: int) -> bool:
    return bool(await connection.fetchval("SELECT is_active FROM users WHERE id = $1", owner))


@app.get("/health")
async def health() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@app.get("/api/v1/users/me")
async def read_me(request: Request) -> Response:
    async with _connection() as connection:
        row = await connection.fetchrow(
            f"SELECT {USER_COLUMNS} FROM users WHERE id = $1",  # constant columns
            user_id(request),
        )
    return json_response(as_dict(USER_COLUMNS, tuple(row)) if row and row[3] else None)


@app.get("/api/v1/todos")
async def list_todos(request: Request) -> Response:
    owner = user_id(request)
    limit = int(request.query_params.get("limit", "20"))
    offset = int(request.query_params.get("offset", "0"))
    async with _connection() as connection:
        if not await _is_active(connection, owner):
            return json_response(None)
        total = await connection.fetchval("SELECT count(*) FROM todos WHERE owner_id = $1", owner)
        rows = await connection.fetch(
            f"SELECT {COLUMNS} FROM todos WHERE owner_id = $1 "  # constant columns
            "ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
            owner,
            limit,
            offset,
        )
    items = [as_dict(COLUMNS, tuple(row)) for row in rows]
    return json_response({"items": items, "total": total, "limit": limit, "offset": offset})


@app.get("/api/v1/todos/{todo_id}")
async def read_todo(request: Request, todo_id: int) -> Response:
    owner = user_id(request)
    async with _connection() as connection:
        if not await _is_active(connection, owner):
            return json_response(None)
        row = await connection.fetchrow(f"SELECT {COLUMNS} FROM todos WHERE id = $1", todo_id)
    return json_response(as_dict(COLUMNS, tuple(row)) if row and row[4] == owner else None)


@app.post("/api/v1/todos")
async def create_todo(request: Request) -> Response:
    owner = user_id(request)
    title = str((await request.json())["title"])
    async with _connection() as connection:
        if not await _is_active(connection, owner):
            return json_response(None)
        row = await connection.fetchrow(
            "INSERT INTO todos (title, description, completed, owner_id, version, created_at, "
            f"updated_at) VALUES ($1, NULL, false, $2, 1, now(), now()) RETURNING {COLUMNS}",
            title,
            owner,
        )
    return json_response(as_dict(COLUMNS, tuple(row)), 201)
