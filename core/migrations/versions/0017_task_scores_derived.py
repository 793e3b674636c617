"""scoring_task_scores: a derived table, without the foreign key to tasks or the index on the priority

Every full rescoring rewrites the table: on PostgreSQL the foreign key checks and locks each new
row's task (about 1.2 s of a province's 100,000 scores) and the priority's index costs another
1.4 s, two thirds of the write together. No reader used the index (the queue is ordered by
rectification first, then by priority, over what the user's scope selects; the ranks kept at
training are a top-N sort of one column), and tasks are never deleted: the ledger keeps them,
every reader of the scores joins them, and a full rescoring writes scores for existing tasks only.

Revision ID: 8b1f3c2d9a47
Revises: 74e726e1c73b
Create Date: 2026-12-06 22:20:00.000000
"""
from __future__ import annotations

from alembic import op

revision = '8b1f3c2d9a47'
down_revision = '74e726e1c73b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('scoring_task_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_scoring_task_scores_priority')
        batch_op.drop_constraint('fk_scoring_task_scores_task_id_tasks', type_='foreignkey')


def downgrade() -> None:
    op.execute("DELETE FROM scoring_task_scores WHERE task_id NOT IN (SELECT id FROM tasks)")
    with op.batch_alter_table('scoring_task_scores', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_scoring_task_scores_task_id_tasks', 'tasks', ['task_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index('ix_scoring_task_scores_priority', ['priority'], unique=False)
