"""booking: index a person's bookings by start

Her record and her home list her bookings newest or soonest first; by user
alone PostgreSQL walked the start-time index of every booking backwards
(270 ms at district scale, issue 11).

Revision ID: b754f0718f32
Revises: 5e1c0a7d2b94
Create Date: 2026-11-23 19:14:52.373400

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b754f0718f32'
down_revision = '5e1c0a7d2b94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_user_id_starts_at', ['user_id', 'starts_at'], unique=False)



def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_user_id_starts_at')

