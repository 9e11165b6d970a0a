"""Queries behind the admin pages: users by filter, the audit log by filter."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select

from alliance.audit import AuditEvent
from alliance.auth.models import User, UserRole
from alliance.extensions import db
from alliance.members.models import Organisation


def users_matching(q: str | None, role: str | None, without_role: bool) -> Select:
    """Select users whose login or name contains `q`, holding `role`, or holding no role."""
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        query = query.where(
            or_(
                User.email.icontains(q, autoescape=True),
                User.mobile.icontains(q, autoescape=True),
                User.display_name.icontains(q, autoescape=True),
            )
        )
    if role:
        query = query.where(
            select(UserRole.user_id)
            .where(UserRole.user_id == User.id, UserRole.role == role)
            .exists()
        )
    if without_role:
        query = query.where(~select(UserRole.user_id).where(UserRole.user_id == User.id).exists())
    return query


def organisation_choices(language: str) -> list[tuple[int, str]]:
    """Return (id, name) of every organisation, by name."""
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name))
    return [(org.id, org.display_name(language)) for org in organisations]


def day_bounds(since: date | None, until: date | None, zone: str) -> tuple[datetime | None, ...]:
    """Turn local dates into UTC bounds: from the start of `since` to the end of `until`.

    Any valid date is taken: a bound beyond what a datetime holds (the start of 0001-01-01
    east of UTC, the end of 9999-12-31) is no bound at all, as nothing lies beyond it.
    """
    tz = ZoneInfo(zone)
    start = end = None
    if since:
        start = _utc(datetime.combine(since, time.min, tz))
    if until and until < date.max:
        end = _utc(datetime.combine(until + timedelta(days=1), time.min, tz))
    return start, end


def _utc(moment: datetime) -> datetime | None:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # before 0001-01-01 or after 9999-12-31 in UTC
        return None


def audit_matching(
    *,
    actor: str | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    zone: str = "Asia/Shanghai",
) -> Select:
    """Select audit events matching the filters, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if actor:
        query = query.where(AuditEvent.actor_label == actor)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if entity_type:
        query = query.where(AuditEvent.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEvent.entity_id == entity_id)
    start, end = day_bounds(since, until, zone)
    if start:
        query = query.where(AuditEvent.occurred_at >= start)
    if end:
        query = query.where(AuditEvent.occurred_at < end)
    return query
