"""a site's auto-close days in a column of its own, for every page read

Revision ID: d3a8f1c2b7e4
Revises: 7283fbf1aa2c
Create Date: 2026-12-01 18:20:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd3a8f1c2b7e4'
down_revision = '7283fbf1aa2c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_close_days', sa.Integer(), nullable=True))
    sites = sa.table(
        'sites', sa.column('id', sa.Integer), sa.column('settings', sa.JSON),
        sa.column('auto_close_days', sa.Integer),
    )
    connection = op.get_bind()
    for site_id, settings in connection.execute(sa.select(sites.c.id, sites.c.settings)).fetchall():
        if isinstance(settings, str):
            settings = json.loads(settings)
        days = (settings or {}).get('auto_close_days')
        if days is not None:
            connection.execute(
                sites.update().where(sites.c.id == site_id).values(auto_close_days=int(days))
            )


def downgrade():
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('auto_close_days')
