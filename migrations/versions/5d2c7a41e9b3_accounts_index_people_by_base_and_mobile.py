"""accounts: index people by base and mobile

Staff adding a mentee find her among their base's people by the first digits
of her mobile (the mentoring overview's search). The unique phone index alone
serves the prefix but walks every number of the district that starts so (all
50,000 for "1", 20 ms on SQLite); with (site, phone) the search reads only
the base's matches.

Revision ID: 5d2c7a41e9b3
Revises: c3a9d8e1f2b4
Create Date: 2026-12-02 03:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d2c7a41e9b3'
down_revision = 'c3a9d8e1f2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_site_id_phone', ['site_id', 'phone'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_site_id_phone')
