"""privacy: case numbers never reused, bare case records after erasure, encrypted audit details and conversation
positions, staff groups awaiting approval, statistics without people, published flow versions

- handoff: AUTOINCREMENT on SQLite (a case number is never given twice, even after erasure); need, consent and
  citizen may be empty (the bare record kept of a contacted case after erasure), `erased_at`.
- audit_event.details, conversation.flow and conversation.step: encrypted (a topic's flow names the topic, and
  the details may name a crisis category). Existing rows are encrypted with the installed data key.
- unit.staff_chat_pending: a group asked for with /unitgroup gets nothing until an admin approves it.
- stat_count: counts per day, metric, topic and language, with no link to anyone.
- flow_version: published flow sets.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 15:00:00
"""
import json
from typing import Literal

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _cipher():  # noqa: ANN202
    from bot import crypto

    return crypto.active()


def _encrypt_rows(table: str, columns: list[str], *, as_json: bool = False) -> None:
    """Encrypt what the rows hold now (a new database has none, and needs no key)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
    if not rows:
        return
    cipher = _cipher()
    for row in rows:
        values = {}
        for index, column in enumerate(columns, start=1):
            value = row[index]
            if as_json and not isinstance(value, str):
                value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            values[column] = cipher.encrypt(value)
        assignments = ", ".join(f"{column} = :{column}" for column in columns)
        connection.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**values, "id": row[0]})


def _decrypt_rows(table: str, columns: list[str]) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
    if not rows:
        return
    cipher = _cipher()
    for row in rows:
        values = {column: cipher.decrypt(row[index]) for index, column in enumerate(columns, start=1)}
        assignments = ", ".join(f"{column} = :{column}" for column in columns)
        connection.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**values, "id": row[0]})


def _recreate() -> Literal['always', 'auto']:
    """SQLite needs the table made anew to gain AUTOINCREMENT; PostgreSQL alters it in place."""
    return 'always' if op.get_bind().dialect.name == 'sqlite' else 'auto'


def upgrade() -> None:
    with op.batch_alter_table('handoff', recreate=_recreate(), table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.drop_constraint('fk_handoff_need_id_need', type_='foreignkey')
        batch.drop_constraint('fk_handoff_consent_id_consent', type_='foreignkey')
        batch.drop_constraint('fk_handoff_citizen_id_citizen', type_='foreignkey')
        batch.alter_column('need_id', existing_type=sa.Integer(), nullable=True)
        batch.alter_column('consent_id', existing_type=sa.Integer(), nullable=True)
        batch.alter_column('citizen_id', existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key('fk_handoff_need_id_need', 'need', ['need_id'], ['id'], ondelete='SET NULL')
        batch.create_foreign_key('fk_handoff_consent_id_consent', 'consent', ['consent_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_foreign_key('fk_handoff_citizen_id_citizen', 'citizen', ['citizen_id'], ['id'],
                                 ondelete='SET NULL')

    with op.batch_alter_table('conversation') as batch:
        batch.alter_column('flow', existing_type=sa.String(64), type_=sa.Text())
        batch.alter_column('step', existing_type=sa.String(64), type_=sa.Text())
    _encrypt_rows('conversation', ['flow', 'step'])
    with op.batch_alter_table('audit_event') as batch:
        batch.alter_column('details', existing_type=sa.JSON(), type_=sa.Text(), postgresql_using='details::text')
    _encrypt_rows('audit_event', ['details'], as_json=True)

    with op.batch_alter_table('unit') as batch:
        batch.add_column(sa.Column('staff_chat_pending', sa.String(32), nullable=True))

    op.create_table(
        'stat_count',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('metric', sa.String(32), nullable=False),
        sa.Column('topic', sa.String(40), nullable=False),
        sa.Column('language', sa.String(2), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stat_count')),
        sa.UniqueConstraint('day', 'metric', 'topic', 'language', name='uq_stat_count_key'),
    )
    op.create_table(
        'flow_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(48), nullable=False),
        sa.Column('note', sa.String(500), nullable=False),
        sa.Column('content_hash', sa.String(64), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_version')),
    )
    with op.batch_alter_table('flow_version') as batch:
        batch.create_index(batch.f('ix_flow_version_content_hash'), ['content_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('flow_version') as batch:
        batch.drop_index(batch.f('ix_flow_version_content_hash'))
    op.drop_table('flow_version')
    op.drop_table('stat_count')
    with op.batch_alter_table('unit') as batch:
        batch.drop_column('staff_chat_pending')
    _decrypt_rows('audit_event', ['details'])
    with op.batch_alter_table('audit_event') as batch:
        batch.alter_column('details', existing_type=sa.Text(), type_=sa.JSON(), postgresql_using='details::json')
    _decrypt_rows('conversation', ['flow', 'step'])
    with op.batch_alter_table('conversation') as batch:
        batch.alter_column('flow', existing_type=sa.Text(), type_=sa.String(64))
        batch.alter_column('step', existing_type=sa.Text(), type_=sa.String(64))
    op.execute("DELETE FROM handoff WHERE need_id IS NULL OR consent_id IS NULL OR citizen_id IS NULL")
    with op.batch_alter_table('handoff', recreate=_recreate()) as batch:
        batch.drop_constraint('fk_handoff_need_id_need', type_='foreignkey')
        batch.drop_constraint('fk_handoff_consent_id_consent', type_='foreignkey')
        batch.drop_constraint('fk_handoff_citizen_id_citizen', type_='foreignkey')
        batch.drop_column('erased_at')
        batch.alter_column('need_id', existing_type=sa.Integer(), nullable=False)
        batch.alter_column('consent_id', existing_type=sa.Integer(), nullable=False)
        batch.alter_column('citizen_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key('fk_handoff_need_id_need', 'need', ['need_id'], ['id'], ondelete='CASCADE')
        batch.create_foreign_key('fk_handoff_consent_id_consent', 'consent', ['consent_id'], ['id'])
        batch.create_foreign_key('fk_handoff_citizen_id_citizen', 'citizen', ['citizen_id'], ['id'],
                                 ondelete='CASCADE')
