"""Application settings, read from the environment and the project's `.env` file."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import URL, make_url

from .quota import Quota

# The service's name: the docs' title, the mails' signature, and a word no password may be
# made of.
PROJECT_NAME = {{ cookiecutter.project_name | tojson }}

_SOURCE_ROOT = Path(__file__).resolve().parents[3]
# In a source checkout (editable install) anchor `.env` and the SQLite file to the project
# folder, so gunicorn, Alembic, the CLI and the tests agree whatever their working directory.
PROJECT_ROOT = _SOURCE_ROOT if (_SOURCE_ROOT / "pyproject.toml").is_file() else Path.cwd()

# Refused in production; the post-generation hook writes a real key into .env.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105  # nosec B105
_PLACEHOLDER_SECRETS = frozenset({"", "changethis", "change-me", "changeme", "secret"})
MIN_SECRET_KEY_LENGTH = 32

_ASYNC_DRIVERS = {"postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}

# A route group's rate limit: `600/60` (600 requests a minute), or `0` for none.
RateLimitSetting = Annotated[
    Quota | None,
    NoDecode,
    BeforeValidator(lambda value: Quota.parse(value) if isinstance(value, str) else value),
]

# An optional secret; set but empty (`SENTRY_DSN=` in .env) means unset.
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(lambda value: value or None)]


class ConfigurationError(RuntimeError):
    """The settings are invalid; the message is one line fit for an operator."""


# The databases the app runs on, as DATABASE_URL's scheme names them (before any `+driver`).
_DATABASE_BACKENDS = frozenset({"sqlite", "postgres", "postgresql"})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9]*(\+[A-Za-z0-9_]+)?")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'app.db'}"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    # Access tokens are short-lived; clients renew them with the refresh token.
    access_token_expire_minutes: int = Field(default=15, ge=1, le=60 * 24)
    # A login session (its refresh token) ends after this many days without a refresh, and
    # in any case this many days after the login.
    refresh_token_idle_days: int = Field(default=14, ge=1, le=365)
    refresh_token_absolute_days: int = Field(default=60, ge=1, le=365)
    # Browser mode: the refresh token travels in an HttpOnly cookie that scripts cannot read,
    # not in the token endpoint's JSON (see the README's "Browser mode").
    refresh_token_cookie: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    cors_origins: Annotated[list[str], NoDecode] = []
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=0, ge=0)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    # A pooled connection idle for longer than this is pinged before use (0: always).
    db_ping_after_idle: float = Field(default=1.0, ge=0)
    # Requests a worker serves at once; a request past this waits at most MAX_REQUEST_WAIT
    # seconds for a place, then gets a 503 with Retry-After (health probes never wait). Each
    # request in flight waits, first come first served, for one of the pool's connections,
    # so the limit bounds that wait to about (limit / pool size) x one request's database time.
    max_requests_in_flight: int = Field(default=100, ge=1)
    max_request_wait: float = Field(default=0.25, ge=0)
    # Behind PgBouncer in transaction mode prepared statements break: turn them off.
    db_prepared_statements: bool = True
    db_connect_retries: int = Field(default=30, ge=1)
    db_connect_interval: float = Field(default=2.0, ge=0)
    # None: the interactive docs and /openapi.json are served except in production.
    docs_enabled: bool | None = None
    access_log: bool = True
    # Health probes arrive every few seconds from every load balancer and orchestrator:
    # successful ones stay out of the access log unless this is on. Failures are logged.
    access_log_probes: bool = False
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Changes (PATCH, DELETE) of a resource must send If-Match with its ETag: 428 without.
    require_if_match: bool = False
    # How long the answer to a request with an Idempotency-Key is kept for its retries.
    idempotency_key_hours: int = Field(default=24, ge=1, le=30 * 24)
    login_max_failures: int = Field(default=5, ge=1)
    # Permissions that take a second factor: whoever holds one of them acts with only the
    # members' permissions until they log in with a one-time code (TOTP).
    mfa_required_for: Annotated[list[str], NoDecode] = []
    login_window_seconds: int = Field(default=300, ge=1)
    # Account mails (password reset, verification) requests may have sent, per address and per
    # client, within the window; past either cap nothing is sent and the answer is the same.
    mail_max_per_address: int = Field(default=3, ge=1)
    mail_max_per_client: int = Field(default=10, ge=1)
    mail_window_seconds: int = Field(default=3600, ge=1)
    # Requests per window of seconds (`<requests>/<seconds>`, `0`: no limit), past which the
    # API answers 429. Each user has one budget for all their logins, each API key its own.
    rate_limit_api: RateLimitSetting = Quota(requests=600, window_seconds=60)
    # The same for the anonymous auth endpoints (register, token, password recovery, ...),
    # per client address.
    rate_limit_auth: RateLimitSetting = Quota(requests=60, window_seconds=60)
    # NIST SP 800-63B §5.1.1.2: at least 8 characters (SHALL); no minimum above the 64 that
    # every password must be allowed to reach (SHOULD).
    password_min_length: int = Field(default=8, ge=8, le=64)
{%- if cookiecutter.admin == "y" %}
    # The admin site at /admin, for active superusers; off: /admin is 404.
    admin_enabled: bool = True
{%- endif %}
    # Unhandled errors are reported to this Sentry project; unset, Sentry is not even imported.
    sentry_dsn: OptionalSecret = None
{%- if cookiecutter.observability != "none" %}
    # When set, GET /metrics answers only `Authorization: Bearer <this token>`.
    metrics_token: OptionalSecret = None
{%- endif %}
    # Outgoing mail (password recovery, email verification). Without SMTP_HOST no mail is
    # sent: each one is logged as a warning instead, so development needs no mail server.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    # Credentials, when the server asks for them; empty: no authentication.
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    # Upgrade the connection with STARTTLS (required when on; never when off).
    smtp_tls: bool = True
    # Seconds to wait for the SMTP server; a failed send is logged, never raised.
    smtp_timeout: float = Field(default=10.0, gt=0)
    # The mails' From: header, an address or "Name <address>".
    emails_from: str = "noreply@example.com"
    # Where the client app lives: when set, mails link to {PUBLIC_URL}/reset-password?token=...
    # and {PUBLIC_URL}/verify-email?token=...; the token itself is in every mail either way.
    public_url: str = ""
    # Lifetimes of the mailed tokens.
    password_reset_token_expire_minutes: int = Field(default=30, ge=1, le=24 * 60)
    email_verification_token_expire_minutes: int = Field(default=48 * 60, ge=1, le=30 * 24 * 60)
    # Registration mails a verification link; until it is followed the account cannot log in
    # (so SMTP_HOST is required with it).
    email_verification_required: bool = False
{%- if cookiecutter.background_jobs == "celery" %}
    # Redis: the Celery broker and result backend, and where failed logins and rate-limited
    # requests are counted (so the limits hold across workers and replicas). A secret: the
    # URL may hold a password.
    redis_url: SecretStr = SecretStr("redis://localhost:6379/0")
    # A job still running after the soft limit (seconds) fails; after the hard one its worker
    # process is killed.
    job_soft_time_limit: int = Field(default=300, ge=1)
    job_time_limit: int = Field(default=360, ge=1)
    # Seconds after its delivery that a job no worker acknowledged (its worker was killed, or
    # its machine lost) is delivered again. Above JOB_TIME_LIMIT, or a job still running would
    # be delivered twice; jobs queued behind a dead worker wait this long.
    job_visibility_timeout: int = Field(default=900, ge=1)
    # Seconds Celery keeps a task's outcome in Redis (the job's own result is in the database).
    job_result_expire_seconds: int = Field(default=24 * 60 * 60, ge=60)
{%- endif %}
    # The outbox (jobs and mails to hand over): seconds between the sweeps that relay what a
    # request could not (the runner was unreachable, the process died), which take only
    # messages older than that; seconds a relay holds
    # a message it claimed before another may take it over ({% if cookiecutter.background_jobs == "celery" %}queueing it takes a moment{% else %}while its job runs: above
    # the longest job{% endif %}).
    outbox_sweep_seconds: float = Field(default=5, gt=0)
    outbox_lease_seconds: int = Field(default={{ 30 if cookiecutter.background_jobs == "celery" else 900 }}, ge=1)
    # Days a message handed over is kept in the outbox before the purge deletes it.
    outbox_keep_days: int = Field(default=7, ge=1)
    # Seconds between the runs of the built-in purges (lapsed login sessions, sent outbox
    # messages).
    purge_every_seconds: float = Field(default=3600, gt=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("cors_origins", "mfa_required_for", mode="before")
    @classmethod
    def _split_comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _use_psycopg2_for_postgresql(cls, value: str) -> str:
        """Refuse a URL of another kind (a `postgress://` typo) in words, never echoing the
        URL (it may hold a password), and give PostgreSQL the psycopg2 driver: SQLAlchemy 2.1
        maps a bare postgresql:// URL to psycopg 3; Alembic and the CLI's migrations use
        psycopg2, the app itself asyncpg (see `async_database_url`)."""
        scheme, separator, rest = value.partition("://")
        backend, _, driver = scheme.partition("+")
        if not separator or backend not in _DATABASE_BACKENDS:
            named = f" not {scheme!r}," if separator and _SCHEME.fullmatch(scheme) else ""
            raise ValueError(
                f"must be a sqlite:// or postgresql:// URL (postgres:// and a +driver too),"
                f"{named} as in postgresql://user:password@host:5432/database"
            )
        if backend == "sqlite":
            return value
        return f"postgresql+{driver or 'psycopg2'}://{rest}"

    @model_validator(mode="after")
    def _require_real_secret_in_production(self) -> "Settings":
        if self.environment == "production" and (
            self.secret_key.lower() in _PLACEHOLDER_SECRETS
            or self.secret_key == DEVELOPMENT_SECRET_KEY
            or len(self.secret_key) < MIN_SECRET_KEY_LENGTH
        ):
            raise ValueError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_LENGTH} "
                "characters when ENVIRONMENT=production"
            )
        return self

    @model_validator(mode="after")
    def _order_refresh_token_lifetimes(self) -> "Settings":
        if self.refresh_token_idle_days > self.refresh_token_absolute_days:
            raise ValueError("need REFRESH_TOKEN_IDLE_DAYS <= REFRESH_TOKEN_ABSOLUTE_DAYS")
        return self

    @model_validator(mode="after")
    def _require_mail_server_for_verification(self) -> "Settings":
        if self.email_verification_required and not self.smtp_host:
            raise ValueError(
                "EMAIL_VERIFICATION_REQUIRED needs SMTP_HOST: without a mail server no new "
                "account could ever log in"
            )
        return self
{%- if cookiecutter.background_jobs == "celery" %}

    @model_validator(mode="after")
    def _order_job_time_limits(self) -> "Settings":
        if not self.job_soft_time_limit <= self.job_time_limit < self.job_visibility_timeout:
            raise ValueError(
                "need JOB_SOFT_TIME_LIMIT <= JOB_TIME_LIMIT < JOB_VISIBILITY_TIMEOUT, or a job "
                "still running would be delivered to a second worker"
            )
        return self
{%- endif %}

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def async_database_url(self) -> URL:
        """The same database through the asyncio driver the app serves requests with."""
        url = make_url(self.database_url)
        return url.set(drivername=_ASYNC_DRIVERS.get(url.get_backend_name(), url.drivername))

    @property
    def serve_docs(self) -> bool:
        if self.docs_enabled is None:
            return self.environment != "production"
        return self.docs_enabled


def _describe(error: ErrorDetails) -> str:
    message = error["msg"].removeprefix("Value error, ")
    field = ".".join(str(part) for part in error["loc"]).upper()
    return f"{field}: {message}" if field else message


def load_settings() -> Settings:
    """Read the settings, turning validation errors into one readable line."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise ConfigurationError(f"Invalid configuration: {problems}") from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
