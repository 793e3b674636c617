"""hotline orders: the 12345 hotline's work orders (the hotline_orders branch)

Revision ID: b6138441c70d
Revises:
Create Date: 2026-12-06 09:18:04.594525
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'b6138441c70d'
down_revision = None
branch_labels = ('hotline_orders',)
depends_on = '0001_core'  # units and matters


def upgrade() -> None:
    op.create_table('hotline_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('category', sa.Enum('complaint', 'report', 'help', 'inquiry', 'suggestion', 'other', name='category', native_enum=False, length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('handling_unit_id', sa.Integer(), nullable=True),
    sa.Column('satisfaction', sa.Enum('satisfied', 'basically_satisfied', 'dissatisfied', name='satisfaction', native_enum=False, length=20), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=True),
    sa.Column('matter_score', sa.Float(), nullable=True),
    sa.Column('matter_given', sa.Boolean(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['handling_unit_id'], ['units.id'], name=op.f('fk_hotline_orders_handling_unit_id_units')),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_hotline_orders_matter_id_matters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_hotline_orders_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_orders')),
    sa.UniqueConstraint('number', name=op.f('uq_hotline_orders_number'))
    )
    with op.batch_alter_table('hotline_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotline_orders_handling_unit_id'), ['handling_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_orders_matter_id'), ['matter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_orders_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_hotline_orders_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_hotline_orders_unit_matter', ['unit_id', 'matter_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hotline_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_hotline_orders_unit_matter')
        batch_op.drop_index(batch_op.f('ix_hotline_orders_unit_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_orders_received_at'))
        batch_op.drop_index(batch_op.f('ix_hotline_orders_matter_id'))
        batch_op.drop_index(batch_op.f('ix_hotline_orders_handling_unit_id'))

    op.drop_table('hotline_orders')
