"""Roles and permissions against the defaults bake served by gunicorn on PostgreSQL, changed
with the project's own CLI while it serves: a member refused, then allowed once granted a role,
and refused again the request after it is revoked; the last admin kept by the CLI and the API;
an API key never doing more than its owner may now."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from .baked_project import PASSWORD, TEST_SECRET_KEY, InstalledProject, register_and_login
from .conftest import variant
from .harness import clean_environment

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize("project", [variant("defaults")], indirect=True),
]

ADMIN_EMAIL = "root@example.com"
LAST_ADMIN = "This is the last active admin: make another admin first"


@dataclass(frozen=True)
class Served:
    project: InstalledProject
    database_url: str
    api: httpx.Client

    def cli(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """The project's own command line on the served database; its exit status as it is."""
        return subprocess.run(
            [str(self.project.bin / self.project.path.name), *arguments],
            cwd=self.project.path,
            env=clean_environment(DATABASE_URL=self.database_url),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def log_in(self, email: str) -> dict[str, str]:
        form = {"grant_type": "password", "username": email, "password": PASSWORD}
        token = self.api.post("/api/v1/auth/token", data=form)
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json()['access_token']}"}


@pytest.fixture
def served(project: InstalledProject, migrated_database: str) -> Iterator[Served]:
    made = project.run(
        project.path.name,
        *("create-superuser", "--email", ADMIN_EMAIL),
        DATABASE_URL=migrated_database,
        SUPERUSER_PASSWORD=PASSWORD,
    )
    assert f"Created superuser {ADMIN_EMAIL}" in made.stdout
    with project.serve(
        DATABASE_URL=migrated_database, ENVIRONMENT="production", SECRET_KEY=TEST_SECRET_KEY
    ) as api:
        yield Served(project=project, database_url=migrated_database, api=api)


def test_a_role_granted_and_revoked_by_the_cli_applies_from_the_next_request(
    served: Served,
) -> None:
    member = register_and_login(served.api, "ada@example.com")
    refused = served.api.get("/api/v1/users", headers=member)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This request needs the permission users:manage"}
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]

    granted = served.cli("grant-role", "ada@example.com", "admin")
    assert granted.returncode == 0, granted.stderr
    assert "now holds: admin, member" in granted.stdout
    listed = served.api.get("/api/v1/users", headers=member)  # the same token
    assert listed.status_code == 200
    assert {user["email"] for user in listed.json()["items"]} == {ADMIN_EMAIL, "ada@example.com"}

    revoked = served.cli("revoke-role", "ada@example.com", "admin")
    assert revoked.returncode == 0, revoked.stderr
    assert served.api.get("/api/v1/users", headers=member).status_code == 403

    roles = served.cli("list-roles")
    assert roles.stdout.splitlines()[1].startswith("member (built in): ")


def test_the_last_admin_cannot_be_removed_by_the_cli_or_the_api(served: Served) -> None:
    revoked = served.cli("revoke-role", ADMIN_EMAIL, "admin")
    assert (revoked.returncode, revoked.stderr) == (1, f"error: {LAST_ADMIN}\n")
    unknown = served.cli("grant-role", ADMIN_EMAIL, "wizard")
    assert (unknown.returncode, unknown.stderr) == (1, "error: role: No such role: wizard\n")

    admin = served.log_in(ADMIN_EMAIL)
    me = served.api.get("/api/v1/users/me", headers=admin).json()
    demoted = served.api.put(
        f"/api/v1/users/{me['id']}/roles", headers=admin, json={"roles": ["member"]}
    )
    assert (demoted.status_code, demoted.json()) == (409, {"detail": LAST_ADMIN})
    assert served.api.get("/api/v1/users/me", headers=admin).json()["roles"] == ["admin"]


def test_an_api_key_never_does_more_than_its_owner_may(served: Served) -> None:
    admin = served.log_in(ADMIN_EMAIL)
    member = register_and_login(served.api, "bob@example.com")
    keys = "/api/v1/users/me/api-keys"
    beyond = served.api.post(keys, headers=member, json={"name": "x", "scopes": ["users:manage"]})
    assert beyond.status_code == 422
    assert beyond.json()["detail"][0]["type"] == "scope_not_held"

    made = served.api.post(keys, headers=member, json={"name": "x", "scopes": ["todos:read"]})
    key = {"Authorization": f"Bearer {made.json()['key']}"}
    assert served.api.get("/api/v1/todos", headers=key).status_code == 200
    bob = served.api.get("/api/v1/users/me", headers=member).json()
    emptied = served.api.put(f"/api/v1/users/{bob['id']}/roles", headers=admin, json={"roles": []})
    assert emptied.json()["roles"] == []
    refused = served.api.get("/api/v1/todos", headers=key)
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "This request needs the permission todos:read"},
    )
