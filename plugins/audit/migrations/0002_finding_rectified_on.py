"""finding rectified_on; unit signals become dated series

Revision ID: 3d9c0a51e7b2
Revises: 6aa254d47557
Create Date: 2026-12-06 10:00:00

Findings gain the day their rectification was completed. Findings already done
take the day staff verified them, or else the day they were last changed, in
the instance's default time zone. The unit signals that were one snapshot per
unit and kind (``unit:<id>:<kind>``) are removed: the next refresh (an import,
the tick) records them again as series dated by the findings' own dates.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '3d9c0a51e7b2'
down_revision = '6aa254d47557'
branch_labels = None
depends_on = None

# A migration replays the same way on every instance and in every future version, so it
# does not read the configuration or core.clock (which may change): it keeps the zone
# Duban's default was when it was written, the zone every instance of the time used.
ZONE = ZoneInfo("Asia/Shanghai")


def _local_day(value: object) -> date | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZONE).date()


def upgrade() -> None:
    with op.batch_alter_table('audit_findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rectified_on', sa.Date(), nullable=True))
    findings = sa.table('audit_findings', sa.column('id', sa.Integer()), sa.column('status', sa.String()),
                        sa.column('found_on', sa.Date()), sa.column('verified_at', sa.DateTime(timezone=True)),
                        sa.column('updated_at', sa.DateTime(timezone=True)), sa.column('rectified_on', sa.Date()))
    connection = op.get_bind()
    done = connection.execute(sa.select(findings.c.id, findings.c.found_on, findings.c.verified_at,
                                        findings.c.updated_at).where(findings.c.status == 'done')).all()
    params = []
    for finding_id, found_on, verified_at, updated_at in done:
        day = _local_day(verified_at) or _local_day(updated_at) or found_on
        if isinstance(found_on, str):
            found_on = date.fromisoformat(found_on)
        params.append({"b_id": finding_id, "rectified_on": max(day, found_on)})
    if params:
        connection.execute(findings.update().where(findings.c.id == sa.bindparam('b_id'))
                           .values(rectified_on=sa.bindparam('rectified_on')), params)
    signals = sa.table('signals', sa.column('source', sa.String()), sa.column('ref', sa.String()))
    connection.execute(signals.delete().where(signals.c.source == 'audit', signals.c.ref.like('unit:%'),
                                              ~signals.c.ref.contains('@')))


def downgrade() -> None:
    with op.batch_alter_table('audit_findings', schema=None) as batch_op:
        batch_op.drop_column('rectified_on')
