"""signals: the history index ends with the id, PostgreSQL's tie-break among a day's observations

With it a full rescoring reads each kind from the index alone (an index-only scan) and sorts only
the few rows of a key observed on the same day, instead of visiting the table and sorting half a
million rows on disk.

Revision ID: 74e726e1c73b
Revises: 62511acd5784
Create Date: 2026-12-06 15:15:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '74e726e1c73b'
down_revision = '62511acd5784'
branch_labels = None
depends_on = None

COLUMNS = ['source', 'kind', 'unit_id', 'matter_id', 'task_id', 'observed_on', 'value']


def upgrade() -> None:
    op.drop_index('ix_signals_history', table_name='signals')
    op.create_index('ix_signals_history', 'signals', [*COLUMNS, sa.text('id DESC')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_signals_history', table_name='signals')
    op.create_index('ix_signals_history', 'signals', COLUMNS, unique=False)
