"""Annotations belong to an experiment; annotators get a display name beside their identity.

Revision ID: 0003_annotation_experiment
Revises: 0002_sign_in_failures
Create Date: 2026-12-02

``experiment_id`` is the MLflow experiment of the run an annotation was made on: the app
reads annotations of one experiment at a time, so nothing crosses a client's boundary.
Rows written before this revision were keyed by text and dataset name (a file name for
uploads, shared between clients). A migration must not talk to MLflow, so they keep a NULL
experiment here, which no read ever returns; the app then attributes them run by run
(``AnnotationStore.adopt_legacy``), re-keying each with its run's experiment, and leaves
hidden any it cannot attribute. ``annotator_name`` is the display name shown beside the
stable identity in ``annotator`` (NULL: none given).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_annotation_experiment"
down_revision = "0002_sign_in_failures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("annotation_events") as batch:
        batch.add_column(sa.Column("experiment_id", sa.Text, nullable=True))
        batch.add_column(sa.Column("annotator_name", sa.Text, nullable=True))
    op.create_index("ix_annotation_events_experiment_review", "annotation_events", ["experiment_id", "review_key"])
    op.create_index("ix_annotation_events_legacy_run", "annotation_events", ["run_id", "experiment_id"])


def downgrade() -> None:
    op.drop_index("ix_annotation_events_legacy_run", table_name="annotation_events")
    op.drop_index("ix_annotation_events_experiment_review", table_name="annotation_events")
    with op.batch_alter_table("annotation_events") as batch:
        batch.drop_column("annotator_name")
        batch.drop_column("experiment_id")
