"""inbound updates: every incoming update stored before Telegram is told it arrived

An update (a citizen's or a coordinator's, any kind) is written here, its payload encrypted, before the webhook
answers 200 or the poller asks for the next offset; its turn runs from here, in the order of `id` within its chat,
and the row is deleted once the turn has committed. After a crash the bot resumes the rows that are left.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inbound_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('update_id', sa.BigInteger(), nullable=False),
        sa.Column('chat', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('crisis_answered', sa.Boolean(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_update')),
        sa.UniqueConstraint('source', 'update_id', name='uq_inbound_update_source_update'),
    )
    with op.batch_alter_table('inbound_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_update_chat'), ['chat'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_update_chat'))
    op.drop_table('inbound_update')
