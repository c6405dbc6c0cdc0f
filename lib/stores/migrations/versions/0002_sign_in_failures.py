"""Failed sign-in attempts, shared by every app replica.

Revision ID: 0002_sign_in_failures
Revises: 0001_annotation_events
Create Date: 2026-12-02

One row per failed password sign-in: the name that was tried and the client's address.
Throttling counts recent rows per (name, address), per name and in total, so every replica
behind a load balancer sees the same counters. Old rows are pruned by the app.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_sign_in_failures"
down_revision = "0001_annotation_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("failure_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("client_address", sa.Text, nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sign_in_failures_failed_at", "sign_in_failures", ["failed_at"])
    op.create_index("ix_sign_in_failures_username", "sign_in_failures", ["username", "failed_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_username", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_failed_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
