import time

import pyotp
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.admin.auth import SESSION_COOKIE
from {{ cookiecutter.package_name }}.users.models import User

from ..factories import DEFAULT_PASSWORD, UserFactory
from .conftest import LOGIN, SITE, AdminClientFactory, log_in

TOKEN = "/api/v1/auth/token"


def _session_cookie_header(client: TestClient, user: User) -> str:
    response = log_in(client, user)
    assert response.status_code == 302
    cookies: list[str] = response.headers.get_list("set-cookie")
    return next(cookie for cookie in cookies if cookie.startswith(f"{SESSION_COOKIE}="))


def test_a_superuser_logs_in_and_sees_the_admin(admin: TestClient) -> None:
    page = admin.get("/admin/todo/list")
    assert page.status_code == 200
    assert "Todos" in page.text


def test_pages_need_a_login(admin_client_with: AdminClientFactory) -> None:
    response = admin_client_with().get("/admin/user/list", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"{SITE}/admin/login"


def test_a_regular_user_cannot_log_in(
    admin_client_with: AdminClientFactory, users: UserFactory
) -> None:
    client = admin_client_with()
    response = log_in(client, users.create())
    assert response.status_code == 400
    assert "Invalid credentials" in response.text
    assert SESSION_COOKIE not in client.cookies


def test_an_inactive_superuser_cannot_log_in(
    admin_client_with: AdminClientFactory, users: UserFactory
) -> None:
    response = log_in(admin_client_with(), users.create(roles=("admin",), is_active=False))
    assert response.status_code == 400


def test_wrong_passwords_count_in_the_apis_throttle(
    admin_client_with: AdminClientFactory, superuser: User
) -> None:
    client = admin_client_with(login_max_failures=2)
    assert [log_in(client, superuser, "wrong").status_code for _ in range(2)] == [400, 400]
    throttled = log_in(client, superuser)
    assert throttled.status_code == 429
    assert "Too many failed logins; try again in" in throttled.text
    assert int(throttled.headers["Retry-After"]) > 0
    form = {"grant_type": "password", "username": superuser.email, "password": "x"}
    api_login = client.post(TOKEN, data=form)
    assert api_login.status_code == 429


def test_a_superuser_who_loses_the_role_is_logged_out(
    admin: TestClient, superuser: User, users: UserFactory
) -> None:
    superuser.roles = []
    users.session.commit()
    response = admin.get("/admin/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].endswith("/admin/login")


def test_logout_ends_the_session(admin: TestClient) -> None:
    assert admin.get("/admin/logout", follow_redirects=False).status_code == 302
    response = admin.get("/admin/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].endswith("/admin/login")


def test_the_session_cookie_is_httponly_lax_and_secure_outside_development(
    admin_client_with: AdminClientFactory, superuser: User
) -> None:
    cookie = _session_cookie_header(admin_client_with(), superuser).lower()
    assert {"httponly", "samesite=lax", "secure", "path=/admin"} <= {
        attribute.strip() for attribute in cookie.split(";")
    }
    production = _session_cookie_header(admin_client_with(environment="production"), superuser)
    assert "secure" in production.lower()
    development = _session_cookie_header(admin_client_with(environment="development"), superuser)
    assert "secure" not in development.lower()


def test_the_login_page_answers_head_and_loads_only_its_own_files(
    admin_client_with: AdminClientFactory,
) -> None:
    client = admin_client_with()
    page, head = client.get(LOGIN), client.head(LOGIN)
    assert (head.status_code, head.content) == (200, b"")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in page.text


def test_a_method_the_admin_does_not_serve_is_405_naming_those_it_does(
    admin_client_with: AdminClientFactory,
) -> None:
    response = admin_client_with().delete(LOGIN)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST"


def test_an_admin_with_a_second_factor_logs_in_with_its_code(
    admin_client_with: AdminClientFactory, users: UserFactory
) -> None:
    client = admin_client_with()
    assert 'name="otp"' in client.get(LOGIN).text
    admin = users.create(roles=("admin",))
    login = users.login_headers(client, admin)
    secret = client.post("/api/v1/users/me/totp", headers=login).json()["secret"]
    code = pyotp.TOTP(secret).at(time.time() - 30)
    client.post("/api/v1/users/me/totp/confirm", headers=login, json={"code": code})
    form = {"username": admin.email, "password": DEFAULT_PASSWORD}
    assert client.post(LOGIN, data=form).status_code == 400  # the password alone
    assert client.post(LOGIN, data=form | {"otp": code}).status_code == 400  # a spent code
    now = client.post(LOGIN, data=form | {"otp": pyotp.TOTP(secret).now()}, follow_redirects=False)
    assert now.status_code == 302
    assert SESSION_COOKIE in client.cookies
