"""training: index sessions by trainer

A person's sessions are those of her classes or those she leads; without this
index the "or she leads it" half made her next session a walk through every
session of the district (issue 11).

Revision ID: f6375f5e60cf
Revises: 333161ab7b41
Create Date: 2026-11-23 17:51:20.223267

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6375f5e60cf'
down_revision = '333161ab7b41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_trainer_id'), ['trainer_id'], unique=False)



def downgrade():
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_sessions_trainer_id'))

