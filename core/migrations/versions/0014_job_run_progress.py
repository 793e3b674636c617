"""jobs: how far a running job has got (rows checked of rows in all), for the page that follows it

Revision ID: 6c1d8e4f2a90
Revises: 3f9a2c7d5e18
Create Date: 2026-12-08 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '6c1d8e4f2a90'
down_revision = '3f9a2c7d5e18'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress_done', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('progress_total', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_column('progress_total')
        batch_op.drop_column('progress_done')
