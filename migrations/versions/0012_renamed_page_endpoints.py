"""Finished jobs link to the label batch page by its new endpoint name (labels.detail).

The authenticity pages moved into their programmes' blueprints; a job's result keeps the
endpoint of the page it links to, so the results written before name one that is gone.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 14:30:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

RENAMED = {"authenticity.batch": "labels.detail"}


def _rename(names: dict) -> None:
    job = sa.table("job", sa.column("id", sa.Integer), sa.column("result", sa.JSON))
    bind = op.get_bind()
    for job_id, result in bind.execute(sa.select(job.c.id, job.c.result)):
        if isinstance(result, str):  # a driver that hands JSON back as text
            result = json.loads(result)
        if isinstance(result, dict) and result.get("link_endpoint") in names:
            result = {**result, "link_endpoint": names[result["link_endpoint"]]}
            bind.execute(sa.update(job).where(job.c.id == job_id).values(result=result))


def upgrade():
    _rename(RENAMED)


def downgrade():
    _rename({new: old for old, new in RENAMED.items()})
