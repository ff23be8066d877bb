"""Command-line administration: `{{ cookiecutter.project_slug }} <command>` (see --help)."""

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from .core.config import ConfigurationError, get_settings
from .core.db import create_db_engine
from .core.exceptions import DomainError
from .core.logging import configure_logging
from .domains import permissions
from .identity.permissions import role_permissions
from .migrate import DatabaseNotReadyError, migrate
from .users.models import ADMIN, User
from .users.roles import list_roles, roles_named, set_roles
from .users.schemas import UserCreate, normalise_email
from .users.service import create_user, get_user_by_email

_PACKAGE = __name__.rpartition(".")[0]
PASSWORD_ENV_VAR = "SUPERUSER_PASSWORD"  # noqa: S105  # nosec B105  # a variable's name


def _read_password() -> str:
    if password := os.environ.get(PASSWORD_ENV_VAR):
        return password
    if not sys.stdin.isatty():
        # getpass would read the password from stdin, or fail with a traceback on its end.
        raise SystemExit(f"error: no terminal to ask for the password: set {PASSWORD_ENV_VAR}")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise SystemExit("error: the passwords do not match")
    return password


def create_superuser(email: str, full_name: str | None) -> User:
    try:
        user_in = UserCreate(email=email, password=_read_password(), full_name=full_name)
    except ValidationError as exc:
        problems = "; ".join(f"{error['loc'][0]}: {error['msg']}" for error in exc.errors())
        raise SystemExit(f"error: {problems}") from None
    return asyncio.run(_create_superuser(user_in))


async def _create_superuser(user_in: UserCreate) -> User:
    """Through the same service as registration, so a superuser (an admin) is made like any
    user; the operator vouches for the address, so it counts as verified."""
    async with _database() as session:
        return await create_user(
            session, user_in=user_in, settings=get_settings(), roles=(ADMIN,), is_verified=True
        )


@asynccontextmanager
async def _database() -> AsyncIterator[AsyncSession]:
    engine = create_db_engine(get_settings())
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            yield session
    finally:
        await engine.dispose()


async def _account(session: AsyncSession, email: str) -> User:
    user = await get_user_by_email(session, email=normalise_email(email))
    if user is None:
        raise SystemExit(f"error: no account has the email {normalise_email(email)}")
    return user


async def _change_roles(email: str, role_name: str, *, grant: bool) -> User:
    """Give the account `role_name`, or take it away, under the rules the API follows (the
    last active admin keeps admin)."""
    async with _database() as session:
        user = await _account(session, email)
        [role] = await roles_named(session, [role_name], field="role")
        others = [held for held in user.roles if held.id != role.id]
        changed = [*others, role] if grant else others
        return await set_roles(session, actor_id=None, user=user, roles=changed)


async def _role_lines() -> list[str]:
    known = permissions()
    async with _database() as session:
        return [
            f"{role.name}{' (built in)' if role.is_built_in else ''}: "
            + (" ".join(sorted(role_permissions(role, known))) or "(no permissions)")
            for role in await list_roles(session)
        ]


@contextmanager
def _dev_extra() -> Iterator[None]:
    """Around the generator's import: a development command, whose libraries (inflect, Jinja2)
    come with the dev extra, not in production."""
    try:
        yield
    except ModuleNotFoundError as missing:
        raise SystemExit(
            f"error: new-resource needs the dev extra ({missing.name} is missing): "
            "pip install -e '.[dev]'"
        ) from None


def new_resource(
    name: str, field_specs: list[str], plural: str | None, *, export: bool = False
) -> None:
    with _dev_extra():
        from .generator import GeneratorError, generate_resource
    try:
        written = generate_resource(Path.cwd(), _PACKAGE, name, field_specs, plural, export=export)
    except GeneratorError as exc:
        raise SystemExit(f"error: {exc}") from None
    print("Wrote", *(f"  {path.relative_to(Path.cwd())}" for path in written), sep="\n")
    print("Next: alembic upgrade head, then pytest")


