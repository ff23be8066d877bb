from typing import Any

import pytest

from {{ cookiecutter.package_name }}.core.config import (
    DEVELOPMENT_SECRET_KEY,
    ConfigurationError,
    Settings,
    load_settings,
)

STRONG_KEY = "k" * 40


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


@pytest.mark.parametrize(
    "secret_key", ["", "changethis", DEVELOPMENT_SECRET_KEY, "short-but-random-1234"]
)
def test_production_refuses_a_weak_secret_key(secret_key: str) -> None:
    with pytest.raises(ValueError, match="SECRET_KEY"):
        _settings(environment="production", secret_key=secret_key)


def test_production_accepts_a_strong_secret_key() -> None:
    assert _settings(environment="production", secret_key=STRONG_KEY).secret_key == STRONG_KEY


def test_development_runs_without_a_secret_key() -> None:
    assert _settings().secret_key == DEVELOPMENT_SECRET_KEY


def test_a_session_cannot_idle_longer_than_it_may_last() -> None:
    with pytest.raises(ValueError, match="REFRESH_TOKEN_IDLE_DAYS <= REFRESH_TOKEN_ABSOLUTE_DAYS"):
        _settings(refresh_token_idle_days=30, refresh_token_absolute_days=7)
    same = _settings(refresh_token_idle_days=7, refresh_token_absolute_days=7)
    assert same.refresh_token_idle_days == 7


def test_required_email_verification_needs_a_mail_server() -> None:
    with pytest.raises(ValueError, match="EMAIL_VERIFICATION_REQUIRED needs SMTP_HOST"):
        _settings(email_verification_required=True)
    assert _settings(email_verification_required=True, smtp_host="mail").smtp_host == "mail"


def test_load_settings_reports_a_bad_configuration_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "changethis")
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    message = str(error.value)
    assert "\n" not in message
    assert "SECRET_KEY must be set" in message


@pytest.mark.parametrize(
    "url", ["postgres://u:p@db/app", "postgresql://u:p@db/app", "postgresql+psycopg2://u:p@db/app"]
)
def test_postgresql_urls_use_psycopg2(url: str) -> None:
    assert _settings(database_url=url).database_url == "postgresql+psycopg2://u:p@db/app"


@pytest.mark.parametrize(
    "url", ["postgress://u:hunter2@db/app", "mysql://u:hunter2@db/app", "db/app", "hunter2"]
)
def test_a_database_url_of_another_kind_is_one_line_without_the_url(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigurationError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith("Invalid configuration: DATABASE_URL: must be a sqlite:// or")
    assert "\n" not in message
    assert "hunter2" not in message


def test_default_database_is_an_sqlite_file() -> None:
    assert _settings().is_sqlite


def test_cors_origins_accept_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example")
    assert _settings().cors_origins == ["https://a.example", "https://b.example"]


def test_log_level_is_case_insensitive() -> None:
    assert _settings(log_level="debug").log_level == "DEBUG"
