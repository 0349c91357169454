"""console work: staff e-mail and Telegram-free units, case outcomes and private notes, the view log's indexes

- coordinator.email: the work address staff notifications go to (they carry no client data).
- unit.staff_telegram: off keeps every card and relayed word of the unit's cases out of Telegram.
- handoff.outcome (guidance | referred | phone | unreachable | other) and outcome_note (encrypted): set at closing.
- case_note: a coordinator's private notes on a case (encrypted), erased with the citizen's data.
- stat_count: municipality, channel, unit (code) and bucket (a crisis category, a waiting-time band) join the key,
  for the lähitori's statistics; still nothing that leads to a person.
- handoff (status, created_at): an admin's inbox over every unit; audit_event (actor, at): the view log per person.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

STAT_FIELDS = (('municipality', 64), ('channel', 16), ('unit', 32), ('bucket', 24))


def upgrade() -> None:
    with op.batch_alter_table('coordinator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_telegram', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('outcome_note', sa.Text(), nullable=True))
        batch_op.create_index('ix_handoff_status_created', ['status', 'created_at'], unique=False)
    op.create_table('case_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=48), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff.id'], name=op.f('fk_case_note_handoff_id_handoff'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['coordinator_id'], ['coordinator.id'], name=op.f('fk_case_note_coordinator_id_coordinator'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note'))
    )
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_note_handoff_id'), ['handoff_id'], unique=False)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_actor_at', ['actor', 'at'], unique=False)
    with op.batch_alter_table('stat_count', schema=None) as batch_op:
        for name, length in STAT_FIELDS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), server_default='', nullable=False))
        batch_op.drop_constraint('uq_stat_count_key', type_='unique')
        batch_op.create_unique_constraint('uq_stat_count_key', ['day', 'metric', 'topic', 'language', 'municipality',
                                                                'channel', 'unit', 'bucket'])


def downgrade() -> None:
    with op.batch_alter_table('stat_count', schema=None) as batch_op:
        batch_op.drop_constraint('uq_stat_count_key', type_='unique')
        for name, _length in STAT_FIELDS:
            batch_op.drop_column(name)
        batch_op.create_unique_constraint('uq_stat_count_key', ['day', 'metric', 'topic', 'language'])
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_actor_at')
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_note_handoff_id'))
    op.drop_table('case_note')
    with op.batch_alter_table('handoff', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_status_created')
        batch_op.drop_column('outcome_note')
        batch_op.drop_column('outcome')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('staff_telegram')
    with op.batch_alter_table('coordinator', schema=None) as batch_op:
        batch_op.drop_column('email')
