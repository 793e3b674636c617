"""job runs: who asked, who may follow

Revision ID: c8162685585b
Revises: 00d67e4e392b
Create Date: 2026-11-27 22:27:23.421441
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'c8162685585b'
down_revision = '00d67e4e392b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('audience', sa.String(length=60), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_job_runs_requested_by_users'), 'users', ['requested_by'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_job_runs_requested_by_users'), type_='foreignkey')
        batch_op.drop_column('audience')
        batch_op.drop_column('requested_by')
