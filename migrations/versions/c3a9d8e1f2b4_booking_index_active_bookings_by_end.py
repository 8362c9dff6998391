"""booking: index a resource's bookings by status and end

The calendars and a new booking's clash check ask for a resource's active
bookings that end after a time; with (resource, end) the planners preferred
the (resource, status, start) index, which reads the resource's whole past
(2 ms a day page at district scale on SQLite, issue 11). (resource, status,
end) replaces (resource, end).

Revision ID: c3a9d8e1f2b4
Revises: b754f0718f32
Create Date: 2026-12-02 01:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3a9d8e1f2b4'
down_revision = 'b754f0718f32'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_resource_id_ends_at')
        batch_op.create_index('ix_bookings_resource_id_status_ends_at', ['resource_id', 'status', 'ends_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_resource_id_status_ends_at')
        batch_op.create_index('ix_bookings_resource_id_ends_at', ['resource_id', 'ends_at'], unique=False)
