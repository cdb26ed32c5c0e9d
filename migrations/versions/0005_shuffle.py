"""shuffled choices: a seed per attempt, the order shown with each answer

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('seed', sa.BigInteger(), nullable=True))
    with op.batch_alter_table('answer') as batch:
        batch.add_column(sa.Column('shown', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('answer') as batch:
        batch.drop_column('shown')
    with op.batch_alter_table('attempt') as batch:
        batch.drop_column('seed')
