"""learner summaries and weekly snapshots for cohort pages

Revision ID: 0011
Revises: 0007
Create Date: 2026-11-30 08:14:42.310410

"""
from alembic import op
import sqlalchemy as sa



revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('learner_summary',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('engine_version', sa.String(length=40), nullable=False),
    sa.Column('params_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('modules_done', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('last_active', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_kind', sa.String(length=20), nullable=True),
    sa.Column('next_module', sa.String(length=80), nullable=True),
    sa.Column('done', sa.JSON(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_learner_summary_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_learner_summary'))
    )
    op.create_table('learner_week',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('mastery', sa.JSON(), nullable=False),
    sa.Column('modules', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_learner_week_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'week', name=op.f('pk_learner_week'))
    )



def downgrade():
    op.drop_table('learner_week')
    op.drop_table('learner_summary')

