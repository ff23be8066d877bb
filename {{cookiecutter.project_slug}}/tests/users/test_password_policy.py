"""The password policy (NIST SP 800-63B §5.1.1.2), as registration and a password change
apply it; the reset, the CLI and the admin have theirs beside their other tests."""

import json
import unicodedata
from typing import Any

import pytest
from fastapi.testclient import TestClient
from passlib.hash import argon2
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.config import PROJECT_NAME

from ..conftest import ClientFactory
from ..factories import DEFAULT_PASSWORD, UserFactory

ME = "/api/v1/users/me"
REGISTER = "/api/v1/auth/register"
TOKEN = "/api/v1/auth/token"
EMAIL = "ada.lovelace@example.com"
# Each refused password, with the rule it breaks: the 422's `type`.
REFUSED = [
    ("seven c", "password_too_short"),
    ("x" * 100 + "ﬃ" * 10, "password_too_long"),  # 110 typed, 130 once normalised (ﬃ is ffi)
    ("password", "password_common"),
    ("Password123!", "password_common"),
    ("elephant", "password_common"),
    ("aaaaaaaa", "password_repetitive"),
    ("abc!abc!abc!", "password_repetitive"),
    ("12345678", "password_sequential"),
    ("1234abcd", "password_sequential"),
    ("zyxwvuts", "password_sequential"),
    (EMAIL, "password_email"),
    ("Ada.Lovelace!1815", "password_email"),
    ("lovelace 2026", "password_email"),
    (f"{PROJECT_NAME} 2026", "password_service_name"),
    ("{0}!{0}".format(PROJECT_NAME.replace(" ", "").lower()), "password_service_name"),
]
# Long, Unicode, and spaces: what the standard asks verifiers to accept.
PASSPHRASE = "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich"


def _refusal(response: Any, password: str, field: str = "password") -> dict[str, Any]:
    """The one validation error of a refused password, which the answer never quotes."""
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", field]
    assert "input" not in error
    # Only the field's name and the rule's name may look like it (for "password" itself).
    assert set(response.json()) == {"detail"}
    assert password not in json.dumps({**error, "loc": None, "type": None}, ensure_ascii=False)
    return error  # type: ignore[no-any-return]


@pytest.mark.parametrize(("password", "rule"), REFUSED)
def test_registration_refuses_each_rule_with_its_reason(
    client: TestClient, password: str, rule: str
) -> None:
    response = client.post(REGISTER, json={"email": EMAIL, "password": password})
    error = _refusal(response, password)
    assert error["type"] == rule
    assert error["msg"].startswith("Password ")


def test_a_too_short_password_says_the_minimum(client: TestClient) -> None:
    response = client.post(REGISTER, json={"email": EMAIL, "password": "seven c"})
    error = _refusal(response, "seven c")
    assert error["ctx"] == {"min_length": 8}
    assert "8 characters" in error["msg"]


def test_the_minimum_length_is_a_setting(client_with: ClientFactory) -> None:
    client = client_with(password_min_length=20)
    short = "nineteen characters"
    response = client.post(REGISTER, json={"email": EMAIL, "password": short})
    assert _refusal(response, short)["ctx"] == {"min_length": 20}
    longer = "twenty-one characters"
    assert client.post(REGISTER, json={"email": EMAIL, "password": longer}).status_code == 201


def test_a_long_unicode_passphrase_is_accepted_however_it_is_typed(client: TestClient) -> None:
    response = client.post(REGISTER, json={"email": EMAIL, "password": PASSPHRASE})
    assert response.status_code == 201, response.text
    # The same passphrase with decomposed accents (ö as o + U+0308) is the same password.
    decomposed = unicodedata.normalize("NFD", PASSPHRASE)
    assert decomposed != PASSPHRASE
    assert _login(client, EMAIL, decomposed) == 200


def _login(client: TestClient, email: str, password: str) -> int:
    form = {"grant_type": "password", "username": email, "password": password}
    return client.post(TOKEN, data=form).status_code


def test_the_email_rule_is_the_accounts_own(client: TestClient) -> None:
    """Another person's address in a password is just words."""
    password = "ada.lovelace@example.com"
    response = client.post(REGISTER, json={"email": "grace@example.com", "password": password})
    assert response.status_code == 201, response.text


def test_a_hash_made_before_normalisation_still_verifies_and_is_renewed(
    client: TestClient, users: UserFactory, session: Session
) -> None:
    typed = unicodedata.normalize("NFD", PASSPHRASE)
    user = users.create(hashed_password=argon2.hash(typed))  # as typed, not normalised
    assert _login(client, user.email, typed) == 200
    session.refresh(user)
    assert _login(client, user.email, PASSPHRASE) == 200  # the renewed hash is of the normal form


@pytest.mark.parametrize(("password", "rule"), REFUSED)
def test_a_password_change_refuses_each_rule_with_its_reason(
    client: TestClient, users: UserFactory, password: str, rule: str
) -> None:
    user = users.create(email=EMAIL)
    response = client.patch(
        ME,
        headers=users.login_headers(client, user),
        json={"password": password, "current_password": DEFAULT_PASSWORD},
    )
    assert _refusal(response, password)["type"] == rule
    assert users.login_headers(client, user)  # the old password still works


def test_a_password_change_to_a_passphrase_is_accepted(
    client: TestClient, users: UserFactory
) -> None:
    user = users.create(email=EMAIL)
    response = client.patch(
        ME,
        headers=users.login_headers(client, user),
        json={"password": PASSPHRASE, "current_password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 200, response.text
    assert users.login_headers(client, user, password=PASSPHRASE)
