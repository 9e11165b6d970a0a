"""Member rules: the directory and who may see an organisation."""

from sqlalchemy import Select, or_, select

from alliance.members.models import MemberStatus, Organisation


def like_pattern(text: str) -> str:
    """Return a LIKE pattern matching `text` anywhere, with wildcards in it taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def directory(q: str | None, kind: str | None) -> Select:
    """Select active members whose Chinese or English name contains `q`, of `kind`."""
    query = select(Organisation).where(Organisation.status == MemberStatus.ACTIVE.value)
    if q:
        pattern = like_pattern(q)
        query = query.where(
            or_(
                Organisation.name.ilike(pattern, escape="\\"),
                Organisation.name_en.ilike(pattern, escape="\\"),
            )
        )
    if kind:
        query = query.where(Organisation.kind == kind)
    return query.order_by(Organisation.name)
