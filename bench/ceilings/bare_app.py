"""The framework's ceiling: FastAPI answering constant JSON the size of a page of 20 todos."""

from typing import Any

from fastapi import FastAPI

_TODO = {
    "id": 1,
    "title": "A typical todo title of some length",
    "description": "A description that is a sentence or two long, as most of them are.",
    "completed": False,
    "owner_id": 1,
    "created_at": "2026-01-01T00:00:00.000000Z",
    "updated_at": "2026-01-01T00:00:00.000000Z",
}
PAGE: dict[str, Any] = {"items": [_TODO] * 20, "total": 1000, "limit": 20, "offset": 0}

app = FastAPI()


@app.get("/health")
async def health() -> dict[str, Any]:
    return PAGE
