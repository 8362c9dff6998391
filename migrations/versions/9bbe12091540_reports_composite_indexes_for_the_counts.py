"""reports: composite indexes for the dashboard's counts

The dashboard counts a base's year in the database (reports/counts.py). At
district scale a base's year is tens of thousands of applications, bookings
and certificates, and with one-column indexes each count read every row of
the base (or of the district's year) from the table: the one-year dashboard
took half a second (issue 11). Each index below holds the base, then what
the count filters on, then the columns it reads, so a count walks one range
of the index and never the table.

Revision ID: 9bbe12091540
Revises: 5d1c0a7e9b21
Create Date: 2026-11-23 18:01:56.627661

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9bbe12091540'
down_revision = '5d1c0a7e9b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_site_id_status',
                              ['site_id', 'status', 'cohort_id', 'user_id', 'applicant_group'], unique=False)
        batch_op.create_index('ix_applications_site_id_submitted_at', ['site_id', 'submitted_at', 'user_id'],
                              unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_resource_id_status_starts_at',
                              ['resource_id', 'status', 'starts_at', 'ends_at'], unique=False)
        batch_op.create_index('ix_bookings_site_id_status_starts_at', ['site_id', 'status', 'starts_at'], unique=False)

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_site_id_issued_at', ['site_id', 'issued_at', 'user_id'], unique=False)

    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_training_sessions_site_id_starts_at', ['site_id', 'starts_at'], unique=False)


def downgrade():
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_training_sessions_site_id_starts_at')

    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_site_id_issued_at')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_site_id_status_starts_at')
        batch_op.drop_index('ix_bookings_resource_id_status_starts_at')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_site_id_submitted_at')
        batch_op.drop_index('ix_applications_site_id_status')
