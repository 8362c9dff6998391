"""enrolment: retired application questions

Removing a question that applicants had answered deleted it, and with it
every answer's place on the applicant page and in the CSV. Such a question
is now retired instead: not asked any more, kept for the answers (issue 4).

Revision ID: 81f70e0c285d
Revises: 35334561527c
Create Date: 2026-12-03 08:36:07.723612

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '81f70e0c285d'
down_revision = '35334561527c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programme_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('programme_questions', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
