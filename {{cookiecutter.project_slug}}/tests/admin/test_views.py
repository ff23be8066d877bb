import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.admin.views import NEW_USER_NEEDS_PASSWORD
from {{ cookiecutter.package_name }}.core.logging import RequestIdFilter
from {{ cookiecutter.package_name }}.core.security import check_password
from {{ cookiecutter.package_name }}.todos.models import Todo
from {{ cookiecutter.package_name }}.users.models import User

from ..factories import TodoFactory, UserFactory
from .conftest import AdminClientFactory, log_in

NEW_PASSWORD = "a long enough new password"


def _user_form(email: str, **fields: str) -> dict[str, str]:
    return {"email": email, "full_name": "", "is_active": "y", **fields}


def _todo_form(owner: User, title: str) -> dict[str, str]:
    return {"title": title, "description": "", "owner_id": str(owner.id)}


def _user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).one_or_none()


def test_a_password_set_in_the_form_is_hashed_like_the_apis(
    admin: TestClient, session: Session
) -> None:
    form = _user_form("New.User@Example.com", password=NEW_PASSWORD)
    response = admin.post("/admin/user/create", data=form, follow_redirects=False)
    assert response.status_code == 302, response.text
    user = _user(session, "new.user@example.com")
    assert user is not None
    assert user.hashed_password != NEW_PASSWORD
    assert check_password(NEW_PASSWORD, user.hashed_password).valid


def test_a_user_without_a_password_is_refused(admin: TestClient, session: Session) -> None:
    response = admin.post("/admin/user/create", data=_user_form("nopass@example.com"))
    assert response.status_code == 400
    assert NEW_USER_NEEDS_PASSWORD in response.text
    assert _user(session, "nopass@example.com") is None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "at least 8 characters"),
        ("Password123!", "commonly used"),
        ("98765432", "sequence"),
        ("new.user 2026", "email address"),
    ],
)
def test_a_password_the_policy_refuses_is_refused_with_its_reason(
    admin: TestClient, session: Session, password: str, reason: str
) -> None:
    form = _user_form("new.user@example.com", password=password)
    response = admin.post("/admin/user/create", data=form)
    assert response.status_code == 400
    assert reason in response.text
    assert password not in response.text
    assert _user(session, "new.user@example.com") is None


def test_the_minimum_length_is_the_apis_setting(
    admin_client_with: AdminClientFactory, users: UserFactory, session: Session
) -> None:
    admin = admin_client_with(password_min_length=30)
    assert log_in(admin, users.create(roles=("admin",))).status_code == 302
    form = _user_form("new.user@example.com", password=NEW_PASSWORD)
    response = admin.post("/admin/user/create", data=form)
    assert "at least 30 characters" in response.text
    assert _user(session, "new.user@example.com") is None


def test_an_address_at_a_test_domain_is_accepted(admin: TestClient, session: Session) -> None:
    form = _user_form("new.user@lab.test", password=NEW_PASSWORD)
    response = admin.post("/admin/user/create", data=form, follow_redirects=False)
    assert response.status_code == 302, response.text
    assert _user(session, "new.user@lab.test") is not None


def test_an_address_no_mail_can_reach_is_refused_as_the_api_refuses_it(
    admin: TestClient, session: Session
) -> None:
    form = _user_form("new.user@nowhere.invalid", password=NEW_PASSWORD)
    response = admin.post("/admin/user/create", data=form)
    assert response.status_code == 400
    assert "special-use or reserved" in response.text
    assert _user(session, "new.user@nowhere.invalid") is None


def test_editing_a_user_without_a_password_keeps_it(
    admin: TestClient, users: UserFactory, session: Session
) -> None:
    user = users.create()
    old_hash = user.hashed_password
    form = _user_form(user.email, full_name="Renamed")
    response = admin.post(f"/admin/user/edit/{user.id}", data=form, follow_redirects=False)
    assert response.status_code == 302, response.text
    session.refresh(user)
    assert (user.full_name, user.hashed_password) == ("Renamed", old_hash)


@pytest.mark.parametrize(
    "change",
    [{"password": NEW_PASSWORD}, {"is_active": ""}],
    ids=["new-password", "deactivated"],
)
def test_a_new_password_or_a_deactivation_ends_the_users_sessions(
    admin: TestClient, users: UserFactory, change: dict[str, str]
) -> None:
    user = users.create()
    tokens = users.login(admin, user)
    form = {key: value for key, value in {**_user_form(user.email), **change}.items() if value}
    response = admin.post(f"/admin/user/edit/{user.id}", data=form, follow_redirects=False)
    assert response.status_code == 302, response.text
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert admin.post("/api/v1/auth/token", data=refresh).json()["error"] == "invalid_grant"


