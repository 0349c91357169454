"""units: their own reply time per urgency, in working hours

A unit says how soon its coordinators contact a citizen: {"urgent": 7, "soon": 35, "no_hurry": 70} working hours
(its opening hours, Finnish holidays closed). Existing units get those figures; the bot promises contact from them
(bot/handoff/hours.py expected_contact).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Frozen here: a later change of bot.db.models.DEFAULT_REPLY_HOURS is a migration of its own.
DEFAULT = '{"urgent": 7, "soon": 35, "no_hurry": 70}'


def upgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_hours', sa.JSON(), server_default=DEFAULT, nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('reply_hours')
