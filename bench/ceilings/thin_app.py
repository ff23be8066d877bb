"""The ceiling for a DB-backed request: the API's reads and its write done in the thinnest code.

Same work as the real endpoints (verify the JWT, load the user by primary key, select the
page and its count, or one row, or insert a todo; /users/me stops after the user: the cost of
authentication) on the same driver, psycopg2, with a pool sized like the app's and no ORM,
dependency injection or response model.
"""

import json
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import Response
from psycopg2.extensions import cursor as Cursor
from psycopg2.pool import ThreadedConnectionPool
from starlette.concurrency import run_in_threadpool

POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "10"))
SECRET_KEY = os.environ["SECRET_KEY"]
DSN = os.environ["DATABASE_URL"].replace("postgresql+psycopg2://", "postgresql://")
COLUMNS = "id, title, description, completed, owner_id, created_at, updated_at"
USER_COLUMNS = "id, email, full_name, is_active, is_verified, created_at"

# minconn == maxconn: psycopg2 closes connections returned above minconn, and raises instead
# of waiting when empty, so callers wait on a semaphore of the same size.
_slots = threading.BoundedSemaphore(POOL_SIZE)
_pool: ThreadedConnectionPool | None = None


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    global _pool  # one pool per worker process, made after the fork
    _pool = ThreadedConnectionPool(POOL_SIZE, POOL_SIZE, DSN)
    yield
    _pool.closeall()


app = FastAPI(lifespan=lifespan)


def _query(work: Callable[[Cursor], Any]) -> Any:
    assert _pool is not None
    with _slots:
        connection = _pool.getconn()
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                return work(cursor)
        finally:
            _pool.putconn(connection)


def user_id(request: Request) -> int:
    token = request.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(
        token, SECRET_KEY, algorithms=["HS256"], options={"require": ["exp", "sub"]}
    )
    return int(claims["sub"])


def as_dict(columns: str, row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in zip(columns.split(", "), row, strict=True)
    }


def _todo(row: tuple[Any, ...]) -> dict[str, Any]:
    return as_dict(COLUMNS, row)


def _active_user(cursor: Cursor, user_id: int) -> bool:
    cursor.execute("SELECT is_active FROM users WHERE id = %s", (user_id,))
    row = cursor.fetchone()
    return bool(row and row[0])


def _page(user_id: int, limit: int, offset: int) -> dict[str, Any] | None:
    def work(cursor: Cursor) -> dict[str, Any] | None:
        if not _active_user(cursor, user_id):
            return None
        cursor.execute("SELECT count(*) FROM todos WHERE owner_id = %s", (user_id,))
        (total,) = cursor.fetchone()
        cursor.execute(
            f"SELECT {COLUMNS} FROM todos WHERE owner_id = %s "  # constant columns
            "ORDER BY created_at DESC, id DESC LIMIT %s OFFSET %s",
            (user_id, limit, offset),
        )
        items = [_todo(row) for row in cursor.fetchall()]
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    return _query(work)


def _one(user_id: int, todo_id: int) -> dict[str, Any] | None:
    def work(cursor: Cursor) -> dict[str, Any] | None:
        if not _active_user(cursor, user_id):
            return None
        cursor.execute(f"SELECT {COLUMNS} FROM todos WHERE id = %s", (todo_id,))
        row = cursor.fetchone()
        return _todo(row) if row and row[4] == user_id else None

    return _query(work)


def _insert(user_id: int, title: str) -> dict[str, Any] | None:
    def work(cursor: Cursor) -> dict[str, Any] | None:
        if not _active_user(cursor, user_id):
            return None
        cursor.execute(
            "INSERT INTO todos (title, description, completed, owner_id, version, created_at, "
            f"updated_at) VALUES (%s, NULL, false, %s, 1, now(), now()) RETURNING {COLUMNS}",
            (title, user_id),
        )
        return _todo(cursor.fetchone())

    return _query(work)


def _me(user_id: int) -> dict[str, Any] | None:
    def work(cursor: Cursor) -> dict[str, Any] | None:
        cursor.execute(f"SELECT {USER_COLUMNS} FROM users WHERE id = %s", (user_id,))
        row = cursor.fetchone()
        return as_dict(USER_COLUMNS, row) if row and row[3] else None

    return _query(work)


def json_response(body: dict[str, Any] | None, status_code: int = 200) -> Response:
    if body is None:
        return Response(b'{"detail":"Not Found"}', status_code=404, media_type="application/json")
    return Response(json.dumps(body), status_code=status_code, media_type="application/json")


@app.get("/health")
async def health() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@app.get("/api/v1/users/me")
async def read_me(request: Request) -> Response:
    return json_response(await run_in_threadpool(_me, user_id(request)))


@app.get("/api/v1/todos")
async def list_todos(request: Request) -> Response:
    limit = int(request.query_params.get("limit", "20"))
    offset = int(request.query_params.get("offset", "0"))
    return json_response(await run_in_threadpool(_page, user_id(request), limit, offset))


@app.get("/api/v1/todos/{todo_id}")
async def read_todo(request: Request, todo_id: int) -> Response:
    return json_response(await run_in_threadpool(_one, user_id(request), todo_id))


@app.post("/api/v1/todos")
async def create_todo(request: Request) -> Response:
    title = str((await request.json())["title"])
    return json_response(await run_in_threadpool(_insert, user_id(request), title), 201)
