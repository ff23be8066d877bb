"""PostgreSQL for the template tests: a server to create throwaway databases on.

Either the server named by TEMPLATE_TEST_POSTGRES_URL (an admin URL, as `.ci/run` sets up),
or a private cluster that `initdb` creates in a temporary folder and `pg_ctl` runs on a free
port, so a test can also stop and start it without disturbing anything else.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ADMIN_URL_ENV = "TEMPLATE_TEST_POSTGRES_URL"


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(f"PostgreSQL's {name} was not found: apt-get install -y postgresql")
    return found[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PostgresServer:
    admin_url: str

    def url_for(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [
                _pg_bin("psql"),
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
                self.url_for(database),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout.strip()

    created: list[str] = field(default_factory=list)

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database, dropped again by `drop_created_databases`; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self.psql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.url_for(name)

    def drop_created_databases(self) -> None:
        for name in self.created:
            self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()


@dataclass(kw_only=True)
class PostgresCluster(PostgresServer):
    """A private cluster in a temporary folder, started and stopped by the tests."""

    data_dir: Path
    port: int

    @classmethod
    def create(cls) -> PostgresCluster:
        root = Path(tempfile.mkdtemp(prefix="template-tests-pg-"))
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(root, user.pw_uid, user.pw_gid)
        data_dir = root / "data"
        subprocess.run(
            _as_postgres_user(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            capture_output=True,
            check=True,
            timeout=120,
        )
        port = free_port()
        cluster = cls(
            admin_url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
            data_dir=data_dir,
            port=port,
        )
        cluster.start()
        return cluster

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres_user([_pg_bin("pg_ctl"), "-D", str(self.data_dir), *args]),
            capture_output=True,
            check=True,
            timeout=120,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c max_connections=200"
        )
        self._pg_ctl("-w", "-l", str(self.data_dir.parent / "server.log"), "-o", options, "start")

    def is_running(self) -> bool:
        status = subprocess.run(
            _as_postgres_user([_pg_bin("pg_ctl"), "-D", str(self.data_dir), "status"]),
            capture_output=True,
            timeout=60,
        )
        return status.returncode == 0

    def stop(self) -> None:
        if self.is_running():
            self._pg_ctl("-w", "-m", "fast", "stop")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)
