"""job journal: job_runs, failures linked to their run

Revision ID: 00d67e4e392b
Revises: 0948728ce088
Create Date: 2026-11-27 21:58:50.126964
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '00d67e4e392b'
down_revision = '0948728ce088'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=100), nullable=False),
    sa.Column('arguments', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='runstate', native_enum=False, length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('available_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_due', ['state', 'available_at'], unique=False)

    with op.batch_alter_table('job_failures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Enum('error', 'lost', name='failurereason', native_enum=False, length=12), server_default='error', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_job_failures_run_id_job_runs'), 'job_runs', ['run_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('job_failures', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_job_failures_run_id_job_runs'), type_='foreignkey')
        batch_op.drop_column('reason')
        batch_op.drop_column('run_id')

    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_due')

    op.drop_table('job_runs')
