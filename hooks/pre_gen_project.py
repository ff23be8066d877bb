"""Reject invalid answers with one line on stderr before cookiecutter writes a file."""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Callable

# Each answer is rendered once, as a JSON string literal: a quote in a value cannot
# break the code, and everything below is plain Python.
PROJECT_NAME: str = {{ cookiecutter.project_name | string | tojson }}
# project_name as cookiecutter.json slugifies it for the default project_slug. Where that is
# empty (a name of only punctuation or spaces) cookiecutter.json falls back to a placeholder
# slug: cookiecutter creates the project folder before this hook runs, and an empty folder
# name is the output folder itself ("directory already exists", naming no field).
PROJECT_NAME_SLUG: str = {{ cookiecutter.project_name | string | slugify | tojson }}
PROJECT_SLUG: str = {{ cookiecutter.project_slug | string | tojson }}
PACKAGE_NAME: str = {{ cookiecutter.package_name | string | tojson }}
AUTHOR_EMAIL: str = {{ cookiecutter.author_email | string | tojson }}
VERSION: str = {{ cookiecutter.version | string | tojson }}
CHOICE_ANSWERS: dict[str, str] = {
    "python_version": {{ cookiecutter.python_version | string | tojson }},
    "open_source_license": {{ cookiecutter.open_source_license | string | tojson }},
    "use_docker": {{ cookiecutter.use_docker | string | tojson }},
    "ci": {{ cookiecutter.ci | string | tojson }},
    "observability": {{ cookiecutter.observability | string | tojson }},
    "admin": {{ cookiecutter.admin | string | tojson }},
    "background_jobs": {{ cookiecutter.background_jobs | string | tojson }},
    "kubernetes": {{ cookiecutter.kubernetes | string | tojson }},
}

# Mirrors the lists in cookiecutter.json. Cookiecutter checks `--no-input key=value`
# itself, but not the answers in a replay file.
CHOICES: dict[str, tuple[str, ...]] = {
    "python_version": ("3.12", "3.11", "3.13"),
    "open_source_license": ("MIT", "BSD-3-Clause", "Apache-2.0", "Proprietary"),
    "use_docker": ("y", "n"),
    "ci": ("github", "gitlab", "none"),
    "observability": ("prometheus", "otel", "none"),
    "admin": ("y", "n"),
    "background_jobs": ("none", "celery"),
    "kubernetes": ("n", "y"),
}

# Top-level packages the baked project imports; a same-named package would shadow them.
THIRD_PARTY_IMPORTS = frozenset(
    {
        "alembic",
        "anyio",
        "argon2",
        "bcrypt",
        "cryptography",
        "email_validator",
        "fastapi",
        "fastapi_standalone_docs",
        "gunicorn",
        "httpx",
        "httpx2",
        "jwt",
        "multipart",
        "opentelemetry",
        "mypy",
        "passlib",
        "psycopg2",
        "prometheus_client",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pytest",
        "python_multipart",
        "ruff",
        "sentry_sdk",
        "sqlalchemy",
        "starlette",
        "tests",
        "uvicorn",
        "uvicorn_worker",
    }
)
# sys.stdlib_module_names leaves out the stdlib's own `test` package; it still shadows.
RESERVED_PACKAGE_NAMES = (
    frozenset(sys.stdlib_module_names) | {"test"} | THIRD_PARTY_IMPORTS
)

SLUG_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
PACKAGE_RE = re.compile(r"[a-z_][a-z0-9_]*")
EMAIL_RE = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"
)
# PEP 440's VERSION_PATTERN, copied from packaging.version: packaging may not be
# importable where cookiecutter runs.
VERSION_RE = re.compile(
    r"""
    v?
    (?:
        (?:(?P<epoch>[0-9]+)!)?                           # epoch
        (?P<release>[0-9]+(?:\.[0-9]+)*)                  # release segment
        (?P<pre>                                          # pre-release
            [-_\.]?
            (?P<pre_l>(a|b|c|rc|alpha|beta|pre|preview))
            [-_\.]?
            (?P<pre_n>[0-9]+)?
        )?
        (?P<post>                                         # post release
            (?:-(?P<post_n1>[0-9]+))
            |
            (?:
                [-_\.]?
                (?P<post_l>post|rev|r)
                [-_\.]?
                (?P<post_n2>[0-9]+)?
            )
        )?
        (?P<dev>                                          # dev release
            [-_\.]?
            (?P<dev_l>dev)
            [-_\.]?
            (?P<dev_n>[0-9]+)?
        )?
    )
    (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?       # local version
    """,
    re.VERBOSE | re.IGNORECASE,
)

# (field, value, passes, what is wrong), in order: the first failure is reported.
Rule = tuple[str, str, Callable[[str], bool], str]
RULES: list[Rule] = [
    (
        "project_name",
        PROJECT_NAME,
        lambda _: PROJECT_NAME_SLUG != "",
        "has no letters or digits to make the folder name (project_slug) from",
    ),
    (
        "project_slug",
        PROJECT_SLUG,
        lambda v: SLUG_RE.fullmatch(v) is not None,
        "is not kebab-case (lower-case words of letters and digits joined by hyphens)",
    ),
    (
        "package_name",
        PACKAGE_NAME,
        lambda v: PACKAGE_RE.fullmatch(v) is not None and v.isidentifier(),
        "is not a lower-case Python identifier (a-z, 0-9, _; no leading digit)",
    ),
    (
        "package_name",
        PACKAGE_NAME,
        lambda v: not keyword.iskeyword(v),
        "is a Python keyword",
    ),
    (
        "package_name",
        PACKAGE_NAME,
        lambda v: v not in RESERVED_PACKAGE_NAMES,
        "shadows a module the project imports; choose another name",
    ),
    (
        "author_email",
        AUTHOR_EMAIL,
        lambda v: EMAIL_RE.fullmatch(v) is not None,
        "is not an email address like name@example.com",
    ),
    (
        "version",
        VERSION,
        lambda v: VERSION_RE.fullmatch(v) is not None,
        "is not a PEP 440 version such as 0.1.0 or 1.0.0rc1",
    ),
    *(
        (
            field,
            answer,
            CHOICES[field].__contains__,
            f"is not one of: {', '.join(CHOICES[field])}",
        )
        for field, answer in CHOICE_ANSWERS.items()
    ),
    (
        "kubernetes",
        CHOICE_ANSWERS["kubernetes"],
        lambda v: v == "n" or CHOICE_ANSWERS["use_docker"] == "y",
        "deploys the project's Docker image: answer use_docker=y (or kubernetes=n)",
    ),
]


def first_error(rules: list[Rule]) -> str | None:
    """Return the message for the first rule that fails, or None when all pass."""
    for field, value, passes, problem in rules:
        if not passes(value):
            return f"ERROR: {field} {value!r} {problem}."
    return None


if __name__ == "__main__":
    error = first_error(RULES)
    if error is not None:
        print(error, file=sys.stderr)
        sys.exit(1)
