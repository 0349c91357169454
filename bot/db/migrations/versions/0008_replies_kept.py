"""replies kept until sent: a turn's replies wait in its inbound row; an outbox send in doubt is known

- inbound_update.state: `received` (the payload is the update as Telegram sent it) or `replying` (the turn has
  committed, and in the same transaction replaced the payload with its replies, encrypted, still to be sent). A
  `replying` row is sent, never run again, and deleted once sent: a crash between a turn's commit and its replies
  leaves the citizen answered after the restart.
- outbox.sending_at: when the send of the row's next piece began (NULL when no send is in flight or its result is
  recorded). A row leased with it set was being sent when its sender died: that piece may have arrived, and it is
  sent again marked as a possible repeat (the Bot API has no idempotency key).
- outbox.parts_sent: pieces of a long row already delivered (each one's message id kept at once), so a resend
  starts after them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 16:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=8), nullable=False, server_default='received'))
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('parts_sent', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    # Replies still waiting to be sent cannot be run again as updates: they go (the citizen writes again).
    op.execute("DELETE FROM inbound_update WHERE state <> 'received'")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('parts_sent')
        batch_op.drop_column('sending_at')
    with op.batch_alter_table('inbound_update', schema=None) as batch_op:
        batch_op.drop_column('state')
