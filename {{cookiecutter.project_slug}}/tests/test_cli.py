import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }} import cli
from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.users.models import Role, User

from .factories import UserFactory


@pytest.fixture(autouse=True)
def cli_environment(
    settings: Settings, session: Session, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Point the CLI, which reads the real environment, at the test database."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv(cli.PASSWORD_ENV_VAR, "a strong admin password")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_create_superuser(session: Session, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["create-superuser", "--email", "Admin@Example.com", "--full-name", "Admin"])
    assert "Created superuser admin@example.com" in capsys.readouterr().out
    admin = session.scalar(select(User).where(User.email == "admin@example.com"))
    assert admin is not None
    assert admin.role_names == ["admin"]
    assert admin.is_verified  # the operator vouches for the address


def test_create_superuser_twice_fails_cleanly() -> None:
    cli.main(["create-superuser", "--email", "admin@example.com"])
    with pytest.raises(SystemExit, match="already exists"):
        cli.main(["create-superuser", "--email", "admin@example.com"])


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 8 characters"),
        ("password", "commonly used"),
        ("11111111", "repeated"),
        ("admin@example.com", "email address"),
    ],
)
def test_create_superuser_rejects_a_password_the_policy_refuses(
    monkeypatch: pytest.MonkeyPatch, session: Session, password: str, reason: str
) -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV_VAR, password)
    with pytest.raises(SystemExit, match=f"^error: password: .*{reason}") as refused:
        cli.main(["create-superuser", "--email", "admin@example.com"])
    assert password not in str(refused.value).removeprefix("error: password:")
    assert session.scalar(select(User)) is None


def test_create_superuser_minimum_length_is_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PASSWORD_MIN_LENGTH", "30")
    with pytest.raises(SystemExit, match="at least 30 characters"):
        cli.main(["create-superuser", "--email", "admin@example.com"])


def test_create_superuser_prompts_twice_for_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(cli.PASSWORD_ENV_VAR)
    answers = iter(["first password", "second password"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    with pytest.raises(SystemExit, match="do not match"):
        cli.main(["create-superuser", "--email", "admin@example.com"])


def test_create_superuser_without_a_terminal_asks_for_the_variable() -> None:
    """As under `docker compose exec -T` or in CI: one line and exit 1, not a traceback."""
    environment = {k: v for k, v in os.environ.items() if k != cli.PASSWORD_ENV_VAR}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from {{ cookiecutter.package_name }}.cli import main; main()",
            *("create-superuser", "--email", "admin@example.com"),
        ],
        env=environment,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal: getpass cannot open /dev/tty
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"error: no terminal to ask for the password: set {cli.PASSWORD_ENV_VAR}\n"
    )


def test_grant_and_revoke_role_change_what_an_account_holds(
    session: Session, users: UserFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    user = users.create(email="ada@example.com")
    cli.main(["grant-role", "Ada@Example.com", "admin"])
    assert "ada@example.com (id" in capsys.readouterr().out
    session.refresh(user)
    assert user.role_names == ["admin", "member"]
    cli.main(["revoke-role", "ada@example.com", "member"])
    assert "now holds: admin" in capsys.readouterr().out
    session.refresh(user)
    assert user.role_names == ["admin"]


def test_revoking_the_last_admins_role_fails_cleanly(users: UserFactory) -> None:
    users.create(email="root@example.com", roles=("admin",))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["revoke-role", "root@example.com", "admin"])
    assert exit_info.value.code == (
        "error: This is the last active admin: make another admin first"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["grant-role", "nobody@example.com", "admin"], "no account has the email"),
        (["grant-role", "ada@example.com", "wizard"], "No such role: wizard"),
    ],
)
def test_grant_role_of_an_unknown_account_or_role_fails_in_one_line(
    users: UserFactory, arguments: list[str], message: str
) -> None:
    users.create(email="ada@example.com")
    with pytest.raises(SystemExit) as exit_info:
        cli.main(arguments)
    assert message in str(exit_info.value.code)
    assert "\n" not in str(exit_info.value.code)


def test_list_roles_shows_every_role_and_what_it_allows(
    session: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    session.add(Role(name="support", description="", permissions=["todos:read-any"]))
    session.commit()
    cli.main(["list-roles"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("admin (built in): ")
    assert "users:manage" in lines[0]
    assert lines[1].startswith("member (built in): ")
    assert "todos:write" in lines[1]
    assert "todos:read-any" not in lines[1]
    assert lines[2] == "support: todos:read-any"


def test_create_superuser_reports_bad_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "changethis")
    get_settings.cache_clear()
    with pytest.raises(SystemExit, match="SECRET_KEY"):
        cli.main(["create-superuser", "--email", "admin@example.com"])
