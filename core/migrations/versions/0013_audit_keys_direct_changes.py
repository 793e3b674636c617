"""audit trail: the key id that chained each entry; changes made outside Duban (PostgreSQL triggers)

Revision ID: 3f9a2c7d5e18
Revises: 8b3e6f0d2c47
Create Date: 2026-12-07 12:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.audit_direct import install_triggers, remove_triggers

revision = '3f9a2c7d5e18'
down_revision = '8b3e6f0d2c47'
branch_labels = None
depends_on = None

# The tables watched as of this revision (core.audit_direct.WATCHED_TABLES); a later revision
# that watches more calls install_triggers again.
WATCHED = ("users", "api_tokens", "assignments", "units", "matters", "tasks", "task_co_units",
           "review_outcomes", "signals", "scoring_rule_files", "scoring_models", "audit_log", "audit_head")


def upgrade() -> None:
    # Entries already written keep a NULL key id: they are the unkeyed legacy prefix.
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))
    op.create_table('audit_direct_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('db_user', sa.String(length=120), nullable=True),
    sa.Column('client_addr', sa.String(length=60), nullable=True),
    sa.Column('application_name', sa.String(length=120), nullable=True),
    sa.Column('table_name', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('row_id', sa.String(length=80), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_direct_changes'))
    )
    install_triggers(op.get_bind(), WATCHED)


def downgrade() -> None:
    remove_triggers(op.get_bind(), WATCHED)
    op.drop_table('audit_direct_changes')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('key_id')