def test_the_password_hash_is_never_shown(
    admin: TestClient, users: UserFactory, superuser: User
) -> None:
    user = users.create()
    pages = [
        admin.get("/admin/user/list"),
        admin.get(f"/admin/user/details/{user.id}"),
        admin.get(f"/admin/user/edit/{user.id}"),
        admin.get("/admin/user/create"),
        admin.get("/admin/user/export/csv"),
    ]
    assert [page.status_code for page in pages] == [200] * len(pages)
    for page in pages:
        assert user.hashed_password not in page.text
        assert superuser.hashed_password not in page.text
        assert "hashed_password" not in page.text.lower().replace(" ", "_")


def test_a_todo_is_created_for_another_user_found_edited_and_deleted(
    admin: TestClient, users: UserFactory, session: Session
) -> None:
    owner = users.create()
    form = _todo_form(owner, "Water the plants")
    assert admin.post("/admin/todo/create", data=form, follow_redirects=False).status_code == 302
    todo = session.scalars(select(Todo)).one()
    assert (todo.owner_id, todo.title) == (owner.id, "Water the plants")
    assert "Water the plants" in admin.get("/admin/todo/list", params={"search": "plants"}).text
    assert "Water the plants" not in admin.get("/admin/todo/list", params={"search": "x"}).text

    edit = {**_todo_form(owner, "Water the garden"), "completed": "y"}
    response = admin.post(f"/admin/todo/edit/{todo.id}", data=edit, follow_redirects=False)
    assert response.status_code == 302
    session.refresh(todo)
    assert (todo.title, todo.completed) == ("Water the garden", True)

    assert admin.delete("/admin/todo/delete", params={"pks": str(todo.id)}).status_code == 200
    session.expire_all()
    assert session.scalars(select(Todo)).all() == []


def test_the_owner_is_picked_from_the_users(admin: TestClient, users: UserFactory) -> None:
    owner = users.create()
    form = admin.get("/admin/todo/create").text
    assert f'<option value="{owner.id}">{owner.email}</option>' in form


def test_lists_sort_and_filter(admin: TestClient, users: UserFactory, todos: TodoFactory) -> None:
    owner = users.create()
    todos.create(owner, title="b done", completed=True)
    todos.create(owner, title="a open")
    ascending = admin.get("/admin/todo/list", params={"sortBy": "title", "sort": "asc"}).text
    assert ascending.index("a open") < ascending.index("b done")
    done = admin.get("/admin/todo/list", params={"completed": "true"}).text
    assert "b done" in done
    assert "a open" not in done


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Origin": "null"}, {"Origin": ""}],
    ids=["other-site", "null-origin", "no-origin"],
)
def test_a_cross_site_post_is_refused_and_changes_nothing(
    admin: TestClient, users: UserFactory, session: Session, headers: dict[str, str]
) -> None:
    form = _todo_form(users.create(), "Forged")
    response = admin.post("/admin/todo/create", data=form, headers=headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "Cross-site request refused"}
    assert session.scalars(select(Todo)).all() == []


def test_a_same_site_referer_is_enough_without_origin(
    admin: TestClient, users: UserFactory
) -> None:
    form = _todo_form(users.create(), "Referred")
    headers = {"Origin": "", "Referer": "https://testserver/admin/todo/create"}
    response = admin.post("/admin/todo/create", data=form, headers=headers, follow_redirects=False)
    assert response.status_code == 302


def test_each_change_is_logged_with_the_user_and_the_request_id(
    admin: TestClient, superuser: User, users: UserFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.handler.addFilter(RequestIdFilter())
    form = _user_form("logged@example.com", password=NEW_PASSWORD)
    with caplog.at_level(logging.INFO, logger="app.admin"):
        admin.post("/admin/user/create", data=form, headers={"X-Request-ID": "admin-test-1"})
    [record] = [record for record in caplog.records if record.name == "app.admin"]
    assert record.__dict__["request_id"] == "admin-test-1"
    assert record.__dict__["admin_user_id"] == superuser.id
    assert record.__dict__["admin_user_email"] == superuser.email
    assert record.__dict__["admin_action"] == "create"
    assert "password" not in record.__dict__["admin_fields"]
    assert NEW_PASSWORD not in caplog.text


def test_admin_enabled_off_is_404(admin_client_with: AdminClientFactory) -> None:
    client = admin_client_with(admin_enabled=False)
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login").status_code == 404


def test_the_admin_is_not_in_the_openapi_document(admin: TestClient) -> None:
    paths = admin.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/admin")]


def test_admin_pages_let_browsers_tell_their_origin_to_the_site_only(admin: TestClient) -> None:
    """The app's `no-referrer` would make browsers post forms with `Origin: null`."""
    assert admin.get("/admin/").headers["Referrer-Policy"] == "same-origin"
    assert admin.get("/health").headers["Referrer-Policy"] == "no-referrer"
