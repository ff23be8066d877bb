"""Users get is_verified: whether they followed the link of the verification mail.

Existing accounts count as verified: they were made when nobody was asked to verify, and
turning EMAIL_VERIFICATION_REQUIRED on must not lock them out. New rows get the model's
default (False) from the application.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("is_verified", sa.Boolean(), nullable=True))
    op.execute(sa.text("UPDATE users SET is_verified = :verified").bindparams(verified=True))
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("is_verified", existing_type=sa.Boolean(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("is_verified")
