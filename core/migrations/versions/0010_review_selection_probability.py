"""review outcomes: the chance the visit had of being chosen

Revision ID: 04339be7fcd4
Revises: c8162685585b
Create Date: 2026-12-06 02:05:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '04339be7fcd4'
down_revision = 'c8162685585b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('review_outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('selection_probability', sa.Float(), nullable=True))
    # Outcomes already recorded for planned visits take the probability their visit was drawn with.
    op.execute(
        "UPDATE review_outcomes SET selection_probability = ("
        "SELECT review_visits.inclusion_probability FROM review_visits "
        "WHERE review_visits.id = review_outcomes.visit_id) "
        "WHERE visit_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('review_outcomes', schema=None) as batch_op:
        batch_op.drop_column('selection_probability')
