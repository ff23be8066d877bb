"""Users get updated_at like every resource; emails are at most 254 characters, as SMTP allows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot alter a column in place; PostgreSQL alters it directly.
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
    # Existing accounts were last updated, as far as anyone knows, when they were created.
    op.execute("UPDATE users SET updated_at = created_at")
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column(
            "updated_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        # The schema always refused longer addresses, so every stored one fits.
        batch_op.alter_column(
            "email", existing_type=sa.String(length=320), type_=sa.String(length=254)
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column(
            "email", existing_type=sa.String(length=254), type_=sa.String(length=320)
        )
        batch_op.drop_column("updated_at")
