"""Create roles and user_roles, with the built-in admin and member roles; superusers become
admins and everyone else a member, and is_superuser goes (admin is what it meant).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As they were when this revision was written (the models may change later).
_BUILT_IN = {
    "admin": "Everything, the permissions of every domain added later too",
    "member": "What every registered user may do with their own data",
}


def upgrade() -> None:
    roles = op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
        sa.UniqueConstraint("name", name=op.f("uq_roles_name")),
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["role_id"], ["roles.id"], name=op.f("fk_user_roles_role_id_roles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_roles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "role_id", name=op.f("pk_user_roles")),
    )
    op.create_index(op.f("ix_user_roles_role_id"), "user_roles", ["role_id"])
    now = datetime.now(UTC)
    op.bulk_insert(
        roles,
        [
            {"id": index, "name": name, "description": description, "permissions": []}
            | {"created_at": now, "updated_at": now}
            for index, (name, description) in enumerate(_BUILT_IN.items(), start=1)
        ],
    )
    if op.get_bind().dialect.name == "postgresql":
        # The ids were given: the sequence must start after them.
        op.execute("SELECT setval('roles_id_seq', (SELECT max(id) FROM roles))")
    op.execute(
        "INSERT INTO user_roles (user_id, role_id) SELECT users.id, roles.id FROM users "
        "JOIN roles ON roles.name = CASE WHEN users.is_superuser THEN 'admin' ELSE 'member' END"
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("is_superuser")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("is_superuser", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE users SET is_superuser = true WHERE id IN (SELECT user_roles.user_id "
        "FROM user_roles JOIN roles ON roles.id = user_roles.role_id WHERE roles.name = 'admin')"
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("is_superuser", server_default=None)
    op.drop_index(op.f("ix_user_roles_role_id"), table_name="user_roles")
    op.drop_table("user_roles")
    op.drop_table("roles")
