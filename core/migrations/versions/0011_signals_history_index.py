"""signals: a covering index for the summaries of kinds kept as time series

Revision ID: 5d0c1f7a9e21
Revises: 04339be7fcd4
Create Date: 2026-12-06 02:20:00.000000
"""
from __future__ import annotations

from alembic import op

revision = '5d0c1f7a9e21'
down_revision = '04339be7fcd4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_signals_history', 'signals',
                    ['source', 'kind', 'unit_id', 'matter_id', 'task_id', 'observed_on', 'value'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_signals_history', table_name='signals')
