"""tips: the origin of a public tip (digests of its rendered form and browser)

Revision ID: 5b1e0c7a93d2
Revises: d8446ac0bbc8
Create Date: 2026-12-06 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '5b1e0c7a93d2'
down_revision = 'd8446ac0bbc8'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('browser_digest', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tips', schema=None) as batch_op:
        batch_op.drop_column('browser_digest')
        batch_op.drop_column('form_digest')
