"""Titles and contributors: the CHECKs of format, status and role as comparisons joined by OR.

They accept exactly the values they accepted before. SQLite tested each IN list of three or
more values against a temporary index, which took a third of a large title import's writes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 04:40:00

"""
from alliance.migrating import replace_checks


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CHECKS = (  # table, constraint, column, the values it allows
    ("title", "ck_title_format", "format", ("paperback", "hardback", "ebook", "audiobook")),
    ("title", "ck_title_status", "status", ("forthcoming", "active", "withdrawn")),
    ("contributor", "ck_contributor_role", "role",
     ("author", "editor", "translator", "illustrator")),
)


def in_list(column, values):
    """Return the CHECK as migration 0002 wrote it."""
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def comparisons(column, values):
    """Return the CHECK as alliance.db.equals_one_of writes it."""
    return " OR ".join(f"{column} = '{value}'" for value in values)


def upgrade():
    _rewrite(in_list, comparisons)


def downgrade():
    _rewrite(comparisons, in_list)


def _rewrite(old, new):
    """Replace each CHECK written by `old` with the one written by `new`."""
    replace_checks(
        [(table, name, old(column, values), new(column, values))
         for table, name, column, values in CHECKS]
    )
