"""risk: screening batches, frozen leaves, decisions, re-inspection draws, rule versions, watch lists

Revision ID: risk_0001
Revises: platform_0001
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'risk_0001'
down_revision = 'platform_0001'
branch_labels = ('risk',)
depends_on = None


def upgrade() -> None:

    op.create_table('risk_batch_leaves',
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('body', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', 'kind', 'item_id', name=op.f('pk_risk_batch_leaves'))
    )
    op.create_table('risk_batches',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('customs_code', sa.String(length=16), nullable=False),
    sa.Column('site', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('commit', sa.String(length=64), nullable=False),
    sa.Column('server_seed', sa.String(length=64), nullable=False),
    sa.Column('batch_root', sa.String(length=64), nullable=True),
    sa.Column('party_commitments', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('entropy', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('outcome', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('entropy_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_batches'))
    )
    with op.batch_alter_table('risk_batches', schema=None) as batch_op:
        batch_op.create_index('ix_risk_batches_site_status', ['site', 'status'], unique=False)

    op.create_table('risk_decisions',
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('declaration_id', sa.String(length=64), nullable=False),
    sa.Column('enterprise', sa.String(length=64), nullable=False),
    sa.Column('selected', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=True),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('inspection_method', sa.String(length=16), nullable=False),
    sa.Column('unloading_method', sa.String(length=16), nullable=False),
    sa.Column('score', sa.String(length=16), nullable=False),
    sa.Column('officer_id', sa.String(length=64), nullable=True),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', 'declaration_id', name=op.f('pk_risk_decisions'))
    )
    with op.batch_alter_table('risk_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_risk_decisions_declaration', ['declaration_id'], unique=False)
        batch_op.create_index('ix_risk_decisions_officer', ['officer_id', 'drawn_at'], unique=False)

    op.create_table('risk_rechecks',
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('inspector', sa.String(length=64), nullable=False),
    sa.Column('recheck', sa.Boolean(), nullable=False),
    sa.Column('recheck_officer', sa.String(length=64), nullable=True),
    sa.Column('chief', sa.Boolean(), nullable=False),
    sa.Column('chief_officer', sa.String(length=64), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', 'task_id', name=op.f('pk_risk_rechecks'))
    )
    op.create_table('risk_rule_versions',
    sa.Column('rule_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('definition', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('reason_zh', sa.Text(), nullable=False),
    sa.Column('reason_en', sa.Text(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('rule_id', 'version', name=op.f('pk_risk_rule_versions'))
    )
    op.create_table('risk_watch_entries',
    sa.Column('list_name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('list_name', 'value', name=op.f('pk_risk_watch_entries'))
    )



def downgrade() -> None:

    op.drop_table('risk_watch_entries')
    op.drop_table('risk_rule_versions')
    op.drop_table('risk_rechecks')
    with op.batch_alter_table('risk_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_decisions_officer')
        batch_op.drop_index('ix_risk_decisions_declaration')

    op.drop_table('risk_decisions')
    with op.batch_alter_table('risk_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_risk_batches_site_status')

    op.drop_table('risk_batches')
    op.drop_table('risk_batch_leaves')