def remove_generated_resource(name: str) -> None:
    with _dev_extra():
        from .generator import GeneratorError, remove_resource
    try:
        removal = remove_resource(Path.cwd(), _PACKAGE, name)
    except GeneratorError as exc:
        raise SystemExit(f"error: {exc}") from None
    print(removal.found)
    print("Removed", *(f"  {path.relative_to(Path.cwd())}/" for path in removal.removed), sep="\n")
    print(f"  its import and entry in src/{_PACKAGE}/domains.py")
    print("  its name in the resource domains' layer of pyproject.toml")
    revision = removal.revision.relative_to(Path.cwd())
    print(f"Wrote\n  {revision} (drops {removal.plural}; its downgrade creates it again)")
    print("Next: alembic upgrade head, then pytest")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="{{ cookiecutter.project_slug }}", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    superuser = commands.add_parser(
        "create-superuser",
        help=f"create an admin account (password from ${PASSWORD_ENV_VAR} or a prompt)",
    )
    superuser.add_argument("--email", required=True)
    superuser.add_argument("--full-name")
    for command, verb in (("grant-role", "give"), ("revoke-role", "take")):
        change = commands.add_parser(
            command, help=f"{verb} an existing account a role (list-roles), from its next request"
        )
        change.add_argument("email")
        change.add_argument("role")
    commands.add_parser("list-roles", help="every role, and the permissions each allows")
    commands.add_parser(
        "migrate",
        help="wait for the database (DB_CONNECT_RETRIES, DB_CONNECT_INTERVAL), then upgrade "
        "it to head under a lock, so that replicas starting together migrate once",
    )
    resource = commands.add_parser(
        "new-resource",
        help="add a resource like todos: its package, tests and migration; or take one out "
        "again with --remove (run in the project's root folder)",
    )
    resource.add_argument("name", nargs="?", help="singular, snake_case: note, line_item")
    resource.add_argument(
        "--remove",
        metavar="NAME",
        help="take the generated resource NAME (or its package, notes) out again: its package, "
        "tests, registry entry and import-linter name; writes a migration that drops its table",
    )
    resource.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME:TYPE[:LENGTH][?]",
        help="TYPE is str, text, int, float, bool, date, datetime or decimal; a str takes a "
        "maximum LENGTH (255 if not given); ? makes it optional; a bool defaults to false and "
        "filters the list, ?NAME=true (repeat --field for each field)",
    )
    resource.add_argument("--plural", help="the plural, when the English rule gets it wrong")
    resource.add_argument(
        "--export",
        action="store_true",
        help="add POST /<plural>/export: a background job of every row of the caller",
    )
    args = parser.parse_args(argv)
    if args.command == "new-resource":
        if args.remove is None:
            if args.name is None:
                resource.error("give the resource's NAME, or --remove NAME")
            new_resource(args.name, args.field, args.plural, export=args.export)
        elif args.name or args.field or args.plural or args.export:
            resource.error("--remove takes only the resource's NAME")
        else:
            remove_generated_resource(args.remove)
        return
    try:
        if args.command == "migrate":
            settings = get_settings()
            configure_logging(settings)
            migrate(settings)
            return
        if args.command in ("grant-role", "revoke-role"):
            grant = args.command == "grant-role"
            user = asyncio.run(_change_roles(args.email, args.role, grant=grant))
            held = ", ".join(user.role_names) or "no role"
            print(f"{user.email} (id {user.id}) now holds: {held}")
            return
        if args.command == "list-roles":
            print(*asyncio.run(_role_lines()), sep="\n")
            return
        user = create_superuser(args.email, args.full_name)
    except (ConfigurationError, DomainError, DatabaseNotReadyError) as exc:
        sys.exit(f"error: {exc}")
    print(f"Created superuser {user.email} (id {user.id})")
