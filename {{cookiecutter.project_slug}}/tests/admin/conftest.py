"""An admin client: HTTPS (the session cookie is Secure outside development) and same-origin
requests, as a browser on the site sends them."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.users.models import User

from ..factories import DEFAULT_PASSWORD, UserFactory

SITE = "https://testserver"
LOGIN = "/admin/login"

AdminClientFactory = Callable[..., TestClient]


def log_in(client: TestClient, user: User, password: str = DEFAULT_PASSWORD) -> Any:
    return client.post(
        LOGIN, data={"username": user.email, "password": password}, follow_redirects=False
    )


@pytest.fixture
def admin_client_with(settings: Settings, session: Session) -> Iterator[AdminClientFactory]:
    """Admin clients of apps whose settings differ: `admin_client_with(login_max_failures=2)`."""
    with ExitStack() as clients:

        def make(**changes: Any) -> TestClient:
            app = create_app(settings.model_copy(update=changes))
            client = TestClient(app, base_url=SITE, headers={"Origin": SITE})
            return clients.enter_context(client)

        yield make


@pytest.fixture
def superuser(users: UserFactory) -> User:
    return users.create(roles=("admin",))


@pytest.fixture
def admin(admin_client_with: AdminClientFactory, superuser: User) -> TestClient:
    """A client logged in to the admin as `superuser`."""
    client = admin_client_with()
    assert log_in(client, superuser).status_code == 302
    return client
