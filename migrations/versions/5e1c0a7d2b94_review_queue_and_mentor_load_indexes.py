"""indexes for two district-scale pages (issue 11): the review queue (a base's
applications of one status, by date) and a mentor's load (her active
mentorships), so neither reads every row of the base's history

Revision ID: 5e1c0a7d2b94
Revises: 9bbe12091540
Create Date: 2026-11-23 18:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e1c0a7d2b94'
down_revision = '9bbe12091540'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_site_status_submitted', ['site_id', 'status', 'submitted_at'],
                              unique=False)
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.create_index('ix_mentorships_profile_status', ['profile_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_index('ix_mentorships_profile_status')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_site_status_submitted')
