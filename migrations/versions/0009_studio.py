"""authoring studio: drafts, and a message on each published version

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 08:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=120), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('base_number', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_draft_author_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft')),
    sa.UniqueConstraint('path', name=op.f('uq_draft_path'))
    )
    for table in ('module_version', 'quiz_version'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('message', sa.Text(), server_default='', nullable=False))


def downgrade():
    for table in ('quiz_version', 'module_version'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('message')
    op.drop_table('draft')
