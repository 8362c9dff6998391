"""booking: index bookings and sessions by resource (room) and end, for the calendars

Revision ID: 5d1c0a7e9b21
Revises: f6375f5e60cf
Create Date: 2026-11-23 18:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d1c0a7e9b21'
down_revision = 'f6375f5e60cf'
branch_labels = None
depends_on = None


def upgrade():
    # The day calendar and the week read the bookings of some resources that
    # end after a time; by resource alone that was every booking they ever had.
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_resource_id_ends_at', ['resource_id', 'ends_at'], unique=False)
    # The same question of the training sessions in a room; by the start index
    # the planner walked every past session.
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_training_sessions_room_id_ends_at', ['room_id', 'ends_at'], unique=False)


def downgrade():
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_training_sessions_room_id_ends_at')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_resource_id_ends_at')
