"""plans: work plans and their items, special campaigns and their teams; a matter's supervision
requirement (督查要求); the campaign a review round belongs to

The role 督查专员 (``commissioner``) needs no change: users.role is a VARCHAR(20) without a
CHECK constraint (a non-native enum).

Revision ID: 62511acd5784
Revises: 6c1d8e4f2a90
Create Date: 2026-12-09 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.audit_direct import install_triggers

revision = '62511acd5784'
down_revision = '6c1d8e4f2a90'
branch_labels = None
depends_on = None

# Tables this revision adds to those watched for direct changes (core.audit_direct.WATCHED_TABLES).
WATCHED = ("work_plans", "plan_items")


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('planned', 'active', 'closed', name='campaignstate', native_enum=False, length=20), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaigns_created_by_id_users')),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_campaigns_leader_id_users')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_campaigns_owner_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_leader_id'), ['leader_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('work_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'approved', 'published', name='planstate', native_enum=False, length=20), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('drafted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_note', sa.Text(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_work_plans_approved_by_id_users')),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['users.id'], name=op.f('fk_work_plans_drafted_by_id_users')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_work_plans_owner_unit_id_units')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_work_plans_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_plans'))
    )
    with op.batch_alter_table('work_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_plans_owner_unit_id'), ['owner_unit_id'], unique=False)
        batch_op.create_index('ix_work_plans_owner_year', ['owner_unit_id', 'year', 'quarter'], unique=False)

    op.create_table('campaign_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_teams_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_campaign_teams_leader_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_teams'))
    )
    with op.batch_alter_table('campaign_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_teams_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('method', sa.Enum('written', 'on_site', 'campaign', 'unannounced', 'third_party', 'research', name='supervisionmethod', native_enum=False, length=20), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('visit_budget', sa.Integer(), nullable=False),
    sa.Column('requirement', sa.Text(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('progress', sa.Enum('not_started', 'under_way', 'done', 'dropped', name='itemprogress', native_enum=False, length=20), nullable=False),
    sa.Column('progress_note', sa.Text(), nullable=False),
    sa.Column('drop_reason', sa.Text(), nullable=False),
    sa.Column('progress_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_plan_items_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_id'], ['users.id'], name=op.f('fk_plan_items_lead_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['work_plans.id'], name=op.f('fk_plan_items_plan_id_work_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_plan_items_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_items'))
    )
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_items_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_items_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_items_unit_id'), ['unit_id'], unique=False)

    op.create_table('plan_item_matters',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['plan_items.id'], name=op.f('fk_plan_item_matters_item_id_plan_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_plan_item_matters_matter_id_matters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'matter_id', name=op.f('pk_plan_item_matters'))
    )
    with op.batch_alter_table('plan_item_matters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_matters_matter_id'), ['matter_id'], unique=False)

    op.create_table('plan_item_circulars',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('circular_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['circular_id'], ['circulars.id'], name=op.f('fk_plan_item_circulars_circular_id_circulars'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['plan_items.id'], name=op.f('fk_plan_item_circulars_item_id_plan_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'circular_id', name=op.f('pk_plan_item_circulars'))
    )
    op.create_table('campaign_matters',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_matters_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_campaign_matters_matter_id_matters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'matter_id', name=op.f('pk_campaign_matters'))
    )
    op.create_table('campaign_units',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_units_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_campaign_units_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'unit_id', name=op.f('pk_campaign_units'))
    )
    op.create_table('campaign_circulars',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('circular_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_circulars_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['circular_id'], ['circulars.id'], name=op.f('fk_campaign_circulars_circular_id_circulars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'circular_id', name=op.f('pk_campaign_circulars'))
    )
    op.create_table('campaign_team_members',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['campaign_teams.id'], name=op.f('fk_campaign_team_members_team_id_campaign_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_campaign_team_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_campaign_team_members'))
    )

    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervision_method', sa.Enum('written', 'on_site', 'campaign', 'unannounced', 'third_party', 'research', name='supervisionmethod', native_enum=False, length=20), nullable=True))
        batch_op.add_column(sa.Column('supervision_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('supervision_requirement', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_matters_supervision_due'), ['supervision_due'], unique=False)

    with op.batch_alter_table('review_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_review_rounds_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_review_rounds_campaign_id_campaigns'), 'campaigns', ['campaign_id'], ['id'], ondelete='SET NULL')
    # A plan's approval and its items are watched for changes made outside Duban (PostgreSQL).
    install_triggers(op.get_bind(), WATCHED)


def downgrade() -> None:
    # Dropping the tables drops their triggers; the recording function stays for the other tables.
    with op.batch_alter_table('review_rounds', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_review_rounds_campaign_id_campaigns'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_review_rounds_campaign_id'))
        batch_op.drop_column('campaign_id')

    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matters_supervision_due'))
        batch_op.drop_column('supervision_requirement')
        batch_op.drop_column('supervision_due')
        batch_op.drop_column('supervision_method')

    for table in ('campaign_team_members', 'campaign_circulars', 'campaign_units', 'campaign_matters',
                  'plan_item_circulars', 'plan_item_matters'):
        op.drop_table(table)
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_items_unit_id'))
        batch_op.drop_index(batch_op.f('ix_plan_items_plan_id'))
        batch_op.drop_index(batch_op.f('ix_plan_items_campaign_id'))

    op.drop_table('plan_items')
    with op.batch_alter_table('campaign_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_teams_campaign_id'))

    op.drop_table('campaign_teams')
    with op.batch_alter_table('work_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_work_plans_owner_year')
        batch_op.drop_index(batch_op.f('ix_work_plans_owner_unit_id'))

    op.drop_table('work_plans')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaigns_owner_unit_id'))
        batch_op.drop_index(batch_op.f('ix_campaigns_leader_id'))

    op.drop_table('campaigns')
