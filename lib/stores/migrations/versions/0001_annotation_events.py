"""Append-only history of annotation events.

Revision ID: 0001_annotation_events
Revises:
Create Date: 2025-11-25

One row per change of one annotator's verdict on one review. ``review_version`` numbers the
changes of a review 1, 2, 3…; the unique constraint on (review_key, review_version) is what
turns two concurrent edits of the same review into one saved edit and one rejected one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_annotation_events"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "annotation_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("review_key", sa.String(64), nullable=False),
        sa.Column("review_version", sa.Integer, nullable=False),
        sa.Column("dataset", sa.Text, nullable=False),
        sa.Column("review_id", sa.Text, nullable=False),
        sa.Column("run_id", sa.Text, nullable=False),
        sa.Column("model_uri", sa.Text, nullable=False),
        sa.Column("annotator", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("corrected_label", sa.String(32), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_verdict", sa.String(32), nullable=True),
        sa.Column("previous_corrected_label", sa.String(32), nullable=True),
        sa.Column("previous_note", sa.Text, nullable=True),
        sa.UniqueConstraint("review_key", "review_version", name="uq_annotation_events_review_version"),
    )
    op.create_index("ix_annotation_events_dataset", "annotation_events", ["dataset"])
    op.create_index("ix_annotation_events_review_annotator", "annotation_events", ["review_key", "annotator"])


def downgrade() -> None:
    op.drop_index("ix_annotation_events_review_annotator", table_name="annotation_events")
    op.drop_index("ix_annotation_events_dataset", table_name="annotation_events")
    op.drop_table("annotation_events")
