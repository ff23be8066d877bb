"""Builders for test data, so each test states only what it cares about."""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.security import hash_password
from {{ cookiecutter.package_name }}.todos.models import Todo
from {{ cookiecutter.package_name }}.users.models import MEMBER, Role, User

DEFAULT_PASSWORD = "correct horse battery staple"
_sequence = count(1)


@dataclass
class UserFactory:
    session: Session

    def create(
        self,
        *,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        is_active: bool = True,
        roles: Sequence[str] = (MEMBER,),
        is_verified: bool = True,
        hashed_password: str | None = None,
    ) -> User:
        user = User(
            email=email or f"user{next(_sequence)}@example.com",
            hashed_password=hashed_password or hash_password(password),
            is_active=is_active,
            is_verified=is_verified,
            roles=list(self.session.scalars(select(Role).where(Role.name.in_(roles)))),
        )
        self.session.add(user)
        self.session.commit()
        return user

    def login(
        self, client: TestClient, user: User, password: str = DEFAULT_PASSWORD
    ) -> dict[str, Any]:
        """The token endpoint's answer to the password grant: a new login session."""
        form = {"grant_type": "password", "username": user.email, "password": password}
        response = client.post("/api/v1/auth/token", data=form)
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    def login_headers(
        self, client: TestClient, user: User, password: str = DEFAULT_PASSWORD
    ) -> dict[str, str]:
        return bearer(self.login(client, user, password)["access_token"])


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def api_key_headers(client: TestClient, login: dict[str, str], *scopes: str) -> dict[str, str]:
    """Headers that carry a new API key with `scopes`, made by the user of `login`."""
    body = {"name": "A test key", "scopes": list(scopes)}
    response = client.post("/api/v1/users/me/api-keys", headers=login, json=body)
    assert response.status_code == 201, response.text
    return bearer(response.json()["key"])


@dataclass
class TodoFactory:
    session: Session

    def create(self, owner: User, *, title: str = "A todo", completed: bool = False) -> Todo:
        todo = Todo(title=title, completed=completed, owner_id=owner.id)
        self.session.add(todo)
        self.session.commit()
        return todo
