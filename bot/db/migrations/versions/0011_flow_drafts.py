"""flow drafts and follow-up: an admin's unpublished edit of the flows in the console; a unit's follow-up question

- flow_draft: one per admin account: the whole set of flow files being edited (name -> YAML), the published version
  it began from, when it was last saved. Not client data; published with `lahitori flows publish` rules.
- unit.follow_up_days: when set, a citizen who consented to contact is asked "Did you get the help you needed?" that
  many days after their case closed; handoff.follow_up_sent_at / follow_up_answered_at make it once. The answer
  itself is only counted (stat_count), never stored with the case.
- message_log (handoff_id): a case's transcript in the console (measured: every transcript page scanned the table).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('flow_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_account.id'], name=op.f('fk_flow_draft_account_id_staff_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_draft')),
    sa.UniqueConstraint('account_id', name=op.f('uq_flow_draft_account_id'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('follow_up_answered_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.create_index('ix_message_log_handoff_id', ['handoff_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('message_log', schema=None) as batch_op:
        batch_op.drop_index('ix_message_log_handoff_id')
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.drop_column('follow_up_answered_at')
        batch_op.drop_column('follow_up_sent_at')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('follow_up_days')
    op.drop_table('flow_draft')
