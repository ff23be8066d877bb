"""Roles in the admin site, under the API's rules: built-in roles stay as they are, and the
last active admin stays one."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }}.core.audit import AuditEvent
from {{ cookiecutter.package_name }}.users.models import MEMBER, Role, User

LAST_ADMIN = "This is the last active admin: make another admin first"
BUILT_IN = "Built-in roles (admin, member) cannot be changed or deleted"


def _role(session: Session, name: str) -> Role:
    return session.scalars(select(Role).where(Role.name == name)).one()


def test_a_role_made_in_the_admin_has_its_permissions(admin: TestClient, session: Session) -> None:
    form = {"name": "support", "description": "Help desk", "permissions": '["users:manage"]'}
    response = admin.post("/admin/role/create", data=form, follow_redirects=False)
    assert response.status_code == 302, response.text
    assert _role(session, "support").permissions == ["users:manage"]


def test_built_in_roles_cannot_be_changed_or_deleted(admin: TestClient, session: Session) -> None:
    member = _role(session, MEMBER)
    form = {"name": "member", "description": "Changed", "permissions": "[]"}
    edited = admin.post(f"/admin/role/edit/{member.id}", data=form)
    assert edited.status_code == 400
    assert BUILT_IN in edited.text
    deleted = admin.delete(f"/admin/role/delete?pks={member.id}")
    assert "error=" in deleted.text
    session.expire_all()
    assert _role(session, MEMBER).description != "Changed"


def test_the_last_active_admin_keeps_admin_and_is_not_deleted(
    admin: TestClient, superuser: User, session: Session
) -> None:
    form = {"email": superuser.email, "full_name": "", "is_active": "y", "is_verified": "y"}
    demoted = admin.post(f"/admin/user/edit/{superuser.id}", data=form)
    assert demoted.status_code == 400
    assert LAST_ADMIN in demoted.text
    deleted = admin.delete(f"/admin/user/delete?pks={superuser.id}")
    assert "error=" in deleted.text
    session.expire_all()
    kept = session.get(User, superuser.id)
    assert kept is not None
    assert kept.role_names == ["admin"]


def test_a_change_in_the_admin_is_an_event_of_the_trail(
    admin: TestClient, superuser: User, session: Session
) -> None:
    form = {"name": "support", "description": "", "permissions": "[]"}
    assert admin.post("/admin/role/create", data=form, follow_redirects=False).status_code == 302
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "admin.create")).one()
    role = _role(session, "support")
    assert (event.actor_id, event.target_type, event.target_id) == (superuser.id, "role", role.id)
    assert event.details == {"fields": ["description", "name", "permissions"]}
