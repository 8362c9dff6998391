"""reports: day rows of the dashboard's figures

The dashboard summed a base's whole year of bookings, applications and
certificates on every request (67 ms in process, 1.4 s p95 on PostgreSQL at
district scale, issue 11). report_days holds what each figure sums per base
and local day, report_incubations when each person was first incubated, and
report_sites the bases whose rows are complete. Two indexes let the shops and
the active mentorships of a base be counted from the index alone. reports/daily.py keeps them
with every write; existing bases are built by `flask reports build-figures`
(or the reports.build_figures job), and counted from their records until then.

Revision ID: 35334561527c
Revises: 5d2c7a41e9b3
Create Date: 2026-12-02 01:51:32.723108

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '35334561527c'
down_revision = '5d2c7a41e9b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_days',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('applications', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('certificates', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('sessions', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('incubated', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('studio_minutes', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('bookings_due', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('no_shows', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('places_ended', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('places_completed', sa.BigInteger(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_report_days_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', 'day', name=op.f('pk_report_days'))
    )
    op.create_table('report_sites',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.Column('enrolment_stamp', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_report_sites_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_report_sites'))
    )
    op.create_table('report_incubations',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_report_incubations_person_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_report_incubations_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('site_id', 'person_id', name=op.f('pk_report_incubations'))
    )
    with op.batch_alter_table('report_incubations', schema=None) as batch_op:
        batch_op.create_index('ix_report_incubations_site_id_at', ['site_id', 'at'], unique=False)
    # The shops of a base that joined in a period, and by stage, read from the index alone.
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.create_index('ix_shops_site_id_created_at', ['site_id', 'created_at', 'stage_id'], unique=False)
    # The active mentorships of a base (whole history up to the period's end), read from the index alone.
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.create_index('ix_mentorships_site_id_starts_on',
                              ['site_id', 'starts_on', 'status', 'ends_on', 'ended_at'], unique=False)



def downgrade():
    with op.batch_alter_table('shops', schema=None) as batch_op:
        batch_op.drop_index('ix_shops_site_id_created_at')
    with op.batch_alter_table('mentorships', schema=None) as batch_op:
        batch_op.drop_index('ix_mentorships_site_id_starts_on')
    with op.batch_alter_table('report_incubations', schema=None) as batch_op:
        batch_op.drop_index('ix_report_incubations_site_id_at')

    op.drop_table('report_incubations')
    op.drop_table('report_sites')
    op.drop_table('report_days')
