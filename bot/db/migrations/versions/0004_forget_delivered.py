"""update ids by source, forgotten after a window; delivered outbox rows keep no payload

The update ids of processed_update are kept per source (for Telegram the bot, `telegram:<bot id>`: Telegram numbers
updates per bot) and only for a window (bot.conversation.KEEP_UPDATE_IDS), so processed_at gets an index. An outbox
row sent or given up on holds no payload (NULL): rows delivered before this revision still held theirs, the case
cards and relayed words, and lose them here.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 03:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('processed_update', schema=None) as batch_op:
        batch_op.alter_column('channel', existing_type=sa.String(length=16), type_=sa.String(length=40),
                              existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_processed_update_processed_at'), ['processed_at'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.Text(), nullable=True)
    op.execute("UPDATE outbox SET payload = NULL WHERE sent_at IS NOT NULL OR failed_at IS NOT NULL")


def downgrade() -> None:
    # The payload was required before: delivered rows, whose payload is gone, go with it (their dedupe keys too).
    op.execute("DELETE FROM outbox WHERE payload IS NULL")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.Text(), nullable=False)

    op.execute("DELETE FROM processed_update WHERE length(channel) > 16")
    with op.batch_alter_table('processed_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_update_processed_at'))
        batch_op.alter_column('channel', existing_type=sa.String(length=40), type_=sa.String(length=16),
                              existing_nullable=False)
